"""The operators' studio: flows and their checks, one flow's text, diagram, history and
simulator; checking, publishing and rolling back a version.

Publishing goes through helpline/flowfiles/publish.py, exactly as a terminal
would: the draft is checked with the whole folder and every scenario, the
outgoing and incoming texts are archived, and conversations already under way
keep the version they started on (FlowCatalog.flow_for).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from helpline.console.logins import Login
from helpline.console.simulations import Simulations
from helpline.engine.definition import Flow
from helpline.errors import FlowDefinitionError, FlowProblems, PublishRefused
from helpline.flowfiles.catalog import FlowSet, load_flow_set
from helpline.flowfiles.graph import mermaid
from helpline.flowfiles.impact import Impact, impact, live_sessions
from helpline.flowfiles.publish import Draft, check_draft, flow_path
from helpline.flowfiles.publish import publish as publish_flow
from helpline.flowfiles.publish import rollback as rollback_flow
from helpline.flowfiles.scenarios import Outcome, run_files, scenario_files
from helpline.flowfiles.versions import MAX_NOTE_CHARS, FlowVersions, Published, is_flow_name
from helpline.runtime import Runtime
from helpline.simulator import Simulator
from helpline.web.console.gate import forbidden, operator_form, operator_page, runtime_of
from helpline.web.console.pages import flash, render

log = logging.getLogger(__name__)

MAX_FLOW_FILE_CHARS = 200_000
"""A flow file is a page or two of YAML; this is far past any real one."""
MAX_SIMULATED_TEXT_CHARS = 1_600
"""Twilio's own limit on one inbound SMS body."""
HISTORY_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem as the operator reads it: `file:line` relative to the flows folder."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def problems_of(errors: tuple[FlowDefinitionError, ...] | list[FlowDefinitionError],
                folder: Path) -> list[Problem]:  # fmt: skip
    out = []
    for error in errors:
        try:
            name = str(error.path.relative_to(folder))
        except ValueError:
            name = error.path.name
        out.append(Problem(f"{name}:{error.line}" if error.line else name, error.message))
    return out


@dataclass(frozen=True, slots=True)
class FlowRow:
    name: str
    version: str
    nodes: int
    entry_for: tuple[str, ...]
    last: Published | None


def _folder(runtime: Runtime) -> Path:
    return runtime.settings.flows_dir


def _scenario_outcomes(runtime: Runtime, flows: FlowSet) -> list[Outcome]:
    return run_files(scenario_files(_folder(runtime)), flows)


def _overview(runtime: Runtime) -> dict[str, Any]:
    flows = runtime.catalog.refresh()
    folder = _folder(runtime)
    versions = FlowVersions(folder)
    rows = []
    for name in sorted(flows.flows):
        flow = flows.flows[name]
        history = versions.history(name)
        rows.append(
            FlowRow(
                name=name,
                version=flow.version,
                nodes=len(flow.nodes),
                entry_for=tuple(str(c) for c, n in flows.entries.items() if n == name),
                last=history[0] if history else None,
            )
        )
    broken = runtime.catalog.last_error
    outcomes = _scenario_outcomes(runtime, flows)
    return {
        "rows": rows,
        "broken": problems_of(broken.problems, folder) if broken else [],
        "warnings": problems_of(flows.warnings, folder),
        "outcomes": [
            {"file": o.path.name, "name": o.name, "failures": problems_of(o.failures, folder)}
            for o in outcomes
        ],
    }


@operator_page
async def flows(request: Request, login: Login) -> Response:
    context = await run_in_threadpool(_overview, runtime_of(request))
    return render(request, "studio.html", context, login=login)


# --- one flow ------------------------------------------------------------------------


def _live(runtime: Runtime, name: str) -> Flow | None:
    return runtime.catalog.refresh().get(name) if is_flow_name(name) else None


def _flow_context(
    runtime: Runtime,
    flow: Flow,
    *,
    text: str | None = None,
    draft: Draft | None = None,
    problems: list[Problem] | None = None,
    preview: Impact | None = None,
) -> dict[str, Any]:
    folder = _folder(runtime)
    problems = list(problems or [])
    try:
        live_text = flow_path(folder, flow.name).read_text(encoding="utf-8")
    except (PublishRefused, OSError):
        # Deleted on disk: the last good set still serves it, but there is no file to edit.
        live_text = ""
        problems.append(Problem(f"{flow.name}.yaml", "the file is no longer in the flows folder"))
    versions = FlowVersions(folder)
    history = versions.history(flow.name)[:HISTORY_SHOWN]  # newest first
    drafted = draft.candidate.get(flow.name) if draft and draft.candidate else None
    return {
        "flow": flow,
        "text": live_text if text is None else text,
        "edited": text is not None and text != live_text,
        "diagram": mermaid(flow),
        "draft": draft,
        "draft_diagram": mermaid(drafted) if drafted is not None and drafted != flow else None,
        "problems": problems,
        "draft_warnings": problems_of(draft.warnings, folder) if draft else [],
        "impact": preview,
        "history": history,
        "archived": {
            v for p in history for v in (p.version, p.previous) if v and versions.has(flow.name, v)
        },
        "languages": flow.languages,
        "max_note": MAX_NOTE_CHARS,
    }


