"""The cross-provider suites the built-in providers pass, run unchanged against the defined providers (the three
shipped definitions and PDF.co written as one): a child pytest loads tests/support/defined_plugin.py, which puts
them into the registry with harnesses, and runs the suites for them alone.

Suites: network faults and recovery (test_faults), the deadline over a whole exchange (test_deadline), secrets never
leaking (test_secrets), untrusted server text (test_untrusted_text), IDs arriving exactly (test_input), hostile
answers over HTTP (test_hostile). Left out by name: what inspects a provider's own Python module
(`test_every_provider_has_a_parse_function`: a defined provider's parser is `defined.read_answer`, tested in
tests/unit/providers/test_defined.py, property test included)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env

ROOT = Path(__file__).parents[2]
SUITES = [
    "tests/reliability/test_faults.py",
    "tests/reliability/test_deadline.py",
    "tests/reliability/test_secrets.py",
    "tests/reliability/test_untrusted_text.py",
    "tests/reliability/test_input.py",
    "tests/reliability/test_hostile.py",
]
DEFINED = ("cloudconvert", "replicate", "github_actions", "pdfco_defined")


def test_the_defined_providers_pass_the_cross_provider_suites() -> None:
    selection = f"({' or '.join(DEFINED)}) and not test_every_provider_has_a_parse_function"
    # -n 0: one process inside this test (pyproject's addopts would start 4 more workers in a worker)
    plugin = ("-p", "tests.support.defined_plugin", "-p", "no:cacheprovider", "-n", "0")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin, "-v", "-rfEs", "-k", selection, *SUITES],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-6000:]
    passed = re.search(r"(\d+) passed", out)
    assert passed and int(passed.group(1)) >= 300, out[-2000:]
    for name in DEFINED:  # every defined provider was in the run, in every suite
        for suite in SUITES:
            assert re.search(rf"{re.escape(suite)}::\S*\[{name}[\]-]\S* PASSED", out), (name, suite)
    assert " SKIPPED" not in out and " ERROR" not in out, out[-2000:]
