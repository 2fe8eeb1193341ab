"""Checks a flow's graph and texts, and returns every problem at once.

Locations are paths into the flow file's structure (`nodes.<name>.routes.<i>.to`),
so the file layer can turn each into `file:line`. Checks follow
python-statemachine's graph rules and goflow's validation: every target
exists, every node is reachable and can reach an end, nothing loops without
asking, every text is translated, and placeholders name known values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from helpline.engine.actions import SetLanguage, SetVariables
from helpline.engine.definition import CALL_VARIABLES, Channel, Flow, Node, Text
from helpline.engine.limits import MAX_NODES_PER_FLOW, PROMPT_SEGMENT_WARNING
from helpline.engine.segments import count_segments
from helpline.engine.templates import TemplateError, placeholders, render

Location = tuple[str | int, ...]

SAMPLE_VALUE = "xxxxx"
"""Stands in for a caller's answer when measuring a prompt's length."""


PERSON_REACHERS = ("{crisis_line}", "988", "911")
"""Every SMS a caller gets says how to reach a person: one of these must appear."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    location: Location
    severity: Severity = Severity.ERROR


def validate(flow: Flow) -> list[Problem]:
    problems: list[Problem] = []
    if flow.start not in flow.nodes:
        problems.append(Problem(f"start node '{flow.start}' does not exist", ("start",)))
    if len(flow.nodes) > MAX_NODES_PER_FLOW:
        problems.append(Problem(f"more than {MAX_NODES_PER_FLOW} nodes", ("nodes",)))
    for node in flow.nodes.values():
        problems += _node_shape(node)
        problems += _targets(flow, node)
    if not any(p.severity is Severity.ERROR for p in problems):
        problems += _graph(flow)
    problems += _texts(flow)
    if flow.channel is Channel.SMS and flow.start in flow.nodes:
        problems += _opt_out_notice(flow)
    return problems


def edges(node: Node) -> Iterator[tuple[str, Location]]:
    """Every node this one can lead to, with where the file says so."""
    for i, route in enumerate(node.routes):
        yield route.to, ("routes", i, "to")
    if node.next:
        yield node.next, ("next",)
    if node.wait and node.wait.on_timeout:
        yield node.wait.on_timeout, ("wait", "on_timeout")
    if node.retry:
        yield node.retry.fallback, ("retry", "fallback")


def _node_shape(node: Node) -> list[Problem]:
    at: Location = ("nodes", node.name)
    found = []
    if node.end and (node.routes or node.next or node.wait):
        found.append(Problem("an end node cannot have routes, next or a wait", at))
    elif node.routes and node.next:
        found.append(Problem("a node with routes waits for a reply; it cannot also have next", at))
    elif node.check and (node.wait or node.next or not node.routes):
        found.append(
            Problem(
                "a check node routes on a saved answer: it needs routes, and no wait or next", at
            )
        )
    elif node.check and all(r.test is not None for r in node.routes):
        found.append(
            Problem("a check node needs a default route (one with no test)", (*at, "routes"))
        )
    elif node.routes and not node.wait and not node.check:
        found.append(Problem("this node has routes but no wait: add wait with a timeout", at))
    elif node.wait and not node.routes:
        found.append(Problem("this node waits for a reply but has no routes", (*at, "wait")))
    elif not (node.end or node.wait or node.next or node.check):
        found.append(
            Problem(
                f"node '{node.name}' is a dead end: "
                "give it routes (a question), next, or end: true",
                at,
            )
        )
    if (
        node.wait
        and node.routes
        and not node.retry
        and all(r.test is not None for r in node.routes)
    ):
        found.append(
            Problem(
                "a reply that matches no route has nowhere to go: add a default route "
                "(one with no test) or retry with a fallback",
                (*at, "routes"),
            )
        )
    if node.save and not node.routes:
        found.append(Problem("save only works on a node with routes", (*at, "save")))
    if node.save and node.check:
        found.append(
            Problem("a check node reads a saved answer; it cannot save one", (*at, "save"))
        )
    return found


def _targets(flow: Flow, node: Node) -> list[Problem]:
    return [
        Problem(f"goes to unknown node '{target}'", ("nodes", node.name, *where))
        for target, where in edges(node)
        if target not in flow.nodes
    ]


def _graph(flow: Flow) -> list[Problem]:
    found = []
    reachable = _reach(flow.start, lambda n: [t for t, _ in edges(flow.nodes[n])])
    for name in flow.nodes:
        if name not in reachable:
            found.append(Problem(f"node '{name}' cannot be reached from start", ("nodes", name)))
    incoming: dict[str, list[str]] = {name: [] for name in flow.nodes}
    for node in flow.nodes.values():
        for target, _ in edges(node):
            incoming[target].append(node.name)
    can_end: set[str] = set()
    for end in (n.name for n in flow.nodes.values() if n.end):
        can_end |= _reach(end, lambda n: incoming[n])
    for name in reachable - can_end:
        found.append(
            Problem(
                f"from node '{name}' the conversation can never reach an end node", ("nodes", name)
            )
        )
    found += _silent_loops(flow)
    return found


