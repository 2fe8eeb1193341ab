"""The TwiML checker: it passes what the twilio package builds and names what breaks a rule."""

from __future__ import annotations

import pytest
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from tests.support.twiml import check_twiml


def test_what_the_twilio_package_builds_passes_and_the_root_comes_back() -> None:
    twiml = VoiceResponse()
    gather = twiml.gather(action="/twilio/voice/menu", input="dtmf speech", num_digits=1, timeout=5)
    gather.say("Press 1 for English.", language="en-US", voice="Polly.Joanna")
    gather.pause(length=1)
    twiml.say("We did not hear anything.")
    dial = twiml.dial(caller_id="+15550100000", timeout=30, answer_on_bridge=True)
    dial.number("+15550100001", url="/twilio/voice/screen")
    twiml.redirect("/twilio/voice/menu?retry=1")
    twiml.pause(length=2)
    twiml.hangup()

    root = check_twiml(str(twiml))

    assert [child.tag for child in root] == ["Gather", "Say", "Dial", "Redirect", "Pause", "Hangup"]
    number = root.find("Dial/Number")
    assert number is not None
    assert (number.text, number.get("url")) == ("+15550100001", "/twilio/voice/screen")


def test_a_messaging_response_passes_as_one() -> None:
    twiml = MessagingResponse()
    twiml.message("Hello & welcome <3")
    root = check_twiml(str(twiml), document="MessagingResponse")
    assert [(m.tag, m.text) for m in root] == [("Message", "Hello & welcome <3")]


def test_an_empty_response_passes() -> None:
    assert len(check_twiml(str(VoiceResponse()))) == 0


@pytest.mark.parametrize(
    ("xml", "problem"),
    [
        ("<Response><Shout>hi</Shout></Response>", "Response/Shout[1]: <Shout> is not a"),
        (
            '<Response><Say volume="11">hi</Say></Response>',
            "Response/Say[1]: <Say> has no attribute 'volume'",
        ),
        (
            "<Response><Dial><Number>+15550100001</Number><Say>hi</Say></Dial></Response>",
            "Response/Dial[1]/Say[1]: <Say> may not be nested in <Dial>",
        ),
        (
            "<Response><Gather numDigits='1'><Say>Press 1</Say></Gather></Response>",
            "Response/Gather[1]: <Gather> has no action",
        ),
        (
            "<Response><Say>bye</Say><Hangup>bye</Hangup></Response>",
            "Response/Hangup[1]: <Hangup> takes no text",
        ),
        (
            "<Response><Gather action='/g'><Say>a</Say>loose words</Gather></Response>",
            "Response/Gather[1]: <Gather> takes no text",
        ),
        (
            "<Response><Gather action='/g' input='touch'><Say>a</Say></Gather></Response>",
            "<Gather input='touch'> is not one of",
        ),
        (
            "<Response><Dial timeout='3'>+15550100001</Dial></Response>",
            "Response/Dial[1]: <Dial timeout='3'> is not whole seconds from 5 to 600",
        ),
        (
            "<Response><Dial timeout='30s'>+15550100001</Dial></Response>",
            "<Dial timeout='30s'>",
        ),
        ("<Response><Say>  </Say></Response>", "Response/Say[1]: <Say> has nothing to say"),
        (
            "<Response><Say>one</Say><Say></Say></Response>",
            "Response/Say[2]: <Say> has nothing to say",
        ),
        ("<Response><Message>hi</Message></Response>", "<Message> is not a VoiceResponse"),
        ("<Response>hello</Response>", "Response: <Response> takes no text"),
    ],
)
def test_voice_rule_breaks_are_named_with_the_element_path(xml: str, problem: str) -> None:
    with pytest.raises(AssertionError) as caught:
        check_twiml(xml)
    assert problem in str(caught.value)


def test_every_problem_is_listed_at_once() -> None:
    xml = "<Response><Gather><Say/></Gather><Hangup>x</Hangup></Response>"
    with pytest.raises(AssertionError, match="3 VoiceResponse rule") as caught:
        check_twiml(xml)
    message = str(caught.value)
    assert "Response/Gather[1]: <Gather> has no action" in message
    assert "Response/Gather[1]/Say[1]: <Say> has nothing to say" in message
    assert "Response/Hangup[1]: <Hangup> takes no text" in message


@pytest.mark.parametrize(
    ("xml", "document", "problem"),
    [
        ("<Reply><Say>hi</Say></Reply>", "VoiceResponse", "root element is <Reply>"),
        ("<Response><Say>hi</Response>", "VoiceResponse", "TwiML does not parse"),
        ("<Response/>", "FaxResponse", "no TwiML document 'FaxResponse'"),
        (
            "<Response><Say>hi</Say></Response>",
            "MessagingResponse",
            "Response/Say[1]: <Say> is not a MessagingResponse element",
        ),
        (
            "<Response><Message><Media>https://example.org/a.png</Media>"
            "<Redirect>/x</Redirect></Message></Response>",
            "MessagingResponse",
            "Response/Message[1]/Redirect[1]: <Redirect> may not be nested in <Message>",
        ),
    ],
)
def test_other_refusals(xml: str, document: str, problem: str) -> None:
    with pytest.raises(AssertionError) as caught:
        check_twiml(xml, document=document)
    assert problem in str(caught.value)
