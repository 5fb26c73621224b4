"""Demo mode: the simulators on 127.0.0.1 with scripted jobs, one account per provider, in a throwaway folder."""

from __future__ import annotations

import contextlib
import os
import shutil
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
        self.running = start_all()

    def seed(self, store: Store) -> int:
        """Add the demo accounts (keys in JOBTRAY_DEMO_<PROVIDER>_KEY) and their jobs; returns the job count."""
        count = 0
        labels = iter(_DEMO_LABELS)
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

    def close(self) -> None:
        for server, _, _ in self.running.values():
            with contextlib.suppress(Exception):
                server.stop()
        for var in self._env_vars:
            os.environ.pop(var, None)
        shutil.rmtree(self.folder, ignore_errors=True)


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
