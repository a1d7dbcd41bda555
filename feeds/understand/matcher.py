"""The show matcher: a headline (and its summary) + the catalog -> which shows, which events,
which season, and why.

    matcher = Matcher(shows)
    matcher.match("Netflix renews Wednesday for season 3")
    -> [ShowMatch(show="Wednesday", events=RENEWAL, seasons=(3,), reason=...)]

Shows are found in the title and in the summary; news comes from the title, or from the summary's
first sentence where the title teases ("Watch: … In “X”" + "“X” has unveiled its first teaser!");
the rest of a summary is background ("renewed in 2022" is not news). Where aliases overlap the
longest wins ("Squid Game: The Challenge" over "Squid Game"). Events come from the rows of
feeds.understand.patterns and go to the show the trigger is about: "Ted Lasso actress joins Slow
Horses" is casting for Slow Horses; "Stranger Things spin-off sets premiere" is nothing for
Stranger Things itself. An optional learned scorer (feeds.understand.scorer) may have the last word
on each (show, event); none ships today."""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from feeds.model import NO_EVENT, CatalogShow, Event, ShowMatch
from feeds.understand.catalog_index import Candidate, CatalogIndex
from feeds.understand.events import Clauses, EventHit, find_event_hits, is_framed, split_clauses
from feeds.understand.lexicon import (
    AFTER_SUBTITLE,
    AFTER_TITLE,
    CREDIT_BEFORE,
    CREDIT_LEADS,
    DERIVED_AFTER,
    DERIVED_LEADS,
    FILM_WORDS,
    FUNCTION_WORDS,
    HOST_NOUNS,
    LIST_JOINERS,
    NETWORKS,
    PERSON_AFTER,
    SEASON_SUBTITLE,
    SEASONISH_WORDS,
    TV_WORDS,
)
from feeds.understand.mentions import Headline, judge
from feeds.understand.patterns import Voice
from feeds.understand.scorer import EventScorer, Finding, bundled_scorer, features
from feeds.understand.seasons import SeasonRef, count_before_ending, number_after_title
from feeds.understand.summary import summary_sentences
from feeds.understand.text import clean
from feeds.understand.tokens import tokenize


def _rebuilt(shows: list[CatalogShow], scorer: EventScorer | None) -> Matcher:
    matcher = Matcher(shows, learned=False)
    matcher.scorer = scorer
    return matcher


class Role(enum.Enum):
    SUBJECT = "subject"  # the story is about this show: it can carry events
    CREDIT = "credit"  # "X star", "from the creator of X": the story is about a person
    DERIVED = "derived"  # "X spin-off", "X prequel": the story is about another show


@dataclass(slots=True)
class _Mention:
    show: CatalogShow
    spans: list[tuple[int, int]] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    whys: list[str] = field(default_factory=list)
    role: Role = Role.SUBJECT
    events: Event = NO_EVENT
    triggers: list[str] = field(default_factory=list)
    fired: list[tuple[Event, str, bool]] = field(default_factory=list)  # (event, pattern row, in the summary)
    seasons: tuple[int, ...] = ()
    season_text: str = ""
    in_title: bool = True

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[0][1]


@dataclass(slots=True)
class _Reading:
    headline: Headline
    mentions: list[_Mention]
    clauses: Clauses | None  # None when no events were looked for (or no show is named)
    news: bool = False  # read as part of the news (the headline, or the summary's lead where the title teases)


