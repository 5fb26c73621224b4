"""Demo mode: the simulators on 127.0.0.1 with scripted jobs, one account per provider, in a throwaway folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from desktop_app.core.model import Account, KeySource
from desktop_app.store.database import Store


class DemoEnvironment:
    """Simulators on 127.0.0.1 with scripted jobs, one account per provider, in a throwaway data folder."""

    def __init__(self) -> None:
        from desktop_app.simulators.launcher import start_all

        self.folder = Path(tempfile.mkdtemp(prefix="jobtray-demo-"))
        self._env_vars: list[str] = []
        self.running = start_all(with_defined=True)  # a provider defined in a file too (CloudConvert)

    def seed(self, store: Store) -> int:
        """Add the demo accounts (keys in JOBTRAY_DEMO_<PROVIDER>_KEY) and their jobs; returns the job count."""
        count = 0
        labels = iter(_DEMO_LABELS)
        self._add_definitions(store.folder)
        for provider, (server, samples, credentials) in self.running.items():
            var = f"JOBTRAY_DEMO_{provider.upper()}_KEY"
            os.environ[var] = credentials["key"]
            self._env_vars.append(var)
            account = store.accounts.add(
                Account(
                    name=f"demo-{provider}",
                    provider=provider,
                    key_source=KeySource.ENV,
                    base_url=server.base_url,
                    username=credentials.get("username"),
                    key_env=var,
                )
            )
            with store.jobs.transaction():
                for job_id in samples:
                    store.jobs.add(account, job_id, next(labels, None))
                    count += 1
        return count

    def _add_definitions(self, folder: Path) -> None:
        """The shipped definitions of the demo's defined providers, added as `jobtray provider add` would."""
        from desktop_app.app.definitions import learn_definitions
        from desktop_app.providers.defined_folder import shipped
        from desktop_app.providers.registry import definitions_folder
        from desktop_app.simulators.launcher import DEFINED_STARTERS

        target = definitions_folder(folder)
        target.mkdir(parents=True, exist_ok=True)
        for provider in self.running:
            if provider in DEFINED_STARTERS:
                shutil.copyfile(shipped()[provider], target / f"{provider}.toml")
        learn_definitions(folder)

    def close(self) -> None:
        for server, _, _ in self.running.values():
            with contextlib.suppress(Exception):
                server.stop()
        for var in self._env_vars:
            os.environ.pop(var, None)
        shutil.rmtree(self.folder, ignore_errors=True)
        registry = sys.modules.get("desktop_app.providers.registry")
        if registry is not None:
            registry.use_definitions(self.folder)  # the folder is gone: what the demo defined is forgotten


_DEMO_LABELS = (
    "Catalogue spring issue",
    "Brochure DE",
    "Price list",
    "Invoice batch 14",
    "Delivery notes",
    "Shipping labels",
    "Quarterly report",
    "Scanned contracts",
    "Annual report",
    "Product video 4K",
    "Webinar recording",
    "Trailer (vertical)",
    "Training clip",
    "Interview raw cut",
    "Event highlights",
    "Teaser",
)
