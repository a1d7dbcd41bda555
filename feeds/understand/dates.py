"""Release dates in news text: "premieres March 5", "returns fall 2027", "3월 15일 첫 방송" -> a window.

    read_release_window("'Wednesday' Season 3 Premieres August 6 on Netflix", published=...)
    -> ReleaseWindow(2026-08-06 .. 2026-08-06, day, "August 6")

Dates are read where the words around them say a release is meant — after "premieres", "returns",
"debuts", "arrives", "on"; before "premiere", "release date", "launch"; before 방송/공개 in Korean
and 配信/放送 in Japanese, whose dates come first — never by scanning every number. Day and month
phrases (and weekdays, "tomorrow") go to dateparser, in the item's language and relative to its
published time; seasons ("fall 2027", "올 하반기", "今秋") and year windows, which dateparser
does not read, come from a small table. A date without a year is the next one from the
published day (a week's grace: "Jan. 18" published on the 20th is the 18th just gone).

Whether an item announces a date at all is the matcher's call (its release_date event): a date
repeated in background ("premiered in March 2022") is not read, and past-tense verbs are no
anchors."""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from dateparser.date import DateDataParser

from feeds.understand.masking import blank_out, blank_spans
from feeds.understand.records import Precision, ReleaseWindow, WindowChange

_log = logging.getLogger(__name__)

__all__ = ["Precision", "ReleaseWindow", "WindowChange", "guess_language", "read_release_window"]


# -- the table for what dateparser does not read ---------------------------------------------------
_SEASON_MONTHS = {"winter": (1, 3), "spring": (3, 5), "summer": (6, 8), "fall": (9, 11)}
_SEASON_WORDS = {
    "winter": "winter", "spring": "spring", "summer": "summer", "fall": "fall", "autumn": "fall",
    "invierno": "winter", "primavera": "spring", "verano": "summer", "otoño": "fall", "otono": "fall",
    "겨울": "winter", "봄": "spring", "여름": "summer", "가을": "fall",
    "冬": "winter", "春": "spring", "夏": "summer", "秋": "fall",
}
# parts of a year: (first month, last month)
_PARTS = {
    "early": (1, 4), "mid": (5, 8), "late": (9, 12), "start": (1, 3), "beginning": (1, 3), "end": (10, 12),
    "first half": (1, 6), "second half": (7, 12),
    "principios": (1, 4), "comienzos": (1, 4), "inicios": (1, 4), "mediados": (5, 8), "finales": (9, 12),
    "fines": (9, 12),
    "상반기": (1, 6), "하반기": (7, 12), "연초": (1, 3), "연말": (10, 12),
    "上半期": (1, 6), "下半期": (7, 12), "前半": (1, 6), "後半": (7, 12), "初頭": (1, 3), "年末": (10, 12),
    "q1": (1, 3), "q2": (4, 6), "q3": (7, 9), "q4": (10, 12), "first quarter": (1, 3),
    "second quarter": (4, 6), "third quarter": (7, 9), "fourth quarter": (10, 12),
}


class _Kind(enum.Enum):
    DATE = "date"  # day or month phrase: dateparser reads it, we pick the year if it has none
    RELATIVE = "relative"  # weekday, tonight, tomorrow, next week: dateparser, from the published time
    SEASON = "season"
    PART = "part"
    YEAR = "year"
    NOW = "now"  # "now streaming", "out now": the published day


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    kind: _Kind
    text: str
    groups: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class _Anchor:
    start: int
    end: int
    after: int  # how far after the anchor a date may start (chars of gap); -1: not at all
    before: int  # how far before the anchor a date may end


# -- English -----------------------------------------------------------------------------------------
_MONTH_EN = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
             r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_WEEKDAY_EN = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WEEKDAY_ABBR_EN = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)"