class Matcher:
    """Builds its index once; `match` is pure and cheap (a trie walk, then rules on the few hits)."""

    def __init__(self, shows: Iterable[CatalogShow], *, learned: bool = True) -> None:
        """`learned=False` leaves the events to the rules alone (the learned scorer is not consulted)."""
        self.index = CatalogIndex(shows)
        self.scorer = bundled_scorer() if learned else None

    def __reduce__(self) -> tuple[Callable[..., Matcher], tuple[list[CatalogShow], EventScorer | None]]:
        """A Matcher pickles as its catalog and scorer: a worker process rebuilds the index itself,
        which is quicker than unpickling it and keeps the pickle small."""
        return _rebuilt, (self.index.shows, self.scorer)

    @property
    def show_count(self) -> int:
        return len(self.index.shows)

    def match(self, title: str, summary: str = "") -> list[ShowMatch]:
        reading, sentences = self._understand(title, summary)
        if reading.mentions and self.scorer is not None:
            self._second_opinion(reading)
        if reading.mentions and _about_a_film(reading.headline.text, sentences):
            # a show named as credit or parent ("X star", "post-X film", "X spin-off") is still the show
            reading.mentions = [m for m in reading.mentions if m.role is not Role.SUBJECT
                                or not all(w in _WEAK_EVIDENCE for w in m.whys)]
        return [
            ShowMatch(m.show.id, m.show.title, m.events, m.seasons, _reason(m),
                      tuple((reading.headline.tokens[s].start, reading.headline.tokens[e - 1].end)
                            for s, e in m.spans) if m.in_title else ())
            for m in reading.mentions
        ]

    def event_candidates(self, title: str, summary: str = "") -> list[tuple[str, Event, list[str]]]:
        """(show, event, features) for every show the item is about and every event, as the learned
        scorer sees them, before it decides (tools/train_scorer.py trains on these)."""
        reading, _sentences = self._understand(title, summary)
        return [(m.show.title, event, names) for m, event, names in _candidates(reading)]

    def _understand(self, title: str, summary: str) -> tuple[_Reading, list[str]]:
        text = clean(title)
        sentences = summary_sentences(summary, text) if summary else []
        reading = self._read(text, context=" ".join(sentences))
        if sentences:
            # the lead paragraph's events matter only where the title teases; its words where it may
            # restate the title's news; any later sentence only for the shows it names (a cheap test
            # skips the rest)
            framed = (reading.clauses.denial or bool(reading.clauses.silent)) if reading.clauses else is_framed(text)
            teases = not any(m.events for m in reading.mentions) and not framed
            restates = any(m.events and not m.seasons for m in reading.mentions) or (teases and bool(reading.mentions))
            window = _lead_length(text, reading) if teases else 1
            completes = ADD_TO_NEWS and not teases and not framed and any(m.events for m in reading.mentions)
            # the lead paragraph is read for a season too when the title's show has none
            undated = teases or not reading.mentions or any(m.role is Role.SUBJECT and not m.seasons for m in reading.mentions)
            dating = max(window, SEASON_LEAD) if undated else 0
            readings = []
            item_text = " ".join([text, *sentences])
            for i, sentence in enumerate(sentences):
                news = (teases and i < window) or (completes and i == 0)
                if not (news or (i == 0 and restates) or i < dating) and not self.index.may_name_a_show(sentence):
                    readings.append(_Reading(Headline(sentence, []), [], None))
                else:
                    readings.append(self._read(sentence, lead=news, prose=True, context=item_text))
                    readings[-1].news = news
            self._add_summary(reading, readings, framed=framed)
            if dating:
                _topic_season(reading, readings[:dating])
        return reading, sentences

    def _second_opinion(self, reading: _Reading) -> None:
        """The learned scorer weighs the rules' findings and the headline's words for every event of
        every show the item is about; where it disagrees with the rules, it decides."""
        assert self.scorer is not None
        decided: dict[int, Event] = {}
        for m, event, names in _candidates(reading):
            p = self.scorer.probability(names)
            yes = p >= self.scorer.threshold
            decided[id(m)] = decided.get(id(m), NO_EVENT) | (event if yes else NO_EVENT)
            if yes != (event in m.events):
                m.triggers.append(f"learned scorer: {'+' if yes else '-'}{event.slug} (p={p:.2f})")
        for m in reading.mentions:
            if id(m) in decided:
                m.events = decided[id(m)]

    def _read(self, text: str, *, lead: bool = True, prose: bool = False, context: str = "") -> _Reading:
        """One headline or summary sentence: its show mentions with their roles, events and seasons."""
        tokens = tokenize(text)
        headline = Headline(text, tokens, prose=prose, context=context)
        candidates = self.index.candidates(tokens) if tokens else []
        mentions = self._mentions(candidates, headline) if candidates else []
        if not mentions:
            return _Reading(headline, [], None)
        self._assign_roles(mentions, headline)
        clauses = self._assign_events(mentions, headline) if lead else None
        self._assign_seasons(mentions, headline)
        return _Reading(headline, mentions, clauses)

    def _add_summary(self, title: _Reading, sentences: list[_Reading], *, framed: bool) -> None:
        """Shows named in the summary count too. Where the title teases (names no news, and is no
        review, rumour or interview) the summary's lead paragraph carries the news: each of its
        sentences gives its events to the shows it is about — only to the title's show when the title
        names one (the title decides), else to the shows the summary names; a sentence that names no
        show but speaks of "the series" / "the drama" gives its news to the item's one topic."""
        known = {m.show.id: m for m in title.mentions}
        subjects = {m.show.id for m in title.mentions if m.role is Role.SUBJECT}
        topic: _Mention | None = None
        if len(subjects) == 1 and not framed:
            topic = next(m for m in title.mentions if m.show.id in subjects)
        if not sentences[0].mentions:
            _season_from_lead(title.mentions, sentences[0].headline)
        for index, sentence in enumerate(sentences):
            names_a_subject = any(m.role is Role.SUBJECT and (sentence.clauses is None or _aside_at(
                sentence.headline.tokens[m.start].start, sentence.clauses) is None) for m in sentence.mentions)
            if sentence.news and not names_a_subject and topic is not None and not any(
                    m.events for m in title.mentions if m.in_title):
                _news_from_anaphoric_lead(topic, sentence.headline)
            named_here: list[_Mention] = []
            for m in sentence.mentions:
                mine = known.get(m.show.id)
                if mine is None:
                    mine = _Mention(m.show, list(m.spans), list(m.matched), [f"in the summary: {w}" for w in m.whys],
                                    m.role, in_title=False)
                    known[m.show.id] = mine
                    title.mentions.append(mine)
                    if (sentence.news or index < SEASON_LEAD) and m.seasons and m.role is Role.SUBJECT:
                        mine.seasons, mine.season_text = m.seasons, m.season_text
                if m.role is Role.SUBJECT:
                    named_here.append(mine)
                    if (sentence.news or index < SEASON_LEAD) and m.seasons and not mine.seasons:
                        mine.seasons, mine.season_text = m.seasons, m.season_text
                if sentence.clauses is None or not m.events or m.role is not Role.SUBJECT:
                    continue
                if m.show.id in subjects or (not subjects and not mine.in_title):
                    mine.events |= m.events
                    mine.triggers.extend(f"in the summary, {t}" for t in m.triggers)
                    mine.fired.extend((e, row, True) for e, row, _ in m.fired)
                    if not mine.seasons and m.seasons:
                        mine.seasons, mine.season_text = m.seasons, m.season_text
            if not subjects and sentence.news and named_here:
                # no title to decide: the first sentence that names one show makes it the topic
                distinct = {id(m) for m in named_here}
                topic = named_here[0] if len(distinct) == 1 else None

    # -- which shows -------------------------------------------------------------------------
    def _mentions(self, candidates: list[Candidate], headline: Headline) -> list[_Mention]:
        accepted: list[tuple[Candidate, str]] = []
        rejected: list[Candidate] = []
        for cand in candidates:
            verdict = judge(cand, headline)
            (accepted.append((cand, verdict.why)) if verdict.accepted else rejected.append(cand))
        accepted.extend(_listed_with(rejected, [c for c, _ in accepted], headline))
        named = {c.alias.show.id for c, _ in accepted if c.alias.parent is None}
        accepted = [(c, w) for c, w in accepted if c.alias.parent is None or c.alias.parent.id in named]
        # longest first; a shorter alias inside a longer accepted one is not a mention of its own
        accepted.sort(key=lambda cw: (-(cw[0].end - cw[0].start), cw[0].start))
        taken: list[tuple[int, int]] = []
        by_show: dict[int, _Mention] = {}
        for cand, why in accepted:
            if any(cand.start < e and s < cand.end for s, e in taken):
                continue
            taken.append((cand.start, cand.end))
            mention = by_show.setdefault(cand.alias.show.id, _Mention(cand.alias.show))
            mention.spans.append((cand.start, cand.end))
            mention.matched.append(cand.alias.text)
            mention.whys.append(why)
        mentions = list(by_show.values())
        for m in mentions:
            m.spans.sort()
        mentions.sort(key=lambda m: m.start)
        return mentions

    def _assign_roles(self, mentions: list[_Mention], headline: Headline) -> None:
        for m in mentions:
            roles = [_role_at(s, e, headline) for s, e in m.spans]
            m.role = Role.SUBJECT if Role.SUBJECT in roles else roles[0]
        # "Euphoria and The White Lotus stars join …": a list shares the role of its last member
        for left, right in reversed(list(itertools.pairwise(mentions))):
            if _joined(left, right, headline) and left.role is Role.SUBJECT:
                left.role = right.role

    # -- which events ------------------------------------------------------------------------
    def _assign_events(self, mentions: list[_Mention], headline: Headline) -> Clauses:
        lowered = headline.text.lower()
        chars = list(lowered) if len(lowered) == len(headline.text) else [
            c.lower() if len(c.lower()) == 1 else c for c in headline.text]
        tokens = headline.tokens
        for m in mentions:  # a colon inside a title ("Vikings: Valhalla") does not end a clause
            for start, end in m.spans:
                for i in range(tokens[start].start, tokens[end - 1].end):
                    if chars[i] in ":|":
                        chars[i] = " "
        lowered = "".join(chars)
        titles = [(tokens[s].start, tokens[e - 1].end) for m in mentions for s, e in m.spans]
        clauses = split_clauses(lowered, headline.text, titles)
        hits = find_event_hits(lowered, clauses)
        eligible = [m for m in mentions if m.role is Role.SUBJECT]
        if not hits or not eligible:
            return clauses
        starts = {tokens[s].start for m in mentions for s, _e in m.spans}
        aside_of = {id(m): _aside_at(tokens[m.start].start, clauses) for m in eligible}
        for hit in hits:
            if any(tokens[s].start <= hit.start < tokens[e - 1].end for m in mentions for s, e in m.spans):
                continue  # a trigger word inside a title ("The Renewal", "Cast Away") is not a trigger
            if hit.active and hit.event is not Event.CASTING and _object_is_something_else(hit, starts, headline):
                continue  # "Netflix cancels Willow, renews X": the cancellation is Willow's
            if hit.event is Event.CASTING and hit.strict and _network_before(hit, headline):
                continue  # "Hulu boards X": a network picking a show up is a deal, not casting
            here = _aside_at(hit.start, clauses)
            # a show named inside an aside ("…, which will star Nana (Oh! Master)") is no trigger's target outside it
            candidates = [m for m in eligible if aside_of[id(m)] in (None, here)]
            if not candidates:
                continue
            for target in _targets(hit, candidates, mentions, headline, clauses.index):
                target.events |= hit.event
                target.triggers.append(f"{hit.event.slug}: {hit.text.strip()!r} [{hit.pattern}]")
                target.fired.append((hit.event, hit.pattern, False))
        return clauses

    # -- which season ------------------------------------------------------------------------
    def _assign_seasons(self, mentions: list[_Mention], headline: Headline) -> None:
        tokens, text = headline.tokens, headline.text
        refs = list(headline.season_refs)
        for m in mentions:
            for _s, e in m.spans:
                if (ref := number_after_title(tokens, text, e)) is not None and not any(
                    r.start <= ref.start < r.end for r in refs
                ):
                    refs.append(ref)
        refs.sort(key=lambda r: r.start)
        claimed: set[int] = set()  # refs taken as "the season after" by an earlier show
        for index, m in enumerate(mentions):
            low = mentions[index - 1].spans[-1][1] if index > 0 else 0
            high = mentions[index + 1].start if index + 1 < len(mentions) else len(tokens)
            if m.role is not Role.SUBJECT:
                # "Ted Lasso actress joins Slow Horses for season 5": the season is the other show's
                if any(o.role is Role.SUBJECT for o in mentions if o is not m):
                    continue
            window = [r for r in refs if low <= r.start and r.end <= high]
            after = [r for r in window if r.start >= m.end]
            # a season before the title counts when it leads into it ("a third season of X")
            before = [r for r in window if r.end <= m.start and (m.start - r.end <= 3 or index == 0)
                      and r.start not in claimed]
            if not after and not before:
                continue
            best: SeasonRef = after[0] if after else before[-1]
            claimed.add(best.start)
            m.seasons = best.seasons
            m.season_text = best.text
        for left, right in reversed(list(itertools.pairwise(mentions))):
            # "'Time', 'The Tourist' and 'Vigil' return for a second series": the list shares its season
            if not left.seasons and right.seasons and right.season_text and left.role is right.role \
                    and _joined(left, right, headline):
                left.seasons, left.season_text = right.seasons, right.season_text
        for m in mentions:  # "cancelled after two seasons" is season 2
            if not m.seasons and m.role is Role.SUBJECT and (n := count_before_ending(text)) is not None:
                m.seasons, m.season_text = (n,), f"ended after {n}"


