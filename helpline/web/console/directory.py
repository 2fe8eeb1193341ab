"""Operators' view of the meeting directory: each source, what its last import did, and a
button that queues the same import the schedule runs (a worker does it)."""

from __future__ import annotations

from dataclasses import dataclass

from rq.exceptions import NoSuchJobError
from rq.job import Job
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline.console.logins import Login
from helpline.errors import FlowProblems
from helpline.meetings.directory import SourceStatus
from helpline.meetings.registry import SOURCES_FILE, load_sources
from helpline.meetings.schedule import IMPORT_JOB
from helpline.meetings.source import Source
from helpline.queueing import enqueue, job_id
from helpline.runtime import Runtime
from helpline.web.console.gate import forbidden, operator_form, operator_page, runtime_of
from helpline.web.console.pages import flash, render


@dataclass(frozen=True, slots=True)
class SourceView:
    id: str
    program: str
    where: str
    """A file name or the feed's host: never a sharing key."""
    refresh: str | None
    status: SourceStatus | None
    job: str | None
    """The last queued import's state: queued, started, finished, failed."""
    job_error: str | None = None


def _registry(runtime: Runtime) -> dict[str, Source]:
    return load_sources(
        runtime.settings.flows_dir / SOURCES_FILE,
        runtime.settings.feed_keys,
        programs=frozenset(runtime.catalog.refresh().programs.programs),
    )


def _where(source: Source) -> str:
    location = source.location
    if location.startswith(("http://", "https://")):
        return location.split("/")[2]
    return location.rsplit("/", 1)[-1]


def _job(runtime: Runtime, source_id: str) -> tuple[str | None, str | None]:
    try:
        job = Job.fetch(job_id("import", source_id), connection=runtime.redis)
    except NoSuchJobError:
        return None, None
    state = job.get_status(refresh=False)
    error = None
    if state is not None and state.value == "failed":
        result = job.latest_result()
        text = (result.exc_string or "") if result is not None else ""
        error = text.strip().splitlines()[-1] if text.strip() else "the import failed"
    return (state.value if state is not None else None), error


def _views(runtime: Runtime) -> tuple[list[SourceView], list[str]]:
    try:
        registry = _registry(runtime)
        problems: list[str] = []
    except FlowProblems as exc:
        registry, problems = {}, [str(p) for p in exc.problems]
    statuses = {s.id: s for s in runtime.directory.sources()}
    views = []
    for source_id in sorted(set(registry) | set(statuses)):
        source = registry.get(source_id)
        status = statuses.get(source_id)
        job, error = _job(runtime, source_id)
        views.append(
            SourceView(
                id=source_id,
                program=source.program if source else (status.program if status else ""),
                where=_where(source) if source else "(not in meeting-sources.yaml)",
                refresh=source.refresh if source else None,
                status=status,
                job=job,
                job_error=error,
            )
        )
    return views, problems


@operator_page
async def sources(request: Request, login: Login) -> Response:
    views, problems = await run_in_threadpool(_views, runtime_of(request))
    return render(request, "directory.html", {"sources": views, "problems": problems}, login=login)


async def _start_import(request: Request, login: Login, form: FormData) -> Response:
    runtime = runtime_of(request)
    source_id = str(request.path_params.get("source_id", ""))
    try:
        registry = await run_in_threadpool(_registry, runtime)
    except FlowProblems as exc:
        return forbidden(request, login, f"{SOURCES_FILE} has problems: {exc.problems[0]}")
    if source_id not in registry:
        return forbidden(request, login, f"There is no source {source_id!r} in {SOURCES_FILE}.")
    await run_in_threadpool(
        enqueue, runtime.queue, IMPORT_JOB, source_id, id=job_id("import", source_id)
    )
    flash(request, f"Import of {source_id} queued: a worker reads the feed now. Reload to see it.")
    return RedirectResponse("/console/directory", status_code=303)


start_import = operator_form(_start_import)
