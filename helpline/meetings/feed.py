"""Reading a feed's bytes: a local file, or an HTTP GET with a timeout and a size cap.

Any failure raises FeedError with a plain reason, and the import stops before
anything changes. A restricted Meeting Guide feed's sharing key travels as the
`key=` query parameter (how the TSML plugin expects it); it never appears in a
message or a log line, so errors name the feed's address without its query.
"""

from __future__ import annotations

import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from helpline import __version__
from helpline.errors import FeedError
from helpline.meetings.source import FeedFormat, Source

FEED_TIMEOUT_SECONDS = 30.0
"""For connecting, for each read, and for the whole download."""

MAX_FEED_BYTES = 64 * 1024 * 1024
"""The BMLT aggregator's daily export (about 35,000 meetings) is well under this."""

USER_AGENT = f"helpline/{__version__} (open-source recovery helpline; meeting directory import)"
"""BMLT's aggregator asks every client to say who it is."""

BMLT_SEARCH_PATH = "client_interface/json/?switcher=GetSearchResults&get_used_formats=1&"

_CHUNK_BYTES = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


def read_feed(source: Source, *, timeout: float = FEED_TIMEOUT_SECONDS) -> bytes:
    """The feed's raw bytes (gzip undone). FeedError on any failure."""
    data = _download(source, timeout) if source.is_url else _read_file(source)
    if data.startswith(_GZIP_MAGIC):  # the aggregator publishes meetings.ndjson.gz
        data = _gunzip(data, source)
    return data


def feed_url(source: Source) -> str:
    """Where to GET: the location, or for BMLT a root server plus the source's search.

    The sharing key is not part of this address; `read_feed` adds it as a parameter.
    """
    if (
        source.format is FeedFormat.BMLT
        and source.search
        and "client_interface" not in (source.location)
    ):
        return f"{source.location.rstrip('/')}/{BMLT_SEARCH_PATH}{source.search.lstrip('?&')}"
    return source.location


def public_address(url: str) -> str:
    """The address without query or fragment, safe to print next to an error."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]  # never a user name or password
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _read_file(source: Source) -> bytes:
    path = Path(source.location)
    try:
        size = path.stat().st_size
        if size > MAX_FEED_BYTES:
            raise FeedError(_too_big(), source=source.id)
        return path.read_bytes()
    except FileNotFoundError:
        raise FeedError(f"no such file: {path}", source=source.id) from None
    except IsADirectoryError:
        raise FeedError(f"{path} is a directory, not a feed file", source=source.id) from None
    except OSError as error:
        raise FeedError(f"cannot read {path}: {error.strerror}", source=source.id) from None


def _download(source: Source, timeout: float) -> bytes:
    url = feed_url(source)
    where = public_address(url)
    params = {"key": source.key} if source.key else None
    deadline = time.monotonic() + timeout
    try:
        with requests.get(
            url,
            params=params,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json, text/csv, */*"},
            timeout=timeout,
            stream=True,
        ) as response:
            if not 200 <= response.status_code < 300:
                raise FeedError(_refused(response.status_code, where), source=source.id)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_FEED_BYTES:
                raise FeedError(_too_big(), source=source.id)
            body = bytearray()
            for chunk in response.iter_content(_CHUNK_BYTES):
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise FeedError(_too_big(), source=source.id)
                if time.monotonic() > deadline:
                    raise FeedError(_timed_out(where, timeout), source=source.id)
            return bytes(body)
    # The exceptions below carry the full URL, key included: their text is never used,
    # and `from None` keeps them out of tracebacks too.
    except requests.Timeout:
        raise FeedError(_timed_out(where, timeout), source=source.id) from None
    except requests.ConnectionError:
        raise FeedError(f"could not connect to {where}", source=source.id) from None
    except requests.RequestException as error:
        reason = type(error).__name__
        raise FeedError(f"request to {where} failed ({reason})", source=source.id) from None


def _gunzip(data: bytes, source: Source) -> bytes:
    # Decompress in steps so a small file that inflates without end is refused early.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_FEED_BYTES + 1)
    except zlib.error:
        raise FeedError("the file looks gzip-compressed but is damaged", source=source.id) from None
    if len(out) > MAX_FEED_BYTES or inflater.unconsumed_tail:
        raise FeedError(_too_big(), source=source.id)
    if not inflater.eof:
        raise FeedError("the gzip-compressed file is cut short", source=source.id)
    return out


def _refused(status: int, where: str) -> str:
    if status in (401, 403):
        return (
            f"{where} refused the request (HTTP {status}): the feed is restricted; "
            "ask its owner for a sharing key"
        )
    if status == 404:
        return f"{where} was not found (HTTP 404)"
    return f"{where} answered HTTP {status}"


def _timed_out(where: str, timeout: float) -> str:
    return f"{where} did not answer within {timeout:g} seconds"


def _too_big() -> str:
    return f"the feed is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB"
