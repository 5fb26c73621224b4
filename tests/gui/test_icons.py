"""Tray icons are cached by what they show, within a bound (issue 19: an unbounded cache keyed by the raw open count
kept six pixmaps for every count, ring and alert ever shown, and the tray's memory climbed for as long as it ran)."""

from __future__ import annotations

from desktop_app.ui import icons
from desktop_app.ui.icons import TrayIconKey, TrayLook, tray_icon


def test_counts_that_draw_the_same_picture_share_one_icon() -> None:
    assert tray_icon(TrayIconKey(TrayLook.RUNNING, 150, 40)) is tray_icon(TrayIconKey(TrayLook.RUNNING, 151, 40))
    assert tray_icon(TrayIconKey(TrayLook.DONE, 3)) is tray_icon(TrayIconKey(TrayLook.DONE, 7))
    assert tray_icon(TrayIconKey(TrayLook.RUNNING, 5, 40)) is not tray_icon(TrayIconKey(TrayLook.RUNNING, 6, 40))


def test_a_long_run_keeps_a_few_icons_not_every_one_it_showed() -> None:
    for count in range(1, 300):
        for ring in (None, 0, 50, 95):
            tray_icon(TrayIconKey(TrayLook.RUNNING, count, ring, alert=count % 2 == 0))
    assert icons._tray_icon.cache_info().currsize <= icons.TRAY_ICONS_KEPT
