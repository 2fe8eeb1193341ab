"""Settings, read once from the environment at start and passed down.

Nothing else reads os.environ (ruff's TID251 enforces it). Every problem
names its variable; secrets never print.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from cryptography.fernet import Fernet

from helpline.durations import parse_duration
from helpline.errors import ConfigError

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_CRISIS_LINE = "+18006624357"  # SAMHSA National Helpline: free, 24/7, English and Spanish
DEFAULT_HELPLINE_NAME = "Recovery Helpline"
SANDBOX_SECRET_KEY = "sandbox-only-key-never-use-in-production"
SANDBOX_NUMBER = "+15550100000"  # 555-01xx numbers are reserved for fiction
MIN_SECRET_KEY_CHARS = 16
DEFAULT_ACCOUNTS_FILE = "accounts.yaml"
"""Console accounts, in the working directory unless HELPLINE_ACCOUNTS says (kept out of git)."""

DEFAULT_SESSION_EXPIRY = timedelta(days=7)
"""The longest a conversation is kept since its caller's last text (42 CFR Part 2: keep little)."""

DEFAULT_TRANSCRIPT_RETENTION = timedelta(days=30)
"""How long a closed escalation's transcript is kept for staff, then purged."""

MAX_TRANSCRIPT_RETENTION = timedelta(days=3650)

DEFAULT_INBOUND_LIMIT = 30
DEFAULT_INBOUND_WINDOW = timedelta(minutes=5)
"""A person texting fast sends a dozen short texts in minutes; 30 in five is a flood or a bot."""


