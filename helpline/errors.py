"""Every error the helpline raises on purpose, in one family.

    HelplineError
    ├── ConfigError            a setting is missing or malformed
    ├── FlowDefinitionError    a flow or data file breaks a rule (names file:line)
    │   └── FlowProblems       several of those at once, from one check
    ├── PublishRefused         a flow edit was not published (its problems); nothing changed
    ├── ResumeRejected         the engine was asked to resume a session that has moved on
    ├── SessionConflict        another request saved the same conversation first
    ├── SignatureInvalid       a webhook's X-Twilio-Signature does not match
    ├── BadWebhook             a webhook is missing a field or is too large
    ├── DeliveryError          Twilio did not take an outgoing message
    │   ├── DeliveryRefused    permanently (opt-out, bad number, landline): never retry
    │   └── DeliveryDeferred   for now (429, 5xx, timeout): retry later
    ├── FeedError              a meeting feed could not be read or parsed: nothing changed
    └── PlaceError             a caller's ZIP code cannot be searched from
        ├── ZipInvalid         it is not five digits
        └── ZipUnknown         no such ZIP code (or it has no location)

This module is standard library only, so the pure engine may raise these too.
"""

from __future__ import annotations

from pathlib import Path


class HelplineError(Exception):
    """Base class for every error raised on purpose by the helpline."""


class ConfigError(HelplineError):
    """A setting is missing or malformed; the message names the variable."""

    def __init__(self, message: str, *, variable: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable


class FlowDefinitionError(HelplineError):
    """A flow or data file is malformed or breaks a flow rule."""

    def __init__(self, message: str, *, path: Path | str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(self.location + ": " + message)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)


class FlowProblems(FlowDefinitionError):
    """One or more problems found in flow files; each is a FlowDefinitionError."""

    def __init__(self, problems: list[FlowDefinitionError]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(
            f"{first.message} (and {len(problems) - 1} more)"
            if len(problems) > 1
            else first.message,
            path=first.path,
            line=first.line,
        )


class PublishRefused(HelplineError):
    """A flow edit or rollback was not published; `problems` say why, each at file:line.

    Nothing on disk changed.
    """

    def __init__(self, flow: str, problems: list[FlowDefinitionError]) -> None:
        self.flow = flow
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{flow} not published: {problems[0]}{more}")


class ResumeRejected(HelplineError):
    """A resume does not fit the session (a stale timeout, a session that is not waiting)."""

    def __init__(self, message: str, *, session_node: str | None = None) -> None:
        super().__init__(message)
        self.session_node = session_node


class SessionConflict(HelplineError):
    """Another request saved the same conversation between our load and our save."""


class SignatureInvalid(HelplineError):
    """A webhook's X-Twilio-Signature does not match the public URL and parameters."""


class BadWebhook(HelplineError):
    """A webhook request is missing a required field or is over a limit."""

    def __init__(self, message: str, *, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


class DeliveryError(HelplineError):
    """Twilio did not accept an outgoing message or call."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class DeliveryRefused(DeliveryError):
    """Permanent: the number opted out, is invalid or cannot take texts. Never retried."""


class DeliveryDeferred(DeliveryError):
    """Temporary: rate limited, Twilio error or timeout. Safe to retry later."""


class FeedError(HelplineError):
    """A meeting feed could not be fetched or parsed as a whole. The directory is unchanged."""

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.reason = message


class PlaceError(HelplineError):
    """A ZIP code that meetings cannot be searched from. Carries the text as given."""

    def __init__(self, message: str, *, zip_code: str) -> None:
        super().__init__(message)
        self.zip_code = zip_code


class ZipInvalid(PlaceError):
    """Not a five-digit ZIP code (ZIP+4 is accepted)."""


class ZipUnknown(PlaceError):
    """Five digits, but no such ZIP code, or one with no location (APO/DPO)."""
