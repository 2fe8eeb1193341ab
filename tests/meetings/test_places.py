"""zip_place: a caller's ZIP code to a centre, city and zone, offline."""

from __future__ import annotations

import pytest

from helpline.errors import PlaceError, ZipInvalid, ZipUnknown
from helpline.meetings.places import ZipPlace, zip_place


@pytest.mark.parametrize("text", ["92660", " 92660 ", "92660-1234", "\t92660-0001\n"])
def test_newport_beach(text: str) -> None:
    place = zip_place(text)
    assert place == ZipPlace(
        zip="92660",
        latitude=pytest.approx(33.6295),  # type: ignore[arg-type]
        longitude=pytest.approx(-117.8684),  # type: ignore[arg-type]
        timezone="America/Los_Angeles",
        city="Newport Beach",
        state="CA",
    )


@pytest.mark.parametrize(
    ("zip_code", "timezone"),
    [
        ("10001", "America/New_York"),
        ("85004", "America/Phoenix"),
        ("86515", "America/Denver"),  # Window Rock, Navajo Nation: observes DST
        ("96505", "America/Adak"),  # no zone in the table: found from the coordinates
    ],
)
def test_zones(zip_code: str, timezone: str) -> None:
    assert zip_place(zip_code).timezone == timezone


@pytest.mark.parametrize(
    "text", ["9266", "abcde", "926601", "92660-12", "92 660", "", "９２６６０"]
)
def test_not_five_digits(text: str) -> None:
    with pytest.raises(ZipInvalid) as caught:
        zip_place(text)
    assert caught.value.zip_code == text
    # The caller's text is theirs: it is carried, never put in the (loggable) message.
    assert str(caught.value) == "not a five-digit ZIP code"


@pytest.mark.parametrize(
    "zip_code",
    [
        "00000",  # no such ZIP code
        "09001",  # APO, coordinates "0"
        "96201",  # APO, coordinates "0.0000"
    ],
)
def test_unknown_or_nowhere(zip_code: str) -> None:
    with pytest.raises(ZipUnknown) as caught:
        zip_place(zip_code)
    assert isinstance(caught.value, PlaceError)
    assert caught.value.zip_code == zip_code
    assert zip_code not in str(caught.value)
