"""The one place that reads YAML: safe, strict, and with a line for every value.

Operator files are untrusted and hand-edited, so the loader
- builds plain data only (no Python objects, no expressions);
- keeps only true/false as booleans: with YAML 1.1 rules `yes`, `no`, `on`
  and `off` would silently become booleans, and those are reply words here;
- refuses duplicate keys, which PyYAML would otherwise resolve silently;
- records the line of every value, so any later check can say `file:line`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from helpline.errors import FlowDefinitionError

MAX_YAML_FILE_BYTES = 256 * 1024
"""Flow and data files are small; anything larger is a mistake or an attack."""

MAX_YAML_NODES = 50_000
"""Caps the walk, so aliases cannot expand into a billion laughs."""

Location = tuple[str | int, ...]

_BOOL_TAG = "tag:yaml.org,2002:bool"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class YamlDocument:
    """Plain data from one YAML file, with the line where each value starts."""

    path: Path
    data: Any
    lines: Mapping[Location, int] = field(repr=False)

    def line_of(self, location: Sequence[str | int]) -> int | None:
        """The line of `location`, or of its nearest ancestor that has one."""
        loc = tuple(location)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)

    def error(self, message: str, location: Sequence[str | int] = ()) -> FlowDefinitionError:
        return FlowDefinitionError(message, path=self.path, line=self.line_of(location))


def load_yaml_text(text: str, path: Path | str) -> YamlDocument:
    """Parse YAML text; raise FlowDefinitionError with file:line on any problem."""
    path = Path(path)
    if len(text.encode("utf-8")) > MAX_YAML_FILE_BYTES:
        raise FlowDefinitionError(
            f"file is larger than {MAX_YAML_FILE_BYTES // 1024} KiB", path=path, line=None
        )
    try:
        # The reader checks every character as it is built, so this is inside the try too.
        loader = _StrictLoader(text)
    except yaml.reader.ReaderError as exc:
        raise FlowDefinitionError(
            f"invalid YAML: character U+{exc.character:04X} is not allowed (a control "
            "character, perhaps pasted in); delete it",
            path=path,
            line=text[: exc.position].count("\n") + 1,
        ) from None
    try:
        node = loader.get_single_node()
        lines: dict[Location, int] = {}
        data = _Walker(loader, path, lines).walk(node, ()) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise FlowDefinitionError(f"invalid YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise FlowDefinitionError(f"invalid YAML: {exc}", path=path, line=None) from None
    finally:
        loader.dispose()
    return YamlDocument(path=path, data=data, lines=lines)


def load_yaml_file(path: Path | str) -> YamlDocument:
    """Read and parse a YAML file; unreadable files are FlowDefinitionErrors too."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FlowDefinitionError(f"cannot read file: {exc.strerror}", path=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = raw[: exc.start].count(b"\n") + 1
        raise FlowDefinitionError("file is not UTF-8 text", path=path, line=at) from None
    return load_yaml_text(text, path)


class _Walker:
    def __init__(self, loader: _StrictLoader, path: Path, lines: dict[Location, int]) -> None:
        self.loader = loader
        self.path = path
        self.lines = lines
        self.count = 0

    def walk(self, node: yaml.Node, loc: Location) -> Any:
        self.count += 1
        if self.count > MAX_YAML_NODES:
            raise FlowDefinitionError(
                f"file has more than {MAX_YAML_NODES} values (aliases expanding?)",
                path=self.path,
                line=node.start_mark.line + 1,
            )
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, str | int):
                    raise FlowDefinitionError(
                        "keys must be plain words",
                        path=self.path,
                        line=key_node.start_mark.line + 1,
                    )
                if key in result:
                    raise FlowDefinitionError(
                        f"duplicate key {key!r}", path=self.path, line=key_node.start_mark.line + 1
                    )
                # A key's own line reads better in errors than where its value starts.
                self.lines[(*loc, key)] = key_node.start_mark.line + 1
                result[key] = self.walk(value_node, (*loc, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


def dump_yaml(data: Any) -> str:
    """Plain data as block YAML, for files the helpline itself writes (accounts)."""
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return text
