"""Drops and paste: text, links and text files become job IDs; big or binary drops are refused."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from desktop_app.providers.registry import ID_SPECS
from desktop_app.ui.drops import MAX_DROP_BYTES, plan_drop, read_mime
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.window import JobWindow
from tests.gui.conftest import make_account

PDFCO_ID = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345--123-456"


def _drop(window: JobWindow, mime: QMimeData) -> None:
    """Deliver a real drag-enter then QDropEvent to the window, as the platform does (Qt drops only after an
    accepted enter)."""
    enter = QDragEnterEvent(
        QPoint(20, 20),  # QDragEnterEvent takes a QPoint (QPointF only from PySide6 6.12)
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, event)


def _window(qtbot) -> JobWindow:
    window = JobWindow(JobTableModel())
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    return window


def test_dropped_text_reaches_the_app_as_text(qtbot) -> None:
    window = _window(qtbot)
    mime = QMimeData()
    mime.setText(f"The job {PDFCO_ID} is running")
    with qtbot.waitSignal(window.text_dropped) as dropped:
        _drop(window, mime)
    assert PDFCO_ID in dropped.args[0]


def test_dropped_link_and_text_file(qtbot, tmp_path: Path) -> None:
    window = _window(qtbot)
    listing = tmp_path / "jobs.txt"
    listing.write_text(f"first: {PDFCO_ID}\n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl("https://app.pdf.co/jobs?jobid=XYZ"), QUrl.fromLocalFile(str(listing))])
    with qtbot.waitSignal(window.text_dropped) as dropped:
        _drop(window, mime)
    assert "https://app.pdf.co/jobs?jobid=XYZ" in dropped.args[0]
    assert PDFCO_ID in dropped.args[0]


def test_binary_and_oversized_files_are_refused_with_a_message(qtbot, tmp_path: Path, no_modal_boxes) -> None:
    window = _window(qtbot)
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" * 10)
    big = tmp_path / "huge.log"
    big.write_bytes(b"x" * (MAX_DROP_BYTES + 1))
    received: list[str] = []
    window.text_dropped.connect(received.append)
    for path in (binary, big):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        _drop(window, mime)
    assert received == []
    assert no_modal_boxes[0] == "photo.jpg is not a text file"
    assert "larger than 1 MB" in no_modal_boxes[1]
    assert "larger than 1 MB" in window.statusBar().currentMessage()


def test_image_only_drop_is_refused() -> None:
    mime = QMimeData()
    mime.setData("image/png", b"\x89PNG\r\n\x1a\n")
    content = read_mime(mime)
    assert content.text is None
    assert content.refusal == "only text, links or text files can be dropped here"


def test_oversized_text_is_refused() -> None:
    mime = QMimeData()
    mime.setText("A" * (MAX_DROP_BYTES + 10))
    assert "larger than 1 MB" in (read_mime(mime).refusal or "")


def test_ctrl_v_pastes_like_a_drop(qtbot) -> None:
    window = _window(qtbot)
    window.table.setFocus()
    QGuiApplication.clipboard().setText(PDFCO_ID)
    with qtbot.waitSignal(window.text_dropped) as pasted:
        qtbot.keyClick(window.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert pasted.args == [PDFCO_ID]


def test_plan_asks_only_when_more_than_one_account_could_own_the_ids() -> None:
    one = plan_drop(
        f"see {PDFCO_ID}", [make_account("acme", "pdfco"), make_account("enc", "encodingcom", 2)], specs=ID_SPECS
    )
    assert not one.needs_choice
    assert one.candidates[0].account.name == "acme"
    assert one.candidates[0].job_ids == (PDFCO_ID,)
    two = plan_drop(PDFCO_ID, [make_account("acme", "pdfco"), make_account("acme-eu", "pdfco", 2)], specs=ID_SPECS)
    assert two.needs_choice
    assert {c.account.name for c in two.candidates} == {"acme", "acme-eu"}
    assert plan_drop("nothing here", [make_account()], specs=ID_SPECS).empty
    both = [make_account("acme", "pdfco"), make_account("acme-eu", "pdfco", 2)]
    only = plan_drop(PDFCO_ID, both, "acme-eu", specs=ID_SPECS)
    assert [c.account.name for c in only.candidates] == ["acme-eu"]
