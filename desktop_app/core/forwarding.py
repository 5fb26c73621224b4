"""Forwarding endings off the desktop (issue 21): which targets a job's ending goes to, and what they are told.

Pure: no apprise, no keyring, no SQLite. A target's apprise URL holds tokens, so it is never part of these values:
it lives in the keyring or an environment variable (`system/forward_urls.py`), read where it is sent.

What is forwarded: the job's label, provider, account, state and message, made safe like every server text
(`core.text.displayable`), shortened; the result link only when the target asks for it (`with_link`: a signed
link is a secret of its own).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from desktop_app.core.errors import ConfigError
from desktop_app.core.ids import provider_display_name
from desktop_app.core.model import Job
from desktop_app.core.text import clipped, displayable

MESSAGE_LIMIT = 500  # characters of the provider's message a forward carries
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class UrlSource(enum.StrEnum):
    """Where a target's apprise URL lives; never in the database."""

    KEYRING = "keyring"
    ENV = "env"


@dataclass(frozen=True, slots=True)
class ForwardTarget:
    """A named forwarding target as the store keeps it (no URL).

    Attributes:
        account: the account whose endings it gets; None: every account's (a global target).
        url_env: the environment variable holding the URL, for `UrlSource.ENV`.
        with_link: whether the result link goes with the forward.
    """

    name: str
    url_source: UrlSource
    account: str | None = None
    url_env: str | None = None
    with_link: bool = False

    @property
    def where(self) -> str:
        return f"environment variable {self.url_env}" if self.url_source is UrlSource.ENV else "the system keyring"


@dataclass(frozen=True, slots=True)
class ForwardMessage:
    """What one forward says; `failure` picks apprise's failure type (a red badge where the service has one)."""

    title: str
    body: str
    failure: bool = False


def check_name(name: str) -> str:
    """A target's name as typed; ValueError with the rule when it breaks it."""
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"{name!r} is not a forward name (letters, digits, '.', '_', '-'; at most 64)")
    return name


def check_url(url: str) -> None:
    """A plausible apprise URL (`scheme://...`); ConfigError otherwise (the URL itself is never in the message)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme or not rest or not scheme.replace("+", "").isalnum():
        raise ConfigError("that is not an apprise URL (like ntfy://ntfy.sh/TOPIC or pover://USER@TOKEN)")


def targets_for(targets: Iterable[ForwardTarget], account: str) -> list[ForwardTarget]:
    """The targets a job of `account` is forwarded to: the global ones and the account's own."""
    return [t for t in targets if t.account is None or t.account == account]


def forward_message(job: Job, with_link: bool = False) -> ForwardMessage:
    """The forward of `job`'s ending: `Failed: label` and one line per field, every field made safe."""
    title_text = displayable(job.label or job.job_id)
    lines = [
        f"job: {displayable(job.job_id)}" + (f" ({displayable(job.label)})" if job.label else ""),
        f"provider: {provider_display_name(job.provider)}",
        f"account: {displayable(job.account)}",
        f"state: {job.state.value}",
    ]
    if job.message:
        lines.append(f"message: {clipped(displayable(job.message), MESSAGE_LIMIT)}")
    if with_link and job.result_url:
        lines.append(f"result: {displayable(job.result_url)}")
    word = job.state.value.replace("_", " ")  # the words of `list --json` (issue 20's one vocabulary)
    title = f"{word[:1].upper()}{word[1:]}: {clipped(title_text, 120)}"
    return ForwardMessage(title, "\n".join(lines), failure=job.state.is_bad_ending)


def trial_message() -> ForwardMessage:
    """What `jobtray forward test` sends."""
    return ForwardMessage("JobTray test", "If you can read this, JobTray's forwarding reaches you.")


def url_tokens(url: str) -> list[str]:
    """Every part of an apprise URL that could be a token (the password, and host, path and query parts of 8
    characters or more), for redaction: some services keep their token in the host position
    (`tgram://BOTTOKEN/CHAT`)."""
    _, _, rest = url.partition("://")
    tokens = {url, rest}
    userinfo, at, _host = rest.partition("@")
    if at and ":" in userinfo:
        tokens.add(userinfo.split(":", 1)[1])  # a password, however short
    # Tokens are long; a short part ("user", "hook", a port, an IP address) is no secret, and blanking it would
    # blank that word in every log line.
    plain = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
    tokens.update(p for p in re.split(r"[/:@?&=#,+]", rest) if len(p) >= 8 and not plain.fullmatch(p))
    return sorted((t for t in tokens if len(t) >= 4), key=len, reverse=True)


def redact(text: str, url: str) -> str:
    """`text` with every token of `url` blanked."""
    for token in url_tokens(url):
        text = text.replace(token, "***")
    return text
