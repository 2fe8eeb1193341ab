"""Broken flow files get `file:line: message`, one per problem, all at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpline.flowfiles.catalog import check_paths

REPO = Path(__file__).parents[2]
CONSTANTS = {"helpline_name": "Recovery Helpline", "crisis_line": "1-800-662-4357"}

GOOD = """\
spec_version: 1
channel: sms
languages: [en, es]
start: ask
nodes:
  ask:
    say:
      en: "Reply 1 or 2. Reply STOP to opt out. Help: 988"
      es: "Responda 1 o 2. Responda STOP para salir. Ayuda: 988"
    wait: {timeout: 1h, on_timeout: bye}
    save: pick
    routes:
      - {choice: ["1"], to: bye}
      - {to: bye}
  bye:
    say: {en: "Bye. Help: 988", es: "Adios. Ayuda: 988"}
    end: true
"""


def check(tmp_path: Path, text: str, name: str = "flow.yaml") -> list[str]:
    for data in ("messages.yaml", "programs.yaml"):
        shutil.copy(REPO / "flows" / data, tmp_path / data)
    path = tmp_path / name
    path.write_text(text)
    errors, _warnings = check_paths([path], CONSTANTS)
    prefix = f"{path}:"
    assert all(str(e).startswith(prefix) for e in errors), [str(e) for e in errors]
    return [str(e)[len(prefix) :] for e in errors]


def test_the_good_flow_is_good(tmp_path: Path) -> None:
    assert check(tmp_path, GOOD) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'routes:\n      - {choice: ["1"], to: bye}',
            'routes:\n      - {choice: ["1"], to: byee}',
            "13: goes to unknown node 'byee'",
        ),
        (
            "  bye:\n",
            '  lost:\n    say: {en: "x 988", es: "x 988"}\n    end: true\n  bye:\n',
            "15: node 'lost' cannot be reached from start",
        ),
        (
            "      - {to: bye}\n",
            "      - {to: a}\n  a:\n    next: b\n  b:\n    next: a\n",
            "15: these nodes loop without asking anything: a → b → a",
        ),
        (
            '      es: "Responda 1 o 2. Responda STOP para salir. Ayuda: 988"\n',
            "",
            "7: missing translation for 'es'",
        ),
        (
            "    wait: {timeout: 1h, on_timeout: bye}\n",
            "    wait: {on_timeout: bye}\n",
            "10: 'timeout' is required",
        ),
        (
            "    wait: {timeout: 1h, on_timeout: bye}\n",
            "",
            "6: this node has routes but no wait: add wait with a timeout",
        ),
        (
            '{choice: ["1"], to: bye}',
            '{regex: "(unclosed", to: bye}',
            "13: nodes.ask.routes.0: Value error, regex does not compile",
        ),
        (
            "    save: pick\n",
            "    save: pick\n    actions: [call_mom]\n",
            "12: unknown action 'call_mom'; "
            "known: escalate, language, send_meetings, send_programs, set",
        ),
        (
            "spec_version: 1",
            "spec_version: 9",
            "1: spec_version 9 is not supported; this helpline reads 1",
        ),
        ("    end: true\n", "    end: true\n    colour: red\n", "18: unknown field 'colour'"),
        (
            "timeout: 1h",
            "timeout: soon",
            "10: nodes.ask.wait.timeout: Value error, 'soon' is not a duration",
        ),
        (
            "Reply 1 or 2. Reply STOP",
            "Reply 1 or 2 {name}. Reply STOP",
            "8: unknown placeholder {name}; known: crisis_line, helpline_name, pick",
        ),
        (
            "Reply 1 or 2. Reply STOP to opt out.",
            "Reply 1 or 2.",
            "8: the first text must tell callers how to opt out: mention STOP",
        ),
        ("      - {to: bye}\n", "", "12: a reply that matches no route has nowhere to go"),
        (
            "    end: true\n",
            "",
            "15: node 'bye' is a dead end: give it routes (a question), next, or end: true",
        ),
    ],
    ids=[
        "unknown-target",
        "unreachable",
        "silent-loop",
        "missing-translation",
        "wait-without-timeout",
        "question-without-wait",
        "bad-regex",
        "unknown-action",
        "spec-version",
        "unknown-field",
        "bad-duration",
        "unknown-placeholder",
        "no-stop-notice",
        "no-default-no-retry",
        "dead-end",
    ],
)
def test_each_mistake_is_reported_at_its_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in GOOD
    errors = check(tmp_path, GOOD.replace(old, new, 1))
    assert any(e.startswith(expected) for e in errors), errors


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    broken = GOOD.replace("{to: bye}", "{to: nowhere}").replace(', es: "Adios. Ayuda: 988"', "")
    errors = check(tmp_path, broken)
    assert errors == ["14: goes to unknown node 'nowhere'", "16: missing translation for 'es'"]


def test_defaults_problems_are_reported_once_at_the_default(tmp_path: Path) -> None:
    flow = GOOD.replace("    wait: {timeout: 1h, on_timeout: bye}\n", "").replace(
        "start: ask\n", "start: ask\ndefaults:\n  wait: {timeout: 1h, on_timeout: nope}\n"
    )
    errors = check(tmp_path, flow)
    assert errors == ["6: goes to unknown node 'nope'"]


def test_name_must_match_the_file(tmp_path: Path) -> None:
    errors = check(tmp_path, "name: other\n" + GOOD)
    assert errors == ["1: name 'other' must match the file name 'flow'"]


def test_long_prompts_warn_without_failing(tmp_path: Path) -> None:
    for data in ("messages.yaml", "programs.yaml"):
        shutil.copy(REPO / "flows" / data, tmp_path / data)
    path = tmp_path / "flow.yaml"
    path.write_text(
        GOOD.replace("Bye. Help: 988", "Bye. " + "word " * 80 + "Help: 988").replace(
            "Adios. Ayuda: 988", "Adios."
        )
    )
    errors, warnings = check_paths([path], CONSTANTS)
    assert errors == []
    assert [str(w) for w in warnings] == [
        f"{path}:16: text is 3 SMS segments (over 2); shorter texts arrive whole and cost less",
        f"{path}:16: this text does not say how to reach a person: mention {{crisis_line}}, "
        "988 or 911",
    ]
