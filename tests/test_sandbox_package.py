"""The sandbox package's layout: no import cycle, and the server loads only when used."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import targetsms_frames.sandbox as sandbox_package

PACKAGE = Path(sandbox_package.__file__).parent


def _imports_within_the_package() -> dict[str, set[str]]:
    """For each module of the package, the package modules it imports (type-only included)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        name = path.stem
        graph[name] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    graph[name].add(node.module)
                else:
                    graph[name].update(alias.name for alias in node.names)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return None
        for target in sorted(graph.get(name, ())):
            found = visit(target, [*path, name])
            if found:
                return found
        done.add(name)
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def test_the_sandbox_modules_import_one_another_without_a_cycle() -> None:
    graph = _imports_within_the_package()
    assert {"_emulator", "_transport", "_faults", "_rules", "_server"} <= set(graph)
    assert _cycle(graph) is None, _cycle(graph)


def test_the_transport_and_the_server_do_not_know_the_emulator() -> None:
    graph = _imports_within_the_package()
    assert "_emulator" not in graph["_transport"]
    assert "_emulator" not in graph["_server"]
    assert "_server" not in graph["__init__"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_importing_the_toolkit_loads_no_web_server() -> None:
    code = (
        "import sys, targetsms_frames as tsf\n"
        "tsf.Client.sandbox(tsf.Sandbox()).close()\n"
        "print(sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