def _role_at(start: int, end: int, headline: Headline) -> Role:
    tokens = headline.tokens
    before = headline.text[:tokens[start].start]
    if before.count("(") > before.count(")") and ")" in headline.text[tokens[end - 1].end:]:
        return Role.CREDIT  # "… Official Preview (PBS Masterpiece/BBC)", "Jane Doe (Succession)": an aside
    if end < len(tokens) and headline.text[tokens[end - 1].end:tokens[end].start] == "-" and tokens[end].key.isalpha():
        return Role.CREDIT  # a compound: "Dark-Macher", "Squid-Game-Star"
    if start > 0 and headline.text[tokens[start - 1].end:tokens[start].start] == "-":
        return Role.CREDIT  # "post-Succession film", "ex-Bridgerton star"
    if end + 1 < len(tokens) and tokens[end].text == "&" and tokens[end + 1].capitalised and headline.sentence_case:
        return Role.DERIVED  # "The Mandalorian & Grogu": a film named after the show
    if end < len(tokens) and headline.text[tokens[end - 1].end:tokens[end].start].strip() == ":":
        region = headline.quoted_region(start, end)
        if region is not None and region[1] > end:
            return Role.DERIVED  # "‘Mr. Queen: The Bamboo Forest’": a spin-off named after its parent
        if _subtitle_follows(end, headline):
            return Role.DERIVED  # "Money Heist: Korea gets a trailer"
    j = end
    while j < len(tokens) and j < end + 3 and tokens[j].key in DERIVED_LEADS | CREDIT_LEADS:
        if tokens[j].key in DERIVED_AFTER:
            break
        if tokens[j].key in ("animated", "anthology"):
            return Role.DERIVED  # "The Boys animated anthology series announced": another show
        j += 1
    if j < len(tokens) and tokens[j].key in DERIVED_AFTER:
        return Role.DERIVED
    k = end
    while k < len(tokens) and k < end + 2 and tokens[k].key in CREDIT_LEADS:
        k += 1
    if k < len(tokens) and tokens[k].key in PERSON_AFTER and not headline.initial[k]:
        if tokens[k].key == "cast" and (_cast_is_verb(k, headline) or k + 1 >= len(tokens)
                                        or tokens[k + 1].key not in ("member", "members", "alum", "alums")):
            return Role.SUBJECT  # "X cast says goodbye as filming wraps": the cast is the show
        return Role.CREDIT
    if (start >= 3 and tokens[start - 1].key == "of" and tokens[start - 2].capitalised
            and tokens[start - 3].capitalised and not tokens[start - 2].key.isdigit()
            and tokens[start - 2].key not in AFTER_TITLE and tokens[start - 2].key not in SEASON_SUBTITLE
            and tokens[start - 3].key not in AFTER_TITLE and tokens[start - 2].key not in FUNCTION_WORDS
            and tokens[start - 2].key not in HOST_NOUNS):
        return Role.CREDIT  # "Julia Garner of Ozark will play …"
    if (start >= 2 and tokens[start - 1].key in ("of", "behind") and tokens[start - 2].key in CREDIT_BEFORE
            and not (start >= 3 and tokens[start - 3].key == "new")):
        return Role.CREDIT
    last = tokens[end - 1]
    if (last.possessive and end + 1 < len(tokens) and headline.sentence_case and tokens[end].capitalised
            and tokens[end + 1].capitalised and not tokens[end].key.isdigit()
            and tokens[end].key not in AFTER_TITLE):
        return Role.CREDIT  # "Succession's Jeremy Strong …"
    if start >= 2 and tokens[start - 1].key in ("of", "to") and tokens[start - 2].key in DERIVED_AFTER:
        return Role.DERIVED
    return Role.SUBJECT