_YEAR = r"20\d\d"
_EN = [
    (_Kind.DATE, rf"(?:(?:{_WEEKDAY_EN}|{_WEEKDAY_ABBR_EN}\.?),?\s+)?{_MONTH_EN}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
                 rf"(?:,?\s+(?P<year>{_YEAR}))?"),
    (_Kind.DATE, rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_EN}\b\.?(?:,?\s+(?P<year>{_YEAR}))?"),
    (_Kind.DATE, rf"(?P<month_only>{_MONTH_EN})\b\.?(?:,?\s+(?P<year>{_YEAR}))?"),
    (_Kind.RELATIVE, rf"(?:(?:this|next)\s+)?{_WEEKDAY_EN}(?:\s+night)?|tonight|today|tomorrow|next\s+week"),
    (_Kind.NOW, r"now\s+(?:streaming|available|on|out)|out\s+now|available\s+now|streaming\s+now"),
    (_Kind.SEASON, rf"(?:(?:this|next|early|late|mid-?)\s*)?(?P<season>spring|summer|fall|autumn|winter)\b"
                   rf"(?:\s+(?:of\s+)?(?P<year>{_YEAR}))?"),
    (_Kind.PART, r"(?P<rest>later this year|(?:by\s+)?the\s+end\s+of\s+(?:the|this)\s+year)"),
    (_Kind.PART, rf"(?:the\s+)?(?P<part>early|mid|late|(?:start|beginning|end|first half|second half|"
                 rf"(?:first|second|third|fourth) quarter)\s+of)"
                 rf"[\s-]*(?:(?P<year>{_YEAR})|(?P<rel>this year|next year|the year))"),
    (_Kind.PART, rf"(?P<part>q[1-4])\s*(?P<year>{_YEAR})"),
    (_Kind.YEAR, rf"(?P<year>{_YEAR})\b|(?P<rel>this year|next year)"),
]
# A verb or noun that announces a release; the number is how far (in characters) a date may sit
# after it, and how far before it.
_EN_ANCHORS = [
    (r"premieres?|premiers|premiering|debuts?|debuting|returns?|returning|comes back|coming back|is back|are back|"
     r"arrives?|arriving|launch(?:es)?|launching|drops?|dropping|lands?|landing|hits|streams?|streaming|"
     r"airs?|airing|releases?|releasing|coming|coming to|set for|slated for|dated for|dates|opens?|"
     r"bows?|will be available|available|be released|be out|be back", 40, -1),
    (r"(?:premiere|release|return|debut|launch|air|streaming|arrival)\s+(?:date|window)s?", 40, 16),
    (r"premiere|release|debut|return|launch|bow|opener|finale|arrival", -1, 16),
    # weak: only right before the date
    (r"on|in|for|by|from|to|until|this|starting|beginning|as of|:|—|-|\|", 1, -1),
]

# -- Spanish -----------------------------------------------------------------------------------------
_MONTH_ES = (r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
             r"noviembre|diciembre)")
_WEEKDAY_ES = r"(?:lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo)"
_ES = [
    (_Kind.DATE, rf"(?:(?:el\s+)?{_WEEKDAY_ES},?\s+)?\d{{1,2}}\s+de\s+{_MONTH_ES}(?:\s+(?:de|del)\s+(?P<year>{_YEAR}))?"),
    (_Kind.DATE, rf"(?P<month_only>{_MONTH_ES})(?:\s+(?:de|del)\s+(?P<year>{_YEAR}))?"),
    (_Kind.RELATIVE, rf"(?:el\s+)?(?:próximo\s+|proximo\s+)?{_WEEKDAY_ES}|esta noche|hoy|mañana"),
    (_Kind.NOW, r"ya disponible|ya está disponible|ya en|disponible ya"),
    (_Kind.SEASON, rf"(?:(?:la|esta|este)\s+)?(?P<season>primavera|verano|otoño|otono|invierno)"
                   rf"(?:\s+(?:de|del)\s+(?P<year>{_YEAR}))?"),
    (_Kind.PART, rf"(?:a\s+)?(?P<part>principios|comienzos|inicios|mediados|finales|fines)\s+de(?:l)?\s+"
                 rf"(?:(?P<year>{_YEAR})|(?P<rel>este año|año|próximo año|proximo año))"),
    (_Kind.YEAR, rf"(?P<year>{_YEAR})\b|(?P<rel>este año|el próximo año|el proximo año|el año que viene)"),
]
_ES_ANCHORS = [
    (r"se estrena(?:rá)?|estrena(?:rá)?|estreno|estrenos|llega(?:rá|n)?|regresa(?:rá)?|vuelve|volverá|"
     r"debuta(?:rá)?|lanza(?:rá)?|sale|saldrá|se emite|emitirá|arranca(?:rá)?|disponible|a partir del?|"
     r"fecha de estreno|tiene fecha", 40, -1),
    (r"estreno|lanzamiento", -1, 16),
    (r"el|en|para|desde|a partir de|:", 1, -1),
]

