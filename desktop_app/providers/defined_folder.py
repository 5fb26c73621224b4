"""The folder of provider definitions beside the job list, and the definitions JobTray ships.

Each `*.toml` file in the folder defines one provider. A file that fails (unreadable, wrong, a name taken) disables
that provider alone: the others load, and the caller tells the user once what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from desktop_app.core.errors import ConfigError
from desktop_app.providers.defined import DefinedProvider, provider_class
from desktop_app.providers.definition_file import Definition, DefinitionError, read_definition

SHIPPED_FOLDER = Path(__file__).parent / "definitions"
MAX_FILES = 200  # a folder holding more is not a folder of definitions someone wrote


def definition_files(folder: Path) -> list[Path]:
    """The definition files in `folder`, by name; none when it does not exist."""
    try:
        found = sorted(p for p in folder.iterdir() if p.suffix == ".toml" and p.is_file())
    except OSError:
        return []
    return found[:MAX_FILES]


def load_folder(folder: Path, reserved: Collection[str]) -> tuple[dict[str, type[DefinedProvider]], list[str]]:
    """The providers defined in `folder` by name, and one line for each file that was not used."""
    loaded: dict[str, type[DefinedProvider]] = {}
    problems: list[str] = []
    for path in definition_files(folder):
        try:
            definition = read_definition(path, reserved)
        except DefinitionError as exc:
            first = exc.problems[0] if exc.problems else None
            more = (
                f" (and {len(exc.problems) - 1} more: `jobtray provider check {path}`)" if len(exc.problems) > 1 else ""
            )
            problems.append(f"provider definition {path.name} is not used: {first}{more}")
            continue
        if definition.name in loaded:
            problems.append(f"provider definition {path.name} is not used: {definition.name!r} is defined twice")
            continue
        loaded[definition.name] = provider_class(definition)
    return loaded, problems


def shipped() -> dict[str, Path]:
    """The definitions that come with JobTray, by provider name (file stem): `jobtray provider add NAME`."""
    return {path.stem: path for path in definition_files(SHIPPED_FOLDER)}


def resolve(file_or_name: str) -> Path:
    """A definition file the user named: a path, else the name of a shipped definition (with or without .toml)."""
    path = Path(file_or_name).expanduser()
    if path.is_file():
        return path
    stem = path.name.removesuffix(".toml")
    found = shipped().get(stem)
    if found is not None and path.parent == Path("."):
        return found
    known = ", ".join(sorted(shipped()))
    raise ConfigError(f"no definition file {file_or_name!r} (the definitions JobTray ships: {known})")


def read(path: Path, reserved: Collection[str]) -> Definition:
    return read_definition(path, reserved)