def _subtitle_follows(end: int, headline: Headline) -> bool:
    """After "Title:", one to four capitalised words then a show noun: a subtitle, i.e. another show."""
    tokens = headline.tokens
    if end < len(tokens) and tokens[end].key in NETWORKS:
        return False  # "X: Netflix Confirms Season 2": the network speaks, no subtitle
    j = end
    while j < len(tokens) and j < end + 4 and tokens[j].capitalised and not tokens[j].key.isdigit() \
            and tokens[j].key not in AFTER_SUBTITLE:
        if tokens[j].key in SEASON_SUBTITLE:
            return False  # "Attack on Titan: The Final Season": a season's name, not another show
        j += 1
    if end < j == len(tokens):
        return True  # "orders another season of Love Is Blind: UK": the subtitle ends the headline
    if not end < j < len(tokens) or tokens[j].key not in AFTER_SUBTITLE:
        return False
    return tokens[j].text[:1].islower() or (not headline.sentence_case and tokens[j].key in ("season", "trailer", "teaser"))


def _cast_is_verb(k: int, headline: Headline) -> bool:
    """'X cast adds Y' and 'X cast revealed' are casting news about X; 'X cast reunite' is not."""
    tokens = headline.tokens
    if k + 1 >= len(tokens):
        return False
    return tokens[k + 1].key in {"adds", "grows", "expands", "revealed", "announced", "unveiled", "confirmed",
                                 "set", "in", "as", "includes", "members", "list", "additions"}


