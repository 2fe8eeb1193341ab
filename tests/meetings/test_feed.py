"""feed.py against a real HTTP server on a free local port, and against files."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from helpline.errors import FeedError
from helpline.meetings import feed
from helpline.meetings.feed import feed_url, read_feed
from helpline.meetings.source import FeedFormat, Source

BODY = b'[{"slug": "a", "name": "A"}]'
SECRET = "s3cret-sharing-key"
SLOW_SECONDS = 2.0


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, dict[str, list[str]], str]]] = []

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        _Handler.seen.append((parts.path, query, self.headers.get("User-Agent", "")))
        if parts.path == "/meetings.json":
            self._send(200, BODY)
        elif parts.path == "/restricted":
            if query.get("key") == [SECRET]:
                self._send(200, BODY)
            else:
                self._send(401, b'{"error": "HTTP/1.1 401 Unauthorized"}')
        elif parts.path == "/slow":
            time.sleep(SLOW_SECONDS)
            self._send(200, BODY)
        elif parts.path == "/big":
            self._send(200, b"[" + b" " * 5000 + b"]")
        elif parts.path == "/meetings.ndjson.gz":
            self._send(200, gzip.compress(BODY))
        elif parts.path == "/boom":
            self._send(500, b"oops")
        else:
            self._send(404, b"not found")

    def _send(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _source(location: str, **kwargs: object) -> Source:
    fields: dict[str, object] = {"format": FeedFormat.MEETING_GUIDE, "program": "aa"}
    fields.update(kwargs)
    return Source(id="test-feed", location=location, **fields)  # type: ignore[arg-type]


def test_a_url_is_fetched_with_a_helpline_user_agent(server: str) -> None:
    _Handler.seen.clear()
    assert read_feed(_source(f"{server}/meetings.json")) == BODY
    path, query, agent = _Handler.seen[-1]
    assert path == "/meetings.json"
    assert query == {}
    assert agent.startswith("helpline/")


def test_the_sharing_key_is_sent_as_a_query_parameter(server: str) -> None:
    _Handler.seen.clear()
    assert read_feed(_source(f"{server}/restricted?action=meetings", key=SECRET)) == BODY
    _, query, _ = _Handler.seen[-1]
    assert query == {"action": ["meetings"], "key": [SECRET]}


def test_a_refused_request_raises_without_showing_the_key(server: str) -> None:
    with pytest.raises(FeedError, match="HTTP 401") as raised:
        read_feed(_source(f"{server}/restricted", key="wrong-key"))
    assert "wrong-key" not in str(raised.value)
    assert "sharing key" in raised.value.reason
    assert raised.value.source == "test-feed"
    assert f"{server}/restricted" in str(raised.value)


@pytest.mark.parametrize(("path", "status"), [("/nothing-here", "HTTP 404"), ("/boom", "HTTP 500")])
def test_error_statuses_raise(server: str, path: str, status: str) -> None:
    with pytest.raises(FeedError, match=status):
        read_feed(_source(f"{server}{path}"))


def test_a_slow_server_times_out(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(FeedError, match=r"did not answer within 0\.3 seconds") as raised:
        read_feed(_source(f"{server}/slow?key=x"), timeout=0.3)
    assert time.monotonic() - started < SLOW_SECONDS
    assert "key=" not in str(raised.value)
    # requests' own exception names the full URL: it must not print in a traceback.
    assert raised.value.__suppress_context__


def test_nobody_listening_raises(server: str) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FeedError, match="could not connect"):
        read_feed(_source(f"http://127.0.0.1:{port}/meetings.json"), timeout=2)


def test_a_body_over_the_cap_raises(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed, "MAX_FEED_BYTES", 1000)
    with pytest.raises(FeedError, match="larger than"):
        read_feed(_source(f"{server}/big"))


def test_gzip_is_undone(server: str) -> None:
    assert read_feed(_source(f"{server}/meetings.ndjson.gz")) == BODY


def test_files(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(BODY)
    assert read_feed(_source(str(path))) == BODY
    (tmp_path / "feed.json.gz").write_bytes(gzip.compress(BODY))
    assert read_feed(_source(str(tmp_path / "feed.json.gz"))) == BODY


@pytest.mark.parametrize("name", ["missing.json", "."])
def test_unreadable_files_raise(tmp_path: Path, name: str) -> None:
    with pytest.raises(FeedError, match=r"no such file|directory") as raised:
        read_feed(_source(str(tmp_path / name)))
    assert raised.value.source == "test-feed"


def test_a_big_file_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed, "MAX_FEED_BYTES", 10)
    path = tmp_path / "feed.json"
    path.write_bytes(BODY)
    with pytest.raises(FeedError, match="larger than"):
        read_feed(_source(str(path)))


def test_a_damaged_gzip_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "feed.json.gz"
    path.write_bytes(gzip.compress(BODY)[:-12])
    with pytest.raises(FeedError, match="gzip"):
        read_feed(_source(str(path)))


@pytest.mark.parametrize(
    ("location", "search", "url"),
    [
        (
            "https://bmlt.example.org/main_server/",
            "services=4&recursive=1",
            "https://bmlt.example.org/main_server/client_interface/json/"
            "?switcher=GetSearchResults&get_used_formats=1&services=4&recursive=1",
        ),
        (
            "https://bmlt.example.org/main_server",
            "?weekdays=2",
            "https://bmlt.example.org/main_server/client_interface/json/"
            "?switcher=GetSearchResults&get_used_formats=1&weekdays=2",
        ),
        (
            "https://bmlt.example.org/main_server/client_interface/json/?switcher=GetSearchResults",
            "services=4",
            "https://bmlt.example.org/main_server/client_interface/json/?switcher=GetSearchResults",
        ),
        (
            "https://cdn.example.org/meetings.ndjson.gz",
            None,
            "https://cdn.example.org/meetings.ndjson.gz",
        ),
    ],
)
def test_bmlt_search_urls(location: str, search: str | None, url: str) -> None:
    source = Source(id="na", program="na", format=FeedFormat.BMLT, location=location, search=search)
    assert feed_url(source) == url


def test_a_bmlt_search_is_sent(server: str) -> None:
    _Handler.seen.clear()
    source = Source(
        id="na", program="na", format=FeedFormat.BMLT, location=server, search="services=4"
    )
    with pytest.raises(FeedError, match="HTTP 404"):
        read_feed(source)
    path, query, _ = _Handler.seen[-1]
    assert path == "/client_interface/json/"
    assert query == {"switcher": ["GetSearchResults"], "get_used_formats": ["1"], "services": ["4"]}
