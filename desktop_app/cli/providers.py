"""`jobtray provider add|check|list|remove`: providers defined in files, and the `--var NAME=VALUE` of accounts.

Definitions live in the data folder's `providers/` (beside the job list, so `--data-dir` keeps a set of its own).
`add` validates a file (or one JobTray ships, by name), shows where the key will go, and copies it there under its
provider's name; `check` reports every problem with field and line and, with `--answer`, what JobTray would read
from a sample answer; `remove` refuses while an account uses the provider.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from desktop_app.cli.output import EXIT_ERROR, EXIT_JOB_FAILED, EXIT_OK, Output, shown
from desktop_app.core.errors import ConfigError, ProviderError
from desktop_app.store.database import Store, data_dir

MAX_SAMPLE_BYTES = 4 * 1024 * 1024
_VAR = re.compile(r"([a-z][a-z0-9_]{0,30})=(.*)", re.DOTALL)


def learn_definitions(folder: Path, io: Output | None) -> None:
    """Make the providers defined in `folder`'s providers/ known; say once what is wrong with a failing one.

    Without a definition there is nothing to learn, and the registry (which brings requests along) stays unloaded
    for the commands that never need it (`list`, `history`...)."""
    loaded = "desktop_app.providers.registry" in sys.modules  # then it may hold another folder's definitions
    if not loaded and not any((folder / "providers").glob("*.toml")):  # registry.definitions_folder, unimported
        return
    from desktop_app.providers.registry import use_definitions

    for line in use_definitions(folder):
        if io is not None:
            io.warn(f"warning: {shown(line)}")


def parse_vars(values: list[str] | None) -> tuple[tuple[str, str], ...]:
    """`--var NAME=VALUE` options as (name, value) pairs; ConfigError for one that is not NAME=VALUE."""
    found: dict[str, str] = {}
    for raw in values or ():
        match = _VAR.fullmatch(raw)
        if match is None:
            raise ConfigError(f"--var takes NAME=VALUE with a lower-case name, like --var owner=octo-org: {raw[:80]!r}")
        found[match.group(1)] = match.group(2)
    return tuple(found.items())


def add_var_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--var",
        action="append",
        metavar="NAME=VALUE",
        help="a value the provider's definition asks for (GitHub Actions: --var owner=... --var repo=...)",
    )


def _folder(args: argparse.Namespace) -> Path:
    from desktop_app.providers.registry import definitions_folder

    return definitions_folder(data_dir(args.data_dir))


def _print_problems(io: Output, error: ConfigError) -> None:
    from desktop_app.providers.definition_file import DefinitionError

    if isinstance(error, DefinitionError):
        for problem in error.problems:
            io.warn(f"{shown(error.source)}:{problem.line}: {shown(problem.field)}: {shown(problem.message)}")
    else:
        io.warn(f"error: {error}")


def _origin_lines(io: Output, path: Path) -> None:
    from desktop_app.providers.defined import describe_request
    from desktop_app.providers.definition_file import read_definition
    from desktop_app.providers.registry import BUILTIN_NAMES

    definition = read_definition(path, BUILTIN_NAMES)
    key = definition.request.key
    where = f"the {key.header} header" if key.header else f"the body field {key.body_field}"
    io.line(f"{definition.name}: {definition.display_name} (written from {definition.documentation})")
    io.line(f"  request: {describe_request(definition)}")
    io.line(
        f"  the {key.label} goes only to {definition.origin} (or the account's --base-url), in {where}; never in a URL"
    )
    if definition.variables:
        wanted = " ".join(f"--var {name}=..." for name, _ in definition.variables)
        io.line(f"  accounts need: {wanted}")


def cmd_provider_add(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.providers.defined_folder import resolve
    from desktop_app.providers.definition_file import DefinitionError, read_definition
    from desktop_app.providers.registry import BUILTIN_NAMES

    source = resolve(args.file)
    try:
        definition = read_definition(source, BUILTIN_NAMES)
    except DefinitionError as exc:
        _print_problems(io, exc)
        io.warn(f"error: {shown(str(source))} was not added ({len(exc.problems)} problem(s))")
        return EXIT_ERROR
    folder = _folder(args)
    target = folder / f"{definition.name}.toml"
    if target.exists() and target.read_bytes() != source.read_bytes() and not args.replace:
        raise ConfigError(
            f"a definition of {definition.name!r} is already added ({target}); use --replace to change it"
        )
    _origin_lines(io, source)
    folder.mkdir(parents=True, exist_ok=True)
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    io.line(f"added provider {definition.name} ({target}); add an account with:")
    var_options = "".join(f" --var {name}=..." for name, _ in definition.variables)
    io.line(f"  jobtray account add NAME --provider {definition.name}{var_options} --key-stdin")
    return EXIT_OK


def cmd_provider_check(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.providers.defined import sample_answer
    from desktop_app.providers.defined_folder import resolve
    from desktop_app.providers.definition_file import DefinitionError, read_definition
    from desktop_app.providers.registry import BUILTIN_NAMES

    added = _folder(args) / f"{args.file}.toml"  # a provider's name: the definition in use in this data folder
    source = added if "/" not in args.file and added.is_file() and not Path(args.file).is_file() else resolve(args.file)
    try:
        definition = read_definition(source, BUILTIN_NAMES)
    except DefinitionError as exc:
        _print_problems(io, exc)
        io.warn(f"error: {len(exc.problems)} problem(s) in {shown(str(source))}")
        return EXIT_ERROR
    _origin_lines(io, source)
    states = ", ".join(f"{value} -> {state.value}" for value, state in definition.answer.states)
    io.line(f"  states: {states}; any other status: {definition.answer.unmapped}")
    io.line(
        f"  job IDs: {definition.ids.pattern.pattern}"
        + (f" ({definition.ids.documented})" if definition.ids.documented else "")
    )
    if not args.answer:
        io.line("the definition is fine")
        return EXIT_OK
    sample = Path(args.answer)
    try:
        with sample.open("rb") as handle:
            body = handle.read(MAX_SAMPLE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {args.answer}: {exc.strerror or exc}") from exc
    if len(body) > MAX_SAMPLE_BYTES:
        raise ConfigError(f"{args.answer} is larger than {MAX_SAMPLE_BYTES} bytes: no status answer is")
    try:
        status = sample_answer(definition, body)
    except ProviderError as exc:
        io.line(f"JobTray would not read a status from {shown(args.answer)}: {shown(str(exc))}")
        return EXIT_JOB_FAILED
    io.line(f"from {shown(args.answer)} JobTray would read:")
    io.line(f"  state: {status.state.value} (the service's status: {shown(status.provider_status)})")
    io.line(f"  progress: {'-' if status.progress is None else f'{status.progress:g} %'}")
    io.line(f"  message: {shown(status.message) if status.message else '-'}")
    io.line(f"  link: {shown(status.result_url) if status.result_url else '-'}")
    return EXIT_OK


def cmd_provider_list(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.providers.defined import DefinedProvider
    from desktop_app.providers.defined_folder import shipped
    from desktop_app.providers.registry import PROVIDERS

    with Store(data_dir(args.data_dir)) as store:
        learn_definitions(store.folder, io)
        used: dict[str, list[str]] = {}
        for account in store.accounts.all():
            used.setdefault(account.provider, []).append(account.name)
    rows = []
    for name, cls in PROVIDERS.items():
        defined = cls if issubclass(cls, DefinedProvider) else None
        rows.append(
            {
                "name": name,
                "display_name": cls.display_name,
                "kind": "built-in" if defined is None else "defined",
                "origin": cls.default_base_url,
                "file": None if defined is None else defined.definition.source,
                "accounts": used.get(name, []),
            }
        )
    available = [name for name in shipped() if name not in PROVIDERS]
    if args.json:
        io.json({"providers": rows, "shipped_not_added": available})
        return EXIT_OK
    for row in rows:
        accounts = f"\taccounts: {', '.join(shown(a) for a in row['accounts'])}" if row["accounts"] else ""
        io.line(f"{row['name']}\t{row['display_name']}\t{row['kind']}\t{row['origin']}{accounts}")
    for name in available:
        io.line(f"{name}\t(ships with JobTray: jobtray provider add {name})")
    return EXIT_OK


def cmd_provider_remove(args: argparse.Namespace, io: Output) -> int:
    from desktop_app.providers.registry import BUILTIN_NAMES, definitions_folder

    if args.name in BUILTIN_NAMES:
        raise ConfigError(f"{args.name} is built into JobTray and cannot be removed")
    with Store(data_dir(args.data_dir)) as store:
        users = [account.name for account in store.accounts.all() if account.provider == args.name]
        folder = definitions_folder(store.folder)
    target = folder / f"{args.name}.toml"
    if not target.is_file():
        raise ConfigError(f"no provider {args.name!r} is defined in {folder} (see `jobtray provider list`)")
    if users:
        names = ", ".join(shown(name) for name in users)
        raise ConfigError(f"{args.name} is used by account(s) {names}: remove them first (`jobtray account remove`)")
    target.unlink()
    io.line(f"removed provider {args.name} ({target})")
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    provider = sub.add_parser("provider", help="add, check, list or remove providers defined in files")
    actions = provider.add_subparsers(dest="provider_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="validate a definition and add it (a file, or one JobTray ships, by name)")
    add.add_argument("file", metavar="FILE")
    add.add_argument("--replace", action="store_true", help="replace an added definition of the same provider")
    add.set_defaults(func=cmd_provider_add)
    check = actions.add_parser("check", help="report each problem of a definition, with its field and line")
    check.add_argument("file", metavar="FILE")
    check.add_argument("--answer", metavar="SAMPLE", help="show what JobTray would read from this sample answer")
    check.set_defaults(func=cmd_provider_check)
    lst = actions.add_parser("list", help="built-in and defined providers")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_provider_list)
    remove = actions.add_parser("remove", help="remove a definition no account uses")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(func=cmd_provider_remove)
