"""Where our files (icons, the .desktop entry, translations) are: in a PyInstaller bundle, a checkout or a wheel."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    """The `resources/` folder, wherever this copy of JobTray was installed from."""
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:  # PyInstaller puts data files under the bundle's own folder
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parents[2] / "resources")  # source checkout or editable install
    candidates.append(Path(sys.prefix) / "share" / "jobtray" / "resources")  # wheel install (data-files)
    for folder in candidates:
        if (folder / "icons" / "jobtray.svg").is_file():
            return folder
    raise FileNotFoundError("JobTray's resources folder is missing from this installation")


def icon_path(size: int | None = None) -> Path:
    """The app icon: the SVG, or the PNG of `size` pixels."""
    icons = resources_dir() / "icons"
    return icons / ("jobtray.svg" if size is None else f"jobtray-{size}.png")


def desktop_entry_path() -> Path:
    return resources_dir() / "jobtray.desktop"


def translations_dir() -> Path:
    """Our compiled translations (`jobtray_<lang>.qm`); built from the `.ts` files next to them."""
    return resources_dir() / "translations"
