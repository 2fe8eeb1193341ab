"""`helpline oncall now | check`: for operators editing the on-call roster.

Phone numbers are shown masked (last four digits), never whole: this output
ends up in terminals, tickets and chat.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from helpline.durations import format_duration
from helpline.errors import ConfigError, FlowDefinitionError, FlowProblems
from helpline.flowfiles.catalog import ONCALL_FILE
from helpline.oncall.roster import FINAL_STEPS, Roster, Staff, load_roster
from helpline.oncall.schedule import local_instant
from helpline.privacy import mask_number

app = typer.Typer(no_args_is_help=True, help="Who is on call, and whether the roster is valid.")
out = Console(highlight=False, soft_wrap=True, markup=False)  # names and paths are not markup

RosterOption = Annotated[
    Path | None,
    typer.Option(
        "--roster", help="The roster file (default: HELPLINE_ONCALL, or oncall.yaml in the flows)."
    ),
]


def roster_path() -> Path:
    """Where the roster is, as Settings.oncall_path works it out, without needing secrets."""
    configured = (os.environ.get("HELPLINE_ONCALL") or "").strip()
    if configured:
        return Path(configured)
    flows = (os.environ.get("HELPLINE_FLOWS_DIR") or "").strip() or "flows"
    return Path(flows) / ONCALL_FILE


def roster_problems(path: Path) -> list[FlowDefinitionError]:
    """The roster's problems as `file:line: message`, none when it is valid (for flows check)."""
    try:
        load_roster(path)
    except FlowProblems as exc:
        return list(exc.problems)
    except FlowDefinitionError as exc:
        return [exc]
    return []


def _load(path: Path) -> Roster:
    """The roster, or its problems on stderr and exit 1."""
    try:
        return load_roster(path)
    except FlowProblems as exc:
        problems = list(exc.problems)
    except FlowDefinitionError as exc:
        problems = [exc]
    for problem in problems:
        print(str(problem), file=sys.stderr)
    print(f"{len(problems)} problem(s) in the on-call roster", file=sys.stderr)
    raise typer.Exit(1)


def _parse_at(at: str | None, zone: ZoneInfo | None) -> datetime:
    """`--at`, aware; without an offset it is read in the roster's zone (UTC with none)."""
    if at is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(at.strip())
    except ValueError:
        raise ConfigError(
            f"'{at}' is not an ISO 8601 time, like 2026-11-24T19:00 or 2026-11-24T19:00-08:00",
            variable="--at",
        ) from None
    if when.tzinfo is None:
        # Read as the roster reads its own times, so a skipped or repeated hour means the same.
        return when.replace(tzinfo=UTC) if zone is None else local_instant(when, zone)
    return when


def _show_time(when: datetime, zone: tzinfo) -> str:
    return when.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def _nobody(when: str, final: str) -> str:
    return f"Nobody is on call at {when}: escalations go straight to the final step ({final})."


def _person(step: int, person: Staff) -> dict[str, Any]:
    return {
        "step": step,
        "name": person.name,
        "phone": mask_number(person.phone),
        "languages": list(person.languages),
        "sms": True,
        "voice": person.voice,
    }


@app.command()
def now(
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="Ask about this ISO 8601 time instead (no offset: the roster's zone)."
        ),
    ] = None,
    roster: RosterOption = None,
    language: Annotated[
        str | None,
        typer.Option("--language", help="A caller's language: those who speak it come first."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON object, for scripts.")] = False,
) -> None:
    """Who is on call at that instant (default now), in the order they would be paged."""
    path = roster or roster_path()
    if not path.exists():
        _no_roster(path, _parse_at(at, None), language, as_json=as_json)
        return
    loaded = _load(path)
    zone = loaded.timezone
    when = _parse_at(at, zone)
    people = loaded.ladder(when, language)
    local = when.astimezone(zone)
    if as_json:
        print(
            json.dumps(
                {
                    "roster": str(path),
                    "roster_file": True,
                    "timezone": zone.key,
                    "at": local.isoformat(),
                    "language": language,
                    "ack_timeout": format_duration(loaded.ack_timeout),
                    "repeat": loaded.repeat,
                    "final": loaded.final,
                    "on_call": [_person(i, p) for i, p in enumerate(people, 1)],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    out.print(f"on call at {_show_time(when, zone)} (time zone {zone.key}) · roster {path}")
    out.print(
        f"ack_timeout {format_duration(loaded.ack_timeout)} · repeat {loaded.repeat} · "
        f"final {loaded.final}"
    )
    if not people:
        out.print(_nobody(_show_time(when, zone), loaded.final))
        return
    table = Table(show_header=True)
    for column in ("#", "name", "languages", "paged by", "phone"):
        table.add_column(column, no_wrap=True)
    for i, person in enumerate(people, 1):
        table.add_row(
            str(i),
            person.name,
            ", ".join(person.languages),
            "sms + voice" if person.voice else "sms",
            mask_number(person.phone),
        )
    out.print(table)


def _no_roster(path: Path, when: datetime, language: str | None, *, as_json: bool) -> None:
    """No file is allowed (nobody is on call): say so, in the same shape as a roster's answer."""
    final = FINAL_STEPS[0]
    if as_json:
        print(
            json.dumps(
                {
                    "roster": str(path),
                    "roster_file": False,
                    "timezone": None,
                    "at": when.isoformat(),
                    "language": language,
                    "ack_timeout": None,
                    "repeat": None,
                    "final": final,
                    "on_call": [],
                },
                indent=2,
            )
        )
        return
    out.print(f"no roster file at {path}")
    out.print(_nobody(_show_time(when, when.tzinfo or UTC), final))


@app.command()
def check(
    path: Annotated[
        Path | None,
        typer.Argument(help="The roster file (default: HELPLINE_ONCALL, or oncall.yaml)."),
    ] = None,
) -> None:
    """Validate the roster; exit 1 with `file:line: message` for each problem."""
    chosen = path or roster_path()
    if path is None and not chosen.exists():
        out.print(f"no roster file at {chosen}: nobody is on call (allowed)")
        return
    loaded = _load(chosen)
    counts = [
        _count(len(loaded.staff), "staff", "staff"),
        _count(len(loaded.shifts), "shift", "shifts"),
        _count(len(loaded.rotations), "rotation", "rotations"),
        _count(len(loaded.overrides), "override", "overrides"),
    ]
    print(f"ok: {chosen}: {', '.join(counts)}; time zone {loaded.timezone.key}")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
