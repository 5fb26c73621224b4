"""`jobtray settings [--json]`, `jobtray settings set|unset [--account NAME] KEY [VALUE]`, and the account options
that are settings (`account add|edit --save-results DIR --on-end CMD --on-end-when ENDINGS`)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from desktop_app.cli.output import EXIT_OK, Output, shown
from desktop_app.core.errors import ConfigError
from desktop_app.core.settings import (
    AccountSettings,
    GlobalSettings,
    account_keys,
    as_json,
    describe,
    global_keys,
    parse_command,
    parse_endings,
    with_account_value,
    with_global_value,
)
from desktop_app.store.database import Store, data_dir


def folder_setting(text: str) -> str | None:
    """A folder for `--save-results`, made absolute ('' turns saving off); a file in the way is refused."""
    if not text.strip():
        return None
    path = Path(text).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{path} is not a folder")
    return str(path)


# ---- account add / edit -----------------------------------------------------------------------------------


def add_account_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--save-results", metavar="DIR", help="download each finished job's result into DIR ('' to stop)"
    )
    parser.add_argument("--on-end", metavar="CMD", help="run CMD (no shell) when a job of this account ends ('' off)")
    parser.add_argument(
        "--on-end-when",
        metavar="ENDINGS",
        help="which endings run it: succeeded,partial,failed,cancelled,not_found (or all, bad)",
    )


def account_settings_from_args(args: argparse.Namespace, current: AccountSettings) -> AccountSettings:
    """`current` with the options given; every value checked (ConfigError) before anything is written."""
    settings = current
    if getattr(args, "save_results", None) is not None:
        settings = replace(settings, save_results=folder_setting(args.save_results))
    if getattr(args, "on_end", None) is not None:
        command = args.on_end.strip() or None
        if command is not None:
            parse_command(command)
        settings = replace(settings, on_end=command)
    if getattr(args, "on_end_when", None) is not None:
        settings = replace(settings, on_end_when=parse_endings(args.on_end_when))
    return settings


# ---- jobtray settings -------------------------------------------------------------------------------------


def add_parser(sub: Any) -> None:
    settings = sub.add_parser("settings", help="show (or set) the settings that stay across restarts")
    settings.add_argument("--json", action="store_true")
    settings.set_defaults(func=cmd_settings)
    actions = settings.add_subparsers(dest="settings_command", metavar="ACTION")
    set_cmd = actions.add_parser("set", help="set one value (of the app, or of an account with --account)")
    set_cmd.add_argument("--account", metavar="NAME")
    set_cmd.add_argument(
        "key", metavar="KEY", help=f"app: {', '.join(global_keys())}; account: {', '.join(account_keys())}"
    )
    set_cmd.add_argument("value", metavar="VALUE")
    set_cmd.set_defaults(func=cmd_settings_set)
    unset = actions.add_parser("unset", help="back to the default")
    unset.add_argument("--account", metavar="NAME")
    unset.add_argument("key", metavar="KEY")
    unset.set_defaults(func=cmd_settings_unset)


def _open(args: argparse.Namespace) -> Store:
    return Store(data_dir(args.data_dir))


def cmd_settings(args: argparse.Namespace, io: Output) -> int:
    with _open(args) as store:
        app = store.settings.app()
        accounts = store.settings.accounts()
    if args.json:
        io.json({"app": as_json(app), "accounts": {name: as_json(s) for name, s in sorted(accounts.items())}})
        return EXIT_OK
    for key, value in describe(app).items():
        io.line(f"{key}\t{shown(value)}")
    for name, settings in sorted(accounts.items()):
        io.line("")
        io.line(f"account {shown(name)}")
        for key, value in describe(settings).items():
            io.line(f"  {key}\t{shown(value)}")
    return EXIT_OK


def _set(args: argparse.Namespace, io: Output, value: str | None) -> int:
    with _open(args) as store:
        if args.account:
            store.accounts.get(args.account)  # ConfigError naming it when there is none
            current = store.settings.account(args.account)
            text = value if value is not None else _default_text(AccountSettings(), args.key, account=True)
            if args.key.replace("_", "-").lower() == "save-results" and value:
                text = folder_setting(value) or ""
            store.settings.save_account(args.account, with_account_value(current, args.key, text))
            where = f"account {shown(args.account)}"
        else:
            app = store.settings.app()
            text = value if value is not None else _default_text(GlobalSettings(), args.key, account=False)
            store.settings.save_app(with_global_value(app, args.key, text))
            where = "the app"
    io.line(f"{args.key} of {where} is now {shown(text) or '(none)'}")
    return EXIT_OK


def _default_text(settings: AccountSettings | GlobalSettings, key: str, account: bool) -> str:
    values = describe(settings)
    name = key.replace("_", "-").lower()
    if name not in values:
        keys = account_keys() if account else global_keys()
        raise ConfigError(f"unknown setting {key!r} (choose from {', '.join(keys)})")
    return values[name]


def cmd_settings_set(args: argparse.Namespace, io: Output) -> int:
    return _set(args, io, args.value)


def cmd_settings_unset(args: argparse.Namespace, io: Output) -> int:
    return _set(args, io, None)
