"""`helpline meetings import | search | sources | cron`: for operators keeping the directory."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import typer
from redis import Redis
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from helpline.errors import ConfigError, PlaceError
from helpline.meetings import texts
from helpline.meetings.directory import Directory, SyncReport
from helpline.meetings.imports import import_source
from helpline.meetings.registry import SOURCES_FILE, load_sources
from helpline.meetings.search import (
    DEFAULT_LIMIT,
    MeetingQuery,
    Occurrence,
    SearchResult,
    search,
)
from helpline.meetings.source import FeedFormat, Source, is_url
from helpline.programs.catalogue import Catalogue, load_catalogue
from helpline.settings import DEFAULT_REDIS_URL, feed_keys_from

app = typer.Typer(no_args_is_help=True, help="Import meeting feeds and search the directory.")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DEFAULT_PROGRAM = {FeedFormat.MEETING_GUIDE: "aa", FeedFormat.BMLT: "na"}
"""Meeting Guide feeds are mostly AA's, BMLT servers are NA's; CSV must say."""


def _folder() -> Path:
    return Path(os.environ.get("HELPLINE_FLOWS_DIR") or "flows")


def _redis() -> Redis:
    return Redis.from_url(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL, socket_timeout=10)


def _catalogue() -> Catalogue:
    return load_catalogue(_folder() / "programs.yaml")


def _registry(catalogue: Catalogue) -> dict[str, Source]:
    path = _folder() / SOURCES_FILE
    if not path.exists():
        return {}
    return load_sources(path, feed_keys_from(os.environ), programs=frozenset(catalogue.programs))


def _source_from_options(
    location: str,
    *,
    format: FeedFormat | None,
    program: str | None,
    source_id: str | None,
    timezone: str | None,
    types: str | None,
    search_query: str | None,
    catalogue: Catalogue,
) -> Source:
    if format is None:
        raise ConfigError(
            f"is required when SOURCE is a file or URL, not a source in {SOURCES_FILE}",
            variable="--format",
        )
    program = program or DEFAULT_PROGRAM.get(format)
    if program is None:
        raise ConfigError(
            "is required for a CSV file (the program its rows list)", variable="--program"
        )
    if program not in catalogue.programs:
        known = ", ".join(sorted(catalogue.programs))
        raise ConfigError(f"'{program}' is not in programs.yaml ({known})", variable="--program")
    if not is_url(location) and not Path(location).is_file():
        raise ConfigError(f"no such file: {location}", variable="SOURCE")
    return Source(
        id=source_id or _id_for(location),
        program=program,
        format=format,
        location=location,
        type_dialect=types,
        default_timezone=timezone,
        search=search_query,
    )


def _id_for(location: str) -> str:
    """A source id from a file name or host: `oc-aa-tsml.json` → `oc-aa-tsml`."""
    stem = urlsplit(location).netloc if is_url(location) else Path(location).stem
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in stem.lower()).strip("-")
    return (cleaned or "feed")[:48]


@app.command("import")
def import_(
    source: Annotated[
        str, typer.Argument(help=f"A source id from {SOURCES_FILE}, a feed file, or a URL.")
    ],
    format: Annotated[
        FeedFormat | None, typer.Option("--format", help="The feed's format (file or URL).")
    ] = None,
    program: Annotated[
        str | None, typer.Option("--program", help="The program its meetings belong to.")
    ] = None,
    source_id: Annotated[
        str | None, typer.Option("--id", help="Source id (default: from the file name or host).")
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option("--timezone", help="Zone for meetings that name none, e.g. America/Denver."),
    ] = None,
    types: Annotated[
        str | None,
        typer.Option("--types", help="Whose type codes the feed uses (default: program)."),
    ] = None,
    search_query: Annotated[
        str | None, typer.Option("--search", help="BMLT: GetSearchResults query for a server URL.")
    ] = None,
    background: Annotated[
        bool,
        typer.Option("--background", help=f"Queue it for a worker (a source in {SOURCES_FILE})."),
    ] = False,
) -> None:
    """Load a feed into the directory: add new meetings, update changed ones, remove gone ones."""
    catalogue = _catalogue()
    registry = _registry(catalogue)
    if background:
        _queue_import(source, registry)
        return
    chosen = registry.get(source) if format is None else None
    if chosen is None:
        chosen = _source_from_options(
            source,
            format=format,
            program=program,
            source_id=source_id,
            timezone=timezone,
            types=types,
            search_query=search_query,
            catalogue=catalogue,
        )
    directory = Directory(_redis())
    now = datetime.now(UTC)
    if not err.is_terminal:  # a log or a pipe gets the summary only
        report = import_source(directory, chosen, now=now)
    else:
        with Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.completed:,} entries"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(f"importing {chosen.id}", total=None)
            report = import_source(
                directory, chosen, now=now, progress=lambda read: bar.update(task, completed=read)
            )
    out.print(_summary(report))


def _queue_import(source_id: str, registry: dict[str, Source]) -> None:
    """The same import as the cron runs, queued now: a worker does it and logs the summary."""
    from helpline.meetings.schedule import IMPORT_JOB
    from helpline.queueing import build_queue, enqueue, job_id

    if source_id not in registry:
        raise ConfigError(f"'{source_id}' is not a source in {SOURCES_FILE}", variable="SOURCE")
    job = enqueue(build_queue(_redis()), IMPORT_JOB, source_id, id=job_id("import", source_id))
    print(f"queued {job.id}: a worker will import {source_id}")


def _summary(report: SyncReport) -> Table:
    table = Table(title=f"{report.source_id} ({report.program})", show_header=True)
    table.add_column("")
    table.add_column("meetings", justify="right")
    table.add_row("read", f"{report.read:,}")
    table.add_row("added", f"{report.added:,}")
    table.add_row("updated", f"{report.updated:,}")
    table.add_row("unchanged", f"{report.unchanged:,}")
    table.add_row("removed", f"{report.removed:,}")
    table.add_row("rejected", f"{sum(report.rejected.values()):,}")
    for reason, count in report.rejected.most_common():
        table.add_row(f"  {reason}", f"{count:,}")
    return table


@app.command("search")
def search_(
    zip_code: Annotated[
        str | None, typer.Option("--zip", help="Meetings near this ZIP code.")
    ] = None,
    online: Annotated[bool, typer.Option("--online", help="Online meetings instead.")] = False,
    program: Annotated[
        list[str] | None, typer.Option("--program", help="Only this program (repeatable).")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Search as if now were this ISO 8601 time.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=50)] = DEFAULT_LIMIT,
    secular: Annotated[bool, typer.Option("--secular", help="Secular meetings only.")] = False,
    spanish: Annotated[bool, typer.Option("--spanish", help="Spanish-speaking only.")] = False,
    women: Annotated[bool, typer.Option("--women")] = False,
    men: Annotated[bool, typer.Option("--men")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list, for scripts.")] = False,
    spoken: Annotated[
        bool, typer.Option("--spoken", help="As a voice call would say them.")
    ] = False,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the text or spoken form.")
    ] = "en",
) -> None:
    """What a caller would be sent: the next meetings near a ZIP code, or online."""
    if (zip_code is None) == (not online):
        raise ConfigError("give either --zip ZIP or --online", variable="search")
    now = _parse_at(at)
    catalogue = _catalogue()
    wishes = {
        name
        for name, wanted in (
            ("secular", secular),
            ("spanish", spanish),
            ("women", women),
            ("men", men),
        )
        if wanted
    }
    query = MeetingQuery(
        zip_code=zip_code,
        online=online,
        programs=frozenset(program or ()),
        secular_programs=frozenset(k for k, p in catalogue.programs.items() if p.is_secular),
        wishes=frozenset(wishes),
        limit=limit,
    )
    try:
        result = search(Directory(_redis()), query, now)
    except PlaceError as exc:
        raise ConfigError(f"'{exc.zip_code}': {exc}", variable="--zip") from None
    if as_json:
        print(json.dumps([_as_json(o) for o in result.occurrences], indent=2, ensure_ascii=False))
        return
    if spoken:
        for occurrence in result.occurrences:
            print(texts.spoken_meeting(occurrence, now, lang))
        return
    _print_text(result, now, lang)


def _parse_at(at: str | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise ConfigError(
            f"'{at}' is not an ISO 8601 time, like 2026-11-24T19:00-08:00", variable="--at"
        ) from None
    if when.tzinfo is None:
        raise ConfigError("needs a UTC offset, like 2026-11-24T19:00-08:00", variable="--at")
    return when


def _as_json(occurrence: Occurrence) -> dict[str, Any]:
    meeting = occurrence.meeting
    return {
        "id": meeting.id,
        "name": meeting.name,
        "program": meeting.program,
        "starts_at": occurrence.starts_at.isoformat(),
        "timezone": meeting.timezone,
        "distance_miles": occurrence.distance_miles,
        "attendance": meeting.attendance.value,
        "address": meeting.address,
        "location_name": meeting.location_name,
        "conference_url": meeting.online_url,
        "conference_phone": meeting.dial_in,
        "url": meeting.url,
        "tags": sorted(meeting.tags),
        "languages": sorted(meeting.languages),
    }


def _print_text(result: SearchResult, now: datetime, lang: str) -> None:
    if not result.occurrences:
        where = f"within {result.radius_miles:.0f} miles" if result.radius_miles else "online"
        err.print(f"no meetings found {where} in the next 7 days")
        return
    if result.radius_miles is not None:
        err.print(
            f"within {result.radius_miles:.0f} miles" + (" (widened)" if result.widened else "")
        )
    zone = None
    if result.place is not None:
        zone = ZoneInfo(result.place.timezone)
    for occurrence in result.occurrences:
        print(texts.meeting_lines(occurrence, now, lang, zone))
        print()


@app.command("sources")
def sources_() -> None:
    """The sources in the directory, and those configured in meeting-sources.yaml."""
    catalogue = _catalogue()
    configured = _registry(catalogue)
    loaded = {status.id: status for status in Directory(_redis()).sources()}
    table = Table(show_header=True)
    for column in ("source", "program", "meetings", "imported", "refresh"):
        table.add_column(column)
    for source_id in sorted(set(configured) | set(loaded)):
        status, config = loaded.get(source_id), configured.get(source_id)
        table.add_row(
            source_id,
            (status.program if status else config.program if config else ""),
            f"{status.meetings:,}" if status else "-",
            status.imported_at.isoformat(timespec="seconds") if status else "never",
            (config.refresh or "") if config else "(not configured)",
        )
    out.print(table)


@app.command("cron")
def cron() -> None:
    """Run rq's cron scheduler: re-import each configured source on its `refresh` schedule."""
    from helpline.meetings.schedule import build_cron

    sources = _registry(_catalogue())
    scheduler = build_cron(_redis(), sources.values())
    if not scheduler.get_jobs():
        raise ConfigError(f"no source in {SOURCES_FILE} has a `refresh` schedule", variable="cron")
    scheduler.start()  # type: ignore[no-untyped-call]  # rq leaves it unannotated
