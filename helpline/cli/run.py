"""`helpline serve`, `worker` and `dev`: the processes of a running helpline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Annotated

import typer

from helpline.logs import setup_logging
from helpline.settings import Settings

SANDBOX_FLAG = "HELPLINE_SANDBOX"
"""Set by `helpline dev` for its own worker: the one other process allowed to run without Twilio."""

WORKER_STOP_SECONDS = 10
SHUTDOWN_GRACE_SECONDS = 3
"""An open /sandbox page streams until it closes; uvicorn would wait for it forever."""


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Web processes.")] = 1,
) -> None:
    """The web tier (uvicorn): Twilio webhooks and /healthz."""
    import uvicorn

    from helpline.flowfiles.catalog import load_flow_set
    from helpline.runtime import flow_constants

    # Fail here, with the variable's name or file:line, before uvicorn starts.
    settings = Settings.from_environ()
    load_flow_set(settings.flows_dir, flow_constants(settings))
    setup_logging()
    uvicorn.run(
        "helpline.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


def worker(
    burst: Annotated[bool, typer.Option(help="Quit when the queues are empty.")] = False,
    urgent_only: Annotated[
        bool,
        typer.Option(
            "--urgent-only",
            help="Only pages and escalation steps: a worker no bulk job can keep busy.",
        ),
    ] = False,
) -> None:
    """An RQ worker, with the scheduler, for all the helpline's queues (urgent first)."""
    from workers.worker import run_worker

    settings = Settings.from_environ(sandbox_allowed=os.environ.get(SANDBOX_FLAG) == "1")
    setup_logging()
    run_worker(settings, burst=burst, urgent_only=urgent_only)


def dev(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Sandbox: a private Redis if REDIS_URL is unset, the web tier and a worker together."""
    import uvicorn

    from helpline.flowfiles.catalog import load_flow_set
    from helpline.redis_server import PrivateRedis
    from helpline.runtime import flow_constants
    from helpline.web.app import create_app

    env = dict(os.environ)
    # Check the flows before starting anything, so a mistake is one clear line.
    checked = Settings.from_environ(env, sandbox_allowed=True)
    load_flow_set(checked.flows_dir, flow_constants(checked))
    setup_logging()
    private = None
    if not env.get("REDIS_URL"):
        private = PrivateRedis().start()
        env["REDIS_URL"] = private.url
    settings = Settings.from_environ(env, sandbox_allowed=True)
    worker_env = {**env, SANDBOX_FLAG: "1"}
    child = subprocess.Popen([sys.executable, "-m", "helpline", "worker"], env=worker_env)
    # uvicorn restores the previous SIGTERM handler after its graceful shutdown and raises
    # the signal again; with Python's default handler that kills us before `finally` runs,
    # leaving the worker and the private redis-server behind. Make it an orderly exit.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    where = "sandbox" if settings.sandbox else "Twilio"
    print(
        f"helpline dev ({where}): open http://{host}:{port}/sandbox   (Ctrl-C stops)",
        file=sys.stderr,
        flush=True,
    )
    print(
        f"  console: http://{host}:{port}/console   (first: helpline accounts add NAME "
        f"--role operator; accounts in {settings.accounts_path})",
        file=sys.stderr,
        flush=True,
    )
    try:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        )
    finally:
        child.terminate()
        try:
            child.wait(WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
        if private is not None:
            private.stop()


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
