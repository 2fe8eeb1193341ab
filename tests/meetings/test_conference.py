"""conference.py: only links into known video services, only dial strings a phone can dial."""

from __future__ import annotations

import pytest

from helpline.meetings.conference import PROVIDERS, dial_in, online_url, provider


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://zoom.us/j/85779615129", "https://zoom.us/j/85779615129"),
        (
            "https://us02web.zoom.us/j/580506045?pwd=d2cwTGxK",
            "https://us02web.zoom.us/j/580506045?pwd=d2cwTGxK",
        ),
        ("https://www.zoom.us/j/1", "https://www.zoom.us/j/1"),
        ("http://zoom.us/j/1", "https://zoom.us/j/1"),  # upgraded
        ("  https://meet.google.com/abc-defg-hij ", "https://meet.google.com/abc-defg-hij"),
        (
            "https://teams.microsoft.com/l/meetup-join/x",
            "https://teams.microsoft.com/l/meetup-join/x",
        ),
        ("https://ZOOM.US/j/1", "https://ZOOM.US/j/1"),
        ("https://discord.gg/abc", "https://discord.gg/abc"),
    ],
)
def test_provider_links_are_kept(url: str, kept: str) -> None:
    assert online_url(url) == kept


@pytest.mark.parametrize(
    "url",
    [
        "https://notzoom.us/j/1",
        "https://zoom.us.example.com/j/1",
        "https://example.org/how-to-join",
        "ftp://zoom.us/j/1",
        "zoom.us/j/1",
        "javascript:alert(1)",
        "https://someone@zoom.us/j/1",
        "https://zoom.us/j/1 passcode 1234",
        "",
        None,
        12345,
        "https://[broken/",
    ],
)
def test_other_links_are_refused(url: object) -> None:
    assert online_url(url) is None


def test_provider_names() -> None:
    assert provider("https://us06web.zoom.us/j/1") == "Zoom"
    assert provider("https://meet.jit.si/x") == "Jitsi"
    assert provider("https://example.org") is None
    assert len(PROVIDERS) == 21


@pytest.mark.parametrize(
    ("phone", "dial"),
    [
        ("+13017158592,,85779615129#,,,,005088#", "+13017158592,,85779615129#,,,,005088#"),
        ("6699006833", "6699006833"),
        ("(301) 715-8592", "3017158592"),
        ("+1 301.715.8592", "+13017158592"),
        ("301-715-8592 ext 12", "3017158592"),
        ("*67 301 715 8592", "*673017158592"),
        # Edmonton: an alphanumeric passcode cannot be keyed; stop before it.
        (
            "+15873281099,,82900440659#,,#,,M1F3TTRlakdHUDg4Ukl0VjFZSHo5QT09#",
            "+15873281099,,82900440659#,,#",
        ),
        ("+15873281099,,829#,,#,,1M3", "+15873281099,,829#,,#"),
        (6699006833, "6699006833"),
    ],
)
def test_dial_strings(phone: object, dial: str) -> None:
    assert dial_in(phone) == dial


@pytest.mark.parametrize(
    "phone",
    ["555-1234", "1-800-FLOWERS", "++13017158592", "301+7158592000", "", None, True, "call us"],
)
def test_bad_dial_strings_are_refused(phone: object) -> None:
    assert dial_in(phone) is None