def _targets(hit: EventHit, eligible: list[_Mention], mentions: list[_Mention], headline: Headline,
             clause_of: Callable[[int], int]) -> list[_Mention]:
    """The show(s) an event trigger is about."""
    tokens = headline.tokens
    if hit.voice is Voice.BEFORE:
        # "X brings back Y": only the show before the trigger, in its clause
        before = [m for m in eligible if tokens[m.spans[0][1] - 1].end <= hit.start
                  and clause_of(tokens[m.start].start) == hit.clause]
        return _list_from(before, headline, forward=False)
    if hit.strict:
        # "joins Josh Hartnett in Oliver Stone's 'White Lies' Movie": a film of the same name is not the show
        after = _list_from([m for m in eligible if tokens[m.start].start >= hit.end and not _names_a_film(m, headline)],
                           headline, forward=True)
        if after:
            return after
        # "‘Show’: Person Joins …" — the headline's topic, named before the colon
        topic = eligible[0]
        topic_end = clause_of(tokens[topic.spans[0][1] - 1].start)
        returning = hit.text.rstrip().endswith((" to", " for"))  # "returns to Godolkin": the show returns
        if topic is mentions[0] and hit.clause > topic_end and len(eligible) == 1 and not returning:
            return [topic]
        return []
    if len(eligible) == 1:
        return eligible
    index = clause_of

    def clause_set(m: _Mention) -> set[int]:
        out: set[int] = set()
        for s, e in m.spans:
            out.add(index(tokens[s].start))
            out.add(index(tokens[e - 1].start))
        return out

    same = [m for m in eligible if hit.clause in clause_set(m)] or eligible
    before = [m for m in same if tokens[m.spans[0][1] - 1].end <= hit.start]
    after = [m for m in same if tokens[m.start].start >= hit.end]
    if hit.active:
        chosen = _list_from(after, headline, forward=True) or _list_from(before, headline, forward=False)
    else:
        chosen = _list_from(before, headline, forward=False) or _list_from(after, headline, forward=True)
    return chosen or same[:1]


