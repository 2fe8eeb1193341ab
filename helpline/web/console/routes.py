"""The /console routes, behind the signed session cookie and the console's headers."""

from __future__ import annotations

from pathlib import Path

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from helpline.keys import CONSOLE_SESSION_MAX
from helpline.settings import Settings
from helpline.web.console import blocklist, directory, escalations, gate, studio
from helpline.web.console.headers import ConsoleHeaders

STATIC_DIR = Path(__file__).parent / "static"
COOKIE = "helpline_console"


def console_mount(settings: Settings) -> Mount:
    return Mount(
        "/console",
        routes=[
            Route("/", escalations.overview, methods=["GET"]),
            Route("/login", gate.login_page, methods=["GET"]),
            Route("/login", gate.login_submit, methods=["POST"]),
            Route("/logout", gate.logout, methods=["POST"]),
            Route("/escalations/{esc_id}", escalations.detail, methods=["GET"]),
            Route("/escalations/{esc_id}/take", escalations.take, methods=["POST"]),
            Route("/escalations/{esc_id}/reply", escalations.reply, methods=["POST"]),
            Route("/escalations/{esc_id}/note", escalations.note, methods=["POST"]),
            Route("/escalations/{esc_id}/close", escalations.close, methods=["POST"]),
            Route("/escalations/{esc_id}/block", escalations.block, methods=["POST"]),
            Route("/studio", studio.flows, methods=["GET"]),
            Route("/studio/flows/{name}", studio.flow, methods=["GET"]),
            Route("/studio/flows/{name}/check", studio.check, methods=["POST"]),
            Route("/studio/flows/{name}/publish", studio.publish, methods=["POST"]),
            Route("/studio/flows/{name}/rollback", studio.rollback, methods=["POST"]),
            Route("/studio/flows/{name}/simulate", studio.simulate, methods=["POST"]),
            Route("/directory", directory.sources, methods=["GET"]),
            Route("/directory/{source_id}/import", directory.start_import, methods=["POST"]),
            Route("/blocklist", blocklist.entries, methods=["GET"]),
            Route("/blocklist/add", blocklist.add, methods=["POST"]),
            Route("/blocklist/escalation", blocklist.add_escalation, methods=["POST"]),
            Route("/blocklist/remove", blocklist.remove, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="console-static"),
        ],
        middleware=[
            Middleware(ConsoleHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=settings.console_key.reveal(),
                session_cookie=COOKIE,
                max_age=int(CONSOLE_SESSION_MAX.total_seconds()),
                path="/console",
                same_site="strict",
                https_only=settings.secure_cookies,
            ),
        ],
    )
