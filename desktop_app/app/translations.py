"""The tray app's language: ours (`resources/translations/jobtray_<lang>.qm`) for the system's language, and Qt's own
(qtbase: the standard dialog buttons) when this Qt ships it. English, the source language, needs no file.

Installed right after the QApplication exists, before any widget: the ui reads translations when it builds its
texts (and caches the state names, ui/texts.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop_app.system.resources import translations_dir

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"


def chosen_language(locale: QLocale) -> str | None:
    """The first of the user's languages we have a translation for, or None for English.

    The user's languages in order (LANGUAGE=de:en, or LANG's one): English before any translated one means English.
    """
    folder = _folder()
    for name in locale.uiLanguages():
        language = name.replace("-", "_").split("_")[0].lower()
        if language in (SOURCE_LANGUAGE, "c", "posix"):
            return None
        if folder is not None and (folder / f"jobtray_{language}.qm").is_file():
            return language
    return None


def _folder() -> Path | None:
    try:
        return translations_dir()
    except FileNotFoundError:
        return None


def install_translators(app: QCoreApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Install our translation (and Qt's) for `locale` (the system's); returns what was installed."""
    locale = locale if locale is not None else QLocale.system()
    language = chosen_language(locale)
    folder = _folder()
    if language is None or folder is None:
        return []
    installed: list[QTranslator] = []
    ours = QTranslator(app)
    if ours.load(str(folder / f"jobtray_{language}.qm")) and app.installTranslator(ours):
        installed.append(ours)
    else:
        log.warning("cannot load the %s translation from %s", language, folder)
        return []
    # PySide6-Essentials may come without Qt's translations, and the bundle leaves them out: then our strings only.
    qt = QTranslator(app)
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(f"qtbase_{language}", qt_folder) and app.installTranslator(qt):
        installed.append(qt)
    log.debug("translations installed: %s", [t.filePath() for t in installed])
    return installed
