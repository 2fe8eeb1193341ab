"""`helpline flows check | simulate | graph`: for operators editing flows/."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from helpline.cli.oncall import roster_path, roster_problems
from helpline.engine.definition import Flow
from helpline.errors import ConfigError, FlowDefinitionError
from helpline.flowfiles.catalog import ONCALL_FILE, FlowSet, check_paths, load_flow_set
from helpline.flowfiles.graph import mermaid
from helpline.programs.compose import format_phone_for_text
from helpline.settings import DEFAULT_CRISIS_LINE, DEFAULT_HELPLINE_NAME

app = typer.Typer(no_args_is_help=True, help="Check, try and draw the flows operators edit.")
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _contact_lines() -> dict[str, str]:
    """What texts will say for the crisis line and name: from the environment when set."""
    return {
        "crisis_line": os.environ.get("HELPLINE_CRISIS_LINE") or DEFAULT_CRISIS_LINE,
        "helpline_name": os.environ.get("HELPLINE_NAME") or DEFAULT_HELPLINE_NAME,
    }


def _constants() -> dict[str, str]:
    lines = _contact_lines()
    return {**lines, "crisis_line": format_phone_for_text(lines["crisis_line"])}


def _folder() -> Path:
    return Path(os.environ.get("HELPLINE_FLOWS_DIR") or "flows")


@app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(help="Flow files or folders.")] = None,
) -> None:
    """Validate flow files, and the on-call roster; exit 1 with `file:line: message` for each."""
    rosters, flow_paths = _rosters(paths or [_folder()])
    errors, warnings = check_paths(flow_paths, _constants()) if flow_paths else ([], [])
    for roster in rosters:
        if roster.is_file():
            errors += roster_problems(roster)
        else:
            warnings.append(FlowDefinitionError(NO_ROSTER, path=roster))
    for warning in warnings:
        err.print(f"{warning}  [yellow](warning)[/yellow]", markup=True)
    for error in errors:
        print(str(error), file=sys.stderr)
    if errors:
        print(f"{len(errors)} error(s), {len(warnings)} warning(s)", file=sys.stderr)
        raise typer.Exit(1)
    checked = [str(p) for p in flow_paths] + [f"roster {r}" for r in rosters if r.is_file()]
    print(f"ok: {', '.join(checked)} ({len(warnings)} warning(s))")


NO_ROSTER = "no roster file: nobody is on call, escalations go straight to the final step"


def _rosters(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """The roster files to check (`oncall.yaml` in a folder, HELPLINE_ONCALL), and the rest."""
    configured = os.environ.get("HELPLINE_ONCALL", "").strip()
    rosters = [roster_path()] if configured else []
    others = []
    for path in paths:
        if path.is_dir() and (path / ONCALL_FILE).is_file():
            rosters.append(path / ONCALL_FILE)
        if path.name == ONCALL_FILE or (configured and path == Path(configured)):
            rosters.append(path)  # not a flow: check_paths would read it as one
        else:
            others.append(path)
    unique = {roster.resolve(): roster for roster in reversed(rosters)}
    return list(reversed(unique.values())), others


def _load(flow: str) -> tuple[FlowSet, Flow]:
    path = Path(flow)
    folder, name = (
        (path.parent, path.stem) if path.suffix in (".yaml", ".yml") else (_folder(), flow)
    )
    flows = load_flow_set(folder, _constants())
    found = flows.get(name)
    if found is None:
        raise ConfigError(
            f"no flow named '{name}' in {folder} (have: {', '.join(flows.flows)})", variable="FLOW"
        )
    return flows, found


@app.command()
def simulate(
    flow: Annotated[str, typer.Argument(help="A flow name (in flows/) or a flow file.")],
    lang: Annotated[str | None, typer.Option("--lang", help="Start in this language.")] = None,
) -> None:
    """Talk to a flow in the terminal, as a phone would."""
    from helpline.simulator import Simulator, interactive

    flows, found = _load(flow)
    if lang is not None and lang not in found.languages:
        raise ConfigError(f"'{lang}' is not one of {', '.join(found.languages)}", variable="--lang")
    simulator = Simulator(flows, found, language=lang, start=datetime.now(UTC), **_contact_lines())
    interactive(simulator, sys.stdin, sys.stdout)


@app.command()
def graph(
    flow: Annotated[str, typer.Argument(help="A flow name (in flows/) or a flow file.")],
) -> None:
    """The flow as a Mermaid diagram on stdout."""
    _flows, found = _load(flow)
    sys.stdout.write(mermaid(found))


@app.command("test")
def run_scenarios(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Scenario files; default flows/scenarios/*.yaml.")
    ] = None,
) -> None:
    """Run the operators' conversation scenarios on the real engine; exit 1 if any fails."""
    from helpline.flowfiles.scenarios import run_files, scenario_files

    folder = _folder()
    flows = load_flow_set(folder, _constants())
    files = paths or scenario_files(folder)
    if not files:
        err.print(f"no scenarios in {folder / 'scenarios'}")
        raise typer.Exit(1)
    outcomes = run_files(files, flows)
    for outcome in outcomes:
        mark = "[green]ok[/green]  " if outcome.passed else "[red]FAIL[/red]"
        err.print(f"{mark} {outcome.path.name}: {outcome.name}", markup=True)
        for failure in outcome.failures:
            print(f"  {failure}", file=sys.stderr)
    failed = sum(not o.passed for o in outcomes)
    err.print(f"{len(outcomes) - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)
