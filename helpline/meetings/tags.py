"""Meeting type codes, read in the dialect of the program that wrote them.

The same code means different things to different programs: `A` is "secular"
on AA and Al-Anon sites and undefined elsewhere, `S` is Spanish to AA but NA
writes `ES`, and `TR` is "tradition study" to AA but Turkish to NA. So every
source names its dialect (a program key from programs.yaml) and codes are
looked up in that dialect's table only; unknown codes are ignored (the raw
codes stay in `Meeting.source_types`).

`ONL` is ignored everywhere: the plugin adds it from the conference fields,
and the importers recompute attendance from those fields themselves.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from helpline.meetings.record import Tag

TEMPORARILY_CLOSED = "TC"
"""The location is closed for now; the meeting may still meet online."""

Normalised = tuple[frozenset[str], frozenset[str], bool]
"""(tags, ISO 639-1 languages, temporarily closed)."""

_OPPOSITES = ((Tag.OPEN, Tag.CLOSED), (Tag.MEN, Tag.WOMEN))
"""A meeting cannot be both: a feed that says so is unsure, so neither is kept."""

# Codes with the same meaning on every program's site (the spec's core, less
# AA's one-letter specials such as A, S, SP, T and TR).
_COMMON_TAGS: dict[str, Tag] = {
    "O": Tag.OPEN,
    "C": Tag.CLOSED,
    "W": Tag.WOMEN,
    "M": Tag.MEN,
    "BE": Tag.NEWCOMER,
    "LGBTQ": Tag.LGBTQ,
    "X": Tag.WHEELCHAIR,
    "XB": Tag.WHEELCHAIR,
    "ASL": Tag.ASL,
    "D": Tag.DISCUSSION,
    "ST": Tag.STEP_STUDY,
    "LIT": Tag.LITERATURE,
    "MED": Tag.MEDITATION,
    "CF": Tag.CHILD_FRIENDLY,
    "SEN": Tag.SENIORS,
    "POA": Tag.PROOF_OF_ATTENDANCE,
}

_AA_TAGS: dict[str, Tag] = {
    **_COMMON_TAGS,
    "A": Tag.SECULAR,
    "G": Tag.LGBTQ,
    "L": Tag.LGBTQ,
    "T": Tag.LGBTQ,
    "BI": Tag.LGBTQ,
    "NB": Tag.LGBTQ,
    "Y": Tag.YOUNG_PEOPLE,
    "SP": Tag.SPEAKER,
    "12x12": Tag.STEP_STUDY,
    "TR": Tag.STEP_STUDY,
    "B": Tag.LITERATURE,
    "LS": Tag.LITERATURE,
    "ABSI": Tag.LITERATURE,
    "DR": Tag.LITERATURE,
    "GR": Tag.LITERATURE,
    "11": Tag.MEDITATION,
    "BA": Tag.CHILD_FRIENDLY,
}

# AA's language codes (spec data/types.json): S is Spanish; three letters where
# two would clash with another AA code (ITA, POL, POR, RUS, KOR, PUN, TUR).
_AA_LANGUAGES: dict[str, str] = {
    "S": "es",
    "EN": "en",
    "AF": "af",
    "AM": "am",
    "AR": "ar",
    "BG": "bg",
    "DA": "da",
    "DE": "de",
    "EL": "el",
    "FA": "fa",
    "FI": "fi",
    "FR": "fr",
    "HE": "he",
    "HI": "hi",
    "HR": "hr",
    "HU": "hu",
    "IS": "is",
    "ITA": "it",
    "JA": "ja",
    "KA": "ka",
    "KOR": "ko",
    "LT": "lt",
    "ML": "ml",
    "MT": "mt",
    "NE": "ne",
    "NL": "nl",
    "NO": "no",
    "POL": "pl",
    "POR": "pt",
    "PUN": "pa",
    "RUS": "ru",
    "SK": "sk",
    "SL": "sl",
    "SV": "sv",
    "TH": "th",
    "TL": "tl",
    "TUR": "tr",
    "UK": "uk",
}

# Programs without AA's substitutions write plain ISO-like codes (ES, TR = Turkish).
# Codes that a dialect uses for something else (NA's IW, RD's IS and MI) are
# looked up as tags first, so they never read as languages there.
_PLAIN_LANGUAGES: dict[str, str] = {
    "EN": "en",
    "ES": "es",
    "FR": "fr",
    "DE": "de",
    "IT": "it",
    "ITA": "it",
    "PT": "pt",
    "POR": "pt",
    "PL": "pl",
    "POL": "pl",
    "RU": "ru",
    "RUS": "ru",
    "TR": "tr",
    "TUR": "tr",
    "JA": "ja",
    "KO": "ko",
    "KOR": "ko",
    "ZH": "zh",
    "AR": "ar",
    "FA": "fa",
    "HI": "hi",
    "VI": "vi",
    "TL": "tl",
    "NL": "nl",
    "SV": "sv",
    "DA": "da",
    "NO": "no",
    "FI": "fi",
    "EL": "el",
    "HE": "he",
    "HU": "hu",
    "UK": "uk",
}

_NA_TAGS: dict[str, Tag] = {
    **_COMMON_TAGS,
    "BEG": Tag.NEWCOMER,
    "DISC": Tag.DISCUSSION,
    "SPK": Tag.SPEAKER,
    "STEP": Tag.STEP_STUDY,
    "TRAD": Tag.STEP_STUDY,
    "BT": Tag.LITERATURE,
    "IP": Tag.LITERATURE,
    "IW": Tag.LITERATURE,
    "JFT": Tag.LITERATURE,
    "LC": Tag.LITERATURE,
    "SWG": Tag.LITERATURE,
    "SPAD": Tag.LITERATURE,
    "GL": Tag.LGBTQ,
    "CW": Tag.CHILD_FRIENDLY,
    "Y": Tag.YOUNG_PEOPLE,
}

_RECOVERY_DHARMA_TAGS: dict[str, Tag] = {
    **_COMMON_TAGS,
    "BB": Tag.LITERATURE,
    "IS": Tag.LITERATURE,  # Inquiry (RD) or Inventory (RR) study
    "IW": Tag.LITERATURE,
    "8F": Tag.LITERATURE,
    "MI": Tag.MEDITATION,
    "CC": Tag.CHILD_FRIENDLY,
    "WA": Tag.WHEELCHAIR,
}

_AL_ANON_TAGS: dict[str, Tag] = {**_COMMON_TAGS, "A": Tag.SECULAR}
_AL_ANON_LANGUAGES: dict[str, str] = {**_PLAIN_LANGUAGES, "S": "es"}

_DIALECTS: dict[str, tuple[Mapping[str, Tag], Mapping[str, str]]] = {
    "aa": (_AA_TAGS, _AA_LANGUAGES),
    "na": (_NA_TAGS, _PLAIN_LANGUAGES),
    "recovery_dharma": (_RECOVERY_DHARMA_TAGS, _PLAIN_LANGUAGES),
    "al_anon": (_AL_ANON_TAGS, _AL_ANON_LANGUAGES),
}
_ALIASES = {"rd": "recovery_dharma", "rr": "recovery_dharma", "refuge_recovery": "recovery_dharma"}
_FALLBACK = (_COMMON_TAGS, _PLAIN_LANGUAGES)

DIALECTS = frozenset(_DIALECTS) | frozenset(_ALIASES)
"""Dialects with their own table; any other program reads the common codes only."""

# NAWS world ids, the only codes that mean the same on every BMLT server.
_WORLD_TAGS: dict[str, tuple[Tag, ...]] = {
    "OPEN": (Tag.OPEN,),
    "CLOSED": (Tag.CLOSED,),
    "BEG": (Tag.NEWCOMER,),
    "W": (Tag.WOMEN,),
    "M": (Tag.MEN,),
    "GL": (Tag.LGBTQ,),
    "Y": (Tag.YOUNG_PEOPLE,),
    "WCHR": (Tag.WHEELCHAIR,),
    "SPK": (Tag.SPEAKER,),
    "DISC": (Tag.DISCUSSION,),
    "S-D": (Tag.SPEAKER, Tag.DISCUSSION),
    "STEP": (Tag.STEP_STUDY,),
    "TRAD": (Tag.STEP_STUDY,),
    "BT": (Tag.LITERATURE,),
    "IP": (Tag.LITERATURE,),
    "IW": (Tag.LITERATURE,),
    "JFT": (Tag.LITERATURE,),
    "LC": (Tag.LITERATURE,),
    "LIT": (Tag.LITERATURE,),
    "SWG": (Tag.LITERATURE,),
    "SPAD": (Tag.LITERATURE,),
    "MED": (Tag.MEDITATION,),
    "CW": (Tag.CHILD_FRIENDLY,),
}
WORLD_LANGUAGE = "LANG"
"""A BMLT "alternate language" format: which language is in its key or name."""

# Language names and codes as BMLT servers write them in a LANG format's key or name.
_LANGUAGE_WORDS: dict[str, str] = {
    "es": "es",
    "sp": "es",
    "spa": "es",
    "spanish": "es",
    "espanol": "es",
    "en": "en",
    "english": "en",
    "ingles": "en",
    "fr": "fr",
    "french": "fr",
    "francais": "fr",
    "de": "de",
    "german": "de",
    "deutsch": "de",
    "it": "it",
    "italian": "it",
    "italiano": "it",
    "pt": "pt",
    "portuguese": "pt",
    "portugues": "pt",
    "pl": "pl",
    "polish": "pl",
    "polski": "pl",
    "ru": "ru",
    "russian": "ru",
    "fa": "fa",
    "farsi": "fa",
    "persian": "fa",
    "ar": "ar",
    "arabic": "ar",
    "zh": "zh",
    "chinese": "zh",
    "ko": "ko",
    "korean": "ko",
    "ja": "ja",
    "japanese": "ja",
    "vi": "vi",
    "vietnamese": "vi",
    "tl": "tl",
    "tagalog": "tl",
    "filipino": "tl",
    "hi": "hi",
    "hindi": "hi",
    "uk": "uk",
    "ukrainian": "uk",
    "el": "el",
    "greek": "el",
    "sv": "sv",
    "swedish": "sv",
    "da": "da",
    "danish": "da",
}
_SIGN_LANGUAGE_WORDS = frozenset({"asl", "american sign language", "sign language"})

# Words a hand-written CSV may use instead of codes: tag values and language names.
_TAG_WORDS: dict[str, Tag] = {
    **{tag.value: tag for tag in Tag},
    **{tag.value.replace("_", " "): tag for tag in Tag},
    **{tag.value.replace("_", "-"): tag for tag in Tag},
    "newcomers": Tag.NEWCOMER,
    "beginners": Tag.NEWCOMER,
    "beginner": Tag.NEWCOMER,
    "wheelchair accessible": Tag.WHEELCHAIR,
    "lgbtq+": Tag.LGBTQ,
    "lgbt": Tag.LGBTQ,
}
_CLOSED_WORDS = frozenset({"temporarily closed", "temporarily_closed", "tc"})


def normalise(codes: Iterable[str], dialect: str) -> Normalised:
    """Type codes in a program's dialect → (tags, languages, temporarily closed)."""
    tag_table, language_table = _tables(dialect)
    tags: set[Tag] = set()
    languages: set[str] = set()
    closed = False
    for code in codes:
        if code == TEMPORARILY_CLOSED:
            closed = True
            continue
        tag = tag_table.get(code)
        if tag is not None:
            tags.add(tag)
            continue
        language = language_table.get(code)
        if language is not None:
            languages.add(language)
    return _settled(tags), frozenset(languages), closed