# -- Korean (the date comes before its verb) ---------------------------------------------------------
_KO = [
    (_Kind.DATE, rf"(?:(?P<year>{_YEAR})년\s*)?\d{{1,2}}월\s*\d{{1,2}}일"),
    (_Kind.DATE, rf"(?:(?P<year>{_YEAR})년\s*)?(?P<month_only>\d{{1,2}}월)(?!\s*\d)"),
    (_Kind.RELATIVE, r"(?:이번\s*주|다음\s*주)?\s*[월화수목금토일]요일|오늘\s*밤|오늘|내일"),
    (_Kind.SEASON, rf"(?:(?:(?P<year>{_YEAR})년|(?P<rel>올해|올|내년))\s*)?(?P<season>봄|여름|가을|겨울)"),
    (_Kind.PART, rf"(?:(?:(?P<year>{_YEAR})년|(?P<rel>올해|올|내년))\s*)?(?P<part>상반기|하반기|연초|연말)"),
    (_Kind.YEAR, rf"(?P<year>{_YEAR})년|(?P<rel>올해|내년)"),
]
_KO_ANCHORS = [
    (r"(?:첫\s*)?방송|방영|공개|편성|개봉|첫선|출격|론칭|베일을?\s*벗", 1, 12),
    (r"방송일|공개일|첫\s*방송일|방영일", 12, -1),
]

# -- Japanese (the date comes before its verb) -------------------------------------------------------
_JA = [
    (_Kind.DATE, rf"(?:(?P<year>{_YEAR})年\s*)?\d{{1,2}}月\s*\d{{1,2}}日"),
    (_Kind.DATE, rf"(?:(?P<year>{_YEAR})年\s*)?(?P<month_only>\d{{1,2}}月)(?!\s*\d)"),
    (_Kind.RELATIVE, r"(?:今週|来週)?\s*[月火水木金土日]曜日?|今夜|今日|明日"),
    (_Kind.SEASON, rf"(?:(?:(?P<year>{_YEAR})年|(?P<rel>今年|来年))\s*の?\s*)?(?P<season>春|夏|秋|冬)"
                   rf"|(?P<rel2>今|来)(?P<season2>春|夏|秋|冬)"),
    (_Kind.PART, rf"(?:(?P<year>{_YEAR})年|(?P<rel>今年|来年))\s*(?P<part>上半期|下半期|前半|後半|初頭|末)"),
    (_Kind.YEAR, rf"(?P<year>{_YEAR})年|(?P<rel>今年|来年)"),
]
_JA_ANCHORS = [
    (r"配信|放送|公開|放映|上映|スタート|開始|初回|登場|リリース", 1, 10),
    (r"配信日|放送日|公開日", 10, -1),
]

_TABLES = {"en": (_EN, _EN_ANCHORS), "es": (_ES, _ES_ANCHORS), "ko": (_KO, _KO_ANCHORS),
           "ja": (_JA, _JA_ANCHORS)}


def _compile(language: str) -> tuple[list[tuple[_Kind, re.Pattern[str]]], list[tuple[re.Pattern[str], int, int]]]:
    patterns, anchors = _TABLES[language]
    cjk = language in ("ko", "ja")
    edge_l, edge_r = ("", "") if cjk else (r"(?<![\w])", r"(?![\w])")
    return ([(kind, re.compile(edge_l + f"(?:{rx})" + edge_r, re.I)) for kind, rx in patterns],
            [(re.compile(edge_l + f"(?:{rx})" + edge_r, re.I), after, before) for rx, after, before in anchors])


_COMPILED = {language: _compile(language) for language in _TABLES}
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_SPANISH_HINTS = re.compile(
    r"(?<!\w)(?:estreno|estrena|temporada|llega|regresa|fecha|serie|de (?:enero|febrero|marzo|abril|mayo|junio|"
    r"julio|agosto|septiembre|octubre|noviembre|diciembre)|el|la|los|las|del|y|su|una)(?!\w)", re.I)


