"""A flow question as a <Gather>: keys and speech, hints, digits, timeout, language."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.engine import Flow
from helpline.flowfiles.catalog import load_flow_set
from helpline.runtime import flow_constants
from helpline.settings import Settings
from helpline.voice.gather import gather_attributes, spoken
from tests.support.twiml import check_twiml

REPO = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def call_flow() -> Flow:
    settings = Settings.from_environ({}, sandbox_allowed=True)
    flow = load_flow_set(REPO / "flows", flow_constants(settings)).get("call")
    assert flow is not None
    return flow


@pytest.mark.parametrize(
    ("node", "language", "digits", "hint", "locale"),
    [
        ("menu", "en", "1", "meetings", "en-US"),
        ("menu", "es", "1", "reuniones", "es-US"),
        ("ask_zip", "en", "5", "online", "en-US"),
        ("confirm_zip", "es", "1", "correcto", "es-US"),
    ],
)
def test_gather_attributes(
    call_flow: Flow, node: str, language: str, digits: str, hint: str, locale: str
) -> None:
    attributes = gather_attributes(call_flow.nodes[node], language)
    assert attributes["input"] == "dtmf speech"
    assert attributes["action_on_empty_result"] is True
    assert str(attributes["num_digits"]) == digits
    assert hint in str(attributes["hints"]).split(", ")
    assert attributes["language"] == locale
    assert attributes["timeout"] == 6
    assert not any(h.isdigit() for h in str(attributes["hints"]).split(", "))


def test_a_question_is_said_inside_its_gather(call_flow: Flow) -> None:
    root = check_twiml(str(spoken(["Hello.", "Press 1."], "en", then=call_flow.nodes["menu"])))
    gather = root.find("Gather")
    assert gather is not None
    assert [s.text for s in gather.findall("Say")] == ["Hello.", "Press 1."]
    assert {s.get("voice") for s in gather.findall("Say")} == {"Polly.Joanna"}


def test_an_ending_is_said_without_listening(call_flow: Flow) -> None:
    root = check_twiml(str(spoken(["Goodbye."], "es", then=None)))
    assert root.find("Gather") is None
    say = root.find("Say")
    assert say is not None
    assert say.get("language") == "es-US"
