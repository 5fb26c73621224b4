"""The CLI side of the single-instance socket, without Qt: where the running tray listens (`instance_key`), and a
plain AF_UNIX client that hands it a job (`hand_over`).

On Linux the tray listens on a Unix socket (app/single_instance.py) at a full path in $XDG_RUNTIME_DIR (see
`instance_key`), which the standard library reaches directly. Elsewhere (macOS temp folder names, Windows named
pipes) the key is a short name only Qt resolves: there `hand_over` returns None and the caller writes the store,
which the tray reads within a second (its data_version poll).
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from desktop_app.core.handoff import MAX_LINE_BYTES, HandOffError, Reply, WatchRequest, encode_watch, parse_reply

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 0.5
REPLY_TIMEOUT_S = 2.0
SUN_PATH_MAX = 107  # bytes of a Unix socket's address without its NUL (Linux's sun_path)


def instance_key(data_folder: Path) -> str:
    """The server key for the app running on `data_folder`.

    Two things go into it:
    - the data folder (resolved, hashed): `jobtray demo` runs on a fresh temporary folder, so a demo and the
      real app, or two demos, never take each other for "already running"; two apps on one database do.
    - the user: where sockets share a folder (/tmp, or the Windows pipe namespace) users must not collide.

    On Linux the socket goes into $XDG_RUNTIME_DIR (private to the user, 0700) as a full path, so no other user
    can squat the name first. Elsewhere it is a short name: the tray puts it in the temp folder (per user on
    macOS) or the pipe namespace (Windows). The hash keeps it well under the 104-byte socket path limit.
    """
    try:
        folder = str(data_folder.expanduser().resolve())
    except OSError:
        folder = str(data_folder)
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this UID (containers): the UID says the same
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    digest = hashlib.sha256(f"{user}\0{folder}".encode()).hexdigest()[:16]
    safe_user = "".join(c for c in user if c.isalnum())[:16] or "user"
    name = f"jobtray-{safe_user}-{digest}"
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if sys.platform.startswith("linux") and runtime and Path(runtime).is_dir():
        return str(Path(runtime) / name)
    return name


@contextlib.contextmanager
def unix_address(path: str) -> Iterator[str]:
    """`path` as bind() and connect() take it. A path longer than a socket address holds (a long XDG_RUNTIME_DIR)
    made them fail: the tray then ran with its single-instance check off and hand-offs never reached it. Such a
    path is reached through its folder's descriptor instead (`/proc/self/fd/N/name`, Linux), valid inside the
    `with`. A folder that cannot be opened raises OSError, as bind() or connect() would."""
    folder, name = os.path.split(path)
    if len(os.fsencode(path)) <= SUN_PATH_MAX or not folder or not os.path.isdir("/proc/self/fd"):
        yield path
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{name}"
    finally:
        os.close(fd)


def hand_over(key: str, request: WatchRequest, timeout: float = REPLY_TIMEOUT_S) -> Reply | None:
    """Give `request` to the tray listening at `key`; its reply, or None when no tray took it (none runs, this
    system's sockets are not plain paths, or it did not answer in time): then the caller writes the store."""
    if not hasattr(socket, "AF_UNIX") or not os.path.isabs(key) or not os.path.exists(key):
        return None
    try:
        line = encode_watch(request)
    except HandOffError:
        return None
    deadline = time.monotonic() + timeout
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(CONNECT_TIMEOUT_S)
            with unix_address(key) as address:
                sock.connect(address)  # a socket left by a crash refuses: ConnectionRefusedError
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            sock.sendall(line)
            received = b""
            while b"\n" not in received and len(received) <= MAX_LINE_BYTES:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = sock.recv(MAX_LINE_BYTES)
                if not chunk:
                    break
                received += chunk
    except OSError as exc:  # refused, timed out, reset: no tray to hand over to
        log.debug("no hand-off to %s: %s", key, exc)
        return None
    if b"\n" not in received:
        return None
    try:
        return parse_reply(received.split(b"\n", 1)[0] + b"\n")
    except HandOffError:
        return None