def guess_language(text: str) -> str:
    """'ko', 'ja', 'es' or 'en', from the script and a few Spanish words. Enough to pick a table."""
    if _HANGUL.search(text):
        return "ko"
    if _KANA.search(text) or _HAN.search(text):
        return "ja"
    if len(_SPANISH_HINTS.findall(text)) >= 2:
        return "es"
    return "en"


def read_release_window(title: str, summary: str = "", *, published: dt.datetime,
                        language: str | None = None, exclude: tuple[tuple[int, int], ...] = (),
                        mask: tuple[str, ...] = ()) -> ReleaseWindow | None:
    """The release window an item announces, read near the words that announce it; the title first,
    then the summary's opening. `published` is the item's time (UTC). `exclude`: character spans of
    the title that are a show's name ("Wednesday", "1883"); `mask`: names to ignore in the summary.
    None when no anchored date is found. A window over more than a week before the item was
    published is background, not an announcement."""
    base = published.astimezone(dt.UTC).replace(tzinfo=None) if published.tzinfo else published
    oldest = base.date() - _DAY_GRACE
    for part, spans in ((title, exclude), (summary[:_SUMMARY_CHARS], ())):
        if not part:
            continue
        text = _masked(part, spans, mask)
        lang = language if language in _TABLES else guess_language(text)
        for candidate in _anchored_candidates(text, lang):
            window = _resolve(candidate, lang, base)
            if window is not None and window.end >= oldest:
                return window
    return None


_SUMMARY_CHARS = 400


def _masked(text: str, spans: tuple[tuple[int, int], ...], names: tuple[str, ...]) -> str:
    masked = blank_spans(text, spans, "§")
    for name in names:
        masked = blank_out(masked, name, "§")
    return masked


def _candidates(text: str, language: str) -> list[_Candidate]:
    patterns, _anchors = _COMPILED[language]
    found: list[_Candidate] = []
    for kind, rx in patterns:
        for m in rx.finditer(text):
            phrase = m.group(0).strip()
            if not phrase or any(c.start <= m.start() < c.end for c in found):
                continue  # an earlier (longer, more exact) pattern took this place
            groups = {k: v for k, v in m.groupdict().items() if v}
            if kind is _Kind.DATE and "month_only" in groups and "year" not in groups and not _month_alone_ok(
                    text, m.start(), groups["month_only"], language):
                continue
            found.append(_Candidate(m.start(), m.end(), kind, phrase, groups))
    return found


_MONTH_LEADS = re.compile(r"(?:in|by|to|this|next|until|from|for|early|late|mid|en|para|desde|de|hasta)\s*-?\s*$",
                          re.I)


def _month_alone_ok(text: str, start: int, month: str, language: str) -> bool:
    """A bare month name is a date after "in", "by" … ("returns in March"); "May" and "March" alone
    are also verbs."""
    if language in ("ko", "ja"):
        return True
    return bool(_MONTH_LEADS.search(text[max(0, start - 12):start])) or month.lower() not in (
        "may", "march", "mar", "jun", "jan", "sat", "sun")


def _anchored_candidates(text: str, language: str) -> list[_Candidate]:
    """Date phrases that an anchor governs, nearest to their anchor first."""
    candidates = _candidates(text, language)
    if not candidates:
        return []
    _patterns, anchor_rxs = _COMPILED[language]
    anchors = [_Anchor(m.start(), m.end(), after, before)
               for rx, after, before in anchor_rxs for m in rx.finditer(text)]
    past = _PAST.get(language)
    pasts = [m.end() for m in past.finditer(text)] if past else []
    ranked: list[tuple[int, int, _Candidate]] = []
    for cand in candidates:
        gap = _gap(cand, anchors, text)
        if gap is None or _after_past_tense(cand, pasts, anchors, text) or _is_dateline(cand, text):
            continue
        ranked.append((gap, cand.start, cand))
    ranked.sort(key=lambda r: r[:2])
    return [cand for _gap_, _start, cand in ranked]


_DATELINE_BEFORE = re.compile(r"(?:^|[.!?…]\s+)on\s+$", re.I)


def _is_dateline(cand: _Candidate, text: str) -> bool:
    """"On February 2, EXO announced …": the day of the announcement, not of the release."""
    return bool(_DATELINE_BEFORE.search(text[:cand.start])) and text[cand.end:].lstrip().startswith(",")