def _list_from(side: list[_Mention], headline: Headline, *, forward: bool) -> list[_Mention]:
    """The nearest show on one side of a trigger, and the shows listed with it ("X and Y renewed")."""
    if not side:
        return []
    ordered = side if forward else list(reversed(side))
    chosen = [ordered[0]]
    text, tokens = headline.text, headline.tokens
    for nxt in ordered[1:]:
        a, b = (chosen[-1], nxt) if forward else (nxt, chosen[-1])
        gap = text[tokens[a.spans[0][1] - 1].end:tokens[b.start].start]
        if _is_list_gap(gap):
            chosen.append(nxt)
        else:
            break
    return chosen


_SEASONISH = re.compile(r"^(?:season|seasons|series|s\d+|\d+|part|final|first|second|third|"
                        r"fourth|fifth|sixth|seventh|eighth|ninth|tenth)$")


_PARENTHESES = re.compile(r"\([^()]{0,40}\)")


def _is_list_gap(gap: str) -> bool:
    """Only list joiners (and the left item's season words) between two titles: "X season 2 and Y"."""
    gap = _PARENTHESES.sub(" ", gap)  # "X (Jan. 3), Y (Jan. 5) and Z": a list with its asides
    words = gap.replace(",", " , ").replace("&", " and ").replace("'", " ").replace('"', " ").split()
    if not words:
        return sum(gap.count(q) for q in "'\"‘’“”") >= 2  # "'Cooper Barrett' 'Lucifer'": quoted titles side by side
    if not any(w.lower() in LIST_JOINERS for w in words):
        return False
    return all(w.lower() in LIST_JOINERS or _SEASONISH.match(w.lower()) for w in words)


def _joined(left: _Mention, right: _Mention, headline: Headline) -> bool:
    tokens = headline.tokens
    gap = headline.text[tokens[left.spans[-1][1] - 1].end:tokens[right.start].start]
    return _is_list_gap(gap)


def _listed_with(rejected: list[Candidate], accepted: list[Candidate], headline: Headline) -> list[tuple[Candidate, str]]:
    """"Euphoria and The White Lotus stars …": a title listed beside an accepted one counts too."""
    tokens, text = headline.tokens, headline.text
    out: list[tuple[Candidate, str]] = []
    for cand in rejected:
        if cand.alias.parent is not None or not all(tokens[i].capitalised or tokens[i].cjk
                                                     for i in range(cand.start, cand.end)):
            continue
        for other in accepted:
            if other.start >= cand.end:
                gap = text[tokens[cand.end - 1].end:tokens[other.start].start]
            elif other.end <= cand.start:
                gap = text[tokens[other.end - 1].end:tokens[cand.start].start]
            else:
                continue
            first = min(cand.start, other.start)
            from_to = gap.strip().lower() == "to" and first > 0 and tokens[first - 1].key == "from"
            if gap.strip() in (",", "&", "and", ", and") or gap.strip().lower() in ("and", "&") or from_to:
                out.append((cand, f"listed with {other.alias.show.title!r}"))
                break
    return out


