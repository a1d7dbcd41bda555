"""Which events a headline *announces*: renewal, cancellation, release date, trailer, casting,
production. Speculation, explainers, reviews, rankings, rumours, questions and denials announce
nothing.

Patterns run on the cleaned, lower-cased headline. Each hit keeps its position (to be given to
the show it is about) and whether its verb is active ("Netflix renews X": the show follows) or
passive ("X renewed": the show precedes)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from feeds.model import Event
from feeds.understand.needles import needles

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
          # German, French, Spanish, Portuguese (diacritics already stripped)
          r"januar|februar|marz|mai|juni|juli|oktober|dezember|janvier|fevrier|mars|avril|juin|juillet|aout|"
          r"septembre|octobre|novembre|decembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
          r"octubre|noviembre|diciembre|janeiro|fevereiro|maio|junho|julho|setembro|outubro|novembro|dezembro)")
_WHEN = (rf"(?:{_MONTH}\b|(?:early |late |mid-?)?(?:spring|summer|fall|autumn|winter)\b|(?:early |late )?(?:19|20)\d\d\b|"
         r"\d{1,2}/\d{1,2}\b|next (?:week|month|year|spring|summer|fall|autumn|winter)\b|"
         r"this (?:week|month|year|spring|summer|fall|autumn|winter|weekend)\b|tomorrow\b|tonight\b|"
         r"(?:later|early|earlier) this year\b|the (?:holidays|new year)\b|"
         r"(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|christmas(?: day| eve)?\b|new year's (?:day|eve)\b|"
         r"thanksgiving\b|halloween\b|valentine's day\b|easter\b)")
_ORD = (r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\d{1,2}(?:st|nd|rd|th)|"
        r"final|last|new|another|(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth) and final)")
_SEASON_REF = rf"(?:season|series|seasons|{_ORD} (?:and \w+ )?seasons?)"


@dataclass(frozen=True, slots=True)
class _Rule:
    event: Event
    pattern: re.Pattern[str]
    active: bool  # the show follows the trigger ("renews X") rather than precedes it ("X renewed")
    strict: bool = False  # only a show on the trigger's side counts ("Y returns to X": casting for X only)
    gate: frozenset[str] | None = None  # one of these is in every match (feeds.understand.needles); None: always run

    @classmethod
    def build(cls, event: Event, pattern: str, active: bool, strict: bool = False) -> _Rule:
        return cls(event, re.compile(pattern), active, strict, needles(pattern))


def _rules(event: Event, active: list[str], passive: list[str], *, strict_active: bool = False) -> list[_Rule]:
    return ([_Rule.build(event, p, True, strict_active) for p in active]
            + [_Rule.build(event, p, False) for p in passive])


_RULES: list[_Rule] = [
    *_rules(
        Event.RENEWAL,
        active=[
            r"\brenew(?:s|ing)?\b(?! (?:talks|hopes|odds|status|chances|decision|fate))",
            r"\bgreen-?light(?:s|ing)?\b|\bgreenlit\b|\bgreen lit\b",
            rf"\b(?:orders?|ordering|picks? up|picking up|renews?|greenlights?)\b(?=[^:;|?]{{0,60}}?\b(?:{_SEASON_REF} \w+|{_ORD} (?:and \w+ )?seasons?|s\d{{1,2}}\b))",
            rf"\b(?:orders?|ordering|picks? up|picking up)\b(?: an?| the)? {_SEASON_REF}",
            r"\brecommission(?:s|ed)?\b|\bcommande\b|\bencarga\b|\bbestellt\b",
            r"\bbrings? back\b(?=[^:;|?]{0,60}?\bfor (?:an? |the |its )?(?:\w+ )?(?:season|series|temporada|saison)\b)",
            r"\bconfirma (?:la |una )(?=[^:;|?]{0,30}?\btemporada\b)",
            rf"\bconfirms?\b(?: an?| the)? {_ORD} (?:and \w+ )?seasons?\b",
            r"\brenouvel\w*|\brenueva\b|\brenova\b|\bverlanger\w*",
        ],
        passive=[
            r"\brenew(?:ed|al)\b(?! (?:talks|hopes|odds|status|chances|decision|fate|news|update))",
            rf"(?<!not )(?<!n't )(?<!never )\b(?:gets?|got|lands?|scores?|earns?|secures?)\b(?: an?| the)? {_ORD} (?:and \w+ )?seasons?\b",
            r"\b(?:seasons?|series) (?:\w+ )?(?:(?:and|&) \w+ )?(?:is |are |has been |have been |officially |now )*(?:confirmed|ordered|greenlit|a go|happening|announced)\b(?! as (?:(?:the|its|[\w']+) ){0,2}(?:final|last))",
            r"\b(?:is|are) coming back\b(?! (?:in|on|this|next|to))|\bordered (?:at|by)\b",
            r"\bseason \w+ of\b[^:;|?]{0,50}?\b(?:announced|confirmed|ordered|greenlit|official)\b",
            r"\b(?:orders?|ordered|commissions?|greenlights?) more\b|\bsays? yes to (?:more|another)\b|\bkeeps?\b[^:;|?]{0,40}?\bgoing\b",
            r"\b(?:orders?|ordered|gets?|getting|lands?) (?:an? |another |a new )?(?:\w+ )?(?:round|run|batch of episodes|installment|instalment|outing)\b(?! of (?:voting|talks|layoffs))",
            r"\bbrings?\b[^:;|?]{0,40}?\bback for (?:an? |another |a new )?(?:\w+ )?(?:round|run|season|series|installment|outing)\b",
            r"\b(?:is|are) getting (?:an? |another |a new )?(?:\w+ )?seasons?\b|\blives to see (?:an? |another )?(?:\w+ )?seasons?\b",
            r"\bgo-?ahead\b|\bgreen light\b|\bthe green light\b|\bis a go\b",
            r"\b(?:season|series) (?:\w+ )?(?:order|pickup|renewal)\b(?! (?:hopes|odds|status|chances))",
            r"\bseason \w+ (?:is |are )?(?:officially )?(?:in the works|in development|moving forward)\b",
            r"\b(?:picked up|ordered) for\b|\border(?:ed)? (?:a |an )?(?:new |another )?(?:season|series)\b|\bordered\b(?= by)",
            rf"(?<!not )(?<!n't )(?<!never )\b(?:returning|return|coming back|come back|back) for (?:an?|the)? ?{_SEASON_REF}",
            r"\b(?:will|to|set to) return for\b",
            r"\brenovad[ao]s?\b|\brenovacion\b|\brenouvel\w*|\bverlangert\b",
            r"\b(?:regresa|vuelve|volvera|tendra) (?:con |a tener )?(?:una )?(?:nueva|segunda|tercera|cuarta|quinta) temporada\b",
            r"\b(?:zweite|dritte|vierte|neue) staffel (?:bestatigt|kommt)\b|\bstaffel \d+ (?:\w+ )?bestatigt\b|\bsaison \d+ (?:\w+ )?(?:confirmee|commandee)\b|\btemporada \d+ (?:\w+ )?confirmada\b",
            r"제작 ?확정|시즌 ?\d+ ?(?:제작 ?)?확정|제작 ?결정|시즌 ?\d+ ?돌아온다",
            r"制作決定|続編決定|続編制作|第\d+期(?:制作)?決定|シーズン\d+(?:制作)?決定|新シリーズ制作",
            r"(?:制作|製作|続編)が?決定|第\d+期の(?:制作|製作|放送)が?決定",
        ],
    ),
    *_rules(
        Event.CANCELLATION,
        active=[
            r"\bcancel(?:s|ling|ing)\b",
            r"\bax(?:es|ing)\b|\bscraps\b|\bpulls? the plug\b|\bannul[ei]\w*",
            rf"\bdrops\b(?! on )(?![^:;|?]*\b(?:trailer|teaser|episodes?|season|first look|images|photos|poster|date|clip|footage|promo|{_MONTH}|\d+)\b)(?= ['\"]?[\w])",
        ],
        passive=[
            r"(?<!n't )(?<!not )(?<!never )(?<!been )\bcancell?ed\b(?! tour| concert| flight| too soon)|(?<!after its )(?<!after the )(?<!since its )(?<!since the )\bcancellation\b(?! (?:rumou?rs?|fears|talk))",
            r"\b(?:gets?|got|given|getting) the (?:axe|ax|boot|chop)\b|\bsetzt\b[^:;|?]{0,40}?\bab\b",
            r"(?<!n't )(?<!not )(?<!never )\baxed\b|\bscrapped\b|\bwon't (?:be )?return(?:ing)? for\b|\bwill not (?:be )?return(?:ing)? for\b",
            rf"\b(?:will not|won't|not to|isn't going to|is not going to|won't be getting|will not be getting) (?:get|receive|have|be getting) (?:an?|the)? ?{_ORD} seasons?\b",
            rf"\bno {_ORD} seasons?\b(?! (?:yet|for now))",
            r"\b(?:will|to|set to|going to|is going to|officially) (?:end|conclude|wrap up)\b(?! (?:filming|production|shooting))",
            r"\b(?:ending|ends|ended|concludes|concluding) (?:with|after) (?:its |the )?(?:\w+ )?(?:seasons?|series)\b",
            r"\b(?:confirmed|announced|set|revealed) as (?:the |its )?(?:final|last) season\b|\bnot happening\b",
            r"\b(?:close|closes|closing|wrap|wraps|wrapping) out\b(?! (?:the year|the month|filming))|\b(?:concludes?|ends?|finishes|closes) the (?:series|show|story|saga)\b",
            r"\bends?\b(?=[^:;|?]{0,60}?\bwith (?:its |the |a )?(?:\w+ )?(?:season|series)\b)",
            r"\bas (?:the |its |[\w']+ )?(?:final|last) (?:season|run|chapter|outing|installment)\b",
            r"\b(?:final|last|ultima|derniere|letzte) (?:temporada|saison|staffel)\b(?=[^:;|?]{0,20}?\b(?:confirm|annonc|bestatigt))|\b(?:confirma|annonce)\b[^:;|?]{0,30}?\b(?:ultima|derniere) (?:temporada|saison)\b",
            r", its (?:last|final)\b(?! (?:episode|time|word))|\b(?:confirmed|announced|set) as (?:(?:the|its|[\w']+) ){0,2}(?:final|last) (?:chapter|run|outing|installment)\b",
            r"\bdrops?\b(?=[^:;|?]{0,60}?\bafter (?:a |one |two |three |its )?(?:single |first |second |third )?seasons?\b)",
            r"\b(?:gets?|got|getting|lands?|earns?|receives?|orders?|greenlights?) (?:an? |its |the )?(?:\w+ and )?(?:final|last) seasons?\b",
            r"\bthere (?:will|'ll) be no\b|\bthere is no (?:\w+ )?season\b",
            r"\b(?:is|will be) the end\b|\bser[a] la ultima\b|\bcerrara la serie\b|\bpondra fin\b",
            r"\bis ending\b|\bcoming to an end\b|\bcomes to an end\b",
            r"\b(?:final|last) season\b(?= (?:confirmed|announced|order|ordered|set|is coming|renewal))",
            r"\brenew\w* for (?:(?:an?|the|its) )?(?:\w+ and )?(?:final|last) seasons?\b",
            r"\b(?:will be|to be|is|as) (?:the |its )(?:show's |series'? |series's )?(?:final|last)\b(?! (?:episode|word|straw|time))",
            r"\bcancelad[ao]s?\b|\bllega a su fin\b|\babgesetzt\b|\beingestellt\b|\bannulee?\b|\bderniere saison\b(?= (?:confirmee|annoncee))",
            r"폐지|종영 확정|마지막 시즌 확정|打ち切り|最終シーズン(?:決定|確定)",
        ],
    ),
    *_rules(
        Event.RELEASE_DATE,
        active=[
            r"\bsets?\b(?! to (?:return|star|play|lead|join|reprise))(?=[^:;|?]{0,80}?\b(?:premiere|return|release|debut|launch|date|dates)\b(?! (?:review|recap|party)))",
            rf"\b(?:moves?|moving|pushes|bumps|shifts|delays)\b(?=[^:;|?]{{0,60}}?\b(?:to|until|into) (?:the )?(?:\w+ )?{_WHEN})",
            rf"\bsets?\b(?! to )(?=[^:;|?]{{0,60}}? for (?:the )?(?:\w+ )?{_WHEN})",
            r"\b(?:dates|schedules)\b",
            rf"\b(?:confirms?|reveals?|announces?|sets?)\b (?:an? |the |its )?(?:\w+ )?(?={_WHEN})",
        ],
        passive=[
            # a bare "release date" is an explainer's heading; a date that is set, revealed or given is news
            r"\b(?:premiere|release|return|launch|air|debut|streaming|arrival) dates?\b(?= (?:is |has been |was |finally )?(?:officially )?(?:set|revealed|announced|confirmed|unveiled|moved|changed|locked|shifted|pushed|delayed|brought forward|out|here|finally)\b)",
            rf"\b(?:premiere|release|return|launch|air|debut) dates?:? (?:is |set for |confirmed for |revealed as )?(?:the )?{_WHEN}",
            r"\b(?:announces?|reveals?|confirms?|unveils?|drops?|shares?|gets?|got|lands?|has|have|sets?|receives?)\b(?: an?| its| the| official)?(?: \w+)?(?: \w+)? (?:premiere|release|return|launch|debut|streaming) dates?\b",
            r"\b(?:gets?|lands?|scores?|has|have|finally has) (?:an? |its )?(?:\w+ )?(?:premiere|release date|debut|launch|return date|date)\b",
            r"\bseason \w+ date\b(?! (?:speculation|rumou?rs?|predictions?|news|theories))(?!:)",
            rf"\bseason \w+ (?:in|on|this|next) (?:the )?(?:\w+ )?{_WHEN}",
            rf"\b(?:slot|date|premiere|release|return)\b[^:;|?]{{0,20}}?\b(?:confirmed|set|locked|announced) (?:for|as) (?:the )?(?:\w+ )?{_WHEN}",
            rf"\b(?:premieres?|premiering|debuts?|debuting|arrives?|arriving|lands?|landing|returns?|returning|drops?|dropping|launch(?:es)?|streams?|airs?|comes?|coming|hits?|bows?|opens?)\b(?: (?:on|to|at|with) [\w+'.]+(?: [\w+'.]+)?)?(?: (?:in|on|this|next|from|starting|early|late|before|by)\b)? ?(?:the )?(?:\w+ )?{_WHEN}",
            r"\b(?:premiere|release|return|debut|launch|premiere date|release date)\b (?:is |has been |was |gets? )?(?:moved|pushed|delayed|bumped|shifted|brought forward|set|revealed|announced|confirmed|changed|locked|moves?|shifts?)\b",
            rf"\b(?:moved|pushed|delayed|bumped|shifted|postponed) (?:up |back )?(?:to|until|into) (?:the )?(?:\w+ )?{_WHEN}",
            rf"\bconfirmed for (?:the )?(?:\w+ )?{_WHEN}",
            rf"^here's when\b|\b{_MONTH} (?:premiere |release |return )?date\b",
            r"\b(?:gets?|lands?|sets?|has) (?:an? |its )?(?:\w+ )?(?:release |premiere )?window\b",
            rf"\bdrops?\b[^:;|?]{{0,30}}? (?:on )?{_MONTH} \d",
            r"\b(?:moves?|pushes|bumps|shifts|delays) (?:its |the )?(?:premiere|release|return|debut|launch)\b",
            rf"\b(?:hits?|lands?|arrives?|drops?|premieres?|debuts?|returns?|comes?) (?:on |to )?[\w+'.]+ (?:this|next|on|in) (?:the )?(?:\w+ )?{_WHEN}",
            rf"\b(?:premieres?|premiering|debuts?|debuting|arrives?|arriving|lands?|landing|returns?|returning|launch(?:es)?|streams?|airs?|comes?|coming|hits?|bows?|drops?|dropping|released|release|be released)\b(?: (?:on|to|at|with|in|for) [^:;|?]{{0,30}}?)? (?:in|on|this|next|from|starting|early|late|before|by) (?:the )?(?:\w+ )?{_WHEN}",
            rf"\b(?:premiere|release|debut|return|launch)s? (?:date )?(?:for|on|in|this|next) (?:the )?(?:\w+ )?{_WHEN}",
            rf"\b(?:premiere|release) (?:window|month)\b|\b{_MONTH} (?:premiere|release|debut|return)\b",
            r"\bfecha de (?:estreno|lanzamiento)\b|\bdata de estreia\b|\bse estrena\b|\bestrena\w*\b|\bdate de (?:sortie|diffusion)\b|\bstarttermin\b|\bstartet am\b",
            r"공개일|방송일|첫 방송|공개 확정|편성 확정|\d+월 \d+일 (?:공개|첫 방송|방송)",
            r"配信日|放送日|公開日|配信開始|放送開始|放送決定|配信決定|\d+月(?:\d+日)?(?:より|から)?(?:配信|放送|公開)",
            rf"\b(?:startet|starten|estrena|llega|arrive|sort|sortira|chega|estreia)\b[^:;|?]{{0,30}}?\b(?:\d{{1,2}}\.? )?{_MONTH}\b",
        ],
    ),
    *_rules(
        Event.TRAILER,
        active=[r"\bfirst[- ]look at\b",
                r"\b(?:drops?|releases?|unveils?|reveals?|debuts?|shares?)\b (?:an? |the |its )?(?:first |new |official |final )?(?:trailer|teaser|look|footage|images|photos|poster)\b"],
        passive=[
            r"\btrailers?\b(?! (?:breakdown|reaction|explained|easter eggs?|park|analysis|recap))",
            r"\bteasers?\b(?! (?:breakdown|reaction|explained))",
            r"\bfirst[- ]look\b|\bsneak peek\b|\bfirst (?:images?|photos?|pics?|footage|clip|glimpse|stills?|poster)\b",
            r"\bnew (?:images|photos|footage|stills|clip|promo)\b|\bpromo\b|\bfeaturette\b|\bfootage\b",
            r"\bbande[- ]annonce\b|\bavance\b|\badelanto\b",
            r"티저|예고편|예고 영상|스틸 공개|포스터 공개|予告|ティザー|特報|pv公開|pv解禁|ビジュアル解禁",
        ],
    ),
    *_rules(
        Event.CASTING,
        active=[
            r"\bjoins?\b|\bjoining\b|\bboards?\b|\bsigns? on (?:to|for)\b|\bsigned on (?:to|for)\b",
            r"\b(?:returns?|returning|is back|comes? back) to\b(?! (?:direct|write|produce|score|helm|host))|\b(?:returns?|returning) for\b",
            r"\bnamed (?:as )?(?:the )?(?:new |next )?(?:star|lead|host)\b",
            r"\bnamed (?:as )?(?:the )?(?:new|next|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth)\b",
            r"\bse une a\b|\brejoint\b|\b(?:to replace|replaces|replacing|will replace)\b",
            r"\b(?:return|are back|are returning|rejoin)$",  # "Show season 2: A and B return"
        ],
        passive=[
            r"\bcasts\b|\bcasting\b(?! (?:call|calls|director|directors|news|rumou?rs?|backlash|controversy|choices?|decisions?|process|agency|agent|couch|criticism|debate|outrage|snub|drama|mistake|fail))",
            r"\badds?\b(?! (?:to (?:the )?(?:list|watchlist|library)|more|new episodes|episodes|(?:new |two |three )?(?:directors?|writers?|producers?|composers?|showrunners?|episodes)))",
            r"\btaps\b|\brecruits\b|\benlists\b|\bnabs\b",
            r"\b(?:is |been |was |gets? )?cast (?:in|as|for|opposite|alongside)\b",
            r"\bcast (?:adds|grows|expands|revealed|announced|unveiled|confirmed|set|rounds out)\b|\brounds out (?:the |its )?cast\b",
            r"\b(?:to|will|set to|tapped to) (?:star|play|portray|lead|headline|co-star|recur)\b",
            r"\btapped (?:to|for)\b|\blands? (?:a |the )?(?:lead |recurring |major |key )?role\b|\brecurring role\b",
            r"\b(?:returns?|returning|to return|will return|back) as\b(?! an? )|\breprise\w*\b|\b(?:upped|promoted|bumped) to series regular\b",
            r"\b(?:unveils?|reveals?|announces?|names?|introduces?) (?:its |the )?new (?:players|cast|cast members|faces|stars|recruits)\b",
            r"\bexpands? (?:its |the )?cast\b|\bwelcomes? back\b|\bfinds? (?:its|her|his|their) [\w'-]+ in\b",
            r"\b(?:set|expected|confirmed|slated|tipped) to (?:return|reprise)\b",
            r"\bguest stars? (?:include|revealed|announced|set)\b|\bguest(?:-| )star(?:s|ring)? (?:in|on)\b",
            r"\bse une al (?:reparto|elenco)\b|\bficha(?:je)?\b|\brejoint (?:le casting|la distribution)\b",
            r"캐스팅|출연 확정|합류|出演決定|キャスト(?:発表|決定|解禁)",
        ],
        strict_active=True,
    ),
    *_rules(
        Event.PRODUCTION,
        active=[],
        passive=[
            r"\b(?:begins?|began|beginning|starts?|started|starting|kicks? off|kicked off|commences?|resumes?|resumed|wraps?|wrapped|wrapping|enters?|entered|goes into|heads into|completes?|completed|finish(?:es|ed)) (?:\w+ )?(?:filming|shooting|production|principal photography|lensing|photography)\b",
            r"\b(?:filming|shooting|shoot|production|principal photography|cameras?)\b (?:\w+ ){0,2}(?:officially )?(?:begins?|began|has begun|starts?|started|is underway|is under way|underway|under way|kicks? off|kicked off|wraps?|wrapped|has wrapped|is complete|completed|resumes?|resumed|rolls?|rolling|are rolling|is done|in progress)\b",
            r"\b(?:filming|shooting|production) (?:on|of|for)\b[^:;|?]{0,80}?\b(?:begins?|began|has begun|starts?|started|is underway|is under way|underway|under way|kicks? off|wraps?|wrapped|has wrapped|resumes?|is complete|completed)\b",
            r"\b(?:heads?|goes|going|moves?) into (?:\w+ ){0,3}(?:filming|production)\b|\bwraps? (?:its |the )?(?:\w+ )?season\b",
            r"\bwraps?\b(?=[^:;|?]{0,40}?\b(?:shooting|filming|production|principal photography)\b)|\bseason \w+ (?:officially )?wraps\b",
            r"\bseason \w+ (?:has |have )?(?:officially )?wrapped\b|\bseason \w+ (?:is |are )?(?:now |currently )?filming\b",
            r"\b(?:is|are) (?:now |currently )?(?:shooting|filming)\b|\bis a wrap\b|\bwraps?\b(?=\s*(?:[:;|]|$| - | — ))",
            r"\bseason \w+ (?:is )?(?:now )?(?:under ?way|in production)\b",
            r"\bthat's a wrap\b|\bin production\b|\bcurrently filming\b|\bnow filming\b|\bbegins? shoot\b",
            r"\b(?:comienza|inicia|arranca|termina|finaliza) (?:el )?rodaje\b|\brodaje\b|\btournage\b|\bdreharbeiten\b|\bgrava[cç][oõ]es\b",
            r"촬영 (?:시작|돌입|종료|중|개시|마무리)|촬영을 (?:시작|마쳤|마무리)|크랭크 ?인|크랭크 ?업",
            r"撮影開始|撮影終了|撮影中|クランクイン|クランクアップ",
        ],
    ),
]

_RULES_BY_NEEDLE: dict[str, list[int]] = {}
for _index, _rule in enumerate(_RULES):
    for _needle in _rule.gate or ():
        _RULES_BY_NEEDLE.setdefault(_needle, []).append(_index)
_ALL_NEEDLES: tuple[str, ...] = tuple(sorted(_RULES_BY_NEEDLE))
_UNGATED: tuple[int, ...] = tuple(i for i, rule in enumerate(_RULES) if rule.gate is None)
_SHORT_NEEDLES: tuple[str, ...] = tuple(n for n in _ALL_NEEDLES if len(n) < 3)
_NEEDLES_BY_TRIGRAM: dict[str, tuple[str, ...]] = {}
for _needle in _ALL_NEEDLES:
    if len(_needle) >= 3:
        _NEEDLES_BY_TRIGRAM[_needle[:3]] = (*_NEEDLES_BY_TRIGRAM.get(_needle[:3], ()), _needle)


def _present_needles(text: str) -> list[str]:
    """The needles that occur in `text`: candidates by their first three characters, then checked."""
    found = [n for n in _SHORT_NEEDLES if n in text]
    for trigram in {text[i:i + 3] for i in range(len(text) - 2)} & _NEEDLES_BY_TRIGRAM.keys():
        found.extend(n for n in _NEEDLES_BY_TRIGRAM[trigram] if n in text)
    return found

# Whole-headline markers: the story is not an announcement, whatever words it contains.
_NOT_NEWS = re.compile(
    r"\b(?:everything (?:we|you) (?:know|need to know)|what (?:we|you) (?:know|need to know)|all (?:we|you) know|"
    r"what to know|everything to know|speculation|speculat\w+|rumou?r(?:s|ed|ing)?|reportedly|theor(?:y|ies)|"
    r"predictions?|predict\w*|explained|explainer|ending explained|review|reviews? roundup|recap|ranked|"
    r"ranking|rankings|every episode|best episodes?|worst episodes?|interview|q&a|podcast|quiz|wish ?list|"
    r"could|might|would|should|hopes?|hoping|wants?|possible|possibly|potential|potentially|too soon|"
    r"(?:our|a) list of|list of shows|we (?:still )?miss|fans (?:want|demand|beg|call)|petition|in talks|eyed|eyeing|"
    r"eyes|circling|in negotiations?|negotiating|may be|may have|may get|may return|if |whether|deserves?|"
    r"needs? to|what (?:happened|happens)|here's why|here is why|why|how to watch|where to watch|"
    r"what time|how many episodes|status|will there be|when (?:will|is|does|do|can)|is (?:there|it|the)\b.*\?|"
    r"fact check|debunk\w*|denies|denied|deny|not true|false|hoax|fake|unconfirmed|not (?:yet )?confirmed|"
    r"no (?:official )?(?:news|update|word)|yet to|not been|hasn't been|has not been|"
    r"(?:isn't|is not|aren't|are not) (?:over|cancell?ed|ending|dead|done|finished)|not cancell?ed|not over|not ending|not the end|won't be cancell?ed|lessons|reasons|things (?:we|you)|"
    r"ways|release date,|cast,|plot,|spoilers)\b",
)
# A question clause ("Is X cancelled?") announces nothing; a denial ("cancelled? No —") kills it all.
_QUOTED = re.compile(r"(?:(?<=^)|(?<=[\s(:\[]))(['\"])[^'\"]{1,80}?\1(?=[\s,.:;!?)\]]|$|s\b)")
# "Tom Selleck on the cancellation": an interview's headline, whatever it names
_INTERVIEW = re.compile(r"^(?:[A-Z][\w'.-]* ){1,3}on (?:the |his |her |their |why |how |what |saying |playing |"
                        r"being |leaving |joining |returning |that |those |working )")
_DENIAL = re.compile(r"\?\s*(?:no|not|nope|not so fast|think again)\b")
_CLAUSE_SPLIT = re.compile(r"\s[-|]\s|[:;?!|]\s*|\s[—–]\s?|—")


@dataclass(frozen=True, slots=True)
class EventHit:
    event: Event
    start: int  # character offsets in the lowered text
    end: int
    text: str
    active: bool
    clause: int
    strict: bool = False


@dataclass(frozen=True, slots=True)
class Clauses:
    """Clause boundaries (character offsets) of a headline, and which clauses announce nothing."""

    bounds: tuple[tuple[int, int], ...]
    silent: frozenset[int]
    denial: bool

    def index(self, offset: int) -> int:
        for i, (start, end) in enumerate(self.bounds):
            if start <= offset < end:
                return i
        return len(self.bounds) - 1


def split_clauses(lowered: str, original: str = "", titles: Sequence[tuple[int, int]] = ()) -> Clauses:
    """Clauses of the lower-cased headline; `original` (same length, case kept) spots interviews."""
    bounds: list[tuple[int, int]] = []
    silent: set[int] = set()
    start = 0
    for m in _CLAUSE_SPLIT.finditer(lowered):
        if m.start() <= start:
            continue
        bounds.append((start, m.end()))
        if "?" in m.group():
            silent.add(len(bounds) - 1)
        start = m.end()
    if start < len(lowered) or not bounds:
        bounds.append((start, len(lowered) + 1))
    # quoted words are a title or someone's words ("‘Big Bang Theory’ alum …"), not the headline's framing
    def blank_titles(m: re.Match[str]) -> str:
        starts_capitalised = bool(original) and original[m.start() + 1: m.start() + 2].isupper()
        return " " * len(m.group()) if starts_capitalised else m.group()

    framing = _QUOTED.sub(blank_titles, lowered)
    for start, end in titles:  # "Nobody Wants This renewed": a title's own words frame nothing
        framing = framing[:start] + " " * (end - start) + framing[end:]
    for i, (s, e) in enumerate(bounds):
        if _NOT_NEWS.search(framing[s:e]):
            silent.add(i)
    if original and _INTERVIEW.match(original):
        silent.add(0)
    return Clauses(tuple(bounds), frozenset(silent), bool(_DENIAL.search(lowered)))


def find_event_hits(lowered: str, clauses: Clauses, *, gated: bool = True) -> list[EventHit]:
    """Every event trigger outside silent clauses. Empty for a denial ("cancelled? No — …")."""
    if clauses.denial:
        return []
    hits: list[EventHit] = []
    if gated:  # only the rules one of whose needles is in the headline (the others cannot match)
        chosen: set[int] = set(_UNGATED)
        for needle in _present_needles(lowered):
            chosen.update(_RULES_BY_NEEDLE[needle])
        rules = [_RULES[i] for i in sorted(chosen)]
    else:
        rules = _RULES
    for rule in rules:
        for m in rule.pattern.finditer(lowered):
            clause = clauses.index(m.start())
            if clause in clauses.silent:
                continue
            hits.append(EventHit(rule.event, m.start(), m.end(), m.group(), rule.active, clause, rule.strict))
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits
