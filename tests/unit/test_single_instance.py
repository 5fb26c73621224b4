"""Single instance: the second start hands over to the first; a crashed first one's socket is taken over."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.app.single_instance import SingleInstance, instance_key

pytestmark = pytest.mark.gui


@pytest.fixture
def key(tmp_path: Path) -> str:
    # A full path: the test's own folder, never the real app's socket.
    return str(tmp_path / "jobtray-test.sock")


@pytest.fixture
def instances(qtbot: QtBot) -> Iterator[list[SingleInstance]]:
    made: list[SingleInstance] = []
    yield made
    for instance in made:
        instance.close()
        instance.deleteLater()


def make(instances: list[SingleInstance], key: str) -> SingleInstance:
    instance = SingleInstance(key)
    instances.append(instance)
    return instance


def test_the_second_instance_asks_the_first_to_show(instances: list[SingleInstance], key: str, qtbot: QtBot) -> None:
    first = make(instances, key)
    assert first.try_become_primary()
    second = make(instances, key)
    with qtbot.waitSignal(first.activation_requested, timeout=3000):
        assert not second.try_become_primary()
    # and again: the first keeps listening
    with qtbot.waitSignal(first.activation_requested, timeout=3000):
        assert not make(instances, key).try_become_primary()


def test_after_close_the_next_start_is_primary(instances: list[SingleInstance], key: str) -> None:
    first = make(instances, key)
    assert first.try_become_primary()
    first.close()
    assert make(instances, key).try_become_primary()


def test_a_stale_socket_from_a_crash_is_taken_over(instances: list[SingleInstance], key: str, qtbot: QtBot) -> None:
    # What a killed instance leaves: the socket file, with nobody listening.
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(key)
    dead.close()
    assert Path(key).exists()

    first = make(instances, key)
    assert first.try_become_primary()
    with qtbot.waitSignal(first.activation_requested, timeout=3000):
        assert not make(instances, key).try_become_primary()


def test_a_killed_process_leaves_no_lasting_claim(instances: list[SingleInstance], key: str) -> None:
    # A real crash: a child becomes primary, then dies without cleaning up (os._exit skips every destructor).
    code = (
        "import os, sys\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "from desktop_app.app.single_instance import SingleInstance\n"
        "app = QCoreApplication([])\n"
        "s = SingleInstance(sys.argv[1])\n"
        "assert s.try_become_primary()\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, key], check=True, timeout=30, cwd=Path(__file__).parents[2])
    assert Path(key).exists()  # the stale socket is really there
    assert make(instances, key).try_become_primary()


def test_other_connections_do_not_activate(instances: list[SingleInstance], key: str, qtbot: QtBot) -> None:
    first = make(instances, key)
    assert first.try_become_primary()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stranger:
        stranger.connect(key)
        stranger.sendall(b"x" * 100)
    with qtbot.assertNotEmitted(first.activation_requested, wait=300):
        pass


def test_instance_key_depends_on_the_data_folder(tmp_path: Path, short_runtime_dir: Path) -> None:
    runtime = short_runtime_dir  # a runtime folder is short (/run/user/1000); tmp_path under pytest-xdist is not
    real = instance_key(tmp_path / "data")
    assert real == instance_key(tmp_path / "data" / ".." / "data")  # the same folder, spelled otherwise
    assert real != instance_key(tmp_path / "demo-1234")
    assert str(tmp_path) not in Path(real).name  # the folder is hashed, not spelled out
    if sys.platform.startswith("linux"):
        assert Path(real).parent == runtime
    assert len(real.encode()) < 104  # the smallest sun_path limit (macOS)


def test_instance_key_without_runtime_dir_is_a_short_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    key = instance_key(tmp_path / "data")
    assert "/" not in key
    assert key.startswith("jobtray-")
