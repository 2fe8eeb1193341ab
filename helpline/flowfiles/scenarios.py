"""Operators' conversation scenarios: what a caller sends, and what the flow must answer.

They live in `flows/scenarios/*.yaml`, next to the flows they test, and run on
the real engine with the same safety pre-router as the service:

    flow: triage
    name: a parent asks for family help
    steps:
      - send: hi
        replies: ["Who is this for"]     # each must appear in some reply, in any case
      - send: "2"
        node: family_substance           # optional: where the flow now waits
      - timeout: true                    # the caller says nothing until the wait ends
      - send: yes
        events: [send_programs]          # actions or escalations the sprint requested

`helpline flows test` runs them all; every failure is `file:line: message`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from helpline.engine import (
    EscalationRequested,
    Event,
    JobRequested,
    OptedOut,
    Session,
    TextReceived,
    TimedOut,
    crisis,
    resume,
)
from helpline.errors import FlowDefinitionError, ResumeRejected
from helpline.flowfiles.catalog import FlowSet
from helpline.flowfiles.schema_errors import problems_from_validation
from helpline.flowfiles.yaml_loader import YamlDocument, load_yaml_file

SCENARIOS_DIR = "scenarios"
SCENARIO_CLOCK = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
"""A fixed Monday evening, so a scenario answers the same way every day."""
STEP_GAP = timedelta(seconds=30)


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepDoc(_Doc):
    send: str | None = None
    timeout: bool = False
    replies: list[str] = Field(default_factory=list)
    node: str | None = None
    events: list[str] = Field(default_factory=list)
    silent: bool = False
    """True when the step must send no reply at all."""

    @model_validator(mode="after")
    def _one_input(self) -> StepDoc:
        if (self.send is None) == (not self.timeout):
            raise ValueError("each step has either `send: <text>` or `timeout: true`")
        return self


class ScenarioDoc(_Doc):
    flow: str
    name: str
    language: str | None = None
    steps: list[StepDoc] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Outcome:
    path: Path
    name: str
    failures: tuple[FlowDefinitionError, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def scenario_files(folder: Path) -> list[Path]:
    return sorted((folder / SCENARIOS_DIR).glob("*.yaml"))


def run_files(paths: Iterable[Path], flows: FlowSet) -> list[Outcome]:
    return [run_file(path, flows) for path in paths]


def run_file(path: Path, flows: FlowSet) -> Outcome:
    try:
        doc = load_yaml_file(path)
        scenario = ScenarioDoc.model_validate(doc.data)
    except FlowDefinitionError as exc:
        return Outcome(path, path.stem, (exc,))
    except ValidationError as exc:
        return Outcome(path, path.stem, tuple(problems_from_validation(doc, exc)))
    return Outcome(path, scenario.name, tuple(_run(doc, scenario, flows)))


def _run(doc: YamlDocument, scenario: ScenarioDoc, flows: FlowSet) -> list[FlowDefinitionError]:
    flow = flows.get(scenario.flow)
    if flow is None:
        known = ", ".join(sorted(flows.flows))
        return [doc.error(f"no flow named {scenario.flow!r}; have: {known}", ["flow"])]
    session: Session | None = None
    now = SCENARIO_CLOCK
    failures: list[FlowDefinitionError] = []
    for index, step in enumerate(scenario.steps):
        where: list[str | int] = ["steps", index]
        try:
            if step.timeout:
                if session is None or session.timeout_at is None:
                    failures.append(doc.error("nothing is waiting to time out here", where))
                    break
                now = max(now, session.timeout_at)
                sprint = resume(flow, session, TimedOut(wait_id=session.wait_id), now)
            else:
                text = step.send or ""
                hit = flows.crisis.screen(text)
                if hit is not None:
                    language = hit.language or (session.language if session else None)
                    sprint = crisis(flow, session, str(hit.kind), now, language=language)
                else:
                    sprint = resume(
                        flow, session, TextReceived(text=text), now, language=scenario.language
                    )
        except ResumeRejected as exc:
            failures.append(doc.error(f"step {index + 1}: {exc}", where))
            break
        session = sprint.session
        failures += _check(doc, index, step, sprint.texts, session, sprint.events)
        now += STEP_GAP
    return failures


def _check(
    doc: YamlDocument,
    index: int,
    step: StepDoc,
    texts: list[str],
    session: Session,
    events: tuple[Event, ...],
) -> list[FlowDefinitionError]:
    problems: list[FlowDefinitionError] = []
    at_step: list[str | int] = ["steps", index]
    said = " | ".join(texts) or "(no reply)"
    label = f"step {index + 1}"
    for i, wanted in enumerate(step.replies):
        if not any(wanted.lower() in text.lower() for text in texts):
            problems.append(
                doc.error(
                    f"{label}: no reply contains {wanted!r}; got: {said}",
                    [*at_step, "replies", i],
                )
            )
    if step.silent and texts:
        problems.append(doc.error(f"{label}: expected no reply; got: {said}", at_step))
    if step.node is not None and (not session.waiting or session.node != step.node):
        at = session.node if session.waiting else f"the end ({session.status.value})"
        problems.append(
            doc.error(f"{label}: expected to wait at {step.node!r}; at {at}", [*at_step, "node"])
        )
    happened = set(_event_names(events))
    for i, wanted in enumerate(step.events):
        if wanted not in happened:
            got = ", ".join(sorted(happened)) or "none"
            problems.append(
                doc.error(
                    f"{label}: expected event {wanted!r}; got: {got}", [*at_step, "events", i]
                )
            )
    return problems


def _event_names(events: Iterable[Event]) -> Iterable[str]:
    for event in events:
        match event:
            case JobRequested(job=job):
                yield job
            case EscalationRequested(reason=reason):
                yield "escalate"
                yield f"escalate:{reason}"
            case OptedOut():
                yield "opted_out"