def _not_found(request: Request, login: Login, name: str) -> Response:
    return render(
        request,
        "message.html",
        {"title": "Not found", "message": f"There is no flow named {name!r}."},
        login=login,
        status=404,
    )


@operator_page
async def flow(request: Request, login: Login) -> Response:
    runtime = runtime_of(request)
    name = str(request.path_params["name"])
    live = _live(runtime, name)
    if live is None:
        return _not_found(request, login, name)
    context = await run_in_threadpool(_flow_context, runtime, live)
    return render(request, "flow.html", context, login=login)


def _draft_text(form: FormData, field: str = "text") -> str | None:
    raw = form.get(field)
    if not isinstance(raw, str) or len(raw) > MAX_FLOW_FILE_CHARS:
        return None
    return raw.replace("\r\n", "\n")  # browsers send CRLF; the files are LF


def _checked(runtime: Runtime, live: Flow, text: str) -> tuple[Draft, Impact | None]:
    draft = check_draft(_folder(runtime), live.name, text, runtime.catalog.constants)
    if draft.candidate is None:
        return draft, None
    sessions = live_sessions(runtime.redis, live.name)
    return draft, impact(live, draft.candidate.get(live.name), sessions)


async def _check(request: Request, login: Login, form: FormData) -> Response:
    runtime = runtime_of(request)
    name = str(request.path_params["name"])
    live = _live(runtime, name)
    if live is None:
        return _not_found(request, login, name)
    text = _draft_text(form)
    if text is None:
        return forbidden(request, login, "That flow text is missing or far too long.")
    draft, preview = await run_in_threadpool(_checked, runtime, live, text)
    folder = _folder(runtime)
    context = await run_in_threadpool(
        lambda: _flow_context(
            runtime,
            live,
            text=text,
            draft=draft,
            problems=problems_of(draft.problems, folder),
            preview=preview,
        )
    )
    return render(request, "flow.html", context, login=login, status=200 if draft.ok else 422)


def _refused(request: Request, login: Login, runtime: Runtime, live: Flow,
             exc: PublishRefused, text: str | None) -> Response:  # fmt: skip
    context = _flow_context(
        runtime, live, text=text, problems=problems_of(exc.problems, _folder(runtime))
    )
    context["refused"] = True
    return render(request, "flow.html", context, login=login, status=422)


def _unwritable(request: Request, login: Login, runtime: Runtime, name: str,
                text: str | None, exc: OSError) -> Response:  # fmt: skip
    """The folder is read-only or full. The live file is replaced before the history line is
    written, so say which happened: the file on disk is the truth."""
    log.error("flow publish could not write the flows folder", extra={"error": exc.strerror})
    try:
        now_live = (_folder(runtime) / f"{name}.yaml").read_text(encoding="utf-8")
    except OSError:
        now_live = None
    reason = exc.strerror or str(exc)
    if text is not None and now_live == text:
        runtime.catalog.reload()
        title, message = (
            "Published, not recorded",
            (
                f"The new version is live, but its history line could not be written ({reason}). "
                "Ask whoever runs the server to make the flows folder writable for the web tier."
            ),
        )
    else:
        title, message = (
            "Not published",
            (
                f"The flows folder could not be written ({reason}), so nothing was published "
                "and the live version is unchanged. Ask whoever runs the server to make the flows "
                "folder writable for the web tier."
            ),
        )
    return render(request, "message.html", {"title": title, "message": message},
                  login=login, status=503)  # fmt: skip


def _published_notice(done: Published, folder: Path, *, what: str) -> str:
    text = (
        f"{what} version {done.version[:8]} of {done.flow}. New conversations get it now; "
        "conversations already under way keep the version they started on."
    )
    if done.warnings:
        listed = "; ".join(str(p) for p in problems_of(done.warnings, folder)[:3])
        text += f" Warnings: {listed}"
    return text


async def _publish(request: Request, login: Login, form: FormData) -> Response:
    runtime = runtime_of(request)
    name = str(request.path_params["name"])
    live = _live(runtime, name)
    if live is None:
        return _not_found(request, login, name)
    text = _draft_text(form)
    if text is None:
        return forbidden(request, login, "That flow text is missing or far too long.")
    note = str(form.get("note", ""))[:MAX_NOTE_CHARS]

    return await _released(
        request,
        login,
        runtime,
        live,
        lambda: publish_flow(
            _folder(runtime),
            name,
            text,
            by=login.name,
            constants=runtime.catalog.constants,
            now=runtime.clock(),
            note=note,
        ),
        text=text,
        what="Published",
    )


