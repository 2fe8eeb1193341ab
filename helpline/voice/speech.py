"""The voice's words and voices: the lines the call path itself speaks, in each language.

The flow's own prompts come from flows/call.yaml; these are the few the call
edge needs around them (confirming speech, holding, the 24/7 line, staff screening).
"""

from __future__ import annotations

from twilio.twiml import TwiML

VOICES = {"en": ("Polly.Joanna", "en-US"), "es": ("Polly.Lupe", "es-US")}
"""Explicit voice and language pairs (twilio.md §2.3: a bad pair makes a <Say> fail)."""

LINES: dict[str, dict[str, str]] = {
    "confirm_speech": {
        "en": "I heard: {heard}. If that's right, press 1. If not, press 2.",
        "es": "Escuché: {heard}. Si es correcto, oprima 1. Si no, oprima 2.",
    },
    "still_finding": {
        "en": "Still finding someone for you. Please stay on the line.",
        "es": "Seguimos buscando a alguien para usted. Por favor, no cuelgue.",
    },
    "crisis_line": {
        "en": "Connecting you now to our 24-hour line, where a person will answer.",
        "es": "Le comunicamos ahora con nuestra línea de 24 horas, donde le atenderá una persona.",
    },
    "if_not_through": {
        "en": "If you could not get through, call or text 9 8 8. In danger, call 9 1 1. "
        "We will also try to call you back.",
        "es": "Si no pudo comunicarse, llame o envíe un texto al 9 8 8. En peligro, llame al "
        "9 1 1. También trataremos de devolverle la llamada.",
    },
    "if_not_through_no_callback": {
        "en": "If you could not get through, call or text 9 8 8. In danger, call 9 1 1.",
        "es": "Si no pudo comunicarse, llame o envíe un texto al 9 8 8. En peligro, llame al "
        "9 1 1.",
    },
    "goodbye": {
        "en": "Thank you for calling. Take care. Goodbye.",
        "es": "Gracias por llamar. Cuídese. Adiós.",
    },
}

SCREEN_PROMPT = "{helpline_name} call for you. Press 1 to accept it."
SCREEN_ACCEPTED = "Connecting you to the caller now."
CALLBACK_NONE = (
    "This is {helpline_name}. You have no missed call to return right now. "
    "Take one first by replying to its page. Goodbye."
)
CALLBACK_CONNECTING = "Calling the caller back from the helpline number now."


def line(name: str, language: str, **values: str) -> str:
    texts = LINES[name]
    return (texts.get(language) or texts["en"]).format(**values)


def say(parent: TwiML, text: str, language: str) -> None:
    """A <Say> in the language's voice (the caller's, or English for staff)."""
    voice, locale = VOICES.get(language, VOICES["en"])
    parent.say(text, voice=voice, language=locale)


def locale(language: str) -> str:
    return VOICES.get(language, VOICES["en"])[1]
