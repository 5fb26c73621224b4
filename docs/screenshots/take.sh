#!/bin/sh
# Screenshots of the tray menu and the window: Xvfb + D-Bus + a StatusNotifierItem tray host + dunst, then the demo.
# Usage: docs/screenshots/take.sh [SECONDS_INTO_THE_DEMO]   (from the repository root, with the venv's python)
set -eu
DELAY=${1:-26}
PY=${PYTHON:-/work/venv/bin/python}
export DISPLAY=:87
Xvfb "$DISPLAY" -screen 0 1280x720x24 >/dev/null 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null' EXIT
sleep 1
dbus-run-session -- sh -c "
  dunst >/dev/null 2>&1 & D=\$!
  gtk-sni-tray-standalone --top --end --watcher --size 40 >/dev/null 2>&1 & T=\$!
  sleep 2
  QT_QPA_PLATFORM=xcb $PY docs/screenshots/shoot.py $DELAY
  kill \$D \$T
"
