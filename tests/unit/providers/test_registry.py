"""The registry is the one list: each provider states its metadata in its own module, every table by provider is
derived from the registry, a fifth provider needs one registry entry (and core no edit), and every provider in it
has a test harness."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from desktop_app.cli import commands as cli
from desktop_app.core import ids
from desktop_app.core.errors import ConfigError
from desktop_app.core.ids import IdSpec, provider_display_name
from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.core.schedule import PollPolicy, policy_for
from desktop_app.engine.poller import AccountPoller, PollerSpec
from desktop_app.providers import registry
from desktop_app.providers.base import HttpProvider, ProviderConfig
from desktop_app.providers.registry import DISPLAY_NAMES, ID_SPECS, POLICIES, PROVIDERS
from tests.conftest import subprocess_env
from tests.support import providers as harnesses

METADATA = ("name", "display_name", "id_spec", "poll_policy", "default_base_url", "max_batch", "default_rate_limit")


def test_every_provider_states_its_metadata_in_its_own_module() -> None:
    for name, cls in PROVIDERS.items():
        assert cls.name == name
        assert cls.__module__ == f"desktop_app.providers.{name}"
        for attribute in METADATA:
            assert attribute in vars(cls), f"{cls.__name__} does not state its {attribute}"
        assert isinstance(cls.id_spec, IdSpec) and isinstance(cls.poll_policy, PollPolicy)
        assert cls.max_batch >= 1
        parse_rate_limit(cls.default_rate_limit)


def test_every_table_by_provider_is_derived_from_the_registry() -> None:
    assert list(ID_SPECS) == list(DISPLAY_NAMES) == list(POLICIES) == list(PROVIDERS)
    for name, cls in PROVIDERS.items():
        assert ID_SPECS[name] is cls.id_spec
        assert DISPLAY_NAMES[name] == cls.display_name == provider_display_name(name, DISPLAY_NAMES)
        assert POLICIES[name] is cls.poll_policy is policy_for(name, POLICIES)
    assert "acmeprint" not in ID_SPECS and ID_SPECS.get("acmeprint") is None


def test_the_display_names_the_ui_shows_before_the_registry_loads_agree_with_the_providers() -> None:
    # The tray and the window render before the providers are imported; their copy in core may lag a new
    # provider (which is then shown by its own name) but never disagree with one.
    for name in PROVIDERS:
        assert provider_display_name(name) in (DISPLAY_NAMES[name], name)
    shown = {name: provider_display_name(name) for name in ("ipaper", "scriptx", "pdfco", "encodingcom")}
    assert shown == {name: DISPLAY_NAMES[name] for name in shown}


def test_an_unknown_provider_is_shown_by_its_own_name() -> None:
    assert provider_display_name("acmeprint") == "acmeprint"


# ---- a fifth provider: one registry entry, no edit to core ---------------------------------------------------------


class AcmePrintProvider(HttpProvider):
    """A provider made here, as its own module would make it: metadata as class attributes, nothing else."""

    name: ClassVar[str] = "acmeprint"
    display_name: ClassVar[str] = "Acme Print"
    id_spec: ClassVar[IdSpec] = IdSpec(
        valid=re.compile(r"\[?AP-[0-9]{6}\]?"),
        find=re.compile(r"(?<![0-9A-Za-z-])AP-[0-9]{6}(?![0-9A-Za-z])"),
        url_params=("print_job",),
        documented="AP- and 6 digits",
        documented_pattern=re.compile(r"AP-[0-9]{6}"),
        strip="[]",
    )
    poll_policy: ClassVar[PollPolicy] = PollPolicy(min_interval=4.0, max_interval=120.0)
    default_base_url: ClassVar[str] = "https://api.acmeprint.example"
    max_batch: ClassVar[int] = 25
    default_rate_limit: ClassVar[str] = "3/s"


@pytest.fixture
def acme_registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The one line a fifth provider adds to `PROVIDERS`."""
    monkeypatch.setitem(PROVIDERS, AcmePrintProvider.name, AcmePrintProvider)
    yield


def _account(provider: str, name: str) -> Account:
    return Account(name=name, provider=provider, key_source=KeySource.ENV, key_env="K", id=hash(name) % 1000)


ACME_ID = "AP-004217"
PDFCO_ID = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA"


