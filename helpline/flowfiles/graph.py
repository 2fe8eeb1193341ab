"""A flow as a Mermaid flowchart, for `helpline flows graph` and the operators' studio."""

from __future__ import annotations

from helpline.engine.cases import Choice, NumberRange, Pattern, Test, ZipCode
from helpline.engine.definition import Flow, Node

MAX_LABEL_CHARS = 40


def mermaid(flow: Flow) -> str:
    lines = ["flowchart TD", f"    start(((start))) --> {_id(flow.start)}"]
    for node in flow.nodes.values():
        lines.append(f"    {_id(node.name)}{_shape(node)}")
        for route in node.routes:
            label = _label(route.test) if route.test else "otherwise"
            lines.append(f"    {_id(node.name)} -->|{_quote(label)}| {_id(route.to)}")
        if node.next:
            lines.append(f"    {_id(node.name)} --> {_id(node.next)}")
        if node.wait and node.wait.on_timeout:
            lines.append(f"    {_id(node.name)} -.->|no reply| {_id(node.wait.on_timeout)}")
        if node.retry:
            lines.append(
                f"    {_id(node.name)} -.->|{node.retry.attempts} unclear replies| "
                f"{_id(node.retry.fallback)}"
            )
    return "\n".join(lines) + "\n"


def _id(name: str) -> str:
    return f"n_{name}"


def _shape(node: Node) -> str:
    actions = ", ".join(a.name for a in node.actions)
    text = node.name + (f": {actions}" if actions else "")
    if node.end:
        return f'(["{_quote(text)}"])'
    if node.check:
        return f'{{"{_quote(text)}?"}}'
    if node.wait:
        return f'["{_quote(text)}"]'
    return f'("{_quote(text)}")'


def _label(test: Test) -> str:
    match test:
        case Choice(phrases=phrases):
            text = " / ".join(" ".join(p) for p in phrases[:4]) + (" …" if len(phrases) > 4 else "")
        case NumberRange(minimum=low, maximum=high):
            text = f"number {low}–{high}"
        case ZipCode():
            text = "ZIP code"
        case Pattern(pattern=pattern):
            text = f"matches {pattern}"
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"


def _quote(text: str) -> str:
    """Mermaid labels cannot hold quotes, pipes or brackets raw."""
    for raw, safe in (
        ('"', "#quot;"),
        ("|", "#124;"),
        ("[", "#91;"),
        ("]", "#93;"),
        ("{", "#123;"),
        ("}", "#125;"),
    ):
        text = text.replace(raw, safe)
    return text