def _names_a_film(mention: _Mention, headline: Headline) -> bool:
    """"Oliver Stone's 'White Lies' Movie": someone's film of the same name. ("the Peaky Blinders
    movie" is the show's own film, and its news is the show's.)"""
    start, end = mention.spans[0]
    tokens = headline.tokens
    return (end < len(tokens) and tokens[end].key in ("movie", "film")
            and start > 0 and tokens[start - 1].possessive)


def _object_is_something_else(hit: EventHit, show_starts: set[int], headline: Headline) -> bool:
    """An active verb ("cancels", "sets") whose object is a capitalised name that is not a catalog show."""
    verb = hit.text.split()[0] if hit.text.split() else ""
    if not verb.endswith("s") or verb.endswith("ss") or verb.startswith("replac"):
        return False  # "replaces Yoo Ah-in in Hellbound": the object is the actor replaced
    text = headline.text
    rest = text[hit.end:]
    m = re.match(r"\s*['\"]?(\S)", rest)
    if not m:
        return False
    pos = hit.end + m.start(1)
    if pos in show_starts or pos - 1 in show_starts:
        return False
    ch = m.group(1)
    if not ch.isupper():
        return False
    word = re.match(r"[\w+]+", text[pos:])
    key = word.group().lower() if word else ""
    return not (re.fullmatch(r"s\d+", key) or key in SEASONISH_WORDS or key in FUNCTION_WORDS)




_WEAK_EVIDENCE = frozenset({"distinct title", "quoted", "capitalised as a title", "in the summary: distinct title",
                            "in the summary: quoted", "in the summary: capitalised as a title"})


_ANAPHOR = re.compile(r"^(?:[\w'’]+ ){0,3}?(?:the (?:\w+ )?(?:series|show|drama|sitcom|comedy|thriller|soap|"
                      r"docuseries|miniseries|anime|franchise|k-drama|programme|program)|it)\b", re.I)


def _aside_at(offset: int, clauses: Clauses) -> tuple[int, int] | None:
    """The aside (a relative clause, a look back) a character offset stands in, if any."""
    for start, end in clauses.asides:
        if start <= offset < end:
            return start, end
    return None


def _lead_length(title: str, reading: _Reading) -> int:
    """How many of the summary's first sentences may carry news: the lead paragraph. Under a headline
    the summary's first sentences restate or complete it; with no headline the article's opening
    sentences are the headline."""
    return LEAD_WITH_TITLE if title.strip() else LEAD_WITHOUT_TITLE


LEAD_WITH_TITLE = 2
LEAD_WITHOUT_TITLE = 3
ADD_TO_NEWS = True
SEASON_LEAD = 2  # sentences read for the season of an item's one show


_ANAPHOR_ANYWHERE = re.compile(r"\bthe (?:[\w'’-]+ ){0,3}?(?:series|show|drama|sitcom|comedy|thriller|soap|docuseries"
                               r"|miniseries|anime|k-drama|programme|program|dramedy|procedural)\b", re.I)


def _news_from_anaphoric_lead(mention: _Mention, lead: Headline) -> None:
    """Title "Big news for X fans", lead "The drama has been renewed for a third season.": a lead that
    names no show but opens on "the series" / "the drama" speaks of the title's show."""
    if not (_ANAPHOR.match(lead.text) or _ANAPHOR_ANYWHERE.search(lead.text)) or len(lead.text.lower()) != len(lead.text):
        return
    lowered = lead.text.lower()
    hits = [h for h in find_event_hits(lowered, split_clauses(lowered, lead.text))
            if not (h.strict and h.event is Event.CASTING)]
    for hit in hits:
        mention.events |= hit.event
        mention.triggers.append(f"in the summary, {hit.event.slug}: {hit.text.strip()!r} [{hit.pattern}]")
        mention.fired.append((hit.event, hit.pattern, True))
    if hits and not mention.seasons and len(lead.season_refs) == 1:
        mention.seasons, mention.season_text = lead.season_refs[0].seasons, lead.season_refs[0].text


