"""No cache in the product without a bound (issue 19): `functools.cache` and `lru_cache(maxsize=None)` are allowed
only on functions without parameters (one entry); every other memo says how many entries it keeps."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "desktop_app"


def _unbounded(decorator: ast.expr) -> bool:
    name = decorator.func if isinstance(decorator, ast.Call) else decorator
    text = ast.unparse(name)
    if text in ("cache", "functools.cache"):
        return True
    if text in ("lru_cache", "functools.lru_cache"):
        if not isinstance(decorator, ast.Call):
            return False  # lru_cache's default: 128 entries
        for keyword in decorator.keywords:
            if keyword.arg == "maxsize" and isinstance(keyword.value, ast.Constant) and keyword.value.value is None:
                return True
        return bool(decorator.args) and isinstance(decorator.args[0], ast.Constant) and decorator.args[0].value is None
    return False


def unbounded_caches(root: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            arguments = node.args
            takes = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
            if not takes and arguments.vararg is None and arguments.kwarg is None:
                continue  # one entry at most
            if any(_unbounded(d) for d in node.decorator_list):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name}")
    return found


def test_every_cache_in_the_product_has_a_bound() -> None:
    assert unbounded_caches(PACKAGE) == []


def test_the_guard_sees_an_unbounded_cache(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(
        "from functools import cache, lru_cache\n"
        "@cache\ndef a(x): return x\n"
        "@lru_cache(maxsize=None)\ndef b(x): return x\n"
        "@lru_cache(maxsize=4)\ndef c(x): return x\n"
        "@cache\ndef d(): return 1\n",
        encoding="utf-8",
    )
    assert [entry.split()[-1] for entry in unbounded_caches(tmp_path / "pkg")] == ["a", "b"]
