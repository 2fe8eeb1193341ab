"""The console's accounts file: hashes only, file:line errors, atomic 0600 writes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from helpline.console.accounts import Accounts, Role
from helpline.console.passwords import PasswordRejected, verify_password
from helpline.errors import FlowProblems

PASSWORD = "a long night shift passphrase"


def test_add_save_load_and_verify(tmp_path: Path) -> None:
    path = tmp_path / "accounts.yaml"
    Accounts.load(path).with_account("Dana", Role.STAFF, PASSWORD).save()
    loaded = Accounts.load(path)
    dana = loaded.get(" dana ")
    assert dana is not None
    assert dana.role is Role.STAFF
    assert verify_password(PASSWORD, dana.password)
    assert PASSWORD not in path.read_text()
    assert "scrypt$" not in repr(dana)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_adding_again_replaces_and_remove_removes(tmp_path: Path) -> None:
    path = tmp_path / "accounts.yaml"
    Accounts.load(path).with_account("Dana", Role.STAFF, PASSWORD).save()
    Accounts.load(path).with_account("DANA", Role.OPERATOR, PASSWORD + "!").save()
    accounts = Accounts.load(path)
    assert [(a.name, a.role) for a in accounts.all()] == [("DANA", Role.OPERATOR)]
    accounts.without("dana").save()
    assert Accounts.load(path).all() == []


def test_a_weak_password_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "accounts.yaml"
    with pytest.raises(PasswordRejected):
        Accounts.load(path).with_account("Dana", Role.STAFF, "short")
    assert not path.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("accounts:\n  - name: Dana\n    role: staff\n    password: hunter2hunter2\n", ":4: "),
        ("accounts:\n  - name: Dana\n    role: boss\n    password: scrypt$x\n", ":3: "),
        (
            "accounts:\n  - {name: Dana, role: staff, password: scrypt$1}\n"
            "  - {name: dana, role: staff, password: scrypt$2}\n",
            ":3: account 'dana' is listed twice",
        ),
    ],
)
def test_a_bad_file_says_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "accounts.yaml"
    path.write_text(text)
    with pytest.raises(FlowProblems) as caught:
        Accounts.load(path)
    messages = [str(p) for p in caught.value.problems]
    assert any(str(path) + expected in m for m in messages), messages