_BREAK = re.compile(r"[.;!?]\s|\s[-–—|]\s|[。！？]")
# Past-tense release verbs: what follows them is background ("premiered in March 2022").
_PAST = {
    "en": re.compile(r"(?<!\w)(?<!\bbe )(?:premiered|debuted|aired|returned|launched|released|arrived|landed|dropped|"
                     r"bowed|streamed|ran|ended|concluded|began|started|since|ago|last)(?!\w)", re.I),
    "es": re.compile(r"(?<!\w)(?:se estrenó|estrenó|llegó|regresó|debutó|emitió|terminó|desde)(?!\w)", re.I),
}
_PAST_REACH = 25


def _after_past_tense(cand: _Candidate, pasts: list[int], anchors: list[_Anchor], text: str) -> bool:
    """A past-tense verb sits just before the date, nearer than any anchor that reads forward."""
    before = [end for end in pasts if end <= cand.start and cand.start - end <= _PAST_REACH
              and not _BREAK.search(text[end:cand.start])]
    if not before:
        return False
    strong = [a.end for a in anchors if a.after > 1 and a.end <= cand.start]
    return not strong or max(before) > max(strong)


def _gap(cand: _Candidate, anchors: list[_Anchor], text: str) -> int | None:
    """Characters between the candidate and the nearest anchor that may govern it; None if none does."""
    best: int | None = None
    for a in anchors:
        if a.start <= cand.start < a.end or cand.start <= a.start < cand.end:
            continue
        if a.after >= 0 and a.end <= cand.start:
            between = text[a.end:cand.start]
            gap = len(between.strip())
            if gap <= a.after and not _BREAK.search(between):
                best = gap if best is None else min(best, gap)
        if a.before >= 0 and cand.end <= a.start:
            between = text[cand.end:a.start]
            gap = len(between.strip())
            if gap <= a.before and not _BREAK.search(between):
                best = gap if best is None else min(best, gap)
    if cand.kind is _Kind.NOW:
        return 0 if best is None else best
    return best


# -- from a phrase to a window -------------------------------------------------------------------------
_SETTINGS_BASE = {"PREFER_DATES_FROM": "future", "RETURN_TIME_AS_PERIOD": True, "TIMEZONE": "UTC",
                  "RETURN_AS_TIMEZONE_AWARE": False}
_DATEPARSER_LANGS = {"en": ["en"], "es": ["es"], "ko": ["ko"], "ja": ["ja"]}
_LEADING_WORDS = re.compile(r"^(?:(?:this|next|on|el|la|próximo|proximo|이번\s*주|다음\s*주|今週|来週)\s*)+", re.I)
_TRAILING_WORDS = re.compile(r"\s+night$", re.I)
_DAY_GRACE = dt.timedelta(days=7)


def _resolve(cand: _Candidate, language: str, base: dt.datetime) -> ReleaseWindow | None:
    try:
        match cand.kind:
            case _Kind.NOW:
                return ReleaseWindow(base.date(), base.date(), Precision.DAY, cand.text)
            case _Kind.DATE | _Kind.RELATIVE:
                return _parsed(cand, language, base)
            case _Kind.SEASON:
                return _season(cand, base)
            case _Kind.PART:
                return _part(cand, base)
            case _Kind.YEAR:
                year = _year_of(cand.groups, base)
                return ReleaseWindow(dt.date(year, 1, 1), dt.date(year, 12, 31), Precision.YEAR, cand.text)
    except (ValueError, OverflowError) as exc:  # dateparser or the calendar refused the phrase
        _log.debug("release date %r not read: %s", cand.text, exc)
    return None


