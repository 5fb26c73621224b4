"""A pytest plugin that puts the shipped provider definitions (and PDF.co written as one) into the registry, each
with a harness, so the cross-provider suites the built-in providers pass run against them unchanged:

    pytest -p tests.support.defined_plugin tests/reliability/test_faults.py -k "cloudconvert or replicate"

Loaded with -p it runs before any conftest or test module, as a registry entry would be there at import
(tests/unit/providers/test_registry.py loads a fifth provider the same way). tests/integration/
test_defined_cross_provider.py runs the suites like this in a child pytest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.model import Account, JobState, Secret
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.defined import provider_class
from desktop_app.providers.defined_folder import shipped
from desktop_app.providers.definition_file import read_definition
from desktop_app.providers.registry import BUILTIN_NAMES, PROVIDERS

PDFCO_DEFINITION = Path(__file__).parent / "definitions" / "pdfco_defined.toml"
DEFINED = {**shipped(), "pdfco_defined": PDFCO_DEFINITION}

for _path in DEFINED.values():
    _cls = provider_class(read_definition(_path, BUILTIN_NAMES))
    PROVIDERS[_cls.name] = _cls

# Imported after the registry holds them: the suites parametrize over the registry as it is at import.
from tests.support import providers as _harnesses  # noqa: E402
from tests.support.providers import SHORT_TIMEOUT, Harness  # noqa: E402


@dataclass
class DefinedHarness(Harness):
    """A harness whose accounts carry the variables their definition asks for."""

    variables: tuple[tuple[str, str], ...] = ()

    def config(self, base_url: str, timeout: tuple[float, float] = SHORT_TIMEOUT) -> ProviderConfig:
        return ProviderConfig(base_url=base_url, secret=Secret(self.secret), timeout=timeout, variables=self.variables)

    def account(self, base_url: str, name: str = "acct", key_env: str = "JOBTRAY_TEST_KEY") -> Account:
        from dataclasses import replace

        return replace(super().account(base_url, name, key_env), variables=self.variables)


def _cloudconvert() -> Harness:
    from desktop_app.simulators import cloudconvert as cc

    key = "cloudconvert-harness-key-5e1"
    sim = cc.CloudConvertSimulator(key)
    job = sim.add_job([cc.processing(checks=2), cc.finished()])
    return DefinedHarness("cloudconvert", sim.handle, key, None, job, JobState.SUCCEEDED, finishes_after_checks=3)


def _replicate() -> Harness:
    from desktop_app.simulators import replicate as rp

    key = "r8_harness_token_77c"
    sim = rp.ReplicateSimulator(key)
    job = sim.add_job([rp.processing(checks=2), rp.succeeded()])
    return DefinedHarness("replicate", sim.handle, key, None, job, JobState.SUCCEEDED, finishes_after_checks=3)


def _github_actions() -> Harness:
    from desktop_app.simulators import github_actions as gh

    key = "ghp_harnesstoken0001"
    sim = gh.GitHubActionsSimulator(key, owner="octo-org", repo="hello-world")
    job = sim.add_job([gh.in_progress(checks=2), gh.completed("success")])
    return DefinedHarness(
        "github_actions",
        sim.handle,
        key,
        None,
        job,
        JobState.SUCCEEDED,
        finishes_after_checks=3,
        variables=(("owner", "octo-org"), ("repo", "hello-world")),
    )


def _pdfco_defined() -> Harness:
    from desktop_app.simulators import pdfco

    key = "pdfco-defined-harness-key"
    sim = pdfco.PdfCoSimulator(key)
    job = sim.add_job([pdfco.working(checks=2), pdfco.success()])
    return DefinedHarness("pdfco_defined", sim.handle, key, None, job, JobState.SUCCEEDED, finishes_after_checks=3)


_harnesses.BUILDERS.update(
    {
        "cloudconvert": _cloudconvert,
        "replicate": _replicate,
        "github_actions": _github_actions,
        "pdfco_defined": _pdfco_defined,
    }
)
