"""The safety pre-router's phrase matcher: crisis words, found in any text, at any step.

Every incoming text is screened before any flow sees it; a hit sends the
safety reply (988, 911, a person is being contacted) and an escalation, and
no flow file can switch that off. The built-in English and Spanish list lives
here, in code; operators may only add to it (`flows/crisis.yaml`).

Matching is forgiving, because a person in crisis types fast, on a phone:

- case, accents, punctuation, emoji and spacing do not count: text and phrases
  are both folded (`helpline.engine.text.fold`) into lower-case words, so
  "KILL MYSELF!!", "kill, myself" and "matarme" / "mátarme" are the same;
- a phrase matches as whole words ("want to die" is not "want to diet");
- a phrase of `SQUASH_MIN_LETTERS` letters or more also matches with its
  spaces moved, dropped or added and its letters doubled or undoubled
  ("killmyself", "kill my self", "kil myself", "sui cide", "wana die"),
  still starting and ending on word boundaries. Shorter phrases ("od")
  match only exactly, since a loose two-letter match would fire on
  everyday words ("odd");
- a trailing `*` makes the phrase's last word a stem ("suicid*" matches
  suicide, suicidal, suicidio);
- common misspellings are listed outright ("sucide", "suiside", "kill myslef").

The matcher does not understand negation: "I don't want to kill myself" is a
hit. That is on purpose. A false alarm costs a person a look at one
conversation; a miss can cost a life. For the same reason an ambiguous
phrase such as "I want to die (of laughter)" is a hit.

When several kinds match, the most urgent wins (`URGENCY`): overdose and
suicide, then self-harm, then not safe. Between overdose and suicide,
overdose comes first, since it is the one where minutes count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from helpline.engine.text import fold


class CrisisKind(StrEnum):
    SUICIDE = "suicide"
    SELF_HARM = "self_harm"
    OVERDOSE = "overdose"
    NOT_SAFE = "not_safe"


URGENCY: tuple[CrisisKind, ...] = (
    CrisisKind.OVERDOSE,
    CrisisKind.SUICIDE,
    CrisisKind.SELF_HARM,
    CrisisKind.NOT_SAFE,
)
"""Most urgent first: when a text matches several kinds, the first of these is the hit."""

SQUASH_MIN_LETTERS = 6
"""A phrase this long or longer (letters, spaces left out) is also matched loosely."""

WILDCARD = "*"
"""At the very end of a phrase: its last word is a stem ("suicid*")."""

MIN_PHRASE_LETTERS = 3
"""An added phrase shorter than this would go off on everyday words ("od" vs "odd")."""

MIN_WILDCARD_LETTERS = 5
"""An added stem shorter than this would catch everyday words ("die*" → diet)."""

MAX_PHRASE_CHARS = 80
"""Crisis phrases are a few words; anything longer is a mistake and would never match."""

MAX_PHRASE_WORDS = 8

MAX_EXTRA_PHRASES = 500
"""Operator additions; every one is a branch of the matcher, run on every text."""

EVERYDAY_TEXTS: tuple[str, ...] = (
    "I'm not sure",
    "no estoy seguro",
    "is this safe?",
    "safe to say I need help",
    "I'm dying to quit",
    "I'm dead tired",
    "my phone died",
    "I want to diet",
    "I drink too much",
    "I relapsed last night",
    "I want to stop drinking",
    "cutting down on drinking",
    "where is the AA meeting",
    "my payment is overdue",
    "that's odd",
    "I take pills for my blood pressure",
    "killing time before my meeting",
    "you're killing it",
    "I feel sad",
    "I need help",
    "ayuda por favor",
    "quiero dejar de beber",
    "mi hijo tiene un problema con las drogas",
    "me muero de risa",
)
"""Ordinary texts callers send. An added phrase that matches one of them is refused."""


@dataclass(frozen=True)
class CrisisHit:
    """What the screen found: the kind, and the listed phrase that matched (never the text)."""

    kind: CrisisKind
    language: str | None
    """The language of the phrase that matched ("en", "es"); None when it is in several."""
    phrase: str


@dataclass(frozen=True)
class CrisisPhrase:
    """One listed phrase: what it means and in which language."""

    kind: CrisisKind
    language: str
    phrase: str


def _parse(phrase: str) -> tuple[tuple[str, ...], bool]:
    """The folded words of a phrase, and whether its last word is a stem."""
    text = phrase.strip()
    stem = text.endswith(WILDCARD)
    if stem:
        text = text[: -len(WILDCARD)]
    return tuple(fold(text).split()), stem


def _pieces(words: tuple[str, ...], stem: bool) -> tuple[str, ...]:
    """A folded phrase as regex pieces, one per letter (run), so phrases can share prefixes."""
    squashed = "".join(words)
    if len(squashed) >= SQUASH_MIN_LETTERS:
        # A run of one letter, doubled or not, with a space before it or inside it
        # ("kil my self", "want tto"). Possessive, so a long run of one letter cannot
        # backtrack; the last run takes no space, which would reach into the next word.
        runs = [re.escape(m.group(0)[0]) for m in re.finditer(r"(.)\1*", squashed)]
        pieces = [f"{c}++(?: {c}++)?+" for c in runs[:-1]] + [f"{runs[-1]}++"]
        pieces[1:] = [" ?" + piece for piece in pieces[1:]]
    else:
        pieces = [re.escape(c) for c in " ".join(words)]
    if stem:
        pieces.append(r"\w*")
    return tuple(pieces)


@dataclass(frozen=True)
class _Match:
    """What one distinct pattern of one kind reports: its first phrase and every language."""

    phrase: str
    languages: tuple[str, ...]


@dataclass
class _Node:
    """A prefix tree of regex pieces: at each place in a text, only prefixes that fit are tried."""

    children: dict[str, _Node] = field(default_factory=dict)
    group: str | None = None
    """The named group marking that a pattern ends here."""

    def regex(self) -> str:
        # Deeper branches first, so the longest (most specific) phrase at a place is reported.
        children = sorted(self.children.items(), key=lambda item: -item[1].depth())
        branches = [piece + child.regex() for piece, child in children]
        if self.group is not None:
            branches.append(f"(?P<{self.group}>)")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    def depth(self) -> int:
        return max((1 + child.depth() for child in self.children.values()), default=0)


class CrisisPhrases:
    """A compiled list of crisis phrases. `screen` is pure and takes tens of microseconds.

    Built from (kind, language, phrase) triples. Phrases that fold to the same
    pattern are one pattern; its hit names the first such phrase, and has a
    language only if every listing of it has the same one.
    """

    def __init__(self, phrases: Iterable[tuple[CrisisKind, str, str]]) -> None:
        self.entries: tuple[CrisisPhrase, ...] = tuple(
            CrisisPhrase(CrisisKind(kind), language, phrase) for kind, language, phrase in phrases
        )
        grouped: dict[CrisisKind, dict[tuple[str, ...], list[CrisisPhrase]]] = {}
        for entry in self.entries:
            words, stem = _parse(entry.phrase)
            if not words:
                raise ValueError(f"crisis phrase {entry.phrase!r} has no letters or digits")
            by_pattern = grouped.setdefault(entry.kind, {})
            by_pattern.setdefault(_pieces(words, stem), []).append(entry)
        self._screens: list[tuple[CrisisKind, re.Pattern[str], list[_Match]]] = []
        for kind in URGENCY:
            root = _Node()
            matches: list[_Match] = []
            for pieces, same in grouped.get(kind, {}).items():
                node = root
                for piece in pieces:
                    node = node.children.setdefault(piece, _Node())
                node.group = f"p{len(matches)}"
                languages = tuple(dict.fromkeys(e.language for e in same))
                matches.append(_Match(phrase=same[0].phrase, languages=languages))
            if matches:
                regex = re.compile(rf"(?<!\w){root.regex()}(?!\w)")
                self._screens.append((kind, regex, matches))

    def as_tuples(self) -> tuple[tuple[CrisisKind, str, str], ...]:
        """The phrases as given: (kind, language, phrase)."""
        return tuple((e.kind, e.language, e.phrase) for e in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return f"CrisisPhrases({len(self.entries)} phrases)"

    def screen(self, text: str) -> CrisisHit | None:
        """The most urgent crisis phrase in `text`, or None."""
        folded = fold(text)
        if not folded:
            return None
        for kind, regex, matches in self._screens:
            found = regex.search(folded)
            if found is not None and found.lastgroup is not None:
                match = matches[int(found.lastgroup[1:])]
                language = match.languages[0] if len(match.languages) == 1 else None
                return CrisisHit(kind=kind, language=language, phrase=match.phrase)
        return None


def phrase_problem(phrase: str) -> str | None:
    """Why an operator's phrase cannot be added, in words for the file's editor; or None."""
    text = phrase.strip()
    if not text:
        return "the phrase is empty"
    if len(text) > MAX_PHRASE_CHARS:
        return f"the phrase is longer than {MAX_PHRASE_CHARS} characters"
    if WILDCARD in text[: -len(WILDCARD)]:
        return f"'{WILDCARD}' may only end the phrase, as in suicid{WILDCARD}"
    words, stem = _parse(text)
    if not words:
        return f"'{phrase}' has no letters or digits once punctuation is set aside"
    if len(words) > MAX_PHRASE_WORDS:
        return f"'{phrase}' has more than {MAX_PHRASE_WORDS} words"
    letters = "".join(words)
    if len(letters) < MIN_PHRASE_LETTERS:
        return (
            f"'{phrase}' is too short: a phrase needs {MIN_PHRASE_LETTERS} letters or more, "
            "or it would go off on everyday words"
        )
    if stem and len(letters) < MIN_WILDCARD_LETTERS:
        return (
            f"'{phrase}' is too short a stem: before '{WILDCARD}' it needs "
            f"{MIN_WILDCARD_LETTERS} letters or more, or it would catch everyday words"
        )
    probe = CrisisPhrases([(CrisisKind.NOT_SAFE, "en", text)])
    for everyday in EVERYDAY_TEXTS:
        if probe.screen(everyday) is not None:
            return f"'{phrase}' would go off on everyday texts like '{everyday}'"
    return None


def crisis_phrases(extra: Iterable[tuple[CrisisKind, str, str]]) -> CrisisPhrases:
    """The built-in list plus operators' additions (kind, language, phrase).

    Raises ValueError for an addition `phrase_problem` refuses (the flow-file
    loader reports those as file:line first).
    """
    added = list(extra)
    if len(added) > MAX_EXTRA_PHRASES:
        raise ValueError(f"more than {MAX_EXTRA_PHRASES} added crisis phrases")
    for _kind, _language, phrase in added:
        problem = phrase_problem(phrase)
        if problem is not None:
            raise ValueError(problem)
    return CrisisPhrases((*BUILT_IN.as_tuples(), *added))


_BUILT_IN_PHRASES: dict[CrisisKind, dict[str, tuple[str, ...]]] = {
    CrisisKind.OVERDOSE: {
        "en": (
            "overdose", "overdosed", "overdosing", "overdoses", "overdoseing", "overdosd",
            "overdoce", "overdoze", "overdozed", "overdosis",
            # OD, OD'd, O.D., ODed, ODing, OD'ing ("ODd" folds to "odd" and cannot be told apart)
            "od", "o.d.", "od'd", "o.d.'d", "oded", "od'ed", "oding", "od'ing",
            "too many pills", "took too much fentanyl",
            "not breathing", "isn't breathing", "stopped breathing",
            "won't wake up", "will not wake up", "can't wake him", "can't wake her",
            "can't wake them", "can't wake him up", "unresponsive", "turning blue",
            "need narcan", "needs narcan", "need naloxone", "needs naloxone",
            "gave him narcan", "gave her narcan",
        ),
        "es": (
            "sobredosis",
            "no respira", "no está respirando", "dejó de respirar",
            "no despierta", "no se despierta", "no reacciona",
            "demasiadas pastillas", "se tomó todas las pastillas",
            "necesito narcan", "necesita narcan", "necesito naloxona", "necesita naloxona",
            "se está poniendo azul",
        ),
    },
    CrisisKind.SUICIDE: {
        "en": (
            "suicid*", "sucid*", "suicd*", "suisid*", "suiced*", "siucid*", "suacid*",
            "want to die", "wanna die", "want 2 die", "wanting to die",
            "want to be dead", "wish i was dead", "wish i were dead", "wish i wasn't alive",
            "kill myself", "killing myself", "kill myslef", "kill mysefl", "kill mysel",
            "unalive myself", "hang myself", "hanging myself", "shoot myself",
            "end my life", "ending my life", "end my own life", "end it all", "ending it all",
            # not "take my life": "take my life back" is how recovery talks
            "take my own life", "taking my own life", "take my life away",
            "better off dead", "better off without me",
            "don't want to live", "do not want to live", "dont wanna live",
            "don't want to be alive", "do not want to be alive", "don't wanna be alive",
            "don't want to be here anymore", "no point in living",
        ),
        "es": (
            "quiero morir", "quiero morirme", "me quiero morir", "quisiera morirme",
            "me quiero matar", "me voy a matar", "matarme", "quiero estar muerto",
            "quiero estar muerta", "mejor muerto", "mejor muerta",
            "quitarme la vida", "me voy a quitar la vida",
            "acabar con mi vida", "terminar con mi vida",
            "suicidio", "suicida", "suicidas", "suicidarme", "suicidar*", "me voy a suicidar",
            "no quiero vivir", "no quiero seguir viviendo", "ya no quiero vivir",
        ),
    },
    CrisisKind.SELF_HARM: {
        "en": (
            "hurt myself", "hurting myself", "harm myself", "harming myself",
            "cut myself", "cutting myself", "burn myself", "burning myself",
            "self harm*", "self injur*",
        ),
        "es": (
            "hacerme daño", "me hago daño",
            "cortarme", "me estoy cortando las venas", "cortarme las venas",
            "lastimarme", "autolesion*",
        ),
    },
    CrisisKind.NOT_SAFE: {
        "en": (
            "not safe", "unsafe", "don't feel safe", "do not feel safe",
            "in danger", "scared for my life", "afraid for my life", "fear for my life",
            "he's going to hurt me", "she's going to hurt me", "they're going to hurt me",
            "he is going to hurt me", "she is going to hurt me", "they are going to hurt me",
            "he's gonna hurt me", "she's gonna hurt me", "he will hurt me", "she will hurt me",
            "he's going to kill me", "she's going to kill me", "they're going to kill me",
            "he is going to kill me", "she is going to kill me", "he's gonna kill me",
            "she's gonna kill me", "threatening to kill me", "he's hitting me", "she's hitting me",
            "he hits me", "she hits me", "he is hitting me", "she is hitting me",
        ),
        "es": (
            "no estoy a salvo", "no me siento a salvo", "no estamos a salvo",
            "estoy en peligro", "estamos en peligro", "está en peligro", "corro peligro",
            "me va a lastimar", "me va a matar", "me quiere matar", "me va a pegar",
            "me está pegando", "me amenaza con matarme", "temo por mi vida",
            "tengo miedo por mi vida",
        ),
    },
}  # fmt: skip

BUILT_IN = CrisisPhrases(
    (kind, language, phrase)
    for kind, by_language in _BUILT_IN_PHRASES.items()
    for language, phrases in by_language.items()
    for phrase in phrases
)
"""The built-in English and Spanish phrases. Every screen uses them; no file can remove one."""
