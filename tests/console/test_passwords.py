"""Console passwords: scrypt hashes that verify, refuse the wrong password, and age well."""

from __future__ import annotations

import pytest

from helpline.console.passwords import (
    MIN_PASSWORD_CHARS,
    PasswordRejected,
    hash_password,
    needs_rehash,
    verify_password,
)

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(PASSWORD)


def test_the_right_password_verifies(stored: str) -> None:
    assert verify_password(PASSWORD, stored)
    assert PASSWORD not in stored
    assert not needs_rehash(stored)


@pytest.mark.parametrize(
    "wrong", ["", "correct horse battery stapler", PASSWORD.upper(), "x" * 5000]
)
def test_a_wrong_password_does_not(stored: str, wrong: str) -> None:
    assert not verify_password(wrong, stored)


def test_the_same_password_hashes_differently_each_time(stored: str) -> None:
    assert hash_password(PASSWORD) != stored


@pytest.mark.parametrize(
    "broken", ["", "plain", "md5$1$2$3$4$5", "scrypt$x$8$1$AAAA$AAAA", "scrypt$16384$8$1$!!$??"]
)
def test_a_malformed_stored_hash_never_matches(broken: str) -> None:
    assert not verify_password(PASSWORD, broken)
    assert needs_rehash(broken)


def test_an_older_cost_asks_for_a_rehash(stored: str) -> None:
    older = stored.replace("$32768$", "$16384$", 1)
    assert needs_rehash(older)


@pytest.mark.parametrize("weak", ["short", " " * MIN_PASSWORD_CHARS, "a" * 2000])
def test_weak_new_passwords_are_refused_with_a_reason(weak: str) -> None:
    with pytest.raises(PasswordRejected, match="password"):
        hash_password(weak)
