"""The house rules of docs/ARCHITECTURE.md, checked: which package may import what, and no import circles.

`ALLOWED` is the table of docs/ARCHITECTURE.md ("The rooms"), exactly: a test reads the document and compares.
Three kinds of check: the import statements in each package's sources (every level, so a lazy import inside a
function counts too, except where the table says "only inside functions"), what importing a package really loads
in a fresh interpreter, and circles between modules (imports inside functions count: they run too).
"""

from __future__ import annotations

import ast
import re
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

ROOMS = ("core", "system", "providers", "simulators", "store", "engine", "workers", "ui", "app", "cli")
DOC = Path(__file__).resolve().parents[2] / "docs" / "ARCHITECTURE.md"

# The table of docs/ARCHITECTURE.md: package -> (our packages it may import anywhere, those it may import only
# inside functions). `desktop_app.__version__` (the package's own version) is everyone's.
ALLOWED: dict[str, tuple[set[str], set[str]]] = {
    "core": (set(), set()),
    "system": ({"core"}, set()),
    "providers": ({"core", "system"}, set()),
    "simulators": ({"core", "providers"}, set()),
    "store": ({"core"}, set()),
    "engine": ({"core", "system", "providers", "store"}, set()),
    "workers": ({"core", "engine"}, set()),
    "ui": ({"core"}, set()),
    "app": ({"core", "system", "providers", "simulators", "store", "engine", "workers", "ui"}, set()),
    "cli": ({"core", "system", "providers", "simulators", "store", "engine"}, {"app"}),
}

# Third-party modules a package must not import (anywhere in its sources).
THIRD_PARTY_BANNED: dict[str, set[str]] = {
    "core": {*QT, *HTTP, *SQL},
    "providers": {*QT, *SQL},
    "store": {*QT, *HTTP},
    "system": {*HTTP, *SQL},
    "engine": {*QT},
    "workers": {*SQL},
    "ui": {*HTTP, *SQL},
    "simulators": {*QT, *SQL},
    "app": set(),
    "cli": set(),
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
    anywhere, lazily = ALLOWED[package]
    found = []
    for path in _modules(package):
        top_level = set(_imports(path, top_level_only=True))
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] in THIRD_PARTY_BANNED[package]:
                found.append(f"{path.relative_to(PACKAGE)} imports {name}")
            if parts[0] != "desktop_app" or len(parts) < 2 or parts[1] in (package, "__version__"):
                continue
            if parts[1] in anywhere or (parts[1] in lazily and name not in top_level):
                continue
            found.append(f"{path.relative_to(PACKAGE)} imports {name}")
    return sorted(set(found))


def _documented_table() -> dict[str, tuple[set[str], set[str]]]:
    """The rooms table of docs/ARCHITECTURE.md: its last column's `names`, those before "only inside functions"
    lazily allowed."""
    table: dict[str, tuple[set[str], set[str]]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        row = re.match(r"\| `(\w+)/` \|.*\| ([^|]*) \|$", line)
        if row is None or row.group(1) not in ROOMS:
            continue
        column = row.group(2)
        lazily = {m for m in re.findall(r"`(\w+)` only inside functions", column)}
        named = {m for m in re.findall(r"`(\w+)`", column) if m in ROOMS}
        table[row.group(1)] = (named - lazily, lazily)
    return table


def test_the_contract_is_the_documents_table() -> None:
    assert _documented_table() == ALLOWED


def test_every_package_is_covered() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(ROOMS)


@pytest.mark.parametrize("package", ROOMS)
def test_each_package_imports_only_what_its_layer_allows(package: str) -> None:
    assert _modules(package), f"desktop_app/{package} has no modules?"
    assert _violations(package) == []


def test_the_contract_check_sees_a_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks above must be able to fail: a Qt import in core, a store import in a worker."""
    fake = tmp_path / "desktop_app"
    (fake / "core").mkdir(parents=True)
    (fake / "workers").mkdir()
    (fake / "cli").mkdir()
    (fake / "core" / "bad.py").write_text("from PySide6.QtCore import QObject\n")
    (fake / "workers" / "bad.py").write_text("def f():\n    from desktop_app.store import database\n")
    (fake / "cli" / "bad.py").write_text("from desktop_app.app import run\n")
    (fake / "cli" / "good.py").write_text("def f():\n    from desktop_app.app import run\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert _violations("core") == ["core/bad.py imports PySide6.QtCore"]
    assert _violations("workers") == ["workers/bad.py imports desktop_app.store"]
    assert _violations("cli") == ["cli/bad.py imports desktop_app.app"]


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


def _cycle(package: Path) -> list[str] | None:
    """A circle of imports between our modules (inside functions too), or None."""
    graph: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        name = _module_name(path)
        graph[name] = {m for m in _imports(path) if m.startswith("desktop_app.")}
        # `from desktop_app.x import y` where y is a module: the edge is to it too
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                graph[name].update(f"{node.module}.{alias.name}" for alias in node.names)
    known = set(graph)
    for name, targets in list(graph.items()):
        graph[name] = {m for m in targets if m in known} - {name}
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
            if cycle is not None:
                return cycle
    return None


def test_no_import_circles_between_modules() -> None:
    """Our modules import each other in no circle, counting imports inside functions (they run too: cli/commands
    and cli/intake imported each other that way, unseen by a check of module-level imports)."""
    cycle = _cycle(PACKAGE)
    assert cycle is None, " -> ".join(cycle or [])


def test_the_circle_check_sees_a_lazy_circle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "desktop_app"
    (fake / "cli").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "cli" / "__init__.py").write_text("")
    (fake / "cli" / "a.py").write_text("from desktop_app.cli import b\n")
    (fake / "cli" / "b.py").write_text("def f():\n    from desktop_app.cli.a import g\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert _cycle(fake) == ["desktop_app.cli.a", "desktop_app.cli.b", "desktop_app.cli.a"]
