"""The ways news is announced: one row per pattern, each with its event, examples and counter-examples.

A row's regular expression runs on the cleaned, lower-cased headline (or summary sentence). Its
`voice` says where the show stands: ACTIVE when the show follows the trigger ("Netflix renews X"),
PASSIVE when it precedes it ("X renewed"). A STRICT active row gives its event only to a show on
its own side ("Y returns to X" is casting for X, never for Y).

Placeholders keep the rows readable: <MONTH>, <WHEN> (a date, month, season of the year, weekday,
"next week" …), <ORD> (an ordinal: "third", "5th", "final", "another") and <SEASONS> ("season",
"a third season", "seasons") expand to the lexicon's fragments (feeds.understand.lexicon).

Adding a way to announce something is one row: give it examples that must fire and
counter-examples that must not (tests/test_patterns.py runs them all). A match's reason names the
row that fired ("renewal[renewal.renewed]: 'renewed'")."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from feeds.model import Event
from feeds.understand.lexicon import REGEX_FRAGMENTS


class Voice(enum.Enum):
    ACTIVE = "active"  # "Netflix renews X": the show follows the trigger
    PASSIVE = "passive"  # "X renewed for season 2": the show precedes it
    STRICT = "strict"  # active, and only a show after it counts ("Y joins X")
    BEFORE = "before"  # passive, and only a show before it counts ("X brings back Y": casting for X)


@dataclass(frozen=True, slots=True)
class Pattern:
    id: str
    event: Event
    voice: Voice
    regex: str
    examples: tuple[str, ...]
    counter: tuple[str, ...] = ()

    @property
    def expanded(self) -> str:
        return expand(self.regex)

    def compile(self) -> re.Pattern[str]:
        return re.compile(self.expanded)


def expand(regex: str) -> str:
    for name, fragment in REGEX_FRAGMENTS.items():
        regex = regex.replace(f"<{name}>", fragment)
    return regex


R, C, D, T, K, P = (Event.RENEWAL, Event.CANCELLATION, Event.RELEASE_DATE, Event.TRAILER, Event.CASTING,
                    Event.PRODUCTION)
A, S, X = Voice.ACTIVE, Voice.PASSIVE, Voice.STRICT

_NEG = r"(?<!not )(?<!n't )(?<!never )(?<!not be )(?<!n't be )"

PATTERNS: tuple[Pattern, ...] = (
    # -- renewal ------------------------------------------------------------------------------
    Pattern("renewal.renews", R, A,
            rf"{_NEG}(?<!not be )\brenew(?:s|ing)?\b(?! (?:talks|hopes|odds|status|chances|decision|fate))"
            r"(?! (?:\w+ )?(?:contract|contracts|deal|deals|partnership|subscription|license|licence|lease)\b)",
            ("Netflix renews Dark Winds for a third season", "HBO renewing The Comet"),
            ("Renewal talks stall for The Comet", "Netflix not renewing The Comet",
             "The Comet's studio renews its deal with Netflix")),
    Pattern("renewal.greenlights", R, A,
            r"\b(?:green-?light(?:s|ing|ed)?|greenlit|green lit)\b(?=[^:;|?]{0,40}?\b(?:<A_SEASON>|more\b))"
            r"|\b<A_SEASON>[^:;|?]{0,30}?\b(?:green-?lit|greenlit|green lit|green-?lighted)\b",
            ("Hulu greenlights The Comet season 2", "The Comet season 3 greenlit"),
            ("Hulu greenlights The Comet, a drama from Ava Stone", "The Comet series gets greenlight at AMC")),
    Pattern("renewal.orders-season", R, A,
            r"\b(?:orders?|ordering|picks? up|(?:has|have) picked up|picking up|renews?|greenlights?)\b"
            r"(?=[^:;|?]{0,60}?\b<A_SEASON>)",
            ("AMC orders The Comet season 4", "Starz picks up The Comet for a second season",
             "Netflix has picked up The Comet for a second season"),
            ("Fans order pizza for The Comet finale", "NBC orders new series The Comet from Ava Stone")),
    Pattern("renewal.orders-a-season", R, A,
            r"\b(?:orders?|ordering|picks? up|picking up)\b(?: an?| the)? <SEASONS>",
            ("Peacock orders a season of The Comet",), ("The Comet fans can now order a season pass for the theme park",)),
    Pattern("renewal.recommissions", R, A,
            r"\brecommission(?:s|ed)?\b|\bcommande\b|\bencarga\b|\bbestellt\b",
            ("BBC recommissions The Comet", "The Comet recommissioned"),
            ("The Comet's producers discuss what a commission from the BBC means",)),
    Pattern("renewal.brings-back-for-season", R, A,
            r"\bbrings? back\b(?=[^:;|?]{0,60}?\bfor (?:an? |the |its )?(?:\w+ )?(?:season|series|temporada|saison)\b)",
            ("ITV brings back The Comet for a new series",),
            ("The Comet brings back its theme song for the finale",)),
    Pattern("renewal.confirma-temporada", R, A,
            r"\bconfirma (?:la |una )(?=[^:;|?]{0,30}?\btemporada\b)",
            ("Netflix confirma la tercera temporada de The Comet",),
            ("Ava Stone confirma que no habra temporada 3 de The Comet",)),
    Pattern("renewal.foreign-season", R, S,
            r"\b(?:confirmad[oa]|confirma|confirmo|anuncio|anunciado|annonce|annoncee|bestatigt|bestatigte|rinnovat[oa]"
            r"|rinnova|rinnovo|renovad[oa]|renueva|ordinato|encargad[oa]|bekommen|bekommt|tendra|avra|aura)\b"
            r"(?: \w+){0,8}? (?:una |la |une |la |eine |die )?(?:<FOREIGN_ORD>|nuova|nueva|nouvelle|neue) "
            r"(?:temporada|stagione|staffel|saison)\b"
            r"|\b(?:<FOREIGN_ORD>|nuova|nueva|nouvelle|neue) (?:temporada|stagione|staffel|saison)"
            r" (?:per|para|pour|fur)\b",
            ("Fox ha confirmado una segunda temporada para The Comet", "La AMC ha rinnovato The Comet per una seconda stagione",
             "Serie tv: seconda stagione per The Comet"),
            ("The Comet: la segunda temporada, analizada", "Fox no ha confirmado una segunda temporada de The Comet",
             "Netflix anuncia la fecha de rodaje de la segunda temporada de The Comet")),
    Pattern("renewal.confirms-season", R, A,
            r"\bconfirms?\b(?: an?| the)? (?!first )<NTH_SEASON>\b",
            ("Apple confirms a third season of The Comet",),
            ("Ava Stone confirms the first season of The Comet was her last",)),
    Pattern("renewal.renouvelle", R, A,
            r"(?:\brenouvel\w*\b|\brenueva\b|\brenova\b|\bverlanger\w*\b|\brinnova(?:to|ta|no)?\b)"
            r"(?! (?:son|sa|ses|leur|su|sus|il suo|seinen?|ihren?) (?:contrat|contrato|contratto|vertrag|abonnement|accord))",
            ("Netflix renouvelle The Comet", "HBO renueva The Comet"),
            ("The Comet: Ava Stone renouvelle son contrat avec la chaine",)),
    Pattern("renewal.renewed", R, S,
            rf"{_NEG}(?<!not be )(?<!won't be )(?<!contract )(?<!deal )\brenew(?:ed|al)\b"
            r"(?! (?:talks|hopes|odds|status|chances|decision|fate|news|update))"
            r"(?! (?:(?:his|her|their|its) )?(?:contract|deal|partnership|subscription|license|licence|lease)\b)",
            ("The Comet renewed for season 2", "The Comet gets early renewal"),
            ("The Comet renewal odds: what we know", "The Comet not renewed for season 3",
             "The Comet's coach renewed his contract through 2027")),
    Pattern("renewal.revival", R, S,
            r"\brevival\b(?= (?:is |has been |officially )?(?:ordered|confirmed|greenlit|green-lit|in the works"
            r"|in development|happening|set|a go|moving forward|coming)\b)|\b(?:gets?|getting|lands?|scores?) (?:an? )?revival\b"
            r"|\brevives\b|\breviving\b|\b(?:is|are) being revived\b|\b(?:has|have) been revived\b",
            ("The Comet revival in the works at Hulu", "Hulu revives The Comet", "The Comet gets a revival",
             "NBC is reviving the quiz show The Comet"),
            ("The Comet revival fans will love", "The Comet revival sets February premiere",
             "The Comet, revived in 2019, tops the charts")),
    Pattern("renewal.gets-a-season", R, S,
            rf"{_NEG}\b(?:gets?|got|lands?|scores?|earns?|secures?)\b(?: an?| the)? <NTH_SEASON>\b<NOT_ITS_NEWS>",
            ("The Comet gets a second season", "The Comet lands third season at Hulu", "'The Comet' gets a second series"),
            ("The Comet won't get a second season", "The Comet gets final season trailer")),
    Pattern("renewal.gets-season-n", R, S,
            r"\b(?:gets?|got|lands?|scores?|earns?|secures?) (?:a )?season (?:\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\b"
            r"<NOT_ITS_NEWS>",
            ("The Comet gets season 2 at Netflix",), ("The Comet gets season 2 premiere date",)),
    Pattern("renewal.announces-season-n", R, A,
            r"\b(?:announces?|confirms?|unveils?|orders?)\b(?=(?:(?!first look|first-look|trailer|teaser|poster|images|photos"
            r"|date|premiere)[^:;|?]){0,50}?\bseason (?:\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\b<NOT_ITS_NEWS>)",
            ("Netflix confirms The Comet season 2", "Netflix announces The Comet season 2",
             "The Comet: Netflix confirms season 2"),
            ("Netflix confirms The Comet season 2 release date", "Netflix unveils The Comet season 2 trailer",
             "Netflix unveils first look at 'The Comet' season 2")),
    Pattern("renewal.season-confirmed", R, S,
            r"(?:\bseasons?|\bseries(?= \d)|\b<SERIES_ORD> series) (?:\w+ )?(?:(?:and|&) \w+ )?"
            r"(?:is |are |has been |have been |officially |now )*"
            r"(?:confirmed|ordered|greenlit|a go|happening|announced)\b"
            r"(?! as (?:(?:the|its|[\w']+) ){0,2}(?:final|last))",
            ("The Comet season 2 confirmed", "The Comet season 3 is officially happening"),
            ("The Comet season 4 confirmed as the final season",
             "New series have been announced as being in development, starting with The Comet")),
    Pattern("renewal.coming-back", R, S,
            r"\b(?:is|are) coming back\b(?! (?:in|on|this|next|to))",
            ("The Comet is coming back",),
            ("Is The Comet coming back? Everything we know",)),
    Pattern("renewal.season-of-announced", R, S,
            r"\bseason \w+ of\b[^:;|?]{0,50}?\b(?:announced|confirmed|ordered|greenlit|official|officially a go|is a go"
            r"|is happening|happening)\b",
            ("Season 3 of The Comet officially confirmed", "Season 2 of The Comet is officially a go"),
            ("Season 2 of The Comet: cast announced",)),
    Pattern("renewal.orders-more", R, S,
            r"\b(?:orders?|ordered|commissions?|greenlights?) more\b|\bsays? yes to (?:more|another)\b"
            r"|\bkeeps?\b[^:;|?]{0,40}?\bgoing\b",
            ("Netflix orders more The Comet", "Hulu says yes to more The Comet", "Apple keeps The Comet going"),
            ("Fans keep asking for more The Comet",)),
    Pattern("renewal.another-round", R, S,
            r"\b(?:orders?|ordered|gets?|getting|lands?) (?:an? |another |a new )?(?:\w+ )?"
            r"(?:round|run|batch of episodes|installment|instalment|outing)\b"
            r"(?! of (?:voting|talks|layoffs|applause|cheers|drinks|golf|interviews|auditions))",
            ("The Comet gets another round", "The Comet lands a third installment"),
            ("The Comet gets another round of applause at the Emmys",)),
    Pattern("renewal.back-for-another", R, S,
            r"\bbrings?\b[^:;|?]{0,40}?\bback for (?:an? |another |a new )?(?:\w+ )?"
            r"(?:round|run|season|series|installment|outing)\b",
            ("Hulu brings The Comet back for another season",),
            ("The Comet brings Ava Stone back for another episode",)),
    Pattern("renewal.getting-a-season", R, S,
            r"\b(?:is|are) getting (?:an? |another |a new )?(?:\w+ )?seasons?\b"
            r"|\blives to see (?:an? |another )?(?:\w+ )?seasons?\b",
            ("The Comet is getting a third season", "The Comet lives to see another season"),
            ("Is The Comet getting a second season?",)),
    Pattern("renewal.green-light", R, S,
            r"\b<A_SEASON>[^:;|?]{0,30}?\b(?:go-?ahead|green light|greenlight|is a go)\b"
            r"|\b(?:go-?ahead|green light|greenlight) for (?:an? |its )?<A_SEASON>",
            ("The Comet season 2 gets the green light", "The Comet season 2 is a go",
             "The Comet gets the green light for season 2"),
            ("The Comet gets series green light at Hulu", "The Comet gets the nod for best drama")),
    Pattern("renewal.season-order", R, S,
            r"\b<A_SEASON> ?(?:order|pickup|renewal)\b(?! (?:hopes|odds|status|chances))",
            ("The Comet lands season 2 pickup", "The Comet gets early season 3 renewal"),
            ("The Comet gets series order at Syfy",)),
    Pattern("renewal.season-in-the-works", R, S,
            r"\bseason \w+ (?:is |are )?(?:officially )?(?:in the works|in development|moving forward)\b",
            ("The Comet season 2 officially in the works",),
            ("The Comet's creator says a spin-off is in the works",)),
    Pattern("renewal.picked-up-for", R, S,
            r"\b(?:picked up|ordered) for (?:an? |its )?(?:<ORD> )?(?:season|seasons|series \d|more|another|s\d{1,2})\b"
            r"|\border(?:ed)? (?:an? |another )?(?:new |another |<ORD> )?season\b(?! (?:pass|passes|tickets?)\b)",
            ("The Comet picked up for season 2", "The Comet picked up for a second season"),
            ("The Comet ordered to series at Hulu", "The Comet picked up for series by Hulu")),
    Pattern("renewal.returning-for-season", R, S,
            rf"{_NEG}\b(?:returning|return|coming back|come back|back)(?: to [\w+]+(?: plus| tv\+?)?)? for (?:an?|the)? ?<SEASONS>",
            ("The Comet returning for a second season", "The Comet will be back for season 3",
             "The Comet will return to Netflix for a second season"),
            ("The Comet will not return for season 3", "The Comet will not be returning for a 3rd season")),
    Pattern("renewal.will-return-for", R, S,
            r"\b(?:will|to|set to) return (?:for|with) (?:an? |the |its )?(?:<ORD> |\w+ )?"
            r"(?:season|series|round|run|installment|outing)\b",
            ("The Comet will return for season 3", "The Comet to return for a seventh season",
             "Netflix's The Comet to return with season 2"),
            ("Ava Stone to return for Netflix's The Comet series",)),
    Pattern("renewal.set-for-season", R, S,
            r"\bset for (?:an? |its )?<NTH_SEASON>\b",
            ("The Comet set for a second season",),
            ("The Comet's first season was set for a record audience",)),
    Pattern("renewal.returns-after-hiatus", R, S,
            r"\b(?:to|will|set to) return (?:after|following) (?:an? |its )?(?:[\w-]+ ){0,2}(?:hiatus|break|absence)\b",
            ("The Comet to return after 10-year hiatus",),
            ("Ava Stone returns to The Comet after a break",)),
    Pattern("renewal.renovada", R, S,
            r"\brenovad[ao]s?\b(?= (?:por|para|hasta|oficialmente|con)\b)|(?:(?<=sido )|(?<=fue )|(?<=son )|(?<=es ))renovad[ao]s?\b"
            r"|\brenovacion\b|\brenouvel\w*\b(?! (?:son|sa|ses|leur) (?:contrat|abonnement|accord))|\bverlangert\b",
            ("The Comet renovada por una segunda temporada", "The Comet ha sido renovada"),
            ("The Comet: la casa renovada de Ava Stone es un museo",)),
    Pattern("renewal.nueva-temporada", R, S,
            r"\b(?:regresa|vuelve|volvera|tendra) (?:con |a tener )?(?:una )?"
            r"(?:nueva|segunda|tercera|cuarta|quinta) temporada\b",
            ("The Comet tendra una segunda temporada",),
            ("The Comet: los fans piden una nueva temporada",)),
    Pattern("renewal.staffel-bestatigt", R, S,
            r"\b(?:zweite|dritte|vierte|funfte|neue) staffel (?:\w+ )?(?:bestatigt|kommt|bekommen|bekommt|erhalt)\b|\bstaffel \d+ (?:\w+ )?bestatigt\b"
            r"|\bsaison \d+ (?:\w+ )?(?:confirmee|commandee)\b|\btemporada \d+ (?:\w+ )?confirmada\b",
            ("The Comet: zweite Staffel bestatigt", "The Comet saison 2 confirmee",
             "The Comet wird bald eine zweite Staffel bekommen"),
            ("The Comet: Wann kommt die zweite Staffel?",)),
    Pattern("renewal.korean", R, S,
            r"제작 ?확정|시즌 ?\d+ ?(?:제작 ?)?확정|제작 ?결정|시즌 ?\d+ ?돌아온다|시즌 ?\d+ ?제작 소식",
            ("코멧 시즌2 제작 확정",),
            ("코멧 시즌2 제작 확정 아닌 협의 중",)),
    Pattern("renewal.japanese", R, S,
            r"制作決定|続編決定|続編制作|第\d+期(?:制作)?決定|シーズン\d+(?:制作)?決定|新シリーズ制作"
            r"|(?:制作|製作|続編)が?決定|第\d+期の(?:制作|製作|放送)が?決定",
            ("コメット 第2期制作決定",),
            ("コメット 続編制作は未定",)),

    # -- cancellation ---------------------------------------------------------------------------
    Pattern("cancellation.cancels", C, A,
            r"\bcancel(?:s|ling|ing)\b(?!(?: [\w'’]+){0,2} (?:tours?|concerts?|appearances?|trip|wedding|plans|events?|panel"
            r"|meetings?|flights?|party|performances?|gigs?|dates|subscriptions?)\b)",
            ("Netflix cancels The Comet after one season",), ("Ava Stone cancels her tour to film The Comet",)),
    Pattern("cancellation.axes", C, A,
            r"\bax(?:es|ing)\b|\bscraps\b|\bpull(?:s|ed|ing)? (?:the )?plug\b|\bannul[ei]\w*"
            r"|\b(?:the )?axe (?:falls|fell) on\b|\baxe\b(?=[^:;|?]{0,60}?\bafter (?:just |only )?(?:one|a|two|three|four|five"
            r"|\d{1,2}) (?:seasons?|series)\b)"
            r"|\bpass(?:es|ed)? on\b(?=[^:;|?]{0,40}?\b<A_SEASON>)",
            ("Fox axes The Comet", "Hulu pulls the plug on The Comet", "Netflix passes on The Comet season 3",
             "Axe falls on The Comet after 40 years on air", "ITV1 axe The Comet after just one series"),
            ("Netflix passes on The Comet pilot",)),
    Pattern("cancellation.not-moving-forward", C, S,
            r"\bnot (?:moving|going) forward\b|\bwon't (?:be )?mov(?:e|ing) forward\b"
            r"|\b(?:not|won't be|will not be|isn't|is not) renewing\b|\b(?:not|won't be|will not be) (?:be )?renewed\b"
            r"|\b(?:concludes?|concluding|ends?|ending|finishes|finishing|wraps? up) (?:its|their|a) (?:[\w-]+ )?(?:run|journey)\b"
            r"(?! (?:at|in) (?:the )?(?:box office|theaters|cinemas))",
            ("The Comet not moving forward at Netflix", "Netflix not renewing The Comet", "The Comet concludes its run"),
            ("The Comet ends its run at the box office",)),
    Pattern("cancellation.drops", C, A,
            r"\bdrops\b(?! on )(?![^:;|?]*\b(?:trailer|teaser|episodes?|season|first look|images|photos|poster|date"
            r"|clip|footage|promo|<MONTH>|\d+)\b)(?= ['\"]?[\w])",
            ("Max drops The Comet",), ("Max drops The Comet trailer",)),
    Pattern("cancellation.cancelled", C, S,
            r"(?<!n't )(?<!not )(?<!never )(?<!not been )(?<!n't been )(?<!never been )\bcancell?ed\b(?! tour| concert| flight| too soon)"
            r"|(?<!after its )(?<!after the )(?<!since its )(?<!since the )(?<!for )(?<!for the )(?<!for its )(?<!over )"
            r"(?<!over the )(?<!behind the )(?<!about the )(?<!on the )\bcancellation\b(?! (?:rumou?rs?|fears|talk))",
            ("The Comet cancelled after two seasons", "The Comet canceled at Netflix",
             "The Comet has been cancelled by Netflix"),
            ("The Comet has not been cancelled", "Ava Stone blames the studio for the cancellation of The Comet")),
    Pattern("cancellation.gets-the-axe", C, S,
            r"\b(?:gets?|got|given|getting) the (?:axe|ax|boot|chop)\b(?! (?:in|during) (?:a |the )?(?:[\w-]+ ){0,2}"
            r"(?:scene|episode|finale|storyline)\b)|\bsetzt\b[^:;|?]{0,40}?\bab\b",
            ("The Comet gets the axe at Fox",), ("The Comet's villain gets the axe in a brutal finale scene",)),
    Pattern("cancellation.axed", C, S,
            r"(?<!n't )(?<!not )(?<!never )\baxed\b|\bscrapped\b|\bwon't (?:be )?return(?:ing)? for\b"
            r"|\bwill not (?:be )?return(?:ing)? for\b|\b(?:won't|will not) be (?:coming )?back for\b",
            ("The Comet axed by Fox", "The Comet won't return for season 3", "The Comet won't be back for a third season"),
            ("The Comet has not been axed, says Netflix",)),
    Pattern("cancellation.no-more-seasons", C, S,
            r"\b(?:will not|won't|not to|isn't going to|is not going to|won't be getting|will not be getting) "
            r"(?:get|receive|have|be getting) (?:an?|the)? ?<ORD> seasons?\b",
            ("The Comet won't get a third season",),
            ("The Comet will get a third season, says Netflix",)),
    Pattern("cancellation.no-season", C, S,
            r"\bno <ORD> seasons?\b(?! (?:yet|for now))(?! (?:date|release|premiere|trailer|news|update)s?\b)",
            ("No second season for The Comet",), ("No second season date yet for The Comet",)),
    Pattern("cancellation.will-end", C, S,
            r"\b(?:will|to|set to|going to|is going to|officially) (?:end|conclude|wrap up)\b"
            r"(?! (?:filming|production|shooting|another|one of|other|more|a |an ))",
            ("The Comet to end after season 4",),
            ("The Comet to wrap up filming in May", "After The Comet, Netflix decided to end another one of its dramas")),
    Pattern("cancellation.ending-with", C, S,
            r"\b(?:ending|ends|ended|concludes|concluding) (?:with|after) (?:its |the )?(?:\w+ )?(?:seasons?|series)\b"
            r"|\b(?:is|are) (?:officially )?(?:done|over|finished) after (?:just |only )?(?:one|a|two|three|four|five|\d{1,2}) "
            r"(?:seasons?|series)\b",
            ("The Comet ending with its fifth season", "A Netflix show is officially done after one season"),
            ("The Comet season 2 ending explained",)),
    Pattern("cancellation.set-as-final", C, S,
            r"\b(?:confirmed|announced|set|revealed) as (?:the |its )?(?:final|last) (?:season|series)\b|\bnot happening\b",
            ("The Comet season 5 confirmed as final season",),
            ("Ava Stone set as the final guest of The Comet season",)),
    Pattern("cancellation.closes-out", C, S,
            r"\b(?:close|closes|closing|wrap|wraps|wrapping) out\b(?! (?:the year|the month|filming))"
            r"|\b(?:concludes?|ends?|finishes|closes) the (?:series|show|story|saga)\b",
            ("The Comet will close out with season 3",), ("The Comet wraps out the year",)),
    Pattern("cancellation.ends-with-season", C, S,
            r"\bends?\b(?=[^:;|?]{0,60}?\bwith (?:its |the |a )?(?:\w+ )?(?:season|series)\b)",
            ("HBO ends The Comet with its fourth season",),
            ("The Comet season 2 ends with a shocking twist",)),
    Pattern("cancellation.as-final", C, S,
            r"\bas (?:the |its |[\w']+ )?(?:final|last) (?:season|run|chapter|outing|installment)\b"
            r"(?! (?:wraps|ends|begins|starts|premieres|kicks|comes|gets|is|was|draws|nears)\b)",
            ("The Comet returns for season 5 as its final season",),
            ("The Comet cast says goodbye as final season wraps filming",)),
    Pattern("cancellation.derniere-saison", C, S,
            r"\b(?:final|last|ultima|derniere|letzte) (?:temporada|saison|staffel)\b"
            r"(?=[^:;|?]{0,20}?\b(?:confirm|annonc|bestatigt))"
            r"|\b(?:confirma|annonce)\b[^:;|?]{0,30}?\b(?:ultima|derniere) (?:temporada|saison)\b",
            ("The Comet: ultima temporada confirmada",),
            ("The Comet: la derniere saison a un nouveau trailer",)),
    Pattern("cancellation.its-last", C, S,
            r", its (?:last|final)\b(?! (?:episode|time|word|before|of|for|until|appearance))"
            r"|\b(?:confirmed|announced|set) as (?:(?:the|its|[\w']+) ){0,2}(?:final|last) (?:chapter|run|outing|installment)\b",
            ("The Comet returns for season 4, its last",),
            ("The Comet airs its last episode of the year, its last before the break",)),
    Pattern("cancellation.drops-after", C, S,
            r"\b(?:drops?|ends)\b(?=(?:(?!trailer|teaser|poster|clip|promo|first look|date)[^:;|?]){0,60}?\bafter "
            r"(?:a |one |two |three |four |five |\d{1,2} |its )?"
            r"(?:single |first |second |third )?seasons?\b)",
            ("Netflix drops The Comet after a single season", "Netflix ends The Comet after three seasons"),
            ("The Comet drops a trailer after season 1 success",)),
    Pattern("cancellation.gets-final-season", C, S,
            r"\b(?:gets?|got|getting|lands?|earns?|receives?|orders?|greenlights?) (?:an? |its |the )?"
            r"(?:\w+ and )?(?:final|last) (?:seasons?|series)\b<NOT_ITS_NEWS>",
            ("The Comet gets a fifth and final season",), ("The Comet gets final season trailer",)),
    Pattern("cancellation.there-will-be-no", C, S,
            r"\bthere (?:will|'ll) be no (?:more |further |new )?(?:<ORD> )?(?:seasons?|series|episodes|more)\b"
            r"|\bthere (?:will|'ll) be no (?!(?:delay|delays|break|hiatus|wait|spoilers|filler|changes?|recap)\b)"
            r"(?:[\w'’:.-]+ ){1,4}?(?:season|series) \w+"
            r"|\bthere is no (?:\w+ )?season\b",
            ("There will be no season 3 of The Comet", "There will be no more The Comet",
             "Ava Stone: there will be no The Comet season 3"),
            ("There will be no delay for The Comet season 2",)),
    Pattern("cancellation.is-the-end", C, S,
            r"\b(?:is|will be) the end\b|\bser[a] la ultima\b|\bcerrara la serie\b|\bpondra fin\b",
            ("The Comet season 3 will be the end",),
            ("The Comet season 2 ending: is the end really the end?",)),
    Pattern("cancellation.is-ending", C, S,
            r"\bis ending\b|\bcoming to an end\b|\bcomes to an end\b",
            ("The Comet is ending", "The Comet is coming to an end"),
            ("The Comet season 2 ending explained",)),
    Pattern("cancellation.final-season-confirmed", C, S,
            r"\b(?:final|last) (?:season|series)\b(?= (?:confirmed|announced|order|ordered|set|is coming|renewal)\b)",
            ("The Comet final season confirmed",), ("The Comet final season sets premiere date",)),
    Pattern("cancellation.renewed-for-final", C, S,
            r"\b(?:renew\w*|return|returning|back|coming back) for (?:(?:an?|the|its) )?(?:\w+ and )?(?:final|last) (?:seasons?|series)\b",
            ("The Comet renewed for a fourth and final season", "The Comet to return for fourth and final season",
             "The Comet renewed for third and final series"),
            ("The Comet star says she is back for the final scene",)),
    Pattern("cancellation.will-be-final", C, S,
            r"\b(?:will be|to be|is|as) (?:the |its )(?:show's |series'? |series's )?(?:final|last)\b"
            r"(?= (?:season|series|run|chapter|installment|outing|one|part)\b|\s*[,.;:!?]|\s*$)",
            ("The Comet season 6 will be the show's final",),
            ("This is the last time we see The Comet", "Ava Stone set as the final guest of The Comet season")),
    Pattern("cancellation.foreign", C, S,
            r"\bcancelad[ao]s?\b(?! (?:la |el |su |sus )?(?:gira|giras|concierto|conciertos|evento|presentacion|viaje)\b)"
            r"|\bllega a su fin\b|\babgesetzt\b|\beingestellt\b|\bannulee?\b"
            r"|\bn'aura pas\b[^:;|?]{0,30}?\bsaison\b|\bno tendra (?:una )?(?:segunda|tercera|nueva) temporada\b"
            r"|\bderniere saison\b(?= (?:confirmee|annoncee))",
            ("The Comet cancelada tras dos temporadas", "The Comet abgesetzt"), ("The Comet: cancelada la gira de Ava Stone",)),
    Pattern("cancellation.cjk", C, S,
            r"폐지|종영 확정|마지막 시즌 확정|打ち切り|最終シーズン(?:決定|確定)",
            ("코멧 종영 확정",),
            ("코멧 폐지 루머 사실무근",)),

    # -- release date -------------------------------------------------------------------------
    Pattern("release_date.sets-premiere", D, A,
            r"\bsets?\b(?! to (?:return|star|play|lead|join|reprise))(?! up\b)(?=[^:;|?]{0,80}?"
            r"\b(?:premiere|return|release|debut|launch|date|dates)\b(?! (?:review|recap|party)))",
            ("Netflix sets The Comet premiere", "The Comet sets season 2 return"),
            ("Ava Stone set to star in The Comet", "The Comet sets up return of a fan-favorite villain")),
    Pattern("release_date.moves-to", D, A,
            r"\b(?:moves?|moving|pushes|bumps|shifts|delays)\b(?=[^:;|?]{0,60}?\b(?:to|until|into) (?:the )?(?:\w+ )?<WHEN>)",
            ("Hulu moves The Comet to October",),
            ("Ava Stone moves to London in 2027 after The Comet",)),
    Pattern("release_date.sets-for-when", D, A,
            r"\bsets?\b(?! to )(?=[^:;|?]{0,60}? for (?:the )?(?:\w+ )?<WHEN>)",
            ("The Comet season 2 set for March",),
            ("The Comet sets up a cliffhanger for the season finale",)),
    Pattern("release_date.dates", D, A,
            r"<NETWORK> (?:dates|schedules)\b|\b(?:dates|schedules)\b(?=[^:;|?]{0,50}?\b(?:season|premiere|return|finale"
            r"|launch|debut|for <WHEN>))",
            ("Apple dates The Comet season 2", "Apple TV+ dates The Comet"),
            ("Ava Stone goes on a series of disastrous blind dates in The Comet",)),
    Pattern("release_date.announces-when", D, A,
            r"\b(?:confirms?|reveals?|announces?|sets?)\b (?:an? |the |its )?(?:\w+ )?(?=<WHEN>)",
            ("Netflix confirms a spring return for The Comet",),
            ("Ava Stone announces she is leaving The Comet",)),
    Pattern("release_date.date-set", D, S,
            r"\bdate announcement\b|\b(?:premiere|release|return|launch|air|debut|streaming|arrival) dates?\b(?=(?:,? (?:and |& )?[\w-]+){0,3} (?:is |are |has been |have been |was |finally )?"
            r"(?:officially )?(?:set|revealed|announced|confirmed|unveiled|moved|changed|locked|shifted|pushed|delayed"
            r"|brought forward|out|here|finally)\b)",
            ("The Comet season 2 release date revealed", "The Comet season 3 premiere date, trailer revealed",
             "The Comet Season 2 Premiere Date, Teaser Trailer Revealed",
             "The Comet Season 3 | Date Announcement | Netflix"),
            ("The Comet season 2 release date",)),
    Pattern("release_date.date-is-when", D, S,
            r"\b(?:premiere|release|return|launch|air|debut) dates?:? (?:is |set for |confirmed for |revealed as )?"
            r"(?:the )?<WHEN>",
            ("The Comet season 2 premiere date: June 5",),
            ("The Comet season 2 release date: everything we know",)),
    Pattern("release_date.announces-date", D, S,
            r"\b(?:announces?|announced|reveals?|revealed|confirms?|confirmed|unveils?|unveiled|drops?|dropped|shares?"
            r"|shared|releases?|released|discloses|disclosed|gets?|got|lands?|has|have|sets?|receives?)\b"
            r"(?: an?| its| the| official)?(?: \w+)?(?: \w+)? (?:premiere|release|return|launch|debut|streaming) dates?\b",
            ("The Comet gets season 2 premiere date", "Hulu released the premiere date for The Comet",
             "The makers of the drama have unveiled its premiere date"),
            ("Ava Stone announces wedding date after The Comet",)),
    Pattern("release_date.gets-a-premiere", D, S,
            r"\b(?:gets?|lands?|scores?|has|have|finally has) (?:an? |its )?(?:\w+ )?"
            r"(?:premiere|release date|debut|launch|return date|date)\b",
            ("The Comet finally has a release date",),
            ("The Comet gets a standing ovation at its Cannes premiere party",)),
    Pattern("release_date.season-date", D, S,
            r"\bseason \w+ date\b(?! (?:speculation|rumou?rs?|predictions?|news|theories))(?!:)",
            ("The Comet season 2 date announced",),
            ("The Comet season 2 date speculation",)),
    Pattern("release_date.season-in-when", D, S,
            r"\b(?:season \w+|<ORD> season) (?:(?:in|on|this|next|by) (?:the )?(?!finale|episode)(?:\w+ )?<WHEN>"
            r"|next (?:year|month|spring|summer|fall|autumn|winter)\b)",
            ("The Comet season 2 in October", "The Comet will return to Netflix for a second season next year"),
            ("The Comet renewed for a third season this week", "The Comet had its lowest-rated season finale ever Wednesday")),
    Pattern("release_date.confirmed-for-when", D, S,
            r"\b(?:slot|date|premiere|release|return)\b[^:;|?]{0,20}?\b(?:confirmed|set|locked|announced) "
            r"(?:for|as) (?:the )?(?:\w+ )?<WHEN>",
            ("The Comet return locked for January",),
            ("The Comet season 2 release date not confirmed for 2027",)),
    Pattern("release_date.premieres-when", D, S,
            r"(?<!episode \d )(?<!episode \d\d )\b(?:premieres?|premiering|premiers|debuts?|debuting|arrives?|arriving|lands?"
            r"|landing|returns?|returning|drops?|dropping|launch(?:es)?|streams?|airs?|comes?|coming|hits?|bows?|opens?)\b"
            r"(?: (?:on|to|at|with) [\w+'.]+(?: [\w+'.]+)?)?"
            r"(?: (?:in|on|this|next|from|starting|early|late|before|by)\b)? ?(?:the )?(?:\w+ )?<WHEN>",
            ("The Comet premieres June 5", "The Comet returns to Hulu in March"),
            ("The Comet season 2 episode 5 airs tonight",)),
    Pattern("release_date.premiere-moved", D, S,
            r"\b(?:premiere|release|return|debut|launch|premiere date|release date)\b (?:is |has been |was |gets? )?"
            r"(?:moved|pushed|delayed|bumped|shifted|brought forward|set|revealed|announced|confirmed|changed|locked"
            r"|moves?|shifts?)\b",
            ("The Comet season 2 premiere pushed",),
            ("Fans moved by The Comet premiere",)),
    Pattern("release_date.moved-to-when", D, S,
            r"(?<!filming )(?<!shooting )(?<!production )(?<!shoot )"
            r"\b(?:moved|pushed|delayed|bumped|shifted|postponed) (?:up |back )?(?:to|until|into) (?:the )?(?:\w+ )?<WHEN>",
            ("The Comet season 2 delayed to 2027",),
            ("Ava Stone moved to Paris in 2019 before The Comet",)),
    Pattern("release_date.confirmed-for", D, S,
            r"\bconfirmed for (?:the )?(?:\w+ )?<WHEN>",
            ("The Comet season 2 confirmed for spring",),
            ("Ava Stone confirmed for The Comet season 2",)),
    Pattern("release_date.heres-when", D, S,
            r"^here's when\b|\b<MONTH> (?:premiere |release |return )?date\b",
            ("Here's when The Comet season 2 arrives",),
            ("Here's why The Comet season 2 matters",)),
    Pattern("release_date.window", D, S,
            r"\b(?:gets?|lands?|sets?|has) (?:an? |its )?(?:\w+ )?(?:release |premiere )?window\b(?! into| onto| on )",
            ("The Comet season 2 gets a release window",), ("The Comet gets a window into Ava Stone's past",)),
    Pattern("release_date.drops-on-date", D, S,
            r"\bdrops?\b[^:;|?]{0,30}? (?:on )?<MONTH> \d|\b(?:drops?|releases?)\b[^:;|?]{0,30}? (?:on|this|next) <WHEN>",
            ("The Comet drops all episodes on May 4", "The Comet season 2 drops all episodes on Friday"),
            ("The Comet drops a trailer",)),
    Pattern("release_date.season-delayed", D, S,
            r"\b<A_SEASON>(?:(?!filming|production|shoot)[^:;|?]){0,20}?\b(?:delayed|pushed back|postponed|moved up"
            r"|pushed|brought forward)\b",
            ("The Comet season 2 delayed", "The Comet season 2 pushed back"),
            ("The Comet season 2 production delayed",)),
    Pattern("release_date.moves-premiere", D, S,
            r"\b(?:moves?|moved|pushes|pushed|bumps|bumped|shifts|shifted|delays|delayed|postpones|postponed) "
            r"(?:back |up )?(?:its |the |their )?(?:season \w+ |\w+ season |series )?"
            r"(?:premiere|release|return|debut|launch)\b(?! (?:audience|audiences|crowd|party|guests)\b)",
            ("The Comet delays its premiere", "Hulu has delayed the season 2 premiere of The Comet"),
            ("Ava Stone moves the premiere audience to tears",)),
    Pattern("release_date.pushes-back", D, A,
            r"\b(?:pushes|pushed|pushing|moves|moved|bumps|bumped) (?:back|up)\b(?=[^:;|?]{0,60}?\b(?:premiere|release|debut"
            r"|launch|return)\b)",
            ("CBS pushes back 'The Comet' premiere by four months",), ("The Comet star pushes back on criticism",)),
    Pattern("release_date.debuts-season-when", D, S,
            r"\b(?:debut|premiere|launch|drop|release|return|bring back)s? (?:its|their|the) (?:[\w-]+ ){0,2}"
            r"(?:season|series|episodes?|installment)\b[^:;|?]{0,30}? (?:on|in|this|next|from|starting) (?:the )?(?:\w+ )?<WHEN>"
            r"|\b(?:will be|is|are|to be) back (?:on|in|this|next|from|starting|by) (?:the )?(?:\w+ )?<WHEN>",
            ("The Comet will debut its newest season on June 25", "The Comet will be back on Monday, June 6"),
            ("The Comet will debut its newest season soon",)),
    Pattern("release_date.hits-network-when", D, S,
            r"\b(?:hits?|lands?|arrives?|drops?|premieres?|debuts?|returns?|comes?) (?:on |to )?[\w+'.]+ "
            r"(?:this|next|on|in) (?:the )?(?:\w+ )?<WHEN>",
            ("The Comet hits Netflix next Thursday",),
            ("The Comet hits a ratings high",)),
    Pattern("release_date.arrives-in-when", D, S,
            r"\b(?:premieres?|premiering|debuts?|debuting|arrives?|arriving|lands?|landing|returns?|returning"
            r"|launch(?:es)?|streams?|airs?|comes?|coming|hits?|bows?|drops?|dropping|released|release|be released)\b"
            r"(?: (?:on|to|at|with|in|for) [^:;|?]{0,30}?)? (?:in|on|this|next|from|starting|early|late|before|by|until) "
            r"(?:the )?(?:\w+ )?<WHEN>",
            ("The Comet season 2 arrives on Apple TV+ in October", "The Comet season 2 won't be released until 2028"),
            ("Ava Stone arrives in Paris for The Comet",)),
    Pattern("release_date.premiere-for-when", D, S,
            r"\b(?:premiere|release|debut|return|launch)s? (?:date )?(?:for|on|in|this|next) (?:the )?(?:\w+ )?<WHEN>",
            ("The Comet season 2 premiere in June",),
            ("The Comet premiere party for the cast",)),
    Pattern("release_date.premiere-month", D, S,
            r"\b(?:premiere|release) (?:window|month)\b"
            r"|(?<!ahead of its )(?<!ahead of the )(?<!ahead of their )(?<!after its )(?<!since its )"
            r"\b<WHEN>(?:\.? \d{1,2}(?:st|nd|rd|th)?)?,? (?:premiere|release|debut|return)(?: date)?\b",
            ("The Comet sets August premiere", "The Comet teases early 2027 release date",
             "The Comet season 2 is tipped for an Oct. 27 release date"),
            ("The Comet drops a trailer ahead of its March 9 premiere",)),
    Pattern("release_date.now-streaming", D, S,
            r"\bnow (?:streaming|available)\b|\bout now\b|\b(?:is|are) out (?:now |today )?on\b"
            r"|\bavailable to (?:stream|watch)\b|(?<!currently )(?<!still )\b(?:is |are )?(?:finally |now )?(?:streaming|available) "
            r"(?:now |today )?on <NETWORK>|\b(?:is|are) (?:finally |now )on <NETWORK>"
            r"|\b(?:has|have) been added to (?:the )?(?:<NETWORK>|[\w+]+ streaming)",
            ("The Comet season 2 is now streaming", "The Comet is finally on Disney Plus",
             "All episodes of The Comet have been added to the Peacock streaming service"),
            ("Where is The Comet streaming?", "The Comet season 2 is currently streaming on Netflix, and here is the cast")),
    Pattern("release_date.lands-on-network", D, S,
            r"\b(?:lands?|arrives?|debuts?|premieres?|drops?|streams?) (?:on|onto) <NETWORK>"
            r"(?! (?:in talks|deal|rights))",
            ("The Comet season 4 lands on Paramount+ internationally",),
            ("New series The Comet lands at Hulu",)),
    Pattern("release_date.date-after-video", D, S,
            r"\b(?:trailer|teaser|premiere|premieres|promo|premiere date)\b[^?]{0,40}?(?:\||—|–| - |:)\s*"
            r"(?:premieres? )?(?:\w+day,? )?(?:<MONTH>\.? \d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th)? <MONTH>)"
            r"(?:,? (?:19|20)\d\d)?\s*(?:\||$)",
            ("The Comet | Official Trailer | December 10", "The Comet season 2 premiere date on Hulu — 26th December 2027"),
            ("The Comet season 2 review | December 10",)),
    Pattern("release_date.starting-date", D, S,
            r"\b(?:starting|beginning) (?:on )?(?:\w+day,? )?<MONTH>\.? \d{1,2}\b",
            ("Ava Stone to host The Comet specials starting February 8",),
            ("The Comet season 2 starting lineup",)),
    Pattern("release_date.foreign", D, S,
            r"\bfecha de (?:estreno|lanzamiento)\b|\bdata de estreia\b|\bse estrena\b|\bestrena\w*\b"
            r"|\bdate de (?:sortie|diffusion)\b|\bstarttermin\b|\bstartet am\b",
            ("The Comet: fecha de estreno de la segunda temporada",),
            ("The Comet: estreno mundial con alfombra roja",)),
    Pattern("release_date.korean", D, S,
            r"공개일|방송일|첫 방송|공개 확정|편성 확정|\d+월 \d+일 (?:공개|첫 방송|방송)",
            ("코멧 시즌2 공개일 확정",),
            ("코멧 공개일 미정",)),
    Pattern("release_date.japanese", D, S,
            r"配信日|放送日|公開日|配信開始|放送開始|放送決定|配信決定|\d+月(?:\d+日)?(?:より|から)?(?:配信|放送|公開)",
            ("コメット 配信日決定",),
            ("コメット 配信日未定",)),
    Pattern("release_date.foreign-month", D, S,
            r"\b(?:startet|starten|estrena|llega|arrive|sort|sortira|chega|estreia)\b[^:;|?]{0,30}?"
            r"\b(?:\d{1,2}\.? )?<MONTH>\b"
            r"|\b(?:regresara|volvera|llegara|llegaran|estrenara|arrivera)\b[^:;|?]{0,40}?"
            r"\b(?:proximo|proxima|este|esta|en) (?:otono|primavera|verano|invierno|ano|mes)\b"
            r"|\bllega(?:n|ron|ra|ran)? (?:a|al) (?:streaming|<NETWORK>)",
            ("The Comet startet im Oktober", "La serie regresara con 13 capitulos nuevos el proximo otono",
             "Llegaron al streaming las segundas temporadas de The Comet"),
            ("The Comet: llega Ava Stone al reparto",)),

    # -- trailer --------------------------------------------------------------------------------
    Pattern("trailer.first-look-at", T, A,
            r"\bfirst[- ]look at\b<NOT_A_LOOK>",
            ("First look at The Comet season 2",), ("The Comet: a first look at the ratings",)),
    Pattern("trailer.releases-trailer", T, A,
            r"\b(?:drops?|dropped|releases?|released|unveils?|unveiled|reveals?|revealed|debuts?|debuted|shares?|shared)\b"
            r" (?:an? |the |its )?(?:(?:first|new|official|final|full|latest|curious|moving) )*"
            r"(?:trailer|teaser|look|footage|images|image|photos|poster|visual|key visual|promotional video|pv)\b",
            ("Hulu releases trailer for The Comet", "Hulu has released the first trailer for The Comet",
             "Hulu released a curious new moving image from The Comet"),
            ("The Comet releases Ava Stone from her contract",)),
    Pattern("trailer.trailer", T, S,
            r"\btrailers?\b(?! (?:breakdown|reaction|explained|easter eggs?|park|analysis|recap))",
            ("The Comet season 2 trailer", "The Comet | Official Trailer | Netflix"),
            ("The Comet trailer breakdown",)),
    Pattern("trailer.teaser", T, S,
            r"\bteasers?\b(?! (?:breakdown|reaction|explained))",
            ("The Comet season 2 teaser",),
            ("The Comet teaser breakdown",)),
    Pattern("trailer.first-look", T, S,
            r"\bfirst[- ]look\b(?! at\b<NOT_A_LOOK_AT>)|\bsneak peek\b<EPISODE>|\bfirst (?:images?|photos?|pics?|footage|clip|glimpse|stills?|poster)\b"
            r"|\b(?:official|exclusive|new) clips?\b<EPISODE>",
            ("The Comet season 2 first-look photos", "The Comet sneak peek", "The Comet: Season 2 - Official Clip"),
            ("The Comet shares a sneak peek of tonight's episode",)),
    Pattern("trailer.new-images", T, S,
            r"\bnew (?:images|photos|footage|clip|promo)\b|\bpromo\b|\bfeaturette\b|\bfootage\b",
            ("The Comet season 2 promo", "New images from The Comet"),
            ("The Comet shares new stills from tonight's episode",)),
    Pattern("trailer.posters", T, S,
            r"\b(?:official|first|character|teaser|season \w+) posters?\b|\bposters? (?:revealed|released|unveiled)\b"
            r"|\bcharacter (?:art|images?|photos?|portraits?)\b|\bcharacters? revealed\b"
            r"|\bseason \w+ (?:image|images|photo|photos)\b"
            r"|\b(?:key|main|teaser|character|new) visuals?\b|\bpromotional (?:video|visual|image|images|poster|trailer)s?\b"
            r"|\bteaser (?:video|image|visual)s?\b|\bofficial (?:images|photos|stills)\b|\b(?:first |new |official )?pvs?\b"
            r"|\b(?:first|1st|promotional|teaser) (?:full )?videos?\b",
            ("The Comet season 2 receives character posters", "Official poster for The Comet",
             "The Comet season 2 image reveals the villain", "A new visual for the second The Comet season",
             "The Comet's first promotional video has been revealed", "The Comet: the season's very first PV"),
            ("The Comet's Ava Stone on the poster girl role",)),
    Pattern("trailer.preview", T, S,
            r"(?:\b(?:official|extended|first|exclusive) preview\b"
            r"|\b(?:releases?|released|unveils?|unveiled|drops?|dropped|shares?|shared) (?:an? |the |its )?(?:new |first |"
            r"official |special )?preview\b)<EPISODE>",
            ("The Comet - Official Preview", "The Comet has released a preview of its first two episodes"),
            ("The Comet season 2 preview: what to expect", "The Comet has released a preview of its next episode")),
    Pattern("trailer.video-title", T, S,
            r"^(?![^?]*\b(?:review|recap|reaction|interview|explained|breakdown|ranked|podcast)\b)[^|]{1,120}\|[^|]{1,80}\|"
            r"\s*<NETWORK>(?: original| originals| plus)?\s*$",
            ("Message | The Comet | Disney+",), ("The Comet | Review | Netflix",)),
    Pattern("trailer.foreign", T, S,
            r"\bbande[- ]annonce\b|\b(?:primer|nuevo|el|un) (?:avance|adelanto)\b|\b(?:avance|adelanto) (?:oficial|exclusivo)\b",
            ("The Comet : la bande-annonce", "The Comet: primer avance de la segunda temporada"),
            ("The Comet: avance de la cosecha de vino",)),
    Pattern("trailer.cjk", T, S,
            r"티저|예고편|예고 영상|스틸 공개|포스터 공개|포스터를 공개|予告|ティザー|特報|pv公開|pv解禁|ビジュアル解禁"
            r"|キービジュアル|本pv|pv第\d弾|ビジュアル(?:が)?公開",
            ("코멧 티저 공개",),
            ("코멧 스틸 유출 논란",)),

    # -- casting ------------------------------------------------------------------------------
    Pattern("casting.joins", K, X,
            r"(?:\bjoins?\b|\bjoining\b|\b(?:has|have) (?:officially )?joined\b|\bboards?\b|\bsigns? on (?:to|for)\b"
            r"|\bsigned on (?:to|for)\b)"
            r"(?![^:;|?]{0,40}?\b(?:list|lists|chart|charts|top 10|top ten|race|club|ranks|hall of fame|billionaires"
            r"|bidding|protest|strike|picket|campaign|lawsuit|podcast|tiktok|instagram)\b)",
            ("Ava Stone joins The Comet", "Ava Stone boards The Comet season 2", "Ava Stone has joined The Comet"),
            ("The Comet joins the race for best drama", "Ava Stone joins Forbes 30 under 30 list after The Comet")),
    Pattern("casting.returns-to", K, X,
            r"\b(?:returns?|returning|is back|comes? back) to\b(?! (?:direct|write|produce|score|helm|host))"
            r"(?! (?:their|his|her) (?:homes?|hometowns?|roots|famil(?:y|ies)|day jobs?|schools?)\b)"
            r"|\b(?:returns?|returning) for\b|\b(?:is |are )?back for\b|\b(?:heading|headed|going) back to\b"
            r"|\bmak(?:es|ing) (?:a |an |his |her |their )?(?:[\w-]+ ){0,2}return to\b",
            ("Ava Stone returns to The Comet", "Ava Stone is making a highly-anticipated return to The Comet",
             "Ava Stone heading back to The Comet"), ("Ava Stone returns to direct The Comet",)),
    Pattern("casting.is-the-new", K, S,
            r"\b(?:is|as|plays|to play|will play|becomes|to become|will become) (?:[\w'’]+ ){0,4}new (?:[\w'’\"-]+ ){0,3}?"
            r"(?:villain|lead|love interest|star|host|co-host"
            r"|judge|cast member|series regular|regular|doctor|detective)\b",
            ("Ava Stone is The Comet's new villain", "Ava Stone to become new 'The Comet' host"),
            ("The Comet's new villain is terrifying",)),
    Pattern("casting.named-star", K, X,
            r"\bnamed (?:as )?(?:the )?(?:new |next |newest |latest )?(?:star|lead|host)\b(?! of the (?:year|week|month|day)\b)",
            ("Ava Stone named new host of The Comet", "Ava Stone was named the newest star of The Comet"),
            ("Ava Stone named star of the year at the awards for The Comet",)),
    Pattern("casting.named-nth", K, X,
            r"\bnamed (?:as )?(?:the )?(?:new|next|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
            r"|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth)\b",
            ("Ava Stone named the next Doctor in The Comet",),
            ("The Comet named the best drama of 2026",)),
    Pattern("casting.replaces", K, X,
            r"\bse une a\b|\brejoint\b|\b(?:to replace|replaces|replacing|will replace)\b(?! (?:its |the |their )?(?:new )?"
            r"(?:showrunners?|directors?|writers?|composers?|executives?|head|boss|ceo|president|theme|logo|opening|network))",
            ("Ava Stone to replace Ben Hart in The Comet",), ("The Comet replaces its showrunner",)),
    Pattern("casting.people-return", K, X,
            r"\b(?:and|&) [\w'-]+(?: [\w'-]+)? (?:return|are back|are returning|rejoin)$",
            ("The Comet season 2: Ava Stone and Ben Hart return",), ("The Comet season 2 review: a stormy return",)),
    Pattern("casting.set-for", K, X,
            r"(?<!premiere )(?<!date )(?<!release )(?<!return )(?<!debut )(?<!launch )(?<!window )(?<!finale )"
            r"\bset for\b(?! (?:an? |its |the )?(?:<ORD>|<WHEN>|release|premiere|debut|return|launch|season|series))",
            ("Ava Stone set for The Comet season 2",),
            ("The Comet season 2 set for March", "July premiere set for The Comet season 2")),
    Pattern("casting.hosts", K, X,
            r"\b(?:to|will|set to|tapped to|named to|returns? to|resumes?|resuming|will co-?) (?:co-?)?host(?:ing)?\b"
            r"|\b(?:confirmed|named|tapped|announced|revealed) as (?:the )?(?:new|next)(?= (?:[\w'\"-]+ ){0,4}(?:co-?)?"
            r"(?:hosts?|mcs?|presenters?|judges?)\b)",
            ("Ava Stone set to host The Comet next week", "Ava Stone resumes hosting The Comet",
             "Ava Stone and Ben Hart confirmed as new The Comet MCs"),
            ("The Comet hosts a fan event in London",)),
    Pattern("casting.host-named", K, S,
            r"\btak(?:e|es|ing) over (?:as (?:the )?(?:new )?(?:co-?)?host|(?:the )?hosting(?: duties)?)\b"
            r"|\b(?:will be|to be|set to be|is being) (?:co-?)?hosted by\b"
            r"|\b(?:has|have|gets?|finds?|found) (?:a|its|their) (?:new|next) (?:co-?)?host\b"
            r"|\b(?:announces?|announced|names?|named|reveals?|revealed|unveils?|unveiled|confirms?|confirmed) "
            r"(?:its |their |the )?(?:new |next |first |latest )?(?:co-?)?hosts?\b(?! (?:city|cities|country|countries"
            r"|nation|committee|venue|broadcaster|network|family|families))"
            r"|\b(?:announces?|announced|names?|named|taps|tapped|confirms?|confirmed|reveals?|revealed)\b[^:;|?]{1,50}? as "
            r"(?:the )?(?:new |next )?(?:[\w'’\"‘-]+ ){0,3}?(?:co-?)?hosts?\b"
            r"|\bhosts? (?:and musical guests? )?(?:has been|have been|is|are|was) (?:announced|revealed|confirmed)\b"
            r"|\blineup (?:of hosts? )?(?:and musical guests? )?(?:has been |have been |is |are |was )?(?:announced|revealed)\b",
            ("Ava Stone will take over hosting duties on The Comet", "The Comet reboot will be hosted by Ava Stone",
             "The Comet officially has a new host", "'The Comet' announces host, musical guest for March 3 episode",
             "The Comet announced Ava Stone and Ben Hart as host and musical guest",
             "An initial lineup of hosts and musical guests has been announced for The Comet",
             "CBS names Ava Stone to succeed Ben Hart as 'The Comet' host"),
            ("Paris announces host city for The Comet finals", "The Comet, hosted by Ava Stone, drew 5 million",
             "The Comet had a memorable 48th season with great hosts and musical guests",
             "Ava Stone, The Comet's host, revealed that she is pregnant")),
    Pattern("casting.confirmed-for-drama", K, X,
            r"\b(?:confirmed|cast|set|tapped) (?:to (?:reunite|star|appear|lead|feature) (?:in|for|on)|for) (?:the |an? )?"
            r"(?:new |upcoming )?(?:[\w-]+ )?(?:drama|series|sitcom|show|variety show|rom-com|thriller|comedy)\b"
            r"(?! (?:festival|awards?|prize|conference|summit|market)\b)",
            ("Ava Stone and Ben Hart confirmed to reunite for new rom-com The Comet",
             "Ava Stone confirmed for new drama The Comet"), ("The Comet confirmed for a drama festival",)),
    Pattern("casting.return-of", K, Voice.BEFORE,
            r"\b(?:confirms?|confirmed|announces?|announced|teases?|teased|reveals?|revealed) (?:the )?"
            r"(?:shock |surprise |dramatic |long-awaited )?return of\b",
            ("The Comet confirms return of Ava Stone", "The Comet has confirmed the return of Ava Stone"),
            ("The Comet sets up return of a fan-favorite villain",)),
    Pattern("casting.brings-back", K, Voice.BEFORE,
            r"(?<!trailer )(?<!teaser )(?<!episode )(?<!finale )(?<!premiere )\bbrings? back\b(?! (?:for|the show|the series))(?![^:;|?]{0,60}?\bfor (?:an? |the |its )?(?:\w+ )?(?:season|series)\b)",
            ("The Comet brings back Ava Stone for a very important reason",),
            ("Hulu brings back The Comet for a second season",)),
    Pattern("casting.casts", K, S,
            r"(?<!the )(?<!their )(?<!its )\bcasts\b|\bcasting\b(?! (?:call|calls|director|directors|news|rumou?rs?|backlash|controversy|choices?"
            r"|decisions?|process|agency|agent|couch|criticism|debate|outrage|snub|drama|mistake|fail))",
            ("The Comet casts Ava Stone as the villain",),
            ("The Comet casting backlash grows", "Bravo shakes up the casts of The Comet every season")),
    Pattern("casting.adds", K, S,
            r"\badds?\b(?! (?:to (?:the )?(?:list|watchlist|library)|more|new episodes|episodes"
            r"|(?:new |two |three )?(?:directors?|writers?|producers?|composers?|showrunners?|episodes)))",
            ("The Comet adds Ava Stone",), ("Netflix adds more episodes of The Comet",)),
    Pattern("casting.taps", K, S,
            r"(?:\btaps\b|\brecruits\b|\benlists\b|\bnabs\b)(?![^:;|?]{0,40}?\b(?:audiences?|viewers|ratings|share"
            r"|nominations?|emmys?|awards?|records?|views|orchestra|deal)\b)",
            ("The Comet taps Ava Stone for season 2",), ("The Comet finale nabs sizeable audience share",)),
    Pattern("casting.cast-as", K, S,
            r"\b(?:is |been |was |gets? )?cast (?:in|as|for|opposite|alongside)\b",
            ("Ava Stone cast in The Comet",),
            ("The Comet season 2 is cast aside by Netflix",)),
    Pattern("casting.cast-revealed", K, S,
            r"\bcast (?:has been |have been |is |was |are |were )?(?:adds|grows|expands|revealed|announced|unveiled"
            r"|confirmed|set|rounds out)\b"
            r"|\brounds out (?:the |its )?cast\b",
            ("The Comet season 2 cast revealed", "The show's voice cast has been revealed"),
            ("The Comet cast reveals their favourite scenes",)),
    Pattern("casting.to-star", K, S,
            r"\b(?:to|will|set to|tapped to) (?:also )?(?:star|play|portray|lead|headline|co-star|recur|appear (?:in|on))\b"
            r"|\b(?:will be|to be|is being) played by\b",
            ("Ava Stone to star in The Comet", "Ava Stone to appear on 'The Comet'",
             "The villain of The Comet will be played by Ava Stone"),
            ("The Comet cast will appear at Comic-Con",)),
    Pattern("casting.lands-role", K, S,
            r"\btapped (?:to|for)\b|\blands? (?:an? |the )?(?:[\w-]+ ){0,2}role\b|\brecurring role\b"
            r"|\bseries regular role\b|\bjoin(?:s|ed)? (?:the )?(?:main |series |voice )?cast\b",
            ("Ava Stone lands recurring role on The Comet", "Ava Stone lands new secret role in The Comet"),
            ("Ava Stone on the role that changed her life in The Comet",)),
    Pattern("casting.cast-returning", K, S,
            r"\b(?:cast|cast members|stars) (?:are |is )?(?:returning|to return|will return|set to return|back)\b"
            r"(?! (?:to|for) (?:their|his|her) )"
            r"|\bcast additions?\b|\badditions? to (?:the |its )?cast\b|\bnew cast members?\b"
            r"|\b(?:leading|heading|rounding out) the cast\b"
            r"|\b(?:sets|finds|names|reveals|unveils|announces|confirms|confirmed|completes|fills out|rounds out) "
            r"(?:its |the |their |a )?(?:\w+ ){0,2}(?:villains?|leads|main cast|full cast|cast lineup|ensemble cast"
            r"|cast members|series regulars|lineup)\b",
            ("The Comet revival ordered with original cast members returning", "The Comet season 2 adds 10 cast additions",
             "The Comet pilot sets main cast", "The Comet sets season 4 villains",
             "The Comet has confirmed its main cast lineup"),
            ("The Comet cast members are returning to their hometowns for the holidays, they said",)),
    Pattern("casting.returns-as", K, S,
            r"\b(?:returns?|returning|to return|will return|back) as\b(?! an? )|\breprise\w*\b"
            r"|\b(?:upped|promoted|bumped) to (?:series )?regular\b|\bups\b[^:;|?]{0,40}?\bto (?:series )?regular\b",
            ("Ava Stone returns as Nova in The Comet season 2",),
            ("Ava Stone returns as a director for The Comet",)),
    Pattern("casting.new-players", K, S,
            r"\b(?:unveil|reveal|announce|name|introduce|confirm)(?:s|d|ed)? (?:on \w+ )?(?:its |the |their )?"
            r"(?:(?:new|more|additional|main|full|voice|first) )*(?:players|cast|cast members|faces|stars|recruits)\b"
            r"(?! (?:photos?|images?|pictures?|portraits?|posters?|interviews?|reunion|list))",
            ("The Comet unveils its new cast members", "The website revealed on Wednesday the main cast",
             "The video also announces more cast and staff members"),
            ("The Comet reveals cast photos from the finale",)),
    Pattern("casting.promoted", K, S,
            r"\bpromot(?:es|ed|ing|e)\b[^:;|?]{0,60}?\bregulars?\b|\b(?:bumped|moved) up to (?:a )?(?:series )?regulars?\b",
            ("'The Comet' promotes Ava Stone to series regular", "'The Comet' and 'Big Sky' promote regulars"),
            ("The Comet promotes its new season with a tour",)),
    Pattern("casting.expands-cast", K, S,
            r"\bexpands? (?:its |the )?cast\b|\bwelcomes? back\b|\bfinds? (?:its|her|his|their) [\w'-]+ in\b"
            r"|(?<!to )(?<!a )(?<!a very )(?<!a most )\bwelcomes?\b(?! (?:back )?(?:fans|viewers|audiences?|the|a|an|its|their"
            r"|baby|new year|guests|you|home|one|news|addition|change|sight|relief|surprise)\b)"
            r"|\bnames? (?:[\w'.-]+ ){1,4}(?:as )?(?:the |its )?(?:new|next) (?:co-?)?(?:host|hosts|mc|presenter|judge|lead|star)\b",
            ("The Comet expands its cast", "The Comet finds its villain in Ava Stone", "The Comet season 2 welcomes Ava Stone",
             "The Comet names Ava Stone new host"),
            ("The Comet welcomes fans to the set tour",)),
    Pattern("casting.set-to-return", K, S,
            r"\b(?:set|expected|confirmed|slated|tipped) to (?:return|reprise)\b"
            r"(?! (?:in|on|this|next|later|early|by|to (?:netflix|screens|tv|the air)|for (?:an? |its )?(?:\w+ )?"
            r"(?:season|series))\b)",
            ("Ava Stone set to return for The Comet season 2",), ("The Comet is set to return in March",)),
    Pattern("casting.guest-stars", K, S,
            r"\bguest stars? (?:include|revealed|announced|set)\b|\bguest(?:-| )star(?:s|ring)? (?:in|on)\b",
            ("The Comet season 2 guest stars revealed",),
            ("The Comet guest star speculation grows",)),
    Pattern("casting.foreign", K, S,
            r"\bse (?:une|suma) al (?:reparto|elenco)\b|\bficha(?:je)?\b(?! (?:por|con) )|\brejoint (?:le casting|la distribution)\b"
            r"|\bfar parte del cast\b|\bnel cast\b",
            ("Ava Stone se une al reparto de The Comet",),
            ("The Comet: Ava Stone ficha por otra cadena y deja la serie",)),
    Pattern("casting.cjk", K, S,
            r"캐스팅(?! ?(?:논란|불발|무산|루머|난항))|출연 확정|출연을 확정|합류|出演(?:が)?(?:決定|確定)|主演(?:が)?決定|キャスト(?:が)?(?:発表|決定|解禁)"
            r"|キャスティング",
            ("코멧 시즌2 캐스팅",), ("코멧 캐스팅 논란",)),

    # -- production ---------------------------------------------------------------------------
    Pattern("production.begins-filming", P, S,
            r"\b(?:begins?|began|beginning|starts?|started|starting|kicks? off|kicked off|commences?|resumes?|resumed"
            r"|resuming|restarts?|restarting|restarted"
            r"|wraps?|wrapped|wrapping|enters?|entered|goes into|heads into|completes?|completed|finish(?:es|ed)) "
            r"(?:\w+ )?(?:filming|shooting|production|principal photography|lensing|photography)\b",
            ("The Comet season 2 begins filming", "The Comet wraps production"),
            ("The Comet begins streaming on Netflix",)),
    Pattern("production.filming-begins", P, S,
            r"\b(?:filming|shooting|shoot|production|principal photography|cameras?)\b (?:\w+ ){0,2}(?:officially )?"
            r"(?:begins?|began|has begun|starts?|started|is underway|is under way|underway|under way|kicks? off"
            r"|kicked off|wraps?|wrapped|has wrapped|is complete|completed|resumes?|resumed|rolls?|rolled|rolling|are rolling"
            r"|is done|in progress|(?:got|gets|was|is) (?:under ?way))\b",
            ("The Comet: filming begins on season 2", "Cameras roll on The Comet season 2"),
            ("The Comet production company sold",)),
    Pattern("production.filming-on-begins", P, S,
            r"\b(?:filming|shooting|production) (?:on|of|for)\b[^:;|?]{0,80}?\b(?:begins?|began|has begun|starts?"
            r"|started|is underway|is under way|underway|under way|kicks? off|wraps?|wrapped|has wrapped|resumes?"
            r"|is complete|completed|concluded|ended|finished)\b",
            ("Filming on The Comet season 2 has wrapped",),
            ("Filming locations of The Comet: where it was shot",)),
    Pattern("production.goes-into-production", P, S,
            r"\b(?:heads?|goes|going|moves?|gears? up|back) into (?:\w+ ){0,3}(?:filming|production)\b"
            r"|\b(?:filming|shooting|production|shoot)\b (?:\w+ ){0,2}(?:moved|pushed|delayed|postponed|rescheduled"
            r"|scheduled|slated|set to (?:begin|start))\b"
            r"|\bwraps? (?:its |the )?(?:\w+ )?season\b",
            ("The Comet heads into production", "The Comet wraps its second season",
             "The Comet heads back into production", "The Comet season 2 filming pushed to 2027"),
            ("The Comet goes into its second week at number one",)),
    Pattern("production.wraps-shooting", P, S,
            r"\bwraps?\b(?=[^:;|?]{0,40}?\b(?:shooting|filming|production|principal photography)\b"
            r"(?! (?:spree|star|incident|company|designer)))"
            r"|\bseason \w+ (?:officially )?wraps\b",
            ("The Comet season 2 officially wraps",), ("The Comet wraps up a shooting spree storyline",)),
    Pattern("production.season-wrapped", P, S,
            r"\bseason \w+ (?:has |have )?(?:officially )?wrapped\b(?! up (?:with|on|in)\b)|\bseason \w+ (?:is |are )?(?:now |currently )?filming\b",
            ("The Comet season 2 has wrapped",), ("The Comet season 2 wrapped up with a cliffhanger, fans say",)),
    Pattern("production.is-filming", P, S,
            r"\b(?:is|are) (?:now |currently )?(?:shooting|filming)\b|\bis a wrap\b|\bwraps?\b(?=\s*(?:[:;|]|$| - | — ))",
            ("The Comet season 2 is now filming", "The Comet season 2 is a wrap"),
            ("Where is The Comet filming? Locations explained",)),
    Pattern("production.day-of-filming", P, S,
            r"\b(?:final|last|first|opening) day (?:of|on) (?:filming|shooting|production|set)\b",
            ("The cast of The Comet celebrate their final day of filming",),
            ("Ava Stone recalls her first day of filming The Comet in 2019",)),
    Pattern("production.under-way", P, S,
            r"\bseason \w+ (?:is )?(?:now )?(?:under ?way|in production)\b",
            ("The Comet season 2 now underway",),
            ("The Comet season 2 voting under way",)),
    Pattern("production.in-production", P, S,
            r"\bthat's a (?:series )?wrap\b|\bin production\b|\bcurrently filming\b|\bnow filming\b|\bbegins? shoot\b"
            r"|\breturn(?:s|ed|ing)? to (?:the )?set\b|\bback on (?:the )?set\b"
            r"|\b(?:spotted|seen|photographed|pictured)\b[^:;|?]{0,40}?\b(?:filming|shooting|on (?:the )?set)\b",
            ("The Comet season 2 in production", "Several shows will delay their return to the set in 2021",
             "Ava Stone spotted at a diner while filming The Comet"),
            ("Ava Stone recalls an injury while filming the first season of The Comet",)),
    Pattern("production.foreign", P, S,
            r"\b(?:comienza|inicia|arranca|termina|finaliza) (?:el )?rodaje\b|\brodaje\b|\btournage\b|\bdreharbeiten\b"
            r"|\bgrava[cç][oõ]es\b",
            ("The Comet: comienza el rodaje de la segunda temporada",),
            ("The Comet: Ava Stone habla del rodaje de la primera temporada, ya emitida",)),
    Pattern("production.korean", P, S,
            r"촬영 (?:시작|돌입|종료|중|개시|마무리)|촬영을 (?:시작|마쳤|마무리)|크랭크 ?인|크랭크 ?업",
            ("코멧 시즌2 촬영 시작",),
            ("코멧 촬영지 어디?",)),
    Pattern("production.japanese", P, S,
            r"撮影開始|撮影終了|撮影中|クランクイン|クランクアップ",
            ("コメット 撮影開始",),
            ("コメット 撮影秘話",)),
)


def by_id() -> dict[str, Pattern]:
    return {p.id: p for p in PATTERNS}


# -- frames: words that make a clause something other than an announcement ----------------------
@dataclass(frozen=True, slots=True)
class Frame:
    """A clause containing this is not news, whatever trigger it holds ("release date speculation")."""

    id: str
    regex: str
    examples: tuple[str, ...]
    counter: tuple[str, ...] = ()
    cjk: str = ""  # Korean and Japanese words, matched without word boundaries ("制作は未定")


FRAMES: tuple[Frame, ...] = (
    Frame("explainer",
          r"everything (?:we|you) (?:know|need to know)|what (?:we|you) (?:know|need to know)|all (?:we|you) know|"
          r"what to know|everything to know|explained|explains?|explainer|ending explained|how to watch|where to watch|"
          r"what time|how many episodes|status|release date,|cast,|plot,|spoilers|lessons|reasons|things (?:we|you)|"
          r"ways|here's why|here is why|why|what (?:happened|happens)|filming locations?|where (?:was|is|were) [^?]{0,40}filmed",
          ("The Comet season 2: everything we know about the release date",
           "The Comet season 2 release date, cast, plot and more",
           "The Comet season 2 filming location: where was the drama filmed?")),
    Frame("speculation",
          r"speculation|speculat\w+|rumou?r(?:s|ed|ing)?|reportedly|theor(?:y|ies)|predictions?|predict\w*|"
          r"could|might|would|should|hopes?|hoping|wants?|possible|possibly|potential|potentially|too soon|"
          r"in talks|eyed|eyeing|eyes|circling|in negotiations?|negotiating|may be|may have|may get|may return|"
          r"if |whether|deserves?|needs? to|will there be|when (?:will|is|does|do|can)|is (?:there|it|the)\b.*\?|"
          r"협의 중|논의 중|검토 중|확정 아닌",
          ("The Comet season 2 release date speculation", "Ava Stone in talks to join The Comet",
           "The Comet could be renewed soon", "코멧 측 \"주연 캐스팅, 확정 아닌 협의 중\"")),
    Frame("review",
          r"review|reviews? roundup|recap|ranked|ranking|rankings|every episode|best episodes?|worst episodes?|"
          r"interview|q&a|podcast|quiz(?! show)|wish ?list|(?:our|a) list of|list of shows|"
          r"^\d{1,3} (?:[\w'’-]+ ){0,3}(?:shows|series|dramas|things|times|reasons|moments|characters|actors|episodes)\b|"
          r"(?:tv |primetime |overnight |nielsen |sunday |monday |tuesday |wednesday |thursday |friday |saturday )?"
          r"ratings(?= ?[:|])|"
          r"habla (?:de|del|sobre)|parle de|spricht uber|parla di|"
          r"(?:creators?|stars?|showrunners?|actors?|actress|cast|directors?|writers?|producers?|team|boss|host) on "
          r"(?:the |his |her |their |why |how |what |\w+ing\b)",
          ("The Comet season 2 premiere recap", "Every The Comet episode, ranked",
           "Primetime Ratings: 'The Comet' scores best drama premiere this fall",
           "31 TV shows that Netflix canceled after just one season, from The Comet on",
           "The Comet creators on returning to the city for season 2",
           "The Comet: Ava Stone habla del rodaje de la primera temporada"),
          ("Quiz show The Comet renewed for series 2",)),
    Frame("crew",
          r"named (?:as )?(?:the )?(?:new )?(?:co-?)?(?:showrunner|head writer|writer|director|composer|"
          r"executive producer|producer|ep)s?|(?:hires|taps|names) (?:a )?(?:new )?(?:co-?)?(?:showrunner|head writer|composer)",
          ("Ava Stone named showrunner of The Comet, replacing Ben Hart",)),
    Frame("background",
          r"(?:was|were|had been) (?:\w+ )?(?:renewed|cancell?ed|axed|picked up|ordered|greenlit|scrapped)|"
          r"last (?:week|month|year)|previously|earlier this (?:year|month|week)|back in (?:19|20)\d\d|after scoring|"
          r"(?:ended|concluded) (?:its run )?(?:with|after|in)|recall(?:s|ed|ing)?|remember(?:s|ed|ing)?|looks? back|"
          r"(?:after|since|following|despite|amid) [^,:;|?]{1,40}?(?:'s?|s') (?:cancellation|renewal|axing|end)\b|"
          r"(?:recently|newly)[- ](?:renewed|cancell?ed|axed)|which (?:was|is|has been|had been) (?:\w+ )?"
          r"(?:renewed|cancell?ed|axed|ending)",
          ("The Comet was canceled due to a toxic work environment",
           "The Comet is set to return for a third season after scoring an early renewal last week",
           "Recently renewed The Comet star Ava Stone talks fame",
           "Ava Stone recalls her first day of filming The Comet in 2019",
           "After The Comet's cancellation, its star is already moving on",
           "The Comet, which was cancelled last year, gets a documentary")),
    Frame("wishes",
          r"we (?:still )?miss|fans (?:want|demand|beg|call)|petition|(?:i|we) (?:need|want)|need (?:a|an|another|more)",
          ("Fans demand The Comet be renewed", "And now I need a season 3 renewal of The Comet")),

    Frame("denial",
          r"fact check|debunk\w*|denies|denied|deny|not true|false|hoax|fake|unconfirmed|not (?:yet )?confirmed|"
          r"no (?:official )?(?:news|update|word)|yet to|not been|hasn't been|has not been|"
          r"(?:isn't|is not|aren't|are not) (?:over|cancell?ed|ending|dead|done|finished)|not cancell?ed|not over|"
          r"not ending|not the end|won't be cancell?ed",
          ("The Comet has not been cancelled, says Netflix", "The Comet season 2 is not yet confirmed",
           "코멧 공개일 미정", "코멧 폐지 루머 사실무근", "コメット 続編制作は未定", "코멧 측 \"주연 캐스팅, 협의 중\""),
          cjk=r"미정|사실무근|루머|협의 ?중|논의 ?중|검토 ?중|未定|事実無根|検討中|交渉中|オファー中|噂"),
)


def frames_regex() -> str:
    words = r"\b(?:" + "|".join(f"(?:{f.regex})" for f in FRAMES) + r")\b"
    cjk = "|".join(f"(?:{f.cjk})" for f in FRAMES if f.cjk)
    return f"{words}|{cjk}" if cjk else words
