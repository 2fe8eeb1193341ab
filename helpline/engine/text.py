"""Reply normalisation: what a caller typed, reduced to comparable words.

Callers type on phones, in two languages, in a hurry: "Two!", "2️⃣", "dos",
"EN LÍNEA". Matching happens on lower-case words without accents or
punctuation, with number words turned into digits.
"""

from __future__ import annotations

import re
import unicodedata

from helpline.engine.limits import MAX_INPUT_CHARS

NUMBER_WORDS = {
    # English
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5",
    # Spanish
    "cero": "0", "uno": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4",
    "cinco": "5", "seis": "6", "siete": "7", "ocho": "8", "nueve": "9", "diez": "10",
    "primero": "1", "primera": "1", "segundo": "2", "segunda": "2", "tercero": "3",
    "tercera": "3", "cuarto": "4", "cuarta": "4", "quinto": "5", "quinta": "5",
}  # fmt: skip

_NON_WORD = re.compile(r"[^\w]+|_")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation and emoji turned into spaces."""
    decomposed = unicodedata.normalize("NFKD", text[:MAX_INPUT_CHARS])
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", bare.casefold()).split())


def words(text: str) -> tuple[str, ...]:
    """The folded words of `text`, with number words as digits ("two" → "2")."""
    return tuple(NUMBER_WORDS.get(w, w) for w in fold(text).split())


def contains_phrase(haystack: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """True when `phrase` appears in `haystack` as whole consecutive words."""
    n = len(phrase)
    if n == 0 or n > len(haystack):
        return False
    return any(haystack[i : i + n] == phrase for i in range(len(haystack) - n + 1))


_SPANISH_HINTS = frozenset(
    "hola ayuda espanol necesito quiero buenas buenos dias tardes noches gracias por favor "
    "alguien hablar mi hijo hija esposo esposa tengo problema beber bebida drogas".split()
)


def guess_language(text: str, languages: tuple[str, ...], default: str) -> str:
    """Spanish when a first text reads as Spanish and the flow speaks it; else `default`."""
    if "es" in languages and any(w in _SPANISH_HINTS for w in fold(text).split()):
        return "es"
    return default
