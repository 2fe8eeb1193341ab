"""Every Redis key is built in helpline/keys.py and carries the prefix; none holds a number."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from helpline import keys

PACKAGE = Path(keys.__file__).parent


def test_every_key_builder_uses_the_prefix() -> None:
    builders = [
        f
        for name, f in inspect.getmembers(keys, inspect.isfunction)
        if f.__module__ == keys.__name__
    ]
    assert builders
    for builder in builders:
        args = ["x"] * len(inspect.signature(builder).parameters)
        assert builder(*args).startswith(keys.PREFIX + ":"), builder.__name__


def test_no_key_literals_outside_keys_py() -> None:
    pattern = re.compile(r"""["']helpline:""")
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "keys.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