def _topic_season(title: _Reading, sentences: list[_Reading]) -> None:
    """"X: Netflix sets the date" + "The drama returns for its third season on May 5.": an item about
    one show that the headline gives no season takes the first season its lead paragraph names
    (in a sentence that names no other show), or the count a cancellation ends with."""
    subjects = [m for m in title.mentions if m.role is Role.SUBJECT and m.in_title]
    if not subjects:
        subjects = [m for m in title.mentions if m.role is Role.SUBJECT and m.events]
    if len(subjects) != 1 or subjects[0].seasons:
        return
    topic = subjects[0]
    for sentence in sentences:
        if not sentence.headline.tokens:
            continue
        if any(m.show.id != topic.show.id and m.role is Role.SUBJECT for m in sentence.mentions):
            return  # another show's sentence: its season may be that show's
        refs = [r for r in sentence.headline.season_refs if r.seasons]
        if refs:
            topic.seasons, topic.season_text = refs[0].seasons, refs[0].text
            return
        if topic.events & Event.CANCELLATION and (n := count_before_ending(sentence.headline.text)) is not None:
            topic.seasons, topic.season_text = (n,), f"ended after {n}"
            return


def _season_from_lead(mentions: list[_Mention], lead: Headline) -> None:
    """"Netflix renews X" + "The streamer has ordered a third season of the drama.": the summary's lead
    names no show but restates the title's news with a season: that season is the show's."""
    dated = [m for m in mentions if m.events and not m.seasons and m.role is Role.SUBJECT]
    if len(dated) != 1 or len(lead.season_refs) != 1:
        return
    lowered = lead.text.lower()
    if len(lowered) != len(lead.text):
        return
    events = NO_EVENT
    for hit in find_event_hits(lowered, split_clauses(lowered, lead.text)):
        events |= hit.event
    if events & dated[0].events:
        dated[0].seasons, dated[0].season_text = lead.season_refs[0].seasons, lead.season_refs[0].text


def _about_a_film(title: str, sentences: list[str]) -> bool:
    """Film words ("movie", "box office", "Oscar") and no TV words anywhere in the item."""
    text = " ".join([title, *sentences])
    words = set(re.findall(r"[a-z0-9+-]+", text.lower()))
    if words & TV_WORDS:
        return False
    oscar = bool(re.search(r"\bOscar(?:s|-nominated|-winning)?\b(?! [A-Z])", text))  # the award, not Oscar Isaac
    # a summary of some length that never once speaks of TV is about something else (a film, a book)
    return oscar or bool(words & FILM_WORDS) or sum(len(s.split()) for s in sentences) >= 20


def _candidates(reading: _Reading) -> list[tuple[_Mention, Event, list[str]]]:
    """Each (show the item is about, event) with the learned scorer's features."""
    headline = reading.headline
    inside = {i for m in reading.mentions if m.in_title for s, e in m.spans for i in range(s, e)}
    words = [t.key for i, t in enumerate(headline.tokens) if i not in inside and not t.key.isdigit()]
    framed = is_framed(headline.text)
    out: list[tuple[_Mention, Event, list[str]]] = []
    for m in reading.mentions:
        if m.role is not Role.SUBJECT:
            continue
        for event in Event:
            rows = tuple(row for e, row, _ in m.fired if e is event)
            finding = Finding(event, rows, all(s for e, _, s in m.fired if e is event)) if rows else None
            out.append((m, event, features(event, finding, words, framed)))
    return out


def _network_before(hit: EventHit, headline: Headline) -> bool:
    """"Hulu boards X", "AMC Plus boards X": a network right before the verb (not "Michael J. Fox joins")."""
    tokens = [t for t in headline.tokens if t.end <= hit.start]
    if tokens and tokens[-1].key in ("plus", "+") and len(tokens) > 1:
        tokens = tokens[:-1]
    if not tokens or tokens[-1].key not in NETWORKS:
        return False
    if len(tokens) > 1 and tokens[-2].capitalised and tokens[-2].key not in FUNCTION_WORDS \
            and headline.text[tokens[-2].end:tokens[-1].start].strip() in ("", "."):
        return False  # "Michael J. Fox": a person whose name ends like a network
    return True


def _reason(m: _Mention) -> str:
    parts = []
    matched = m.matched[0]
    label = f'"{matched}"' if matched == m.show.title else f'alias "{matched}"'
    parts.append(f"{label} ({m.whys[0]})")
    if m.role is not Role.SUBJECT:
        parts.append(f"named as {m.role.value}, no event")
    parts.extend(dict.fromkeys(m.triggers))
    if m.seasons:
        parts.append(f"season from {m.season_text!r}")
    return "; ".join(parts)
