"""One harness per provider in the registry: a simulator to answer healthy requests, credentials, and a job that is
open now and finishes after a few healthy checks. Reliability tests parametrize over `PROVIDERS`, so a provider
added to the registry is in every cross-provider suite at once, and each of its tests fails (never skips) until it
has a builder in `BUILDERS` (tests/unit/providers/test_registry.py checks the table against the registry)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from desktop_app.core.model import Account, JobState, KeySource, Secret
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.registry import PROVIDERS, provider_class
from desktop_app.simulators.server import SimRequest, SimResponse

Handler = Callable[[SimRequest], SimResponse]
SHORT_TIMEOUT = (1.0, 0.4)  # connect, read: the hang fault costs one read timeout per request

PROVIDER_NAMES = tuple(sorted(PROVIDERS))


@dataclass
class Harness:
    """A provider's simulator and what a client needs to talk to it."""

    provider: str
    handler: Handler
    secret: str
    username: str | None
    open_job: str  # open (queued or running) for the first healthy checks, then finished
    final_state: JobState
    # Healthy checks after which `open_job` reaches `final_state`; None when it finishes on a timer instead.
    finishes_after_checks: int | None = None
    other_secrets: tuple[str, ...] = ()  # anything else that must never leak (e.g. a password field)
    _close: Callable[[], None] = field(default=lambda: None)

    @property
    def display_name(self) -> str:
        return provider_class(self.provider).display_name

    def config(self, base_url: str, timeout: tuple[float, float] = SHORT_TIMEOUT) -> ProviderConfig:
        return ProviderConfig(base_url=base_url, secret=Secret(self.secret), username=self.username, timeout=timeout)

    def client(self, base_url: str, timeout: tuple[float, float] = SHORT_TIMEOUT):  # type: ignore[no-untyped-def]
        return provider_class(self.provider)(self.config(base_url, timeout))

    def account(self, base_url: str, name: str = "acct", key_env: str = "JOBTRAY_TEST_KEY") -> Account:
        return Account(
            name=name,
            provider=self.provider,
            key_source=KeySource.ENV,
            base_url=base_url,
            username=self.username,
            key_env=key_env,
            rate_limit="1000/s",
        )

    def close(self) -> None:
        self._close()


def _pdfco() -> Harness:
    from desktop_app.simulators import pdfco

    key = "pdfco-harness-key-7d1e0b"
    sim = pdfco.PdfCoSimulator(key)
    job = sim.add_job([pdfco.working(checks=2), pdfco.success()])
    return Harness("pdfco", sim.handle, key, None, job, JobState.SUCCEEDED, finishes_after_checks=3)


def _ipaper() -> Harness:
    from desktop_app.simulators import ipaper

    key = "ipaper-harness-key-40f2aa"
    sim = ipaper.IPaperSimulator(key)
    job = sim.add_job([ipaper.pending(checks=2), ipaper.completed()])
    return Harness("ipaper", sim.handle, key, "APIKey", job, JobState.SUCCEEDED, finishes_after_checks=3)


def _scriptx() -> Harness:
    from desktop_app.simulators import scriptx

    key = "5a1f0c2e-9b7d-4e3a-8c61-harness0001"
    sim = scriptx.ScriptXSimulator(key)
    job = sim.add_job([scriptx.printing_pdf(checks=2), scriptx.completed()])
    return Harness("scriptx", sim.handle, key, None, job, JobState.SUCCEEDED, finishes_after_checks=3)


def _encodingcom() -> Harness:
    from desktop_app.simulators import encodingcom

    user, key = "424242", "encodingcom-harness-userkey-c3"
    sim = encodingcom.EncodingComSimulator(user, key)
    job = sim.add_job([encodingcom.running("Processing", "40.0", "30", checks=2), encodingcom.finished()])
    return Harness("encodingcom", sim.handle, key, user, job, JobState.SUCCEEDED, finishes_after_checks=3)


BUILDERS: dict[str, Callable[[], Harness]] = {
    "pdfco": _pdfco,
    "ipaper": _ipaper,
    "scriptx": _scriptx,
    "encodingcom": _encodingcom,
}


def missing_harnesses() -> list[str]:
    """Providers in the registry without a builder here."""
    return sorted(set(PROVIDERS) - set(BUILDERS))


def make_harness(provider: str) -> Harness:
    """The provider's harness; a failure (not a skip) for a provider without one, so no suite passes without it."""
    builder = BUILDERS.get(provider)
    if builder is None:
        pytest.fail(
            f"provider {provider!r} is in the registry but has no test harness: "
            "add its builder to BUILDERS in tests/support/providers.py",
            pytrace=False,
        )
    return builder()
