#!/bin/sh
# Screenshots: Xvfb + D-Bus + a StatusNotifierItem tray host + dunst, then a first run (the welcome) and the demo
# (tray menu, window light and dark, a failure's notification).
# Usage: docs/screenshots/take.sh [SECONDS_INTO_THE_DEMO]   (from the repository root; PYTHON=... to pick one)
set -eu
DELAY=${1:-35}
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
export DISPLAY=:87
# A config folder of its own: the shots never use (or overwrite) your remembered window layout.
CONFIG=$(mktemp -d)
export XDG_CONFIG_HOME="$CONFIG"
Xvfb "$DISPLAY" -screen 0 1280x720x24 >/dev/null 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null; rm -rf "$CONFIG"' EXIT
sleep 1
dbus-run-session -- sh -c "
  dunst -config docs/screenshots/dunstrc >/dev/null 2>&1 & D=\$!
  gtk-sni-tray-standalone --top --end --watcher --size 40 >/dev/null 2>&1 & T=\$!
  sleep 4
  QT_QPA_PLATFORM=xcb $PYTHON docs/screenshots/shoot.py first-run
  QT_QPA_PLATFORM=xcb $PYTHON docs/screenshots/shoot.py demo $DELAY
  kill \$D \$T
"
