"""Event words as users type them: slugs ("release_date"), phrases ("release date", "cast", "new
trailer") and their Korean and Spanish equivalents, and the show name they follow
("/subscribe Squid Game release date" -> "Squid Game", release_date)."""

from __future__ import annotations

from feeds.model import EVENT_SLUGS, NO_EVENT, Event
from feeds.understand.text import fold

ALL = Event.all()

# folded phrase -> events. Multi-word phrases are matched before their words.
PHRASES: dict[str, Event] = {}


def _add(event: Event, *phrases: str) -> None:
    for phrase in phrases:
        PHRASES[_key(phrase)] = event


def _key(text: str) -> str:
    return fold(text.replace("_", " ").replace("-", " "))


_add(Event.RENEWAL, "renewal", "renewals", "renewed", "renew", "renews", "new season", "new seasons",
     "갱신", "리뉴얼", "연장", "시즌 연장", "시즌 확정", "다음 시즌",
     "renovación", "renovaciones", "renovada", "renovado", "renovar", "nueva temporada")
_add(Event.CANCELLATION, "cancellation", "cancellations", "cancelled", "canceled", "cancel", "cancels",
     "ending", "ended",
     "취소", "종영", "폐지", "종료",
     "cancelación", "cancelaciones", "cancelada", "cancelado", "cancelar", "última temporada")
_add(Event.RELEASE_DATE, "release date", "release dates", "release", "releases", "premiere", "premieres",
     "premiere date", "premiere dates", "air date", "airdate", "air dates", "date", "dates",
     "공개일", "방영일", "개봉일", "첫방송", "첫방", "공개", "방영", "날짜", "공개 날짜",
     "fecha de estreno", "fechas de estreno", "estreno", "estrenos", "fecha", "fechas", "lanzamiento")
_add(Event.TRAILER, "trailer", "trailers", "teaser", "teasers", "new trailer",
     "예고편", "티저", "트레일러", "예고",
     "tráiler", "tráileres", "avance", "avances", "adelanto", "adelantos")
_add(Event.CASTING, "casting", "cast", "cast news",
     "캐스팅", "출연", "출연진", "배역",
     "reparto", "elenco", "actores")
_add(Event.PRODUCTION, "production", "filming", "filming news",
     "촬영", "제작", "크랭크인",
     "rodaje", "producción", "filmación", "grabación")
_add(ALL, "all", "everything", "all news", "전체", "모두", "전부", "todo", "todas", "todos")
for _slug in EVENT_SLUGS:
    _add(Event.from_slug(_slug), _slug)

CONNECTORS = frozenset({"and", "or", "plus", "y", "o", "e", "및", "그리고", "과", "와"})
LONGEST = max(len(p.split()) for p in PHRASES)


class UnknownEvent(ValueError):
    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word


def _words(text: str) -> list[str]:
    return _key(text).split()


def parse_events(text: str) -> Event:
    """'renewal, trailer' / 'release date' / '예고편' -> a mask; empty text is every event.
    Raises UnknownEvent for a word that names no event."""
    words = _words(text)
    if not words:
        return ALL
    mask, i = NO_EVENT, 0
    while i < len(words):
        for size in range(min(LONGEST, len(words) - i), 0, -1):
            event = PHRASES.get(" ".join(words[i:i + size]))
            if event is not None:
                mask |= event
                i += size
                break
        else:
            if words[i] in CONNECTORS and mask:
                i += 1
                continue
            raise UnknownEvent(words[i])
    return mask


def split_show_events(text: str) -> tuple[str, str]:
    """'Squid Game release date' -> ('Squid Game', 'release date'): event phrases at the end, at least
    one word left for the show. The show keeps its original spelling."""
    original = text.replace(",", " ").split()
    keys = [_key(w) for w in original]

    def phrase_ending_at(end: int) -> int:
        """The length of the longest event phrase ending before `end` (leaving a word for the show), or 0."""
        for size in range(min(LONGEST, end - 1), 0, -1):
            phrase = " ".join(k for k in keys[end - size:end] if k)
            if phrase and phrase in PHRASES:
                return size
        return 0

    cut = len(original)
    while cut > 1:
        size = phrase_ending_at(cut)
        if size:
            cut -= size
        elif cut < len(original) and keys[cut - 1] in CONNECTORS and phrase_ending_at(cut - 1):
            cut -= 1  # "renewal and trailer": the connector between two event phrases
        else:
            break
    return " ".join(original[:cut]), " ".join(original[cut:])


def event_words() -> list[str]:
    """Every word and phrase understood, for autocomplete."""
    return sorted(PHRASES)
