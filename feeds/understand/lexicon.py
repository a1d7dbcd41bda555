"""Word lists the matcher reasons with. Loaded once; plain frozensets.

Nothing here names a particular show: these are the words of TV news in general (networks,
the nouns that follow a show's title, the words of ordinary English)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


def _load(name: str) -> frozenset[str]:
    text = resources.files("feeds").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The ~3,000 most frequent English words: a title made only of these is a common phrase."""
    return _load("common_words.txt") | FUNCTION_WORDS


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Dictionary words: a one-word title that is one of these needs evidence."""
    return _load("english_words.txt") | common_words()


FUNCTION_WORDS = frozenset(
    "a an the of and or in on at to for from by with as is are was were be been it its this that these those "
    "you your we our us they their he his she her i me my not no all any some who what when where why how "
    "will would can could may might must shall should do does did has have had into onto over under up down "
    "out off about after before than then so but if".split()
)

# Words that are capitalised whatever they mean: capital letters prove nothing about them.
ALWAYS_CAPITALISED = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december christmas easter halloween thanksgiving i".split()
)

NETWORKS = frozenset(
    "netflix hbo max disney disney+ hulu prime amazon apple appletv peacock paramount paramount+ showtime starz "
    "amc fx fxx bbc itv channel abc cbs nbc fox cw syfy usa tnt tbs mgm britbox acorn crunchyroll funimation "
    "tvn jtbc kbs mbc sbs ena tving wavve coupang viki kocowa nhk fuji tbs tv tokyo rtve atresmedia canal "
    "arte zdf ard sky stan crave cbc sundance shudder freevee roku tubi adult swim cartoon nickelodeon "
    "discovery hallmark lifetime bravo e! mtv vh1 epix mgm+".split()
)

# Nouns that follow a title and show it is the show: "Dark star", "You season 5", "Silo finale".
AFTER_TITLE = frozenset(
    "season seasons series star stars starring cast casts creator creators showrunner showrunners spinoff "
    "spin prequel sequel reboot revival remake finale premiere episode episodes trailer teaser trailers "
    "renewed renewal cancelled canceled cancellation review recap recaps actor actress actors alum alums "
    "fans writer writers director directors costar co producer producers ep author character characters "
    "ending universe franchise soundtrack s1 s2 s3 s4 s5 s6 s7 s8 s9 s10 vol volume "
    "final debut debuts ratings reunion cameo premieres leads poster posters teasers footage clip clips filming "
    "musical miniseries anime adaptation showrunner's spinoffs prequels rewatch".split()
)

# Words before a title that show it is the show: "Netflix's Dark", "renews You", "series Silo".
BEFORE_TITLE = frozenset(
    "series show drama sitcom anime docuseries miniseries k-drama kdrama comedy thriller watch watching "
    "rewatch rewatching binge binging stream streaming renews renew cancels cancel axes greenlights orders "
    "picks revives ends of".split()
)

# Presenting jobs: "named next host of X" is casting news for X, not a credit.
HOST_NOUNS = frozenset("host hosts co-host co-hosts mc mcs presenter presenters judge judges emcee".split())

# Verbs before a title that make even a title of function words ("From", "You") the show: "renews From".
SHOW_VERBS_BEFORE = frozenset("renews renew cancels cancel axes greenlights orders revives ends watch watching "
                              "rewatch rewatching binge binging".split())

# Person nouns after a title: the title is credit ("X star"), the story is about the person.
PERSON_AFTER = frozenset(
    "star stars actor actress actors alum alums creator creators showrunner showrunners writer writers "
    "director directors producer producers costar co-star cast member members ep author composer "
    "executive boss".split()
)

# After a title, these make the story about something derived from the show, not the show's own news.
DERIVED_AFTER = frozenset("spinoff spin prequel sequel offshoot remake spinoffs prequels musical".split())

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}
ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    # Spanish, Portuguese, French, German, Italian
    "primera": 1, "segunda": 2, "tercera": 3, "cuarta": 4, "quinta": 5, "sexta": 6, "septima": 7, "octava": 8,
    "novena": 9, "decima": 10, "terceira": 3, "setima": 7, "oitava": 8, "nona": 9,
    "deuxieme": 2, "troisieme": 3, "quatrieme": 4, "cinquieme": 5,
    "erste": 1, "zweite": 2, "dritte": 3, "vierte": 4, "funfte": 5, "sechste": 6, "siebte": 7, "achte": 8,
    "ersten": 1, "zweiten": 2, "dritten": 3, "vierten": 4, "funften": 5, "sechsten": 6, "siebten": 7, "achten": 8,
    "seconda": 2, "terza": 3, "quarta": 4,
    # plural ("las segundas temporadas") and Scandinavian ("den andra säsongen", "første sesongen")
    "segundas": 2, "terceras": 3, "cuartas": 4, "quintas": 5, "seconde": 2, "terze": 3,
    "forsta": 1, "forste": 1, "første": 1, "andra": 2, "andre": 2, "tredje": 3, "fjarde": 4, "fjerde": 4, "femte": 5,
}

# -- regular-expression fragments the patterns table (feeds.understand.patterns) writes as <NAME> --
MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
         # German, French, Spanish, Portuguese (diacritics already stripped)
         r"januar|februar|marz|mai|juni|juli|oktober|dezember|janvier|fevrier|mars|avril|juin|juillet|aout|"
         r"septembre|octobre|novembre|decembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
         r"octubre|noviembre|diciembre|janeiro|fevereiro|maio|junho|julho|setembro|outubro|novembro|dezembro)")
WHEN = (rf"(?:{MONTH}\b|(?:early |late |mid-?)?(?:spring|summer|fall|autumn|winter)\b|(?:early |late )?(?:19|20)\d\d\b|"
        r"\d{1,2}/\d{1,2}\b|next (?:week|month|year|spring|summer|fall|autumn|winter)\b|"
        r"this (?:week|month|year|spring|summer|fall|autumn|winter|weekend)\b|tomorrow\b|tonight\b|"
        r"(?:later|early|earlier) this year\b|the (?:holidays|new year)\b|"
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|christmas(?: day| eve)?\b|new year's (?:day|eve)\b|"
        r"thanksgiving\b|halloween\b|valentine's day\b|easter\b|"
        r"(?:end|start|beginning|middle) of (?:the|this|next) year\b|(?:quarter|half) of (?:the|this|next) year\b|"
        r"(?:first|second|third|fourth|1st|2nd|3rd|4th) quarter\b|q[1-4]\b)")
ORD = (r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\d{1,2}(?:st|nd|rd|th)|"
       r"final|last|new|another|(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth) and final)")
# A British "series" counted from the second on ("a second series", "third and final series"): "a new
# series" and "the first series" are a new show's words, never a renewal's
SERIES_ORD = (r"(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\d{1,2}(?:nd|rd|th)|"
              r"final|last|another|(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth) and final)")
NTH_SEASON = rf"(?:{ORD} (?:and \w+ )?seasons?|{SERIES_ORD} (?:and \w+ )?series)"
SEASONS = rf"(?:seasons?|series \d{{1,2}}|{NTH_SEASON})(?! (?:pass|passes|ticket|tickets|holders?)\b)"
# Streaming services and channels as headlines write them (lower case; "+" escaped where it stands)
PLATFORMS = (
    "netflix", "hulu", "hbo max", "hbo", "max", r"disney\+", "disney plus", "prime video", "amazon prime video",
    "amazon prime", "amazon", r"apple tv\+", "apple tv plus", "apple tv", "peacock", r"paramount\+", "paramount plus",
    "paramount", "pluto tv", "showtime", "starz", r"amc\+", "amc plus", "amc", "fxx", "fx", "bbc one", "bbc two",
    "bbc three", "bbc iplayer", "bbc", "itvx", "itv", "channel 4", "channel 5", "abc", "cbs", "nbc", "fox",
    "the cw", "cw", "syfy", "usa network", "tnt", "tbs", "crunchyroll", "funimation", "hidive", "tvn", "jtbc",
    "kbs2", "kbs", "mbc", "sbs", "ena", "tving", "wavve", "coupang play", "viki", "nhk", "adult swim",
    "cartoon network", "nickelodeon", r"discovery\+", "discovery", "hallmark", "lifetime", "bravo", "mtv",
    "epix", r"mgm\+", "britbox", "acorn tv", "sky atlantic", "sky", "stan", "crave", "cbc", "sundance now",
    "shudder", "freevee", "roku", "tubi", "youtube", "mnet",
)
NETWORK = r"(?:(?:the )?(?:" + "|".join(PLATFORMS) + r")(?!\w))"
# A season named as such (not "series", which is also a brand-new show's word): "season 2", "a third season", "S2"
A_SEASON = (rf"(?!seasons? (?:pass|passes|tickets?|holders?)\b)(?:seasons? \w+|seasons?\b|series \d{{1,2}}|{NTH_SEASON}|s\d{{1,2}}|"
            r"(?:installment|instalment|chapter) \w+)(?! (?:pass|passes|tickets?|holders?)\b)")
# After a preview, sneak peek or clip: of an episode of a show already airing, which is no trailer
EPISODE = r"(?![^.;:|?]{0,50}?\b(?:next|upcoming|tonight's|this week's|latest|new) episode)"
# After "season 2": words that make it the season's other news, not the season itself ordered
# After "first look at": what is looked at is no footage ("a first look at the ratings")
NOT_A_LOOK = r"(?! (?:the |this week's |its )?(?:ratings|numbers|reviews|box office|data|viewership|figures))"
NOT_A_LOOK_AT = r"(?= (?:the |this week's |its )?(?:ratings|numbers|reviews|box office|data|viewership|figures))"
NOT_ITS_NEWS = (r"(?! (?:premiere|trailer|teaser|date|release|poster|first look|finale|cast|episode|review|recap|sneak"
                r"|promo|filming|production)\b)")
# Ordinals of the other languages the feeds write in ("segunda temporada", "zweite Staffel", "seconda stagione")
FOREIGN_ORD = ("(?:" + "|".join(sorted((w for w in ORDINAL_WORDS if w not in (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth primera erste ersten".split())), key=len, reverse=True))
               + ")")
REGEX_FRAGMENTS = {"NOT_A_LOOK_AT": NOT_A_LOOK_AT, "NOT_A_LOOK": NOT_A_LOOK, "FOREIGN_ORD": FOREIGN_ORD, "EPISODE": EPISODE, "NOT_ITS_NEWS": NOT_ITS_NEWS, "MONTH": MONTH, "WHEN": WHEN, "ORD": ORD, "NTH_SEASON": NTH_SEASON, "SEASONS": SEASONS, "NETWORK": NETWORK, "A_SEASON": A_SEASON}


# -- words the mention, role and season rules reason with --------------------------------------
# Nouns that name a season ("season 3", "temporada 2", "a third installment").
SEASON_WORDS = frozenset(
    "season seasons temporada temporadas saison saisons staffel staffeln stagione stagioni installment "
    "instalment sesong sesongen sesonger saesong sasong sasongen sason sasonen".split()
)
# Joiners inside a list of seasons ("seasons 3 and 4", "temporadas 2 y 3").
SEASON_JOINERS = frozenset({"and", "through", "to", "thru", "y", "et", "und", "e"})
# Words between an ordinal and "season" ("fourth and final season", "a second new season").
SEASON_LEADS = frozenset("final last new brand additional more ultima derniere letzte finale".split())
# After a number right after a title, these make the number a count, not a season ("Dark 3 ways").
COUNTED_NOUNS = frozenset(
    "things reasons ways times years days hours minutes episodes stars million billion percent points "
    "shows series movies films characters moments secrets facts questions theories mistakes scenes "
    "actors cast members more new best worst biggest game games movie movies film films remake".split()
)
# Words after a title at the start of a clause that make it the headline's subject ("You returns …").
SUBJECT_VERBS = frozenset(
    "is was will wont won't has have had gets got to returns return ends end begins starts wraps sets lands "
    "drops arrives renewed cancelled canceled confirmed finally officially heads comes set scores adds casts "
    "taps reveals unveils releases debuts premieres moves moved pushed delayed ordered greenlit picked back "
    "season seasons star stars cast creator trailer teaser finale cameras production filming shooting writers "
    "heads gears lives earns wins secures nabs keeps finds welcomes expands films shoots resumes confirms teases "
    "announces shares airs".split()
)
# Words that show a headline is about a TV show (for a common-word title at its start).
SHOW_CONTEXT = NETWORKS | frozenset(
    "series show drama sitcom season seasons episode episodes anime serie temporada saison staffel partie parte "
    "showrunner creator cast".split()
)
# "Part 2", "Vol. 3": a part, not a season.
PART_WORDS = frozenset("part vol volume chapter partie parte teil".split())
# After a title, a game, book or comic of the same name ("X 4 game trailer").
GAME_WORDS = frozenset("game games videogame novel novels book books comic comics".split())
# Between a possessive title and a show noun ("X's new season").
ADJECTIVES_BEFORE_NOUN = frozenset("new next final upcoming latest first second third fourth fifth sixth".split())
# After "Title:", news words that make the title the show.
COLON_NEWS = frozenset("trailer teaser premiere finale renewed cancelled canceled casts cast filming".split())
# Show nouns before "of"/"for" + a title ("season 2 of X", "the cast of X").
OF_NOUNS = frozenset(
    "season seasons cast star stars finale trailer teaser premiere episode episodes creator creators showrunner "
    "return renewal revival reboot remake fans set ending temporada saison staffel stagione".split()
)
# Capitalised only because they open the headline: "Every Black Mirror episode ranked".
SENTENCE_OPENERS = FUNCTION_WORDS | frozenset(
    "every why how new watch first inside behind meet best top more breaking exclusive official see here "
    "here's inside look revisiting remembering ranking ranked rewatching streaming tonight today".split()
)
# After a one-word title, a place or organisation ("Fargo police", "Lost river").
PLACE_AFTER = frozenset(
    "festival film-festival airport city council mayor police university college zoo marathon station county state "
    "hospital school district market club fc stock stocks shares residents weather museum church cathedral "
    "restaurant hotel bridge river street court senate parliament government national park department airport "
    "stadium arena county".split()
)
# Before a capitalised word, a role: "voiced Batman", "cast as Nana" name a character, not a show.
ROLE_BEFORE = frozenset("as voiced voices voicing plays played playing portrays portrayed portraying".split())
# Before a one-word title, a place ("in Fargo").
LOCATION_BEFORE = frozenset("in at near across around outside inside via to".split())
# Joiners of a list of titles ("X, Y and Z renewed").
LIST_JOINERS = frozenset({"and", ","})
# "the creator of X", "star of X": the title is credit, the story is about a person.
CREDIT_BEFORE = frozenset({"creator", "creators", "star", "stars", "makers", "maker", "showrunner", "alum",
                            "writer", "writers", "director", "team", "producers", "producer", "author"})
# Between a title and a person noun ("X former star", "X original cast").
CREDIT_LEADS = frozenset({"former", "original", "breakout", "lead", "new", "ex", "veteran", "fellow"})
# Between a title and a derived-work noun ("X animated spin-off", "X live-action movie").
DERIVED_LEADS = frozenset({"animated", "live", "action", "new", "upcoming", "planned", "untitled", "anime",
                            "spin", "prequel", "sequel", "film", "movie", "series", "k", "drama", "korean",
                            "american", "us", "uk", "japanese", "mexican", "reality", "off"})
# After "Title: Sub Title", words that show the subtitle names another show.
AFTER_SUBTITLE = frozenset("season seasons trailer teaser premiere premieres gets sets first official review "
                             "renewed cancelled canceled finale episode prequel sequel spinoff spin returns "
                             "return arrives lands debuts drops ends wraps begins starts casts adds part".split())
# "Title: The Final Season", "Title: Part 2": a season's name, not a spin-off.
SEASON_SUBTITLE = frozenset("season final part chapter volume vol".split())
# After an active verb, words that keep its object the show ("cancels the", "sets season").
SEASONISH_WORDS = frozenset({"season", "seasons", "series", "a", "an", "the", "its", "new", "first", "second",
                              "third", "fourth", "fifth", "final", "spring", "summer", "fall", "autumn", "winter",
                              "january", "february", "march", "april", "may", "june", "july", "august",
                              "september", "october", "november", "december", "early", "late", "next", "this",
                              "official", "more", "two", "three", "another", "premiere", "release", "debut",
                              # a show's genre or format between the verb and its title ("renews comedy series X")
                              "comedy", "drama", "sitcom", "docuseries", "thriller", "show", "anime",
                              "reality", "hit", "limited", "animated", "fan-favorite", "fan", "beloved", "acclaimed",
                              "period", "crime", "fantasy", "horror", "mystery", "romance", "romantic", "sci-fi",
                              "superhero", "spy", "teen", "legal", "medical", "procedural", "late-night", "talk",
                              "competition", "dating", "cooking", "quiz", "game", "variety", "k-drama", "miniseries"})

# An item that uses these and none of TV_WORDS is about a film: a title it names only weakly is the film's.
FILM_WORDS = frozenset(
    "movie movies film films filmmaker filmmakers box-office theaters theatres theatrical cinema cinemas oscars "
    "sundance cannes berlinale tiff sequel sequels prequel-film biopic blockbuster".split())
TV_WORDS = frozenset(
    "tv television series season seasons episode episodes show shows showrunner showrunners sitcom docuseries "
    "miniseries finale renewed renewal cancelled canceled network streamer drama dramas k-drama kdrama soap "
    "anime variety spinoff spin-off reboot revival pilot".split()) | NETWORKS