def _parsed(cand: _Candidate, language: str, base: dt.datetime) -> ReleaseWindow | None:
    phrase = _TRAILING_WORDS.sub("", _LEADING_WORDS.sub("", cand.text)).strip()
    if cand.kind is _Kind.DATE:
        # a calendar date does not depend on when it was published (we pick the year below), so
        # the many outlets that repeat "August 6" cost one parse
        when, period = _absolute(phrase, language)
    else:
        data = DateDataParser(languages=_DATEPARSER_LANGS[language],
                              settings={**_SETTINGS_BASE, "RELATIVE_BASE": base}).get_date_data(phrase)
        when, period = data.date_obj, data.period or "day"
    if when is None:
        return None
    if period == "year":
        return ReleaseWindow(dt.date(when.year, 1, 1), dt.date(when.year, 12, 31), Precision.YEAR, cand.text)
    if period == "week":
        start = when.date() - dt.timedelta(days=when.weekday())
        return ReleaseWindow(start, start + dt.timedelta(days=6), Precision.WEEK, cand.text)
    month = period == "month"
    if cand.kind is _Kind.DATE and "year" not in cand.groups:
        when = _next_from(base, when.month, None if month else when.day)
        if when is None:
            return None
    if month:
        last = calendar.monthrange(when.year, when.month)[1]
        return ReleaseWindow(dt.date(when.year, when.month, 1), dt.date(when.year, when.month, last),
                             Precision.MONTH, cand.text)
    return ReleaseWindow(when.date(), when.date(), Precision.DAY, cand.text)


_FIXED_BASE = dt.datetime(2000, 1, 1)  # a leap year's start: "February 29" parses


@lru_cache(maxsize=2048)
def _absolute(phrase: str, language: str) -> tuple[dt.datetime | None, str]:
    """dateparser on a calendar phrase ("August 6", "15 de marzo", "3월 15일", "March 2027"): only its
    absolute-date parser, from a fixed base (a phrase without a year gets its year from us)."""
    data = DateDataParser(languages=_DATEPARSER_LANGS[language],
                          settings={**_SETTINGS_BASE, "RELATIVE_BASE": _FIXED_BASE,
                                    "PARSERS": ["absolute-time"]}).get_date_data(phrase)
    return data.date_obj, data.period or "day"


def _next_from(base: dt.datetime, month: int, day: int | None) -> dt.datetime | None:
    """The first month (or day) of that name not over before the published day (a week's grace
    for days)."""
    today = base.date()
    for year in (today.year - 1, today.year, today.year + 1):
        if day is None:
            last = dt.date(year, month, calendar.monthrange(year, month)[1])
            if last >= today:
                return dt.datetime(year, month, 1)
            continue
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue  # February 29 in a common year
        if candidate >= today - _DAY_GRACE:
            return dt.datetime(year, month, day)
    return None


_RELATIVE_YEARS = {"this year": 0, "the year": 0, "next year": 1, "este año": 0, "año": 0, "próximo año": 1, "proximo año": 1,
                   "el próximo año": 1, "el proximo año": 1, "el año que viene": 1, "올해": 0, "올": 0,
                   "내년": 1, "今年": 0, "来年": 1, "今": 0, "来": 1}


def _year_of(groups: dict[str, str | None], base: dt.datetime) -> int:
    if groups.get("year"):
        return int(str(groups["year"]))
    rel = groups.get("rel") or groups.get("rel2")
    return base.year + _RELATIVE_YEARS.get(str(rel).lower(), 0)


def _has_year(groups: dict[str, str | None]) -> bool:
    return bool(groups.get("year") or groups.get("rel") or groups.get("rel2"))


def _season(cand: _Candidate, base: dt.datetime) -> ReleaseWindow:
    word = str(cand.groups.get("season") or cand.groups.get("season2")).lower()
    first, last = _SEASON_MONTHS[_SEASON_WORDS[word]]
    if _has_year(cand.groups):
        year = _year_of(cand.groups, base)
    else:  # "this fall", "returns in the spring": the next one not over yet
        year = base.year if (base.month, base.day) <= (last, calendar.monthrange(base.year, last)[1]) else base.year + 1
        if cand.text.lower().startswith("next") and base.month >= first:
            year = base.year + 1
    return _months(year, first, last, Precision.SEASON, cand.text)


def _part(cand: _Candidate, base: dt.datetime) -> ReleaseWindow:
    rest = cand.groups.get("rest")
    if rest:  # "later this year", "by the end of the year"
        return ReleaseWindow(base.date(), dt.date(base.year, 12, 31), Precision.YEAR, cand.text)
    key = str(cand.groups["part"]).lower()
    key = re.sub(r"\s+of$", "", key).strip()
    first, last = _PARTS[key]
    year = _year_of(cand.groups, base)
    return _months(year, first, last, Precision.SEASON, cand.text)


def _months(year: int, first: int, last: int, precision: Precision, text: str) -> ReleaseWindow:
    return ReleaseWindow(dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1]),
                         precision, text)
