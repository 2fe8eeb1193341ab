"""GET /healthz: 200 when Redis answers and flows are loaded, 503 otherwise."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from helpline.runtime import Runtime


async def healthz(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    flows = runtime.catalog.current
    body: dict[str, object] = {
        "flows": sorted(flows.flows),
        "flows_reload_error": str(runtime.catalog.last_error)
        if runtime.catalog.last_error
        else None,
        "sandbox": runtime.settings.sandbox,
    }
    try:
        await run_in_threadpool(runtime.redis.ping)
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "redis": type(exc).__name__, **body}, status_code=503
        )
    return JSONResponse({"status": "ok", "redis": "ok", **body})
