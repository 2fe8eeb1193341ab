"""The bare baseline of the webhook benchmark (bench/webhook.py): the least the same stack can do.

    REDIS_URL=redis://127.0.0.1:6390/0 .venv/bin/python -m bench.bare [--port 8001] [--workers 2]

A Starlette app on uvicorn, started the way `helpline serve` starts the helpline's
(`uvicorn.run` with a factory, the same worker count, no access log, no proxy
headers). `POST /twilio/sms` parses the form as the helpline does (`await
request.form()`), makes one Redis round trip, the MessageSid dedupe
(`SET helpline-bare:in:{sid} 1 NX EX 3600`), with the same synchronous redis-py
client and socket settings as the helpline, called through Starlette's thread
pool as the helpline's webhook calls its conversation code, and answers a small
TwiML `<Message>`. No signature check, no session, no flow: what is left is the
server, the framework, the form parser and one round trip.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from redis import Redis
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from helpline.runtime import REDIS_SOCKET_TIMEOUT_SECONDS

PREFIX = "helpline-bare"
DEDUPE_TTL_SECONDS = 3600
TWIML_MEDIA_TYPE = "text/xml"
REPLY = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    "<Response><Message>Thanks, we got your text. Reply HELP for help.</Message></Response>"
)
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def connect(url: str) -> Redis:
    """As helpline.runtime.connect_redis connects, from a URL instead of Settings."""
    return Redis.from_url(
        url,
        socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
        health_check_interval=30,
    )


def create_app(redis_url: str | None = None) -> Starlette:
    """uvicorn calls this in each worker process; the URL comes from REDIS_URL then."""
    redis = connect(redis_url or os.environ["REDIS_URL"])

    def claim(sid: str) -> bool:
        return bool(redis.set(f"{PREFIX}:in:{sid}", b"1", nx=True, ex=DEDUPE_TTL_SECONDS))

    async def inbound_sms(request: Request) -> Response:
        form = await request.form()
        sid = form.get("MessageSid")
        if not isinstance(sid, str):
            return PlainTextResponse("missing MessageSid", status_code=400)
        first = await run_in_threadpool(claim, sid)
        return Response(REPLY if first else EMPTY, media_type=TWIML_MEDIA_TYPE)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/twilio/sms", inbound_sms, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args(argv)
    if not os.environ.get("REDIS_URL"):
        parser.error("set REDIS_URL")
    import uvicorn

    uvicorn.run(
        "bench.bare:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
