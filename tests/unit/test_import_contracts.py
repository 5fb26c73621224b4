"""The house rules of docs/ARCHITECTURE.md, checked: which package may import what, and no import circles.

Two kinds of check: the import statements in each package's sources (every level, so a lazy import inside a
function counts too), and what importing a package really loads, in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import desktop_app

PACKAGE = Path(desktop_app.__file__).parent
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")
HTTP = ("requests", "urllib3", "xmltodict")
SQL = ("sqlite3", "_sqlite3")

# package -> (our packages it must not import, third-party top-level modules it must not import)
CONTRACTS: dict[str, tuple[set[str], set[str]]] = {
    "core": (
        {"providers", "engine", "store", "workers", "ui", "app", "cli", "system", "simulators"},
        {*QT, *HTTP, *SQL},
    ),
    "providers": ({"engine", "store", "workers", "ui", "app", "cli", "simulators"}, {*QT, *SQL}),
    "store": ({"providers", "engine", "workers", "ui", "app", "cli", "simulators"}, {*QT, *HTTP}),
    "system": ({"providers", "engine", "store", "workers", "ui", "app", "cli", "simulators"}, {*HTTP, *SQL}),
    "engine": ({"workers", "ui", "app", "cli", "simulators"}, {*QT}),
    "workers": ({"store", "ui", "app", "cli", "simulators"}, {*SQL}),
    "ui": ({"store", "providers", "engine", "workers", "app", "cli", "simulators"}, {*HTTP, *SQL}),
    "simulators": ({"engine", "store", "workers", "ui", "app", "cli"}, {*QT, *SQL}),
}


def _modules(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, top_level_only: bool = False) -> Iterator[str]:
    """Absolute module names imported by `path` (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    here = _module_name(path).split(".")
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + (1 if path.name == "__init__.py" else 0)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield module
            # `from desktop_app import x` names a submodule
            if module == "desktop_app":
                yield from (f"desktop_app.{alias.name}" for alias in node.names)


def _violations(package: str) -> list[str]:
    ours_banned, third_banned = CONTRACTS[package]
    found = []
    for path in _modules(package):
        for name in _imports(path):
            parts = name.split(".")
            if (parts[0] == "desktop_app" and len(parts) > 1 and parts[1] in ours_banned) or parts[0] in third_banned:
                found.append(f"{path.relative_to(PACKAGE)} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(CONTRACTS))
def test_each_package_imports_only_what_its_layer_allows(package: str) -> None:
    assert _modules(package), f"desktop_app/{package} has no modules?"
    assert _violations(package) == []


def test_the_contract_check_sees_a_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks above must be able to fail: a Qt import in core, a store import in a worker."""
    fake = tmp_path / "desktop_app"
    (fake / "core").mkdir(parents=True)
    (fake / "workers").mkdir()
    (fake / "core" / "bad.py").write_text("from PySide6.QtCore import QObject\n")
    (fake / "workers" / "bad.py").write_text("def f():\n    from desktop_app.store import database\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert _violations("core") == ["core/bad.py imports PySide6.QtCore"]
    assert _violations("workers") == ["workers/bad.py imports desktop_app.store"]


def _loaded_by(modules: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for n in {modules!r}: importlib.import_module(n)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return set(out.stdout.split())


def _all_modules(package: str) -> list[str]:
    return [_module_name(p) for p in _modules(package)]


def test_what_importing_each_layer_really_loads() -> None:
    """Transitively too: a worker never reaches the store, the window never reaches HTTP or SQLite, and the engine,
    the providers and the store never load Qt."""
    checks = {
        "workers": ("desktop_app.store", *SQL),
        "ui": ("desktop_app.store", "desktop_app.providers", *HTTP, *SQL),
        "engine": QT,
        "providers": (*QT, *SQL),
        "store": (*QT, *HTTP),
    }
    for package, banned in checks.items():
        loaded = _loaded_by(_all_modules(package))
        bad = sorted(m for m in loaded if any(m == b or m.startswith(b + ".") for b in banned))
        assert bad == [], f"importing desktop_app.{package} loads {bad[:5]}"


def test_no_import_circles_between_modules() -> None:
    """Module-level imports of our own modules form no cycle (lazy imports inside functions are allowed)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        graph[name] = {m for m in _imports(path, top_level_only=True) if m.startswith("desktop_app.")}
    known = set(graph)
    for name, targets in list(graph.items()):
        # `from desktop_app.x import y` where y is a function: the edge is to x
        graph[name] = {m if m in known else m.rsplit(".", 1)[0] for m in targets} & known - {name}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue  # a package and its own submodules
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            assert cycle is None, " -> ".join(cycle)
