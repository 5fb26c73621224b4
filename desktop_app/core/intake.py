"""One intake for every front: text (typed with `jobtray add`, dropped or pasted on the window, copied to the
clipboard, written in the Add job dialog), a vendor's creation reply, a `jobtray://` link and a job handed to the
running tray, each turned into (account, job ID) by the same rules. Before issue 19 this was written four times,
and the window and `jobtray add` answered differently for the same token with an explicit account.

The rules:
- With an account named, a single token is taken as given (`ids.given_id`): refused only when it cannot be sent
  safely, kept with a warning when it does not look like the vendor's documented form. Longer text is searched
  with that account's provider's patterns.
- Without one, a single token is judged by each provider's full `valid` pattern, longer text searched with the
  stricter `find` patterns; the accounts of the providers that match own the IDs. `owners` lets a window ask which
  one when several could; `place_text` (the terminal) refuses and says `--account`.
- A reply, a link or a hand-off names its provider (and perhaps its account) itself: `place_given`. A link and a
  hand-off are untrusted: an ID not of the vendor's documented form is refused (`strict`).

Pure: the providers' ID specs and display names come in an `IdBook` (the registry's, from `engine/intake.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from desktop_app.core import ids
from desktop_app.core.errors import ConfigError
from desktop_app.core.model import Account


@dataclass(frozen=True)
class IdBook:
    """What the intake knows of the providers: their ID specs and display names, by provider name."""

    specs: Mapping[str, ids.IdSpec]
    names: Mapping[str, str]

    def spec(self, provider: str) -> ids.IdSpec:
        spec = self.specs.get(provider)
        if spec is None:
            known = ", ".join(sorted(self.specs))
            raise ConfigError(f"unknown provider {ids.quoted(provider)} (known: {known})")
        return spec

    def display(self, provider: str) -> str:
        return ids.provider_display_name(provider, self.names)


@dataclass(frozen=True, slots=True)
class Placed:
    """One job to watch: at which account, its ID as sent, and its label."""

    account: Account
    job_id: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Owner:
    """An account that could own some of the IDs in a text, and those IDs."""

    account: Account
    job_ids: tuple[str, ...]


def account_named(accounts: Sequence[Account], name: str) -> Account:
    for account in accounts:
        if account.name == name:
            return account
    raise ConfigError(f"no account named {ids.quoted(name)} (see `jobtray account list`)")


def account_for(accounts: Sequence[Account], provider: str, account_name: str | None, display: str) -> Account:
    """The account a job of `provider` goes to: the named one (which must be of that provider), else the only
    account of that provider; none or several are a ConfigError naming them."""
    if account_name is not None:
        named = account_named(accounts, account_name)
        if named.provider != provider:
            raise ConfigError(f"{ids.quoted(account_name)} is a {named.provider} account, not {display}")
        return named
    owners = [a for a in accounts if a.provider == provider]
    if not owners:
        raise ConfigError(f"no {display} account: add one with `jobtray account add NAME --provider {provider}`")
    if len(owners) > 1:
        names = ", ".join(a.name for a in owners)
        raise ConfigError(f"several {display} accounts ({names}): choose one with --account")
    return owners[0]


def _found(spec: ids.IdSpec, text: str) -> list[str]:
    # A bare token (typed or pasted on its own) is judged by the full `valid` pattern; anything longer is searched
    # with the stricter `find` pattern.
    if ids.is_single_token(text):
        single = ids.normalize_id(spec, text)
        if single is not None:
            return [single]
    return ids.extract_ids(spec, text)


def _in_account(account: Account, text: str, book: IdBook, warnings: list[str] | None) -> list[str]:
    spec = book.spec(account.provider)
    if ids.is_single_token(text) or not text.strip():
        job_id, warning = ids.given_id(spec, text, book.display(account.provider))
        if warning is not None and warnings is not None:
            warnings.append(warning)
        return [job_id]
    found = ids.extract_ids(spec, text)
    if not found:
        hint = ids.near_miss_hint(text, {account.provider: spec}, book.names)
        raise ConfigError(hint or f"no {account.provider} job ID found in {ids.quoted(text)}")
    return found


def owners(
    text: str,
    accounts: Sequence[Account],
    book: IdBook,
    account_name: str | None = None,
    warnings: list[str] | None = None,
) -> list[Owner]:
    """The accounts that could own the IDs in `text`, most IDs first (none: nothing found).

    With `account_name`, that account alone, by the rules of an explicit account (ConfigError when the text holds
    nothing it could send).
    """
    if account_name is not None:
        account = account_named(accounts, account_name)
        return [Owner(account, tuple(_in_account(account, text, book, warnings)))]
    by_provider: dict[str, list[str]] = {}
    found: list[Owner] = []
    for account in accounts:
        spec = book.specs.get(account.provider)
        if spec is None:
            continue  # a provider this build does not know finds nothing
        if account.provider not in by_provider:
            by_provider[account.provider] = _found(spec, text)
        if by_provider[account.provider]:
            found.append(Owner(account, tuple(by_provider[account.provider])))
    found.sort(key=lambda owner: -len(owner.job_ids))
    return found


def place_text(
    accounts: Sequence[Account],
    texts: Sequence[str],
    account_name: str | None,
    book: IdBook,
    *,
    warnings: list[str] | None = None,
    label: str | None = None,
) -> list[Placed]:
    """Each text's jobs, for a front that cannot ask (the terminal): text nobody could own, or that several
    accounts could, is a ConfigError saying what to do."""
    if account_name is None and not accounts:
        raise ConfigError("no accounts yet: add one with `jobtray account add`")
    placed: list[Placed] = []
    for text in texts:
        found = owners(text, accounts, book, account_name, warnings)
        if not found:
            specs = {a.provider: book.specs[a.provider] for a in accounts if a.provider in book.specs}
            hint = ids.near_miss_hint(text, specs, book.names)  # a typo says what the IDs look like
            raise ConfigError(hint or f"no job ID of any account's provider found in {ids.quoted(text)}")
        if len(found) > 1:
            names = ", ".join(f"{o.account.name} ({o.account.provider})" for o in found)
            raise ConfigError(
                f"{ids.quoted(text)} could belong to several accounts: {names}; choose one with --account"
            )
        placed.extend(Placed(found[0].account, job_id, label) for job_id in found[0].job_ids)
    return placed


def place_given(
    accounts: Sequence[Account],
    provider: str,
    job_id: str,
    account_name: str | None,
    book: IdBook,
    *,
    label: str | None = None,
    strict: bool = False,
    what: str = "job ID",
    warnings: list[str] | None = None,
) -> Placed:
    """A job whose provider is known (a reply, a link, a hand-off): its account and its ID as sent.

    `strict` (untrusted input): an ID not of the vendor's documented form is refused rather than kept with a
    warning."""
    display = book.display(provider)
    spec = book.spec(provider)
    account = account_for(accounts, provider, account_name, display)
    sent, warning = ids.given_id(spec, job_id, display)
    if warning is not None:
        if strict:
            raise ConfigError(f"the {what} is not a {display} job ID; refused")
        if warnings is not None:
            warnings.append(warning)
    return Placed(account, sent, label)


def place_handoff(
    accounts: Sequence[Account], account_name: str, job_id: str, label: str | None, book: IdBook
) -> Placed:
    """A job handed to the running tray by `jobtray add`/`open` (untrusted: any program of this user may write
    to the socket): the named account must exist and the ID must be sendable for its provider."""
    account = account_named(accounts, account_name)
    if account.provider not in book.specs:
        raise ConfigError(f"the account {ids.quoted(account.name)} has a provider this JobTray does not know")
    sent, _warning = ids.given_id(book.specs[account.provider], job_id, book.display(account.provider))
    return Placed(account, sent, label)
