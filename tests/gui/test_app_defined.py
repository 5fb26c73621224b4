"""The tray knows the providers defined in its data folder: a job of a defined provider (CloudConvert, at its
simulator) is followed to its end by the tray as by `watch`; a broken definition disables that provider alone and
is told once (a problem notification), the rest of the app working."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from desktop_app.app.run import AppController, run_app
from desktop_app.core.ids import provider_display_name
from desktop_app.core.model import Account, JobState, KeySource
from desktop_app.providers import registry
from desktop_app.providers.defined_folder import shipped
from desktop_app.simulators import cloudconvert as cc
from desktop_app.simulators.server import serve
from desktop_app.store.database import Store
from desktop_app.ui.notifier import Notifier

KEY = "cc-tray-test-key"


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(registry, "_LEARNT", set())
    monkeypatch.setattr(registry, "_TOLD", set())
    before = dict(registry.PROVIDERS)
    yield
    registry.PROVIDERS.clear()
    registry.PROVIDERS.update(before)


@pytest.mark.usefixtures("clean_registry")
def test_the_tray_follows_a_defined_providers_job_to_its_end(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = cc.CloudConvertSimulator(KEY)
    server = serve(sim)
    try:
        job_id = sim.add_job([cc.processing(50, checks=1), cc.finished("out.pdf")])
        (data_dir / "providers").mkdir(parents=True)
        shutil.copyfile(shipped()["cloudconvert"], data_dir / "providers" / "cloudconvert.toml")
        broken = data_dir / "providers" / "replicate.toml"
        broken.write_text(shipped()["replicate"].read_text(encoding="utf-8").replace("[ids]", "[idz]"), "utf-8")
        monkeypatch.setenv("TEST_CC_KEY", KEY)
        with Store(data_dir) as store:
            account = store.accounts.add(
                Account("cc", "cloudconvert", KeySource.ENV, base_url=server.base_url, key_env="TEST_CC_KEY")
            )
            store.jobs.add(account, job_id)
        seen: dict[str, object] = {}
        problems: list[tuple[str, str]] = []
        monkeypatch.setattr(Notifier, "notify_problem", lambda _self, title, text: problems.append((title, text)))

        def ready(controller: AppController) -> None:
            def changed(batch: list) -> None:  # type: ignore[type-arg]
                for change in batch:
                    if change.job.job_id == job_id and change.new_state.is_terminal:
                        seen["end"] = (change.new_state, change.job.result_url)
                        QCoreApplication.quit()

            controller.changes_applied.connect(changed)

        args = argparse.Namespace(demo=False, quit_after=25.0, data_dir=str(data_dir), debug=False)
        assert run_app(args, ready) == 0
    finally:
        server.stop()
    state, link = seen["end"]  # type: ignore[misc]
    assert state == JobState.SUCCEEDED and str(link).endswith("/out.pdf")
    assert provider_display_name("cloudconvert") == "CloudConvert"  # the tray and notifications name it so
    told = [text for _title, text in problems if "replicate.toml" in text]
    assert len(told) == 1 and "is not used" in told[0] and "ids" in told[0], problems