class Secret:
    """A string that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def mask_url_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":********@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True, kw_only=True)
class Settings:
    redis_url: str = field(repr=False)
    twilio_account_sid: str | None
    twilio_auth_token: Secret | None
    twilio_api_url: str | None
    helpline_number: str
    public_url: str | None
    flows_dir: Path
    oncall_path: Path
    crisis_line: str
    secret_key: Secret
    helpline_name: str
    feed_keys: Mapping[str, Secret] = field(default_factory=dict, repr=False)
    """Meeting feed sharing keys, from variables named `*_FEED_KEY` (meeting-sources.yaml)."""
    accounts_path: Path = Path(DEFAULT_ACCOUNTS_FILE)
    """Who may log in to /console (`helpline accounts` writes it)."""
    twilio_secondary_token: Secret | None = None
    """Also accepted for webhook signatures while the auth token is being rotated."""
    number_keys: tuple[Secret, ...] = ()
    """Fernet keys for callers' numbers at rest, newest first; empty: derived from secret_key."""
    session_expiry: timedelta = DEFAULT_SESSION_EXPIRY
    transcript_retention: timedelta = DEFAULT_TRANSCRIPT_RETENTION
    inbound_limit: int = DEFAULT_INBOUND_LIMIT
    """Texts one number may send per inbound_window before it gets one notice, then silence."""
    inbound_window: timedelta = DEFAULT_INBOUND_WINDOW
    metrics_token: Secret | None = None
    """Bearer token for /metrics; without one only loopback clients may scrape."""

    @property
    def signature_tokens(self) -> list[Secret]:
        """Every auth token a webhook signature may be made with, primary first."""
        return [t for t in (self.twilio_auth_token, self.twilio_secondary_token) if t is not None]

    @property
    def console_key(self) -> Secret:
        """Signs console cookies: derived from the secret key, so one variable is enough."""
        digest = hmac.new(self.secret_key.reveal().encode(), b"console-cookie", hashlib.sha256)
        return Secret(digest.hexdigest())

    @property
    def secure_cookies(self) -> bool:
        """Cookies marked Secure whenever the public URL is https (always, in production)."""
        return bool(self.public_url and self.public_url.startswith("https://"))

    @property
    def sandbox(self) -> bool:
        """No Twilio account: texts go to the sandbox transport, seen on /sandbox."""
        return self.twilio_account_sid is None

    @property
    def redis_url_masked(self) -> str:
        return mask_url_password(self.redis_url)

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, *, sandbox_allowed: bool = False
    ) -> Settings:
        env = dict(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        sid, token = get("TWILIO_ACCOUNT_SID"), get("TWILIO_AUTH_TOKEN")
        if (sid is None) != (token is None):
            missing = "TWILIO_AUTH_TOKEN" if token is None else "TWILIO_ACCOUNT_SID"
            raise ConfigError("is unset but the other Twilio credential is set", variable=missing)
        sandbox = sid is None
        if sandbox and not sandbox_allowed:
            raise ConfigError(
                "is unset; only `helpline dev` runs without a Twilio account (sandbox mode)",
                variable="TWILIO_ACCOUNT_SID",
            )
        if sid is not None and not (sid.startswith("AC") and len(sid) == 34):
            raise ConfigError(
                "must be a Twilio account SID (AC followed by 32 characters)",
                variable="TWILIO_ACCOUNT_SID",
            )

        flows_dir = Path(get("HELPLINE_FLOWS_DIR") or "flows")
        secret = get("HELPLINE_SECRET_KEY")
        if secret is None:
            if not sandbox:
                raise ConfigError(
                    "is required: it keys the hash that stands in for phone numbers",
                    variable="HELPLINE_SECRET_KEY",
                )
            secret = SANDBOX_SECRET_KEY
        elif len(secret) < MIN_SECRET_KEY_CHARS:
            raise ConfigError(
                f"must be at least {MIN_SECRET_KEY_CHARS} characters",
                variable="HELPLINE_SECRET_KEY",
            )

        number = get("HELPLINE_NUMBER")
        public_url = get("HELPLINE_PUBLIC_URL")
        if not sandbox:
            if number is None:
                raise ConfigError("is required outside sandbox mode", variable="HELPLINE_NUMBER")
            if public_url is None:
                raise ConfigError(
                    "is required outside sandbox mode", variable="HELPLINE_PUBLIC_URL"
                )

        return cls(
            redis_url=_url(
                get("REDIS_URL") or DEFAULT_REDIS_URL,
                "REDIS_URL",
                schemes=("redis", "rediss", "unix"),
            ),
            twilio_account_sid=sid,
            twilio_auth_token=Secret(token) if token else None,
            twilio_api_url=_url(v, "TWILIO_API_URL") if (v := get("TWILIO_API_URL")) else None,
            helpline_number=e164(number, "HELPLINE_NUMBER") if number else SANDBOX_NUMBER,
            public_url=_url(public_url, "HELPLINE_PUBLIC_URL") if public_url else None,
            flows_dir=flows_dir,
            oncall_path=Path(get("HELPLINE_ONCALL") or flows_dir / "oncall.yaml"),
            crisis_line=e164(
                get("HELPLINE_CRISIS_LINE") or DEFAULT_CRISIS_LINE, "HELPLINE_CRISIS_LINE"
            ),
            secret_key=Secret(secret),
            helpline_name=get("HELPLINE_NAME") or DEFAULT_HELPLINE_NAME,
            feed_keys=feed_keys_from(env),
            accounts_path=accounts_path_from(env),
            twilio_secondary_token=(
                Secret(v) if (v := get("TWILIO_AUTH_TOKEN_SECONDARY")) else None
            ),
            number_keys=number_keys_from(get("HELPLINE_NUMBER_KEYS")),
            session_expiry=_duration(
                get("HELPLINE_SESSION_EXPIRY"), DEFAULT_SESSION_EXPIRY, "HELPLINE_SESSION_EXPIRY"
            ),
            transcript_retention=_duration(
                get("HELPLINE_TRANSCRIPT_RETENTION"),
                DEFAULT_TRANSCRIPT_RETENTION,
                "HELPLINE_TRANSCRIPT_RETENTION",
                most=MAX_TRANSCRIPT_RETENTION,
            ),
            inbound_limit=_count(
                get("HELPLINE_INBOUND_LIMIT"), DEFAULT_INBOUND_LIMIT, "HELPLINE_INBOUND_LIMIT"
            ),
            inbound_window=_duration(
                get("HELPLINE_INBOUND_WINDOW"), DEFAULT_INBOUND_WINDOW, "HELPLINE_INBOUND_WINDOW"
            ),
            metrics_token=_metrics_token(get("HELPLINE_METRICS_TOKEN")),
        )


DERIVED_NUMBER_KEY = "derived"
"""Stands for the key derived from HELPLINE_SECRET_KEY, so the first rotation can name it."""


def number_keys_from(value: str | None) -> tuple[Secret, ...]:
    """Comma-separated Fernet keys, newest first (`helpline privacy new-key` makes one)."""
    if value is None:
        return ()
    found = []
    for position, key in enumerate((k.strip() for k in value.split(",")), start=1):
        if key == DERIVED_NUMBER_KEY:
            found.append(Secret(key))
            continue
        try:
            Fernet(key)
        except ValueError:
            # Never echo the value: it is a key, or a typo of one.
            raise ConfigError(
                f"key {position} is not a Fernet key (32 url-safe base64 bytes); "
                "make one with `helpline privacy new-key`",
                variable="HELPLINE_NUMBER_KEYS",
            ) from None
        found.append(Secret(key))
    return tuple(found)


MIN_METRICS_TOKEN_CHARS = 16


def _metrics_token(value: str | None) -> Secret | None:
    if value is not None and len(value) < MIN_METRICS_TOKEN_CHARS:
        raise ConfigError(
            f"must be at least {MIN_METRICS_TOKEN_CHARS} characters",
            variable="HELPLINE_METRICS_TOKEN",
        )
    return Secret(value) if value else None


def _duration(
    value: str | None, default: timedelta, variable: str, *, most: timedelta | None = None
) -> timedelta:
    if value is None:
        return default
    try:
        duration = parse_duration(value)
    except ValueError as exc:
        raise ConfigError(str(exc), variable=variable) from None
    if most is not None and duration > most:
        raise ConfigError(f"must be at most {most.days} days", variable=variable)
    return duration


def _count(value: str | None, default: int, variable: str) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ConfigError("must be a whole number of at least 1", variable=variable)
    return int(value)


def accounts_path_from(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("HELPLINE_ACCOUNTS", "").strip() or DEFAULT_ACCOUNTS_FILE)


FEED_KEY_SUFFIX = "_FEED_KEY"


def feed_keys_from(environ: Mapping[str, str]) -> dict[str, Secret]:
    """Every `*_FEED_KEY` variable, as a Secret: a source names the one it needs."""
    return {
        name: Secret(value.strip())
        for name, value in environ.items()
        if name.endswith(FEED_KEY_SUFFIX) and value.strip()
    }


def e164(value: str, variable: str) -> str:
    """Normalise a phone number to E.164, or raise ConfigError naming the variable."""
    try:
        parsed = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        raise ConfigError(
            "is not a phone number; write it in E.164 form like +18005550100", variable=variable
        ) from None
    if not phonenumbers.is_possible_number(parsed):
        raise ConfigError(
            "is not a possible phone number; write it like +18005550100", variable=variable
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _url(value: str, variable: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise ConfigError(
            f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}",
            variable=variable,
        )
    return value.rstrip("/") if parts.scheme in ("http", "https") else value
