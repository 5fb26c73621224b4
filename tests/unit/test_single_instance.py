"""Single instance: the second start hands over to the first; a crashed first one's socket is taken over. Each
test runs on the plain Unix socket (`SingleInstance`, what the tray uses wherever Python has AF_UNIX) and on the
QLocalServer fallback (`QtSingleInstance`, Windows); the two speak to each other, as an old and a new JobTray would."""

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
from desktop_app.app.single_instance_qt import QtSingleInstance

pytestmark = pytest.mark.gui


@pytest.fixture
def key(tmp_path: Path) -> str:
    # A full path: the test's own folder, never the real app's socket.
    return str(tmp_path / "jobtray-test.sock")


Instance = SingleInstance | QtSingleInstance


class Instances:
    """The instances a test made, all of one kind; closed after it."""

    def __init__(self, kind: type[Instance]) -> None:
        self.kind = kind
        self.made: list[Instance] = []


@pytest.fixture(params=[SingleInstance, QtSingleInstance], ids=["unix-socket", "qlocalserver"])
def instances(request: pytest.FixtureRequest, qtbot: QtBot) -> Iterator[Instances]:
    made = Instances(request.param)
    yield made
    for instance in made.made:
        instance.close()
        instance.deleteLater()


def make(instances: Instances, key: str) -> Instance:
    instance = instances.kind(key)
    instances.made.append(instance)
    return instance


def test_the_second_instance_asks_the_first_to_show(instances: Instances, key: str, qtbot: QtBot) -> None:
    first = make(instances, key)
    assert first.try_become_primary()
    second = make(instances, key)
    with qtbot.waitSignal(first.activation_requested, timeout=3000):
        assert not second.try_become_primary()
    # and again: the first keeps listening
    with qtbot.waitSignal(first.activation_requested, timeout=3000):
        assert not make(instances, key).try_become_primary()


def test_after_close_the_next_start_is_primary(instances: Instances, key: str) -> None:
    first = make(instances, key)
    assert first.try_become_primary()
    first.close()
    assert make(instances, key).try_become_primary()


def test_a_stale_socket_from_a_crash_is_taken_over(instances: Instances, key: str, qtbot: QtBot) -> None:
    # What a killed instance leaves: the socket file, with nobody listening.
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(key)
    dead.close()
    assert Path(key).exists()

    first = make(instances, key)
    assert first.try_become_primary()
    with qtbot.waitSignal(first.activation_requested, timeout=3000):
        assert not make(instances, key).try_become_primary()


def test_a_killed_process_leaves_no_lasting_claim(instances: Instances, key: str) -> None:
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


def test_other_connections_do_not_activate(instances: Instances, key: str, qtbot: QtBot) -> None:
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


def test_the_two_kinds_hear_each_other(tmp_path: Path, qtbot: QtBot) -> None:
    """A JobTray of before (QLocalServer) and one of now (a plain Unix socket) take each other for the same app."""
    made: list[Instance] = []
    try:
        for first_kind, second_kind in ((QtSingleInstance, SingleInstance), (SingleInstance, QtSingleInstance)):
            key = str(tmp_path / f"{first_kind.__name__}.sock")
            first, second = first_kind(key), second_kind(key)
            made += [first, second]
            assert first.try_become_primary()
            with qtbot.waitSignal(first.activation_requested, timeout=3000):
                assert not second.try_become_primary()
    finally:
        for instance in made:
            instance.close()
            instance.deleteLater()


QT_NETWORK_SCRIPT = """
import sys
from PySide6.QtCore import QCoreApplication
import desktop_app.app.run  # everything the tray imports before its icon
import desktop_app.app.controller  # and what it builds after it (app/early_tray.py)
from desktop_app.app.single_instance import SingleInstance
app = QCoreApplication([])
instance = SingleInstance(sys.argv[1])
print("primary:", instance.try_become_primary(), "QtNetwork:", "PySide6.QtNetwork" in sys.modules)
instance.close()
"""


