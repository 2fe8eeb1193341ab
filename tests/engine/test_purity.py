"""The engine decides; it never does I/O. This walks its source to keep it that way."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import helpline.engine

ENGINE = Path(helpline.engine.__file__).parent
ALLOWED_OWN = ("helpline.engine", "helpline.errors")
BANNED_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("time", "time"), ("uuid", "uuid4")}
BANNED_MODULES = {"random", "socket", "subprocess", "threading", "asyncio", "os", "io"}


def engine_modules() -> list[Path]:
    return sorted(ENGINE.glob("*.py"))


def imported_names(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", engine_modules(), ids=lambda p: p.name)
def test_engine_imports_only_the_standard_library_and_itself(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    for name in imported_names(tree):
        top = name.split(".")[0]
        own = name.startswith(ALLOWED_OWN)
        assert own or (top in sys.stdlib_module_names and top not in BANNED_MODULES), (
            f"{path.name} imports {name}: the engine must stay pure"
        )


@pytest.mark.parametrize("path", engine_modules(), ids=lambda p: p.name)
def test_engine_reads_no_clock_and_makes_no_random_ids(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in BANNED_CALLS, (
                f"{path.name}:{node.lineno} calls {node.value.id}.{node.attr}; "
                "time comes in as an argument"
            )


def test_the_io_libraries_never_load_with_the_engine() -> None:
    """Importing the engine in a fresh interpreter pulls in none of the edges' libraries."""
    import subprocess

    code = (
        "import sys, helpline.engine, helpline.engine.validate;"
        "bad = [m for m in ('redis', 'rq', 'starlette', 'twilio', 'httpx', 'requests', 'uvicorn')"
        " if m in sys.modules]; print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_purity_check_catches_a_leak(tmp_path: Path) -> None:
    """The check above can fail: a module importing redis is caught."""
    leaky = ast.parse("import redis\nfrom helpline.engine import text\n")
    names = imported_names(leaky)
    assert "redis" in names
    assert not all(
        n.startswith(ALLOWED_OWN) or n.split(".")[0] in sys.stdlib_module_names for n in names
    )