def _reach(start: str, neighbours: Callable[[str], Iterable[str]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in neighbours(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _silent_loops(flow: Flow) -> list[Problem]:
    """Cycles through nodes that never wait would spin without asking the caller anything."""

    def onward(name: str) -> list[str]:
        node = flow.nodes[name]
        if node.wait or node.end:
            return []
        targets = [r.to for r in node.routes] if node.check else [node.next] if node.next else []
        return [t for t in targets if t in flow.nodes]

    found: list[Problem] = []
    finished: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            loop = [*path[path.index(name) :], name]
            found.append(
                Problem(
                    "these nodes loop without asking anything: " + " → ".join(loop), ("nodes", name)
                )
            )
            return
        if name in finished:
            return
        for target in onward(name):
            visit(target, [*path, name])
        finished.add(name)

    for name in flow.nodes:
        visit(name, [])
    return found


def _languages_set(flow: Flow, node: Node) -> list[Problem]:
    return [
        Problem(
            f"language '{action.language}' is not one of this flow's languages "
            f"({', '.join(flow.languages)})",
            ("nodes", node.name, "actions", i),
        )
        for i, action in enumerate(node.actions)
        if isinstance(action, SetLanguage) and action.language not in flow.languages
    ]


def _texts(flow: Flow) -> list[Problem]:
    known = set(flow.constants)
    for node in flow.nodes.values():
        if node.save:
            known.add(node.save)
        for action in node.actions:
            if isinstance(action, SetVariables):
                known.update(action.values)
    if flow.channel is Channel.VOICE:
        known.update(CALL_VARIABLES)
    found = []
    for node in flow.nodes.values():
        found += _languages_set(flow, node)
        if node.check and node.check not in known:
            found.append(
                Problem(
                    f"check reads '{node.check}', which no node saves or sets",
                    ("nodes", node.name, "check"),
                )
            )
        for field_name, text in (
            ("say", node.say),
            ("reprompt", node.reprompt),
            ("remind", node.wait.remind if node.wait else None),
        ):
            if text is not None:
                where: Location = ("nodes", node.name, field_name)
                if field_name == "remind":
                    where = ("nodes", node.name, "wait", "remind")
                found += check_text(
                    text,
                    where,
                    flow.languages,
                    known,
                    flow.constants,
                    measure=flow.channel is Channel.SMS,
                )
    return found


def check_text(
    text: Text,
    where: Location,
    languages: tuple[str, ...],
    known: set[str],
    constants: Mapping[str, str],
    *,
    measure: bool,
) -> list[Problem]:
    """Translations present, placeholders known, and (for SMS) a length warning."""
    found = []
    for language in languages:
        if language not in text.by_language:
            found.append(Problem(f"missing translation for '{language}'", where))
    for language, template in text.by_language.items():
        at = (*where, language)
        if language not in languages:
            found.append(
                Problem(
                    f"language '{language}' is not one of this flow's languages "
                    f"({', '.join(languages)})",
                    at,
                )
            )
            continue
        try:
            names = placeholders(template)
        except TemplateError as exc:
            found.append(Problem(str(exc), at))
            continue
        for name in names:
            if name not in known:
                found.append(
                    Problem(
                        f"unknown placeholder {{{name}}}; known: {', '.join(sorted(known))}", at
                    )
                )
        if measure and not any(way in template for way in PERSON_REACHERS):
            found.append(
                Problem(
                    "this text does not say how to reach a person: "
                    "mention {crisis_line}, 988 or 911",
                    at,
                    Severity.WARNING,
                )
            )
        if measure:
            sample = dict.fromkeys(names, SAMPLE_VALUE) | dict(constants)
            segments = count_segments(render(template, sample))
            if segments > PROMPT_SEGMENT_WARNING:
                found.append(
                    Problem(
                        f"text is {segments} SMS segments (over {PROMPT_SEGMENT_WARNING}); "
                        "shorter texts arrive whole and cost less",
                        at,
                        Severity.WARNING,
                    )
                )
    return found


def _opt_out_notice(flow: Flow) -> list[Problem]:
    """The first SMS a caller gets must say how to stop (carriers require it)."""
    name: str | None = flow.start
    seen = set()
    while name is not None and name in flow.nodes and name not in seen:
        seen.add(name)
        node = flow.nodes[name]
        if node.say:
            return [
                Problem(
                    "the first text must tell callers how to opt out: mention STOP",
                    ("nodes", node.name, "say", language),
                )
                for language, template in node.say.by_language.items()
                if "STOP" not in template
            ]
        name = node.next
    return [Problem("an SMS flow must start with a text that mentions STOP", ("start",))]
