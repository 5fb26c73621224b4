"""The clipboard watch (opt-in): a copied text holding a job ID of a configured account becomes an offer to watch it.

`ClipboardWatcher` listens to `QClipboard.dataChanged` while it is on, and signals one `ClipboardOffer` per copy at
most: the first ID in it not offered before in this session (and not watched already). It never adds anything and
never touches the store; the app shows the offer (`Notifier.offer_watch`) and adds the job only on the user's click.
IDs are found by `ui.drops.plan_drop` (core.ids) with the accounts and ID specs the app passes in, as callables so
that nothing (the providers' registry brings in requests) is loaded before the first copy.

Ignored: contents a password manager marks as secret (the `x-kde-passwordManagerHint` format, whatever its value:
KeePassXC, KDE's Klipper and others set it), texts over `MAX_CLIPBOARD_BYTES`, and anything that is not text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QClipboard, QGuiApplication

from desktop_app.core import ids
from desktop_app.core.model import Account
from desktop_app.core.text import displayable
from desktop_app.ui.drops import plan_drop
from desktop_app.ui.texts import fill

log = logging.getLogger(__name__)

MAX_CLIPBOARD_BYTES = 64 * 1024  # a copied job ID or a creation reply is far below; larger is a document, not a job
PASSWORD_MANAGER_HINT = "x-kde-passwordManagerHint"  # noqa: S105 (a MIME type's name, not a password)

AccountsSource = Callable[[], Sequence[Account]]
SpecsSource = Callable[[], Mapping[str, ids.IdSpec]]


@dataclass(frozen=True, slots=True)
class ClipboardOffer:
    """A job ID seen on the clipboard and the accounts that could own it (most often one)."""

    job_id: str
    accounts: tuple[Account, ...]

    @property
    def provider(self) -> str:
        return self.accounts[0].provider


def _short(job_id: str, keep: int = 4) -> str:
    return job_id if len(job_id) <= keep + 1 else job_id[:keep] + "…"


def offer_text(offer: ClipboardOffer, names: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The notification's title and body: ("Watch 6YSZ… at PDF.co?", the whole ID and where it would go)."""
    shown = sorted({ids.provider_display_name(account.provider, names) for account in offer.accounts})
    at = ", ".join(shown)
    job_id = displayable(offer.job_id)  # it came from another program: shown, never interpreted
    if len(offer.accounts) == 1:
        template = QCoreApplication.translate("Clipboard", "%1 was copied. Watch it with the account %2?")
        body = fill(template, job_id, displayable(offer.accounts[0].name))
    else:
        body = fill(
            QCoreApplication.translate("Clipboard", "%1 was copied. Watch it? (you choose the account)"), job_id
        )
    return fill(QCoreApplication.translate("Clipboard", "Watch %1 at %2?"), _short(job_id), at), body


class ClipboardWatcher(QObject):
    """Offers the job IDs copied to the clipboard, while on (off when made).

    Args:
        accounts: the configured accounts, read at each copy.
        specs: the ID specs by provider name (the registry's `ID_SPECS`), read at the first copy worth a look.
        watched: whether a job ID is watched already (then it is not offered: the tray's own "Copy ID" is one).
        clipboard: the clipboard to watch (default: the application's).

    Signals:
        offered(ClipboardOffer): a copied text holds a job ID worth offering.
    """

    offered = Signal(object)

    def __init__(
        self,
        accounts: AccountsSource,
        specs: SpecsSource,
        *,
        watched: Callable[[str], bool] = lambda _job_id: False,
        clipboard: QClipboard | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._accounts = accounts
        self._specs = specs
        self._watched = watched
        self._clipboard = clipboard
        self._enabled = False
        self._offered: set[str] = set()  # once per session, whatever the answer was

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Start or stop listening; what is on the clipboard already is not offered, only what is copied next."""
        if enabled == self._enabled:
            return
        clipboard = self._board()
        if enabled:
            clipboard.dataChanged.connect(self._on_changed)
        else:
            clipboard.dataChanged.disconnect(self._on_changed)
        self._enabled = enabled

    def _board(self) -> QClipboard:
        if self._clipboard is None:
            self._clipboard = QGuiApplication.clipboard()
        return self._clipboard

    def _on_changed(self) -> None:
        try:
            text = self._copied_text()
            offer = self.offer_for(text) if text is not None else None
        except Exception:  # a clipboard owned by another program must never take the app down
            log.exception("cannot read the clipboard")
            return
        if offer is not None:
            self._offered.add(offer.job_id)
            self.offered.emit(offer)

    def _copied_text(self) -> str | None:
        mime = self._board().mimeData(QClipboard.Mode.Clipboard)
        if mime is None or mime.hasFormat(PASSWORD_MANAGER_HINT) or not mime.hasText():
            return None
        text = mime.text()
        if len(text) > MAX_CLIPBOARD_BYTES or len(text.encode("utf-8", errors="replace")) > MAX_CLIPBOARD_BYTES:
            return None
        return text

    def offer_for(self, text: str) -> ClipboardOffer | None:
        """The first job ID in `text` of a configured account not offered yet nor watched; None if there is none."""
        accounts = list(self._accounts())
        if not accounts or not text.strip():
            return None
        plan = plan_drop(text, accounts, specs=self._specs())
        owners: dict[str, list[Account]] = {}
        for candidate in plan.candidates:
            for job_id in candidate.job_ids:
                owners.setdefault(job_id, []).append(candidate.account)
        ordered = sorted(owners, key=text.find)  # in the order they were copied
        for job_id in ordered:
            if job_id not in self._offered and not self._watched(job_id):
                return ClipboardOffer(job_id, tuple(owners[job_id]))
        return None
