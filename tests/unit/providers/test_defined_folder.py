"""The registry learns the providers defined in a data folder's providers/: a broken file disables that provider
alone and is told once; learning again replaces what was learnt, and never a provider registered otherwise."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.providers import registry
from desktop_app.providers.defined import DefinedProvider
from desktop_app.providers.defined_folder import resolve, shipped
from desktop_app.providers.registry import BUILTIN_NAMES, PROVIDERS, use_definitions


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(registry, "_LEARNT", set())
    monkeypatch.setattr(registry, "_TOLD", set())
    before = dict(PROVIDERS)
    yield
    PROVIDERS.clear()
    PROVIDERS.update(before)


def _add(data: Path, name: str) -> Path:
    folder = data / "providers"
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(shipped()[name], folder / f"{name}.toml"))


@pytest.mark.usefixtures("clean_registry")
def test_definitions_are_learnt_a_broken_one_disabled_alone_and_told_once(tmp_path: Path) -> None:
    _add(tmp_path, "cloudconvert")
    broken = _add(tmp_path, "replicate")
    broken.write_text(broken.read_text(encoding="utf-8").replace('method = "GET"', 'method = "PUT"'), "utf-8")
    told = use_definitions(tmp_path)
    assert issubclass(PROVIDERS["cloudconvert"], DefinedProvider) and "replicate" not in PROVIDERS
    assert len(told) == 1 and "replicate.toml is not used" in told[0] and "request.method" in told[0]
    assert use_definitions(tmp_path) == []  # told once per process
    assert set(BUILTIN_NAMES) <= set(PROVIDERS)


@pytest.mark.usefixtures("clean_registry")
def test_learning_again_replaces_what_was_learnt_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = type("OtherProvider", (DefinedProvider,), {"name": "other"})
    monkeypatch.setitem(PROVIDERS, "other", other)  # registered by something else (a test plugin, say)
    _add(tmp_path / "one", "cloudconvert")
    _add(tmp_path / "two", "github_actions")
    use_definitions(tmp_path / "one")
    assert "cloudconvert" in PROVIDERS
    use_definitions(tmp_path / "two")
    assert "cloudconvert" not in PROVIDERS and "github_actions" in PROVIDERS
    assert PROVIDERS["other"] is other
    use_definitions(tmp_path / "none")  # a data folder without providers/
    assert "github_actions" not in PROVIDERS and PROVIDERS["other"] is other


@pytest.mark.usefixtures("clean_registry")
def test_two_files_defining_one_provider_use_the_first(tmp_path: Path) -> None:
    first = _add(tmp_path, "cloudconvert")
    shutil.copyfile(first, tmp_path / "providers" / "zz-copy.toml")
    told = use_definitions(tmp_path)
    assert "cloudconvert" in PROVIDERS and len(told) == 1 and "defined twice" in told[0]


def test_a_file_is_found_by_path_or_a_shipped_one_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve("cloudconvert") == shipped()["cloudconvert"]
    assert resolve("cloudconvert.toml") == shipped()["cloudconvert"]
    own = tmp_path / "cloudconvert.toml"
    own.write_text("name = 'x'", encoding="utf-8")
    assert resolve("cloudconvert.toml") == Path("cloudconvert.toml")  # a file here wins
    with pytest.raises(ConfigError, match=r"no definition file 'nope\.toml'"):
        resolve("nope.toml")
