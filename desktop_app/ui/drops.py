"""What a drop or a paste carries, as text, and which accounts its job IDs could belong to.

`read_mime` turns QMimeData (text, links, text files) into text or a refusal the user can read; `plan_drop` finds
job IDs in that text per account by the one intake's rules (core/intake.py) with the ID specs its caller passes
(the registry's `ID_SPECS`: the ui never imports the providers). Neither touches the store: the app decides what
to add.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMimeData

from desktop_app.core import ids
from desktop_app.core.errors import ConfigError
from desktop_app.core.intake import IdBook, Owner, owners
from desktop_app.core.model import Account
from desktop_app.ui.texts import QT_TRANSLATE_NOOP, fill

MAX_DROP_BYTES = 1_000_000  # a list of job IDs is never near this; larger is a mistake (a video, a log file)
_SNIFF_BYTES = 8192
_TOO_LARGE = QT_TRANSLATE_NOOP("Drops", "%1 is larger than 1 MB; drop a smaller text file or paste the job IDs")


@dataclass(frozen=True, slots=True)
class DropContent:
    """The text of a drop, or why it was refused (exactly one is set)."""

    text: str | None = None
    refusal: str | None = None


def _refuse(reason: str, name: str = "") -> DropContent:
    """A refusal, its translated text's %1 the file's name."""
    return DropContent(refusal=QCoreApplication.translate("Drops", reason).replace("%1", name))


def decode_text(data: bytes, name: str) -> DropContent:
    """Bytes that should be text; refused when they look binary (a NUL byte, or not UTF-8)."""
    if len(data) > MAX_DROP_BYTES:
        return _refuse(_TOO_LARGE, name)
    if b"\x00" in data[:_SNIFF_BYTES]:
        return _refuse(QT_TRANSLATE_NOOP("Drops", "%1 is not a text file"), name)
    try:
        return DropContent(text=data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return _refuse(QT_TRANSLATE_NOOP("Drops", "%1 is not a UTF-8 text file"), name)


def read_text_file(path: Path) -> DropContent:
    """A dropped local file's text; checks its size before reading a byte of it."""
    name = path.name or str(path)
    try:
        if not path.is_file():
            return _refuse(QT_TRANSLATE_NOOP("Drops", "%1 is not a file"), name)
        if path.stat().st_size > MAX_DROP_BYTES:
            return _refuse(
                _TOO_LARGE,
                name,
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_DROP_BYTES + 1)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        return DropContent(refusal=fill(QCoreApplication.translate("Drops", "cannot read %1: %2"), name, why))
    return decode_text(data, name)


def read_mime(mime: QMimeData) -> DropContent:
    """The text a drop or paste carries: its links (local text files are read), else its plain text."""
    if mime.hasUrls():
        pieces: list[str] = []
        for url in mime.urls():
            if url.isLocalFile():
                content = read_text_file(Path(url.toLocalFile()))
                if content.refusal is not None:
                    return content
                pieces.append(content.text or "")
            else:
                pieces.append(url.toString())
        text = "\n".join(pieces)
    elif mime.hasText():
        text = mime.text()
    else:
        return _refuse(QT_TRANSLATE_NOOP("Drops", "only text, links or text files can be dropped here"))
    if len(text.encode("utf-8", errors="replace")) > MAX_DROP_BYTES:
        return _refuse(QT_TRANSLATE_NOOP("Drops", "the dropped text is larger than 1 MB"))
    if "\x00" in text:
        return _refuse(QT_TRANSLATE_NOOP("Drops", "the dropped text looks binary"))
    return DropContent(text=text)


Candidate = Owner  # an account that could own some of the IDs in a drop, and those IDs


@dataclass(frozen=True, slots=True)
class DropPlan:
    candidates: tuple[Candidate, ...]

    @property
    def needs_choice(self) -> bool:
        """More than one account could own the IDs: the user decides."""
        return len(self.candidates) > 1

    @property
    def empty(self) -> bool:
        return not self.candidates


def plan_drop(
    text: str, accounts: Sequence[Account], only_account: str | None = None, *, specs: Mapping[str, ids.IdSpec]
) -> DropPlan:
    """The accounts whose provider's IDs appear in `text`, most IDs first; `specs` by provider name (an account
    whose provider has none is never a candidate). The rules are the intake's, the same for every front
    (core/intake.py); text the named account could not take is an empty plan."""
    try:
        return DropPlan(tuple(owners(text, accounts, IdBook(specs, {}), only_account)))
    except ConfigError:
        return DropPlan(())
