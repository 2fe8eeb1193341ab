"""From a checked YAML document to engine objects, with every problem at `file:line`."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from helpline.engine import limits
from helpline.engine.actions import (
    ACTION_TYPES,
    Action,
    Escalate,
    SendMeetings,
    SendPrograms,
    SetLanguage,
    SetVariables,
)
from helpline.engine.cases import Choice, NumberRange, Pattern, Test, ZipCode
from helpline.engine.definition import Channel, Flow, Node, Retry, Route, SystemTexts, Text, Wait
from helpline.engine.validate import Location, Problem, Severity, check_text, validate
from helpline.errors import FlowDefinitionError, FlowProblems, PlaceError
from helpline.flowfiles.schema import (
    SUPPORTED_SPEC_VERSIONS,
    FlowDoc,
    MessagesDoc,
    NodeDoc,
    RetryDoc,
    RouteDoc,
    SpecVersion,
    WaitDoc,
)
from helpline.flowfiles.schema_errors import problems_from_validation
from helpline.flowfiles.yaml_loader import YamlDocument
from helpline.meetings.places import zip_place

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Built:
    """A flow with what its check found: errors make it unusable, warnings do not."""

    flow: Flow | None
    entry: bool
    errors: list[FlowDefinitionError]
    warnings: list[FlowDefinitionError]


@dataclass(frozen=True)
class Messages:
    system: SystemTexts
    safe_reply: Text
    escalation: Mapping[str, Text]
    """What a caller hears about a person: crisis, person_joined, person_left, still_finding…"""
    languages: tuple[str, ...]
    warnings: tuple[FlowDefinitionError, ...] = ()


ESCALATION_TEXTS = (
    "crisis",
    "person",
    "person_joined",
    "person_left",
    "still_finding",
    "no_one_yet",
)


def content_version(doc: YamlDocument) -> str:
    """A short hash of what the file means (comments and layout do not count)."""
    canonical = json.dumps(doc.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _checked(doc: YamlDocument, model: type[M]) -> M:
    """Validate the spec version first, then the whole shape; raise every problem found."""
    if not isinstance(doc.data, dict):
        raise FlowProblems([doc.error("the file must be a mapping of fields (key: value)")])
    try:
        version = SpecVersion.model_validate(doc.data).spec_version
    except ValidationError as exc:
        raise FlowProblems(problems_from_validation(doc, exc)) from None
    if version not in SUPPORTED_SPEC_VERSIONS:
        supported = ", ".join(str(v) for v in sorted(SUPPORTED_SPEC_VERSIONS))
        raise FlowProblems(
            [
                doc.error(
                    f"spec_version {version} is not supported; this helpline reads {supported}",
                    ("spec_version",),
                )
            ]
        )
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise FlowProblems(problems_from_validation(doc, exc)) from None


def build_messages(doc: YamlDocument, constants: Mapping[str, str]) -> Messages:
    """flows/messages.yaml → the system texts; raises FlowProblems."""
    parsed = _checked(doc, MessagesDoc)
    languages = tuple(parsed.languages)
    texts = {name: Text(by_language=dict(value)) for name, value in parsed.messages}
    problems: list[Problem] = []
    for name, text in texts.items():
        # `unclear` is only ever sent in front of a question, which says the rest.
        problems += check_text(
            text,
            ("messages", name),
            languages,
            set(constants),
            constants,
            measure=name != "unclear",
        )
    errors = [_located(doc, p) for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise FlowProblems(errors)
    return Messages(
        system=SystemTexts(
            help=texts["help"],
            stopped=texts["stopped"],
            unclear=texts["unclear"],
            failed=texts["failed"],
            crisis=texts["crisis"],
            person=texts["person"],
        ),
        safe_reply=texts["safe_reply"],
        escalation={name: texts[name] for name in ESCALATION_TEXTS},
        languages=languages,
        warnings=tuple(_located(doc, p) for p in problems if p.severity is Severity.WARNING),
    )


def build_flow(doc: YamlDocument, messages: Messages, constants: Mapping[str, str]) -> Built:
    """A flow file → an engine Flow, checked; problems come back located, never raised."""
    try:
        parsed = _checked(doc, FlowDoc)
    except FlowProblems as exc:
        return Built(flow=None, entry=False, errors=exc.problems, warnings=[])
    errors: list[FlowDefinitionError] = []
    stem = doc.path.stem
    if parsed.name is not None and parsed.name != stem:
        errors.append(
            doc.error(f"name '{parsed.name}' must match the file name '{stem}'", ("name",))
        )
    missing = [lang for lang in parsed.languages if lang not in messages.languages]
    if missing:
        errors.append(
            doc.error(
                f"messages.yaml has no {', '.join(missing)} texts; add them there first",
                ("languages",),
            )
        )
    origins: dict[Location, Location] = {}
    nodes: dict[str, Node] = {}
    for name, node_doc in parsed.nodes.items():
        node, node_errors = _node(doc, name, node_doc, parsed, origins)
        nodes[name] = node
        errors += node_errors
    channel = Channel(parsed.channel)
    system = messages.system
    for field_name, text_doc in parsed.system:
        if text_doc is None:
            continue
        text = Text(by_language=dict(text_doc))
        for problem in check_text(
            text,
            ("system", field_name),
            tuple(parsed.languages),
            set(constants),
            constants,
            measure=channel is Channel.SMS and field_name != "unclear",
        ):
            located = _located(doc, problem)
            if problem.severity is Severity.ERROR:
                errors.append(located)
        system = replace(system, **{field_name: text})
    default_expiry = (
        limits.SMS_SESSION_EXPIRES_AFTER
        if channel is Channel.SMS
        else limits.VOICE_SESSION_EXPIRES_AFTER
    )
    flow = Flow(
        name=stem,
        version=content_version(doc),
        channel=channel,
        languages=tuple(parsed.languages),
        start=parsed.start,
        nodes=nodes,
        system=system,
        expire_after=parsed.expire_after or default_expiry,
        constants=dict(constants),
    )
    warnings: list[FlowDefinitionError] = []
    seen: set[tuple[str, int | None]] = set()
    for problem in validate(flow):
        located = _located(doc, problem, origins)
        key = (located.message, located.line)
        if key in seen:  # a default shared by many nodes reports once
            continue
        seen.add(key)
        (errors if problem.severity is Severity.ERROR else warnings).append(located)
    return Built(
        flow=None if errors else flow, entry=parsed.entry, errors=errors, warnings=warnings
    )


def _located(
    doc: YamlDocument, problem: Problem, origins: Mapping[Location, Location] | None = None
) -> FlowDefinitionError:
    location = problem.location
    for prefix, origin in (origins or {}).items():
        if location[: len(prefix)] == prefix:
            location = origin + location[len(prefix) :]
            break
    return doc.error(problem.message, location)


def _node(
    doc: YamlDocument,
    name: str,
    node_doc: NodeDoc,
    flow_doc: FlowDoc,
    origins: dict[Location, Location],
) -> tuple[Node, list[FlowDefinitionError]]:
    errors: list[FlowDefinitionError] = []
    at: Location = ("nodes", name)
    wait_doc: WaitDoc | None = node_doc.wait
    retry_doc: RetryDoc | None = node_doc.retry
    if node_doc.routes and node_doc.check is None:
        # Questions without their own wait or retry take the flow's defaults; problems in
        # a default are reported at the default's line, not at every node using it.
        if wait_doc is None and flow_doc.defaults.wait is not None:
            wait_doc = flow_doc.defaults.wait
            origins[(*at, "wait")] = ("defaults", "wait")
        if retry_doc is None and flow_doc.defaults.retry is not None:
            retry_doc = flow_doc.defaults.retry
            origins[(*at, "retry")] = ("defaults", "retry")
    if (
        wait_doc is not None
        and flow_doc.channel == "sms"
        and wait_doc.on_timeout is None
        and wait_doc.remind is None
    ):
        where = origins.get((*at, "wait"), (*at, "wait"))
        errors.append(
            doc.error("a wait needs exactly one of on_timeout (a node) or remind (a text)", where)
        )
    actions: list[Action] = []
    for i, raw in enumerate(node_doc.actions):
        try:
            actions.append(_action(raw))
        except ValueError as exc:
            errors.append(doc.error(str(exc), (*at, "actions", i)))
    node = Node(
        name=name,
        say=_text(node_doc.say),
        actions=tuple(actions),
        wait=_wait(wait_doc) if wait_doc else None,
        routes=tuple(_route(r) for r in node_doc.routes),
        save=node_doc.save,
        reprompt=_text(node_doc.reprompt),
        retry=Retry(attempts=retry_doc.attempts, fallback=retry_doc.fallback)
        if retry_doc
        else None,
        check=node_doc.check,
        next=node_doc.next,
        end=node_doc.end,
    )
    return node, errors


def _text(value: Mapping[str, str] | None) -> Text | None:
    return Text(by_language=dict(value)) if value is not None else None


def _wait(doc: WaitDoc) -> Wait:
    timeout: timedelta = doc.timeout
    return Wait(timeout=timeout, on_timeout=doc.on_timeout, remind=_text(doc.remind))


def _route(doc: RouteDoc) -> Route:
    test: Test | None = None
    if doc.choice is not None:
        options = (
            doc.choice
            if isinstance(doc.choice, list)
            else [word for words in doc.choice.values() for word in words]
        )
        test = Choice.of(options)
    elif doc.number is not None:
        test = NumberRange(minimum=doc.number.min, maximum=doc.number.max)
    elif doc.zip:
        test = ZipCode(known=_known_zip)
    elif doc.regex is not None:
        test = Pattern(pattern=doc.regex)
    return Route(test=test, to=doc.to, value=doc.value)


def _known_zip(code: str) -> bool:
    """A real US ZIP code with a location: one meetings can be searched from."""
    try:
        zip_place(code)
    except PlaceError:
        return False
    return True


def _action(raw: str | dict[str, Any]) -> Action:
    known = ", ".join(sorted(ACTION_TYPES))
    args: Any
    if isinstance(raw, str):
        name, args = raw, {}
    elif len(raw) == 1:
        name, args = next(iter(raw.items()))
    else:
        raise ValueError(f"an action is one name, like `- send_programs`; known: {known}")
    kind = ACTION_TYPES.get(str(name))
    if kind is None:
        raise ValueError(f"unknown action '{name}'; known: {known}")
    if kind is Escalate:
        if not isinstance(args, dict) or not isinstance(args.get("reason"), str) or len(args) != 1:
            raise ValueError("escalate takes a reason: `- escalate: {reason: asked_for_person}`")
        return Escalate(reason=args["reason"])
    if kind is SetLanguage:
        if not isinstance(args, str) or not re.fullmatch(r"[a-z]{2}", args):
            raise ValueError("language takes a two-letter code: `- language: es`")
        return SetLanguage(language=args)
    if kind is SetVariables:
        if (
            not isinstance(args, dict)
            or not args
            or not all(isinstance(k, str) and isinstance(v, str | int) for k, v in args.items())
        ):
            raise ValueError('set takes names and values: `- set: {court_ordered: "yes"}`')
        return SetVariables(values={k: str(v) for k, v in args.items()})
    if args not in ({}, None):
        raise ValueError(f"{name} takes no arguments: write `- {name}`")
    return SendPrograms() if kind is SendPrograms else SendMeetings()