def from_labels(labels: Iterable[str], dialect: str) -> Normalised:
    """Like `normalise`, for hand-written lists: each label may also be a tag word
    (`secular`, `young people`), a language name (`spanish`, `Español`) or a code in
    any case (`w`). Words are read without case or accents."""
    tag_table, language_table = _tables(dialect)
    codes: list[str] = []
    tags: set[Tag] = set()
    languages: set[str] = set()
    for label in labels:
        label = label.strip()
        word = _folded(label)
        if word in _TAG_WORDS:
            tags.add(_TAG_WORDS[word])
        elif len(word) > 3 and word in _LANGUAGE_WORDS:  # names only: codes are per dialect
            languages.add(_LANGUAGE_WORDS[word])
        elif word in _CLOSED_WORDS:
            codes.append(TEMPORARILY_CLOSED)
        elif label in tag_table or label in language_table:
            codes.append(label)
        else:
            codes.append(label.upper())
    code_tags, code_languages, closed = normalise(codes, dialect)
    return (
        _settled(tags | {Tag(t) for t in code_tags}),
        frozenset(languages) | code_languages,
        closed,
    )


def bmlt_world(world_ids: Iterable[str], format_names: Iterable[str]) -> Normalised:
    """BMLT formats → (tags, languages, temporarily closed).

    `world_ids` are the NAWS world ids of the meeting's formats (found through the
    server's format list; key strings differ per server). `format_names` are the
    key strings and names of its language formats (world id `LANG`) and of formats
    with no world id, where a language (`ES`, "Espanol") or ASL may be named.
    """
    tags: set[Tag] = set()
    closed = False
    for world_id in world_ids:
        if world_id == TEMPORARILY_CLOSED:
            closed = True
        tags.update(_WORLD_TAGS.get(world_id, ()))
    languages: set[str] = set()
    for name in format_names:
        word = _folded(name)
        if word in _SIGN_LANGUAGE_WORDS:
            tags.add(Tag.ASL)
        elif word in _LANGUAGE_WORDS:
            languages.add(_LANGUAGE_WORDS[word])
    return _settled(tags), frozenset(languages), closed


def _tables(dialect: str) -> tuple[Mapping[str, Tag], Mapping[str, str]]:
    return _DIALECTS.get(_ALIASES.get(dialect, dialect), _FALLBACK)


def _settled(tags: set[Tag]) -> frozenset[str]:
    for one, other in _OPPOSITES:
        if one in tags and other in tags:
            tags.discard(one)
            tags.discard(other)
    return frozenset(tag.value for tag in tags)


def _folded(text: str) -> str:
    text = " ".join(text.split())
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
