"""The private redis-server that the tests and `helpline dev` start for themselves."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import redis

from helpline import redis_server as module
from helpline.errors import ConfigError
from helpline.redis_server import MISSING_BINARY_HINT, PrivateRedis, RedisServerFailed


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_session_server_answers_ping(redis_server: PrivateRedis, redis_client: redis.Redis) -> None:
    assert redis_client.ping() is True
    assert redis_server.url == f"redis://127.0.0.1:{redis_server.port}/0"
    assert redis_server.port != 6379  # never the machine's own Redis


@pytest.mark.parametrize("turn", [1, 2])
def test_each_test_starts_with_an_empty_database(redis_client: redis.Redis, turn: int) -> None:
    # Whichever turn runs second sees that the first one's key was flushed.
    assert redis_client.dbsize() == 0
    redis_client.set(b"left-over", str(turn))
    assert redis_client.get(b"left-over") == str(turn).encode()


def test_restart_keeps_the_port_and_loses_the_data() -> None:
    with PrivateRedis() as server:
        port = server.port
        client = redis.Redis.from_url(server.url)
        try:
            client.set("k", "v")
            server.restart()
            assert server.port == port
            assert client.ping() is True  # the same URL works again
            assert client.get("k") is None  # nothing is kept on disk
        finally:
            client.close()


def test_stop_frees_the_port_and_removes_the_directory() -> None:
    server = PrivateRedis().start()
    port, tempdir = server.port, server._tempdir
    assert tempdir is not None
    assert tempdir.is_dir()
    assert not _port_is_free(port)
    server.stop()
    assert not server.running
    assert _port_is_free(port)
    assert not tempdir.exists()
    server.stop()  # a second stop is harmless


def test_context_manager_stops_on_error() -> None:
    server = PrivateRedis()

    def fail_while_running() -> None:
        with server:
            assert server.running
            raise KeyError("boom")

    with pytest.raises(KeyError):
        fail_while_running()
    assert not server.running


def test_missing_binary_is_a_config_error_with_a_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no redis-server on it
    with pytest.raises(ConfigError) as caught:
        PrivateRedis().start()
    assert caught.value.variable == "REDIS_URL"
    assert MISSING_BINARY_HINT in str(caught.value)


def test_early_exit_reports_the_log_tail() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = PrivateRedis(port=port)
        with pytest.raises(RedisServerFailed, match="exited with code") as caught:
            server.start()
    assert any("Address already in use" in line for line in caught.value.log_tail)
    assert "Address already in use" in str(caught.value)
    assert not server.running


def test_a_port_taken_in_the_meantime_is_picked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        real_free_port = module.free_port
        picks = iter([taken])
        monkeypatch.setattr(module, "free_port", lambda: next(picks, None) or real_free_port())
        with PrivateRedis() as server:
            assert server.port != taken
            assert server.running