def test_the_tray_s_single_instance_does_not_load_qtnetwork(key: str) -> None:
    """Issue 19 (idle RSS): QtNetwork's libraries cost the tray ~3.5 MB for one local socket."""
    from tests.conftest import subprocess_env

    result = subprocess.run(
        [sys.executable, "-c", QT_NETWORK_SCRIPT, key],
        env=subprocess_env(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert result.stdout.splitlines() == ["primary: True QtNetwork: False"], result.stderr[-2000:]


def test_a_long_runtime_folder_still_keeps_one_instance_and_takes_hand_offs(tmp_path: Path, qtbot: QtBot) -> None:
    """A socket path longer than sun_path's 107 bytes (a long XDG_RUNTIME_DIR) used to make bind() and connect()
    fail: every start became "primary" with the check off (two trays), and `jobtray add` never reached the tray."""
    import threading

    from desktop_app.core.handoff import Reply, WatchRequest
    from desktop_app.system.handoff import hand_over

    folder = tmp_path / ("r" * 100)
    folder.mkdir()
    key = str(folder / "jobtray-test-0123456789abcdef")
    assert len(key.encode()) > 107
    first = SingleInstance(key)
    second = SingleInstance(key)
    try:
        assert first.try_become_primary()
        first.set_watch_handler(lambda request: (True, None))
        with qtbot.waitSignal(first.activation_requested):
            assert not second.try_become_primary()
        replies: list[Reply | None] = []
        thread = threading.Thread(target=lambda: replies.append(hand_over(key, WatchRequest("a", "J1"))), daemon=True)
        thread.start()
        qtbot.waitUntil(lambda: not thread.is_alive())
        assert replies and replies[0] is not None and replies[0].created is True
    finally:
        for instance in (first, second):
            instance.close()
            instance.deleteLater()
    assert not os.path.exists(key)  # closed: its socket removed, long path or not


def test_a_running_instance_too_busy_to_accept_keeps_its_socket(key: str, qtbot: QtBot) -> None:
    """A first instance whose GUI thread has not accepted yet (its backlog full: a burst of `jobtray add` during
    its start) is alive: a second start must not take it for a crash's socket, remove it and run a second tray
    that the first one's socket no longer reaches."""
    busy = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    busy.bind(key)
    busy.listen(0)
    waiting: list[socket.socket] = []
    try:
        while True:  # fill its backlog: connections it has not accepted
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            client.setblocking(False)
            waiting.append(client)
            try:
                client.connect(key)
            except BlockingIOError:
                break
        inode = os.stat(key).st_ino
        second = SingleInstance(key)
        try:
            assert not second.try_become_primary()
        finally:
            second.close()
            second.deleteLater()
        assert os.stat(key).st_ino == inode  # still the first one's socket
    finally:
        for client in waiting:
            client.close()
        busy.close()


def test_a_client_that_never_finishes_its_line_is_let_go(
    key: str, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection that sends nothing, or half a line, held a descriptor and a notifier for the process's life;
    enough of them and accept() fails with EMFILE on every turn of the loop. It is closed after its deadline."""
    monkeypatch.setattr(SingleInstance, "client_deadline_ms", 50, raising=False)
    first = SingleInstance(key)
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    trickling = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        assert first.try_become_primary()
        silent.connect(key)
        trickling.connect(key)
        trickling.sendall(b"watch {")
        qtbot.waitUntil(lambda: len(first._clients) == 2)
        qtbot.waitUntil(lambda: not first._clients)  # both let go: nothing of theirs is kept
        for client in (silent, trickling):
            client.settimeout(5)
            assert client.recv(16) == b""  # closed by the tray
    finally:
        silent.close()
        trickling.close()
        first.close()
        first.deleteLater()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to make another user's file")
def test_another_user_s_socket_at_our_path_is_neither_asked_nor_removed(key: str, qtbot: QtBot) -> None:
    """Without XDG_RUNTIME_DIR the socket's name is in the shared temp folder, and predictable: another user's
    socket squatting it was asked to "show", and the start ended there (JobTray never ran for this user)."""
    squatter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    squatter.bind(key)
    squatter.listen(4)
    squatter.setblocking(False)
    os.chmod(key, 0o777)  # noqa: S103 - the squatter lets anyone in
    os.chown(key, 65534, 65534)  # nobody's
    inode = os.stat(key).st_ino
    ours = SingleInstance(key)
    try:
        assert ours.try_become_primary()  # runs, its single-instance check off
        with pytest.raises(BlockingIOError):
            squatter.accept()  # never connected to
        assert os.stat(key).st_ino == inode  # not removed
    finally:
        ours.close()
        ours.deleteLater()
        squatter.close()


_OUT_OF_DESCRIPTORS = """
import os, resource, socket, sys
from PySide6.QtCore import QCoreApplication, QTimer
app = QCoreApplication([])
from desktop_app.app.single_instance import SingleInstance
instance = SingleInstance(sys.argv[1])
assert instance.try_become_primary()
calls = [0]
accept = socket.socket.accept
def counting(self):
    calls[0] += 1
    return accept(self)
socket.socket.accept = counting
resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
held = []
try:
    while True:
        held.append(os.open(os.devnull, os.O_RDONLY))
except OSError:
    pass
print("ready", flush=True)
sys.stdin.readline()  # the test has connected
QTimer.singleShot(300, app.quit)
app.exec()
print(calls[0], flush=True)
"""


def test_out_of_descriptors_the_socket_does_not_spin_the_gui_thread(key: str) -> None:
    """accept() failing with EMFILE leaves the connection queued and the socket readable: the notifier fired on
    every turn of the loop, the GUI thread at 100 % CPU (and a warning each time) until a descriptor was freed."""
    with (
        subprocess.Popen(
            [sys.executable, "-c", _OUT_OF_DESCRIPTORS, key],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        ) as child,
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client,
    ):
        _talk_to_a_tray_out_of_descriptors(child, client, key)


def _talk_to_a_tray_out_of_descriptors(child: subprocess.Popen[str], client: socket.socket, key: str) -> None:
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "ready"
        client.connect(key)
        child.stdin.write("go\n")
        child.stdin.flush()
        attempts = int(child.stdout.readline())
        assert child.wait(30) == 0
        assert 1 <= attempts <= 3, attempts  # tried, then paused: not once per loop turn
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_the_socket_is_only_this_users_from_the_moment_it_exists(
    key: str, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mode was set after bind(): with a loose umask in a shared folder, another user could connect in between.
    The mode the file has when the later chmod runs is the one it was born with."""
    import desktop_app.app.single_instance as module

    born: list[int] = []
    real_chmod = os.chmod

    def chmod(path: str | os.PathLike[str], mode: int) -> None:
        born.append(os.stat(path).st_mode & 0o777)
        real_chmod(path, mode)

    monkeypatch.setattr(module.os, "chmod", chmod)
    old_umask = os.umask(0)
    try:
        first = SingleInstance(key)
        assert first.try_become_primary()
    finally:
        os.umask(old_umask)
    try:
        assert born == [0o600]
    finally:
        first.close()
