"""scrub.py: dropped fields, and free text without HTML, e-mail addresses or phone numbers."""

from __future__ import annotations

import pytest

from helpline.meetings.scrub import DROPPED_FIELDS, MAX_TEXT_CHARS, scrub_text

ZOOM_DIAL = "+13017158592,,85779615129#,,,,005088#"


def test_every_contact_payment_and_editor_field_is_dropped() -> None:
    contacts = {f"contact_{n}_{part}" for n in (1, 2, 3) for part in ("name", "email", "phone")}
    assert contacts <= DROPPED_FIELDS
    assert {
        "email",
        "phone",
        "website",
        "website_2",
        "mailing_address",
        "last_contact",
        "venmo",
        "square",
        "paypal",
        "homegroup_online",
        "edit_url",
        "author",
        "feedback_emails",
        "feedback_url",
        "entity_email",
        "entity_phone",
        "entity_logo",
        "email_contact",
        "comments",
        "published",
    } <= DROPPED_FIELDS


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        # HTML and entities
        ("<p>Meet in the <b>back</b> room</p>", "Meet in the back room"),
        ("Chips &amp; birthdays&nbsp;monthly", "Chips & birthdays monthly"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Hi", "alert(1) Hi"),
        ("12 &amp; 12 <br/>Study", "12 & 12 Study"),
        # e-mail addresses, plain and spelled out
        ("For password email: 4pmhappyhour@gmail.com", "For password email:"),
        ("email gary.roman@uci.edu for the code", "email for the code"),
        ("Write to bob [at] example [dot] org today", "Write to today"),
        ("mailto:someone@example.org", None),
        ("http://emailfoxmark1935@twc.comforpassword", "http://"),
        # phone numbers in the usual shapes
        ("Call (302) 555-0143 for a ride", "Call for a ride"),
        ("Call 302-555-0143.", "Call ."),
        ("Text 302.555.0143 or 1-587-555-0199", "Text or"),
        ("Call +44 20 7946 0958 now", "Call now"),
        ("Sponsor line 555-0143", "Sponsor line"),
        # whitespace
        ("  Upstairs,\r\n\r\n room 2\t", "Upstairs, room 2"),
    ],
)
def test_scrubbed(text: str, clean: str | None) -> None:
    assert scrub_text(text) == clean


@pytest.mark.parametrize(
    "text",
    [
        "Meeting ID: 857 7961 5129, Passcode: 005088",
        "Meeting ID: 302-164-1212 Passcode: Sober",  # shaped like a phone number, but an id
        "ID: 305 698 6566, No Password Needed",
        "Password: 990 095",
        "Zoom: https://zoom.us/j/8648670500 in person too",
        "PCH @ St. Mary's, Tgif@Garden Grove",  # an @ that is not an address
        "16865 E Pacific Coast Hwy, Huntington Beach, CA 92649-1234",
        "Doors open 6:30-7:00 PM, 2nd floor",
    ],
)
def test_meeting_ids_passcodes_links_and_addresses_stay(text: str) -> None:
    assert scrub_text(text) == text


def test_the_meetings_own_dial_in_stays() -> None:
    notes = "Dial-in: 301 715 8592 Meeting ID: 857 7961 5129. Questions? 302-555-0143"
    assert (
        scrub_text(notes, keep=ZOOM_DIAL)
        == "Dial-in: 301 715 8592 Meeting ID: 857 7961 5129. Questions?"
    )
    assert scrub_text(notes) == "Dial-in: Meeting ID: 857 7961 5129. Questions?"
    assert scrub_text("Phone: 1-587-328-1099", keep="+15873281099,,82900440659#") == (
        "Phone: 1-587-328-1099"
    )


@pytest.mark.parametrize("empty", [None, "", "   ", "<br>", "someone@example.org", 42])
def test_nothing_left_is_none(empty: object) -> None:
    assert scrub_text(empty) is None  # type: ignore[arg-type]


def test_long_text_is_cut() -> None:
    scrubbed = scrub_text("word " * 1000)
    assert scrubbed is not None
    assert len(scrubbed) == MAX_TEXT_CHARS
    assert scrubbed.endswith("…")
