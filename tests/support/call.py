"""A phone call as Twilio drives it: signed voice webhooks, and the TwiML each one answers.

Every answer is checked against Twilio's TwiML vocabulary (check_twiml). The
driver follows what the TwiML asks: a <Gather>'s action gets the keys or the
speech, a <Dial>'s <Number url> is the staff leg's screen, the <Dial>'s action
gets how the dialled leg ended.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from tests.support.phone import HELPLINE_NUMBER, Phone
from tests.support.twiml import check_twiml

_sids = itertools.count(1)


def new_call_sid() -> str:
    return f"CA{next(_sids):032x}"


@dataclass
class Dialled:
    number: str
    action: str
    screen: str | None
    caller_id: str | None
    timeout: int


class Call:
    def __init__(self, phone: Phone) -> None:
        self.phone = phone
        self.sid = new_call_sid()
        self.twiml: ET.Element | None = None
        self.heard: list[str] = []
        """Everything said to the caller so far, in order."""

    # --- what the caller does --------------------------------------------------------

    def dial_in(self) -> Call:
        self._post("/twilio/voice", [])
        return self

    def press(self, digits: str) -> Call:
        self._post(self._gather_action(), [("Digits", digits)])
        return self

    def say(self, words: str, *, confidence: float = 0.9) -> Call:
        pairs = [("SpeechResult", words), ("Confidence", f"{confidence:.2f}")]
        self._post(self._gather_action(), pairs)
        return self

    def silence(self) -> Call:
        self._post(self._gather_action(), [])
        return self

    def hang_up(self) -> None:
        self.phone.post("/twilio/status", [*self._base(), ("CallStatus", "completed")])

    # --- the <Dial> to staff ---------------------------------------------------------

    @property
    def dialled(self) -> Dialled | None:
        dial = self.twiml.find("Dial") if self.twiml is not None else None
        if dial is None:
            return None
        number = dial.find("Number")
        assert number is not None
        assert number.text
        return Dialled(
            number=number.text,
            action=dial.get("action", ""),
            screen=number.get("url"),
            caller_id=dial.get("callerId"),
            timeout=int(dial.get("timeout", "30")),
        )

    def staff_picks_up(self, *, press: str | None) -> str:
        """The dialled phone answers and hears the screen; returns what it heard."""
        dialled = self.dialled
        assert dialled is not None, "no <Dial> to answer"
        assert dialled.screen, "the <Dial> does not screen its <Number>"
        leg = [("ParentCallSid", self.sid), ("Direction", "outbound-dial")]
        child = new_call_sid()
        screen = self._staff_post(dialled.screen, child, leg)
        gather = screen.find("Gather")
        heard = " ".join(s.text or "" for s in screen.iter("Say"))
        if gather is None:
            return heard
        pairs = [*leg, ("Digits", press)] if press is not None else leg
        answer = self._staff_post(gather.get("action", ""), child, pairs)
        return (
            heard
            + " | "
            + " ".join(s.text or "" for s in answer.iter("Say"))
            + (" | hangup" if answer.find("Hangup") is not None else "")
        )

    def dial_ends(self, status: str) -> Call:
        dialled = self.dialled
        assert dialled is not None, "no <Dial> in the last answer"
        self._post(dialled.action, [("DialCallStatus", status)])
        return self

    # --- reading the answer ----------------------------------------------------------

    @property
    def last_said(self) -> str:
        assert self.twiml is not None
        return " ".join(s.text or "" for s in self.twiml.iter("Say"))

    @property
    def gather(self) -> ET.Element | None:
        return self.twiml.find("Gather") if self.twiml is not None else None

    @property
    def hung_up(self) -> bool:
        return self.twiml is not None and self.twiml.find("Hangup") is not None

    def _gather_action(self) -> str:
        gather = self.gather
        assert gather is not None, f"nothing is listening: {self.last_said!r}"
        return gather.get("action", "")

    def _base(self) -> list[tuple[str, str]]:
        return [
            ("CallSid", self.sid),
            ("AccountSid", "AC" + "0" * 32),
            ("From", self.phone.number),
            ("To", HELPLINE_NUMBER),
            ("CallStatus", "in-progress"),
            ("Direction", "inbound"),
            ("ApiVersion", "2010-04-01"),
        ]

    def _post(self, path: str, pairs: list[tuple[str, str]]) -> None:
        base = [p for p in self._base() if p[0] != "CallStatus" or path != "/twilio/status"]
        response = self.phone.post(path, [*base, *pairs])
        assert response.status_code == 200, (response.status_code, response.text)
        self.twiml = check_twiml(response.text)
        self.heard += [s.text or "" for s in self.twiml.iter("Say")]

    def _staff_post(self, path: str, child: str, pairs: list[tuple[str, str]]) -> ET.Element:
        base = [
            ("CallSid", child),
            ("AccountSid", "AC" + "0" * 32),
            ("From", HELPLINE_NUMBER),
            ("To", self.dialled.number if self.dialled else ""),
            ("CallStatus", "in-progress"),
            ("ApiVersion", "2010-04-01"),
        ]
        response = self.phone.post(path, [*base, *pairs])
        assert response.status_code == 200, (response.status_code, response.text)
        return check_twiml(response.text)
