"""Build the `twilio` REST client from Settings, optionally pointed at a local fake.

With TWILIO_API_URL set (tests, CI, demos), every request for twilio.com or any
*.twilio.com host goes to that base URL instead. The rewrite happens on the
final URL, after the client has applied any edge or region, so it keeps working
whatever TWILIO_EDGE / TWILIO_REGION say (twilio.md §6.2 A).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from helpline.errors import ConfigError
from helpline.settings import Settings

# `requests` (under TwilioHttpClient) waits forever when no timeout is given, which
# would hang an RQ worker on a stalled connection. One number only: the client
# rejects a (connect, read) tuple. Applies to connect and to each read.
REST_TIMEOUT_SECONDS = 10


def is_twilio_host(hostname: str | None) -> bool:
    return hostname is not None and (hostname == "twilio.com" or hostname.endswith(".twilio.com"))


class LocalTwilioHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no types
    """A TwilioHttpClient that sends every Twilio-bound request to `base_url` instead."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        base = urlsplit(base_url)
        self._scheme, self._netloc = base.scheme, base.netloc

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        if is_twilio_host(parts.hostname):
            url = urlunsplit(parts._replace(scheme=self._scheme, netloc=self._netloc))
        return super().request(method, url, *args, **kwargs)


def build_twilio_client(settings: Settings, *, timeout: float = REST_TIMEOUT_SECONDS) -> Client:
    """A twilio Client with a bounded timeout and no automatic retries.

    No `max_retries`: retries belong to the RQ job, which knows whether a resend
    is safe (twilio.md §4.3, §6.3).
    """
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token
    if sid is None or token is None:
        raise ConfigError(
            "is unset: sandbox mode has no Twilio client", variable="TWILIO_ACCOUNT_SID"
        )
    if settings.twilio_api_url is None:
        client = Client(sid, token.reveal(), http_client=TwilioHttpClient(timeout=timeout))
    else:
        http_client = LocalTwilioHttpClient(settings.twilio_api_url, timeout=timeout)
        client = Client(sid, token.reveal(), http_client=http_client)
        # The client reads TWILIO_EDGE / TWILIO_REGION from os.environ even when told
        # otherwise; a local fake has no edges, so drop them (the rewrite would cope anyway).
        client.edge = client.region = None
    # The client imports each API on its first use, no network involved: here, once, and
    # not in every work horse an ordinary worker forks (70-180 ms a send, measured).
    client.messages  # noqa: B018
    client.calls  # noqa: B018
    return client
