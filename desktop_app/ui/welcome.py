"""The first-run welcome: try the demo, or add an account of a provider, told what its key is and where the vendor
shows it. The window shows it while there is no account.

The texts are kept here, not in the provider modules: the welcome is drawn before any account exists, and the
providers bring requests with them (~20 MB a tray with nothing to watch never loads). A test holds this table to
the registry (every provider has its text; a provider missing here would still get a generic one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.ids import provider_display_name
from desktop_app.ui.texts import QT_TRANSLATE_NOOP


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """What an account of a provider needs, in the vendor's words, and where the vendor shows it (source texts of
    the "WelcomePanel" context: shown translated)."""

    provider: str
    needs: str
    where: str


KEY_HELP: tuple[KeyHelp, ...] = (
    KeyHelp(
        "pdfco",
        QT_TRANSLATE_NOOP("WelcomePanel", "Your PDF.co API key."),
        QT_TRANSLATE_NOOP(
            "WelcomePanel",
            "Sign in to the PDF.co dashboard (app.pdf.co): the Your API Key card on its home page has a Copy Key "
            "button.",
        ),
    ),
    KeyHelp(
        "ipaper",
        QT_TRANSLATE_NOOP(
            "WelcomePanel", "An API key for iPaper's Flipbook Backend API (sent with the user name APIKey)."
        ),
        QT_TRANSLATE_NOOP(
            "WelcomePanel",
            "iPaper's documentation does not say where it is shown: ask iPaper (or your iPaper partner, whose API "
            "address you then give too) for a Backend API key.",
        ),
    ),
    KeyHelp(
        "scriptx",
        QT_TRANSLATE_NOOP(
            "WelcomePanel",
            "The licence GUID of your ScriptX.Services subscription (it is the user name; there is no password).",
        ),
        QT_TRANSLATE_NOOP(
            "WelcomePanel",
            "MeadCo issues it with the subscription (it is the licence's ID, the one its licensed domains belong "
            "to); for ScriptX.Services on a Windows PC or On-Premise, also give that server's address.",
        ),
    ),
    KeyHelp(
        "encodingcom",
        QT_TRANSLATE_NOOP("WelcomePanel", "Your encoding.com user ID (a number) and user key."),
        QT_TRANSLATE_NOOP(
            "WelcomePanel",
            "Both are on the My Account page of encoding.com's web interface; regenerating the user key there "
            "makes the old one stop working.",
        ),
    ),
)

INTRO = QT_TRANSLATE_NOOP(
    "WelcomePanel",
    "JobTray watches jobs you started at cloud services and tells you when they end. Nothing is watched yet: "
    "add an account of a service you use, or try the demo first.",
)
DEFINED_NEEDS = QT_TRANSLATE_NOOP(
    "WelcomePanel", "A provider defined in a file; its definition was written from the vendor's page:"
)
DEMO_NOTE = QT_TRANSLATE_NOOP(
    "WelcomePanel",
    "Opens a second JobTray on throwaway data, with local stand-ins of every service: nothing is sent anywhere, "
    "and it is all gone when you quit it.",
)


class WelcomePanel(QWidget):
    """Shown instead of the job table while there is no account.

    Signals:
        demo_requested(): start `jobtray demo`.
        add_account_requested(str): add an account of this provider (its name, like "pdfco").
    """

    demo_requested = Signal()
    add_account_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel(self.tr("Welcome to JobTray"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(_tr(INTRO))
        intro.setWordWrap(True)

        self.demo_button = QPushButton(self.tr("Try the demo"))
        self.demo_button.clicked.connect(self.demo_requested)
        demo_note = QLabel(_tr(DEMO_NOTE))
        demo_note.setWordWrap(True)

        add_title = self.tr("Add an account")
        accounts = QLabel(f"<b>{_escape(add_title)}</b>")
        providers = QVBoxLayout()
        providers.setSpacing(4)
        self._providers = providers
        self.add_buttons: dict[str, QPushButton] = {}
        for help_ in KEY_HELP:
            name = provider_display_name(help_.provider)
            # Stacked, not in a grid: word-wrapped labels in a grid get rows of the wrong height.
            text = QLabel(f"<b>{name}</b>: {_escape(_tr(help_.needs))}<br>{_escape(_tr(help_.where))}")
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton(self.tr("Add %1 account...").replace("%1", name))
            button.clicked.connect(lambda _=False, p=help_.provider: self.add_account_requested.emit(p))
            self.add_buttons[help_.provider] = button
            providers.addWidget(text)
            providers.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
            providers.addSpacing(10)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addWidget(self.demo_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(demo_note)
        layout.addSpacing(6)
        layout.addWidget(accounts)
        layout.addLayout(providers)
        layout.addStretch(1)
        content.setMaximumWidth(900)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def add_defined_providers(self, defined: Sequence[tuple[str, str, str]]) -> None:
        """A button each for providers defined in files (name, display name, the vendor page the definition names),
        below the built-in ones; the app passes them (the ui never reads the registry)."""
        for provider, display, page in defined:
            if provider in self.add_buttons:
                continue
            text = QLabel(f"<b>{_escape(display)}</b>: {_escape(_tr(DEFINED_NEEDS))}<br>{_escape(page)}")
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton(self.tr("Add %1 account...").replace("%1", display))
            button.clicked.connect(lambda _=False, p=provider: self.add_account_requested.emit(p))
            self.add_buttons[provider] = button
            self._providers.addWidget(text)
            self._providers.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
            self._providers.addSpacing(10)

    def texts(self) -> list[str]:
        """Every label's text (for tests)."""
        return [label.text() for label in self.findChildren(QLabel)]


def _tr(text: str) -> str:
    return QCoreApplication.translate("WelcomePanel", text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
