"""The first-run welcome: try the demo, or add an account of a provider, told what its key is and where the vendor
shows it. The window shows it while there is no account.

The texts are kept here, not in the provider modules: the welcome is drawn before any account exists, and the
providers bring requests with them (~20 MB a tray with nothing to watch never loads). A test holds this table to
the registry (every provider has its text; a provider missing here would still get a generic one).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.ids import provider_display_name


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """What an account of a provider needs, in the vendor's words, and where the vendor shows it."""

    provider: str
    needs: str
    where: str


KEY_HELP: tuple[KeyHelp, ...] = (
    KeyHelp(
        "pdfco",
        "Your PDF.co API key.",
        "Sign in to the PDF.co dashboard (app.pdf.co): the Your API Key card on its home page has a Copy Key button.",
    ),
    KeyHelp(
        "ipaper",
        "An API key for iPaper's Flipbook Backend API (sent with the user name APIKey).",
        "iPaper's documentation does not say where it is shown: ask iPaper (or your iPaper partner, whose API "
        "address you then give too) for a Backend API key.",
    ),
    KeyHelp(
        "scriptx",
        "The licence GUID of your ScriptX.Services subscription (it is the user name; there is no password).",
        "MeadCo issues it with the subscription (it is the licence's ID, the one its licensed domains belong to); "
        "for ScriptX.Services on a Windows PC or On-Premise, also give that server's address.",
    ),
    KeyHelp(
        "encodingcom",
        "Your encoding.com user ID (a number) and user key.",
        "Both are on the My Account page of encoding.com's web interface; regenerating the user key there "
        "makes the old one stop working.",
    ),
)

INTRO = (
    "JobTray watches jobs you started at cloud services and tells you when they end. Nothing is watched yet: "
    "add an account of a service you use, or try the demo first."
)
DEMO_NOTE = (
    "Opens a second JobTray on throwaway data, with local stand-ins of every service: nothing is sent anywhere, "
    "and it is all gone when you quit it."
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
        title = QLabel("Welcome to JobTray")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)

        self.demo_button = QPushButton("Try the demo")
        self.demo_button.clicked.connect(self.demo_requested)
        demo_note = QLabel(DEMO_NOTE)
        demo_note.setWordWrap(True)

        accounts = QLabel("<b>Add an account</b>")
        providers = QVBoxLayout()
        providers.setSpacing(4)
        self.add_buttons: dict[str, QPushButton] = {}
        for help_ in KEY_HELP:
            name = provider_display_name(help_.provider)
            # Stacked, not in a grid: word-wrapped labels in a grid get rows of the wrong height.
            text = QLabel(f"<b>{name}</b>: {_escape(help_.needs)}<br>{_escape(help_.where)}")
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton(f"Add {name} account...")
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

    def texts(self) -> list[str]:
        """Every label's text (for tests)."""
        return [label.text() for label in self.findChildren(QLabel)]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
