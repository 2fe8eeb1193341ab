"""Who may log in to the console: a small YAML file of names, roles and password hashes.

    accounts:
      - name: Dana          # staff: the same name as in the on-call roster
        role: staff
        password: "scrypt$32768$8$1$..."
      - name: Alex
        role: operator      # operators also get the studio

The file is written by `helpline accounts` (never by hand for passwords), with
mode 0600, atomically: a crash mid-write leaves the old file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from helpline.console.passwords import hash_password
from helpline.errors import FlowDefinitionError, FlowProblems
from helpline.flowfiles.schema_errors import problems_from_validation
from helpline.flowfiles.yaml_loader import dump_yaml, load_yaml_file

ACCOUNTS_FILE_MODE = 0o600
MAX_NAME_CHARS = 40


class Role(StrEnum):
    STAFF = "staff"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    role: Role
    password: str  # a scrypt hash, never a password

    def __repr__(self) -> str:  # the hash stays out of logs and tracebacks
        return f"Account(name={self.name!r}, role={self.role.value!r})"


class _AccountDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    role: Role
    password: str

    @field_validator("password")
    @classmethod
    def _hashed(cls, value: str) -> str:
        if not value.startswith("scrypt$"):
            raise ValueError("must be a hash written by `helpline accounts add`, not a password")
        return value


class _AccountsDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accounts: list[_AccountDoc] = Field(default_factory=list)


class Accounts:
    def __init__(self, path: Path, accounts: dict[str, Account]) -> None:
        self.path = path
        self._by_key = accounts

    @classmethod
    def load(cls, path: Path) -> Accounts:
        """The accounts in `path` (none if it does not exist); FlowProblems with file:line."""
        if not path.exists():
            return cls(path, {})
        doc = load_yaml_file(path)
        try:
            parsed = _AccountsDoc.model_validate(doc.data or {})
        except ValidationError as exc:
            raise FlowProblems(problems_from_validation(doc, exc)) from None
        found: dict[str, Account] = {}
        for index, entry in enumerate(parsed.accounts):
            key = entry.name.casefold()
            if key in found:
                line = doc.line_of(["accounts", index, "name"])
                raise FlowProblems(
                    [
                        FlowDefinitionError(
                            f"account {entry.name!r} is listed twice", path=path, line=line
                        )
                    ]
                )
            found[key] = Account(entry.name, entry.role, entry.password)
        return cls(path, found)

    def get(self, name: str) -> Account | None:
        return self._by_key.get(name.strip().casefold())

    def all(self) -> list[Account]:
        return sorted(self._by_key.values(), key=lambda a: a.name.casefold())

    def with_account(self, name: str, role: Role, password: str) -> Accounts:
        """A copy with `name` added, or its role and password replaced."""
        account = Account(name.strip(), role, hash_password(password))
        _AccountDoc(name=account.name, role=role, password=account.password)  # the same rules
        return Accounts(self.path, {**self._by_key, account.name.casefold(): account})

    def without(self, name: str) -> Accounts:
        return Accounts(self.path, {k: v for k, v in self._by_key.items() if k != name.casefold()})

    def save(self) -> None:
        data = {
            "accounts": [
                {"name": a.name, "role": a.role.value, "password": a.password} for a in self.all()
            ]
        }
        text = "# Console accounts; edit with `helpline accounts`.\n" + dump_yaml(data)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".accounts-")
        try:
            os.fchmod(fd, ACCOUNTS_FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class AccountsFile:
    """The accounts file as a running web process sees it: re-read when it changes.

    `helpline accounts remove` takes effect on the next request, with no restart.
    A file that turns invalid keeps the last good accounts (and says so in the log).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._accounts = Accounts(path, {})
        self.problem: FlowProblems | None = None

    def current(self) -> Accounts:
        try:
            stat = self.path.stat()
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._accounts = Accounts.load(self.path)
                self.problem = None
            except FlowProblems as exc:
                self.problem = exc
        return self._accounts
