"""Words that work at any step and are never taken as an answer.

Opt-out words follow Twilio's and the carriers' list: the whole message must
be the word (so "stop drinking" is an answer, "Stop." is an opt-out), because
Twilio applies the same rule on its side and the two must agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from helpline.engine.definition import Channel
from helpline.engine.text import fold


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    MENU = "menu"
    LANGUAGE = "language"
    MORE = "more"
    PERSON = "person"


_WORDS: dict[str, tuple[Keyword, str | None]] = {}


def _add(keyword: Keyword, phrases: str, language: str | None = None) -> None:
    for phrase in phrases.split(","):
        _WORDS[fold(phrase)] = (keyword, language)


_add(Keyword.STOP, "stop,stopall,stop all,unsubscribe,cancel,end,quit,revoke,optout,opt out")
_add(Keyword.STOP, "parar,cancelar", "es")
_add(Keyword.START, "start,unstop")
_add(Keyword.HELP, "help,info,help me,i need help")
_add(Keyword.HELP, "ayuda,ayudame,necesito ayuda", "es")
_add(Keyword.MENU, "menu,restart,start over")
_add(Keyword.MENU, "reiniciar,inicio,empezar de nuevo", "es")  # "menú" folds to menu
# MORE asks for the next meetings after a search; mid-conversation it is just a reply.
_add(Keyword.MORE, "more,more meetings,next meetings")
_add(Keyword.MORE, "mas,mas reuniones", "es")  # "más" folds to mas
# A person, at any step. Whole messages only, and never the bare word "person", which
# answers "in person or online?".
_add(
    Keyword.PERSON,
    "talk to a person,talk to someone,speak to a person,speak to someone,a person please,"
    "real person,a real person,human,a human,talk to a human,i want a person,"
    "i need a person,i need to talk to someone,someone to talk to,agent",
)
_add(
    Keyword.PERSON,
    "hablar con alguien,hablar con una persona,una persona real,necesito hablar con alguien,"
    "quiero hablar con alguien,quiero hablar con una persona",
    "es",
)
_add(Keyword.LANGUAGE, "english,ingles,in english", "en")
_add(Keyword.LANGUAGE, "espanol,spanish,en espanol", "es")

# On a call, keys and speech: 0 is a person at any prompt, and so is saying "person"
# (no prompt on a call asks "in person or online?" by voice without a key for each).
# Opt-out and MORE belong to texting: saying "stop" on a call opts nobody out.
_VOICE_WORDS: dict[str, tuple[Keyword, str | None]] = {
    k: v for k, v in _WORDS.items() if v[0] in (Keyword.PERSON, Keyword.LANGUAGE, Keyword.MENU)
}
for _phrase in ("0", "zero", "person", "a person", "operator", "representative", "someone"):
    _VOICE_WORDS[fold(_phrase)] = (Keyword.PERSON, None)
for _phrase in ("persona", "una persona", "operador", "operadora", "alguien", "cero"):
    _VOICE_WORDS[fold(_phrase)] = (Keyword.PERSON, "es")

OPT_IN_WORDS = frozenset({"start", "unstop", "yes"})
"""What ends an opt-out. YES counts only for someone opted out; otherwise it is an answer."""


@dataclass(frozen=True, slots=True)
class KeywordMatch:
    keyword: Keyword
    language: str | None
    """The language the word implies (AYUDA is Spanish), or the one asked for."""


def match_keyword(text: str, channel: Channel = Channel.SMS) -> KeywordMatch | None:
    """The keyword that is the whole message (or the whole reply on a call), if any."""
    found = (_VOICE_WORDS if channel is Channel.VOICE else _WORDS).get(fold(text))
    return KeywordMatch(*found) if found else None


def is_opt_in(text: str) -> bool:
    return fold(text) in OPT_IN_WORDS
