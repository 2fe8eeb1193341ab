"""Console logins: a random token in a signed cookie, the login itself in Redis.

The cookie only names the login; Redis holds who it is, their role and the
form token, so logging out or an idle hour ends it everywhere at once, and a
stolen cookie is useless after that. The key is a hash of the token, so
reading Redis does not hand anyone a working cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from redis import Redis

from helpline import keys
from helpline.console.accounts import Account, Role

TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class Login:
    token: str
    name: str
    role: Role
    csrf: str
    """The form token: every POST must carry it (a forged form cannot know it)."""
    started_at: datetime
    password_mark: str = ""
    """A digest of the password hash it logged in with: a new password ends old logins."""

    @property
    def is_operator(self) -> bool:
        return self.role is Role.OPERATOR

    def csrf_ok(self, offered: str | None) -> bool:
        return bool(offered) and hmac.compare_digest(self.csrf, offered or "")

    def __repr__(self) -> str:  # tokens stay out of logs and tracebacks
        return f"Login(name={self.name!r}, role={self.role.value!r})"


class Logins:
    def __init__(self, redis: Redis, clock: Callable[[], datetime]) -> None:
        self.redis = redis
        self.clock = clock

    def start(self, account: Account) -> Login:
        login = Login(
            token=secrets.token_urlsafe(TOKEN_BYTES),
            name=account.name,
            role=account.role,
            csrf=secrets.token_urlsafe(TOKEN_BYTES),
            started_at=self.clock(),
            password_mark=password_mark(account),
        )
        record = {
            "name": login.name,
            "role": login.role.value,
            "csrf": login.csrf,
            "started_at": login.started_at.isoformat(),
            "password_mark": login.password_mark,
        }
        self.redis.set(
            keys.console_session(_digest(login.token)),
            json.dumps(record),
            ex=int(keys.CONSOLE_SESSION_IDLE.total_seconds()),
        )
        return login

    def find(self, token: str | None) -> Login | None:
        """The live login for a cookie's token, renewed; None when it ended or never was."""
        if not token:
            return None
        key = keys.console_session(_digest(token))
        raw = self.redis.get(key)
        if raw is None:
            return None
        record = json.loads(raw)
        login = Login(
            token=token,
            name=record["name"],
            role=Role(record["role"]),
            csrf=record["csrf"],
            started_at=datetime.fromisoformat(record["started_at"]),
            password_mark=record.get("password_mark", ""),
        )
        if self.clock() - login.started_at >= keys.CONSOLE_SESSION_MAX:
            self.redis.delete(key)
            return None
        self.redis.expire(key, int(keys.CONSOLE_SESSION_IDLE.total_seconds()))
        return login

    def end(self, token: str | None) -> None:
        if token:
            self.redis.delete(keys.console_session(_digest(token)))


def password_mark(account: Account) -> str:
    return hashlib.sha256(account.password.encode()).hexdigest()[:16]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