@pytest.mark.usefixtures("acme_registered")
def test_registering_a_fifth_provider_is_enough_for_every_derived_table() -> None:
    assert ID_SPECS["acmeprint"] is AcmePrintProvider.id_spec
    assert DISPLAY_NAMES["acmeprint"] == "Acme Print"
    assert POLICIES["acmeprint"] == PollPolicy(min_interval=4.0, max_interval=120.0)
    assert registry.provider_class("acmeprint") is AcmePrintProvider
    assert registry.account_rate_limit(_account("acmeprint", "acme")) == parse_rate_limit("3/s")
    assert cli.provider_name("acmeprint") == "acmeprint"  # the CLI's --provider choices
    # core.ids, given the registry's specs, finds its IDs in text and URLs, and normalises them by its spec.
    text = f"print [{ACME_ID}] and {PDFCO_ID}, see https://acme.example/?print_job=AP-000001"
    assert ids.candidates(text, ID_SPECS) == {"pdfco": [PDFCO_ID], "acmeprint": ["AP-000001", ACME_ID]}
    assert ids.normalize_id(ID_SPECS["acmeprint"], f"[{ACME_ID}]") == ACME_ID
    assert provider_display_name("acmeprint", DISPLAY_NAMES) == "Acme Print"


@pytest.mark.usefixtures("acme_registered")
def test_a_fifth_provider_reaches_drops_the_cli_and_the_poller() -> None:
    from desktop_app.ui.drops import plan_drop

    acme, pdfco = _account("acmeprint", "acme"), _account("pdfco", "pdf")
    plan = plan_drop(f"{ACME_ID} {PDFCO_ID} AP-000002", [pdfco, acme], specs=ID_SPECS)
    assert [(c.account.name, c.job_ids) for c in plan.candidates] == [
        ("acme", (ACME_ID, "AP-000002")),
        ("pdf", (PDFCO_ID,)),
    ]
    assert cli.resolve_ids([pdfco, acme], [f"job {ACME_ID} is done"], None) == [(acme, ACME_ID)]
    warnings: list[str] = []
    assert cli.resolve_ids([acme], ["AP-42"], "acme", warnings) == [(acme, "AP-42")]
    assert warnings == ["'AP-42' does not look like a Acme Print job ID (AP- and 6 digits); added as given"]
    config = ProviderConfig(base_url="https://api.acmeprint.example", secret=Secret("k"))
    poller = AccountPoller(PollerSpec("acme", "Acme Print", AcmePrintProvider, config, parse_rate_limit("3/s")))
    assert poller.schedule.policy == AcmePrintProvider.poll_policy
    assert poller.schedule.max_batch == 25


def test_without_the_registry_entry_nothing_knows_the_fifth_provider() -> None:
    from desktop_app.ui.drops import plan_drop

    assert plan_drop(ACME_ID, [_account("acmeprint", "acme")], specs=ID_SPECS).empty
    with pytest.raises(ConfigError, match="acmeprint"):
        cli.resolve_ids([_account("acmeprint", "acme")], [ACME_ID], "acme")


# ---- every provider in the registry has a test harness -----------------------------------------------------------


def test_every_provider_in_the_registry_has_a_test_harness() -> None:
    assert harnesses.missing_harnesses() == []
    assert set(harnesses.BUILDERS) == set(PROVIDERS)
    assert set(harnesses.PROVIDER_NAMES) == set(PROVIDERS)  # what the cross-provider suites parametrize over


@pytest.mark.usefixtures("acme_registered")
def test_a_provider_without_a_harness_fails_the_cross_provider_suites_instead_of_skipping() -> None:
    assert harnesses.missing_harnesses() == ["acmeprint"]
    with pytest.raises(pytest.fail.Exception, match="'acmeprint' is in the registry but has no test harness"):
        harnesses.make_harness("acmeprint")


# Loaded with -p before any conftest or test module, as a real registry entry would be there at import.
_REGISTER_ACME = """
import re

from desktop_app.core.ids import IdSpec
from desktop_app.providers.base import HttpProvider
from desktop_app.providers.registry import PROVIDERS


class AcmePrintProvider(HttpProvider):
    name = "acmeprint"
    display_name = "Acme Print"
    id_spec = IdSpec(valid=re.compile(r"AP-[0-9]{6}"), find=re.compile(r"AP-[0-9]{6}"))
    default_base_url = "https://api.acmeprint.example"


PROVIDERS[AcmePrintProvider.name] = AcmePrintProvider
"""


def test_a_cross_provider_suite_errors_for_a_registered_provider_without_a_harness(tmp_path: Path) -> None:
    (tmp_path / "register_acme.py").write_text(_REGISTER_ACME, encoding="utf-8")
    root = Path(__file__).parents[3]
    suite = "tests/reliability/test_input.py::test_ids_that_pass_validation_arrive_exactly_and_do_not_change_the_path"
    env = {**subprocess_env(), "PYTHONPATH": f"{tmp_path}:{root}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "register_acme", "-p", "no:cacheprovider", "-n0", "-q", "-rfEs", suite],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "4 passed, 1 error" in out, out  # the four real providers pass; the fifth errors
    assert "[acmeprint]" in out and "has no test harness" in out, out
    assert "skipped" not in out, out
