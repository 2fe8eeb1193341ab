"""Rendering console pages: one Jinja environment, the layout's context, one-time notices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from helpline.console.board import age_text
from helpline.console.logins import Login

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["age"] = age_text
TEMPLATES.env.filters["clock"] = lambda moment: moment.strftime("%H:%M") if moment else ""
FLASH_KEY = "flash"


def flash(request: Request, text: str) -> None:
    """A notice for the next page this browser sees (after a redirect)."""
    request.session[FLASH_KEY] = text


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    login: Login | None,
    status: int = 200,
) -> Response:
    runtime = request.app.state.runtime
    notice = request.session.pop(FLASH_KEY, None)
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "login": login,
            "csrf": login.csrf if login else "",
            "notice": notice,
            "helpline_name": runtime.settings.helpline_name,
            "crisis_line": runtime.settings.crisis_line,
            **context,
        },
        status_code=status,
    )