async def _rollback(request: Request, login: Login, form: FormData) -> Response:
    runtime = runtime_of(request)
    name = str(request.path_params["name"])
    live = _live(runtime, name)
    if live is None:
        return _not_found(request, login, name)
    version = str(form.get("version", ""))

    return await _released(
        request,
        login,
        runtime,
        live,
        lambda: rollback_flow(
            _folder(runtime),
            name,
            version,
            by=login.name,
            constants=runtime.catalog.constants,
            now=runtime.clock(),
            note=f"rolled back from the studio by {login.name}",
        ),
        text=None,
        what="Rolled back to",
    )


async def _released(
    request: Request,
    login: Login,
    runtime: Runtime,
    live: Flow,
    release: Callable[[], Published],
    *,
    text: str | None,
    what: str,
) -> Response:
    """Run a publish or rollback, reload this process's flows, and say what happened."""

    def run() -> Published:
        done = release()
        runtime.catalog.reload()
        return done

    try:
        done = await run_in_threadpool(run)
    except PublishRefused as exc:
        return await run_in_threadpool(_refused, request, login, runtime, live, exc, text)
    except OSError as exc:
        return await run_in_threadpool(_unwritable, request, login, runtime, live.name, text, exc)
    flash(request, _published_notice(done, _folder(runtime), what=what))
    return RedirectResponse(f"/console/studio/flows/{live.name}", status_code=303)


# --- the simulator ---------------------------------------------------------------------


def _simulated_flows(runtime: Runtime, name: str, draft: str | None) -> FlowSet:
    """The live set, or the folder with the draft in place of the flow's file."""
    if draft is None:
        return runtime.catalog.refresh()
    return load_flow_set(
        _folder(runtime), runtime.catalog.constants, overrides={f"{name}.yaml": draft}
    )


def _simulate(runtime: Runtime, login: Login, name: str, form: FormData) -> dict[str, Any]:
    action = str(form.get("action", "say"))
    text = str(form.get("text", ""))[:MAX_SIMULATED_TEXT_CHARS]
    draft = _draft_text(form, "draft")
    language = str(form.get("language", "")) or None
    store = Simulations(runtime.redis)
    flows = _simulated_flows(runtime, name, draft)
    found = flows.get(name)
    if found is None:
        return {"error": f"There is no flow named {name!r}."}
    if language is not None and language not in found.languages:
        language = None
    simulation_id = str(form.get("simulation", ""))
    current = store.find(simulation_id, login.name, name)
    if action == "reset" or current is None:
        if current is not None:
            store.forget(current.id)
        current = store.start(login.name, name, runtime.clock(), language)
    simulator = current.restore(
        Simulator(
            flows,
            found,
            language=language,
            crisis_line=runtime.settings.crisis_line,
            helpline_name=runtime.settings.helpline_name,
            start=runtime.clock(),
        )
    )
    if action == "reset":
        said = []
    elif action == "timeout":
        said = simulator.wait_out()
    elif text.strip():
        said = simulator.reply(text)
    else:
        return {"error": "Type something to send."}
    after = current.after(simulator)
    store.save(after)
    session = after.session
    if session is None:
        status = "New conversation: send a first text."
    elif session.waiting:
        status = f"Waiting at {session.node} ({session.language})."
    else:
        status = "The conversation ended. A new text starts it again."
    return {
        "simulation": after.id,
        "items": [{"kind": s.kind, "text": s.text} for s in said],
        "status": status,
        "draft": draft is not None,
    }


async def _simulate_endpoint(request: Request, login: Login, form: FormData) -> Response:
    runtime = runtime_of(request)
    name = str(request.path_params["name"])
    if _live(runtime, name) is None:  # also refuses data files such as messages.yaml
        return JSONResponse({"error": f"There is no flow named {name!r}."}, status_code=404)
    try:
        answer = await run_in_threadpool(_simulate, runtime, login, name, form)
    except FlowProblems as exc:
        listed = "; ".join(str(p) for p in problems_of(exc.problems, _folder(runtime))[:3])
        return JSONResponse(
            {"error": f"The edited text does not load, so it cannot be simulated: {listed}"},
            status_code=422,
        )
    if "error" in answer:
        return JSONResponse(answer, status_code=400)
    return JSONResponse(answer)


check = operator_form(_check)
publish = operator_form(_publish)
rollback = operator_form(_rollback)
simulate = operator_form(_simulate_endpoint)
