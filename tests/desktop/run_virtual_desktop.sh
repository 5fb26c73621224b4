#!/usr/bin/env bash
# Run a command on a throwaway virtual desktop: Xvfb, a private D-Bus session, dunst (notifications) and a
# StatusNotifierItem tray host (gtk-sni-tray-standalone), all in a temporary HOME and XDG_RUNTIME_DIR.
#
#   tests/desktop/run_virtual_desktop.sh [options] -- COMMAND [ARGS...]
#
# Options:
#   --screenshot FILE   after COMMAND ends (or after --shot-after seconds, while it runs), save the screen as PNG
#   --shot-after SECS   take the screenshot this long after COMMAND started (needs --screenshot)
#   --keep DIR          use DIR for the session (logs, dunst history) and keep it afterwards
#
# Examples:
#   tests/desktop/run_virtual_desktop.sh -- python -m desktop_app demo --quit-after 70
#   tests/desktop/run_virtual_desktop.sh --screenshot docs/tray.png --shot-after 5 -- python -m desktop_app demo --quit-after 8
#
# After COMMAND, dunst's history (what notifications arrived) is written to SESSION/dunst-history.json and a one-line
# summary per notification is printed. The exit code is COMMAND's. Every process started here is stopped by PID.
# Needs: Xvfb dbus-daemon dunst dunstctl gtk-sni-tray-standalone (Debian: xvfb dbus dunst haskell-gtk-sni-tray-utils);
# imagemagick's `import` for screenshots.
set -euo pipefail

screenshot="" shot_after="" keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --screenshot) screenshot="$2"; shift 2 ;;
    --shot-after) shot_after="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [options] -- COMMAND [ARGS...]" >&2; exit 2; }
for tool in Xvfb dbus-daemon dunst dunstctl gtk-sni-tray-standalone; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 2; }
done

if [ -n "$keep" ]; then mkdir -p "$keep"; session="$(cd "$keep" && pwd)"; else session="$(mktemp -d)"; fi
pids=()
cleanup() {
  local pid
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid="${pids[$i]}"
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  [ -n "$keep" ] || rm -rf "$session"
  [ -z "${runtime:-}" ] || rm -rf "$runtime"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The runtime folder holds sockets (a path of at most 107 bytes): a short one of its own, not under a --keep folder
# that may be deep (pytest-xdist's tmp_path; dbus-daemon then fails with "Socket name too long").
runtime="$(mktemp -d)"
mkdir -p "$session/home"
export HOME="$session/home" XDG_RUNTIME_DIR="$runtime" XDG_CONFIG_HOME="$session/home/.config"
export XDG_DATA_HOME="$session/home/.local/share" XDG_CACHE_HOME="$session/home/.cache" NO_AT_BRIDGE=1
unset WAYLAND_DISPLAY QT_QPA_PLATFORM DBUS_SESSION_BUS_ADDRESS

# Xvfb picks a free display itself and writes its number on fd 3 (-displayfd), here a FIFO opened read-write.
mkfifo "$session/displayfd"
exec 3<>"$session/displayfd"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$session/xvfb.log" 2>&1 &
pids+=($!)
read -r -t 10 display_number <&3 || { echo "$0: Xvfb did not start (see $session/xvfb.log)" >&2; exit 1; }
exec 3<&-
export DISPLAY=":$display_number"

# A bus with no service directories: nothing gets D-Bus-activated behind our back (it would not be ours to stop).
cat >"$session/session.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$XDG_RUNTIME_DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
EOF
dbus-daemon --config-file="$session/session.conf" --nofork --print-address=1 >"$session/dbus.address" 2>"$session/dbus.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$session/dbus.address" ] && break; sleep 0.1; done
DBUS_SESSION_BUS_ADDRESS="$(head -n1 "$session/dbus.address")"
[ -n "$DBUS_SESSION_BUS_ADDRESS" ] || { echo "$0: dbus-daemon did not start" >&2; exit 1; }
export DBUS_SESSION_BUS_ADDRESS

has_owner() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q "boolean true"
}

cat >"$session/dunstrc" <<'EOF'
[global]
    monitor = 0
    follow = none
    width = 300
    height = 100
    origin = top-right
    offset = 10x50
    history_length = 200
    stack_duplicates = false
    markup = full
    font = DejaVu Sans 9
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
EOF
dunst -config "$session/dunstrc" >"$session/dunst.log" 2>&1 &
pids+=($!)
# The watcher's name comes first; Qt sees a tray only once the host has registered with it as well.
host_registered() {
  dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher \
    org.freedesktop.DBus.Properties.Get string:org.kde.StatusNotifierWatcher string:IsStatusNotifierHostRegistered \
    2>/dev/null | grep -q "boolean true"
}
# gtk-sni-tray-standalone sometimes dies at start on a race of its own ("UnknownObject", then a pattern-match
# failure in its Main.hs), more often on a busy machine (seen with the suite in 4 workers): started again, up to 3
# times, as virtual_desktop.py's start_sni_host does.
for attempt in 1 2 3; do
  gtk-sni-tray-standalone --top --end --watcher --size 40 >>"$session/sni.log" 2>&1 &
  sni_pid=$!
  pids+=("$sni_pid")
  for _ in $(seq 200); do
    host_registered && break
    kill -0 "$sni_pid" 2>/dev/null || break
    sleep 0.1
  done
  host_registered && break
  kill -0 "$sni_pid" 2>/dev/null && break  # alive but not registered in time: a real failure, said below
  wait "$sni_pid" 2>/dev/null || true  # reaped, and off the list: its PID is no longer ours to stop
  unset 'pids[-1]'
  sleep "0.$((2 * attempt))"
done
for _ in $(seq 100); do
  has_owner org.freedesktop.Notifications && break
  sleep 0.1
done
has_owner org.freedesktop.Notifications || { echo "$0: dunst did not start (see $session/dunst.log)" >&2; exit 1; }
host_registered || { echo "$0: the tray host did not start (see $session/sni.log)" >&2; exit 1; }
echo "virtual desktop: DISPLAY=$DISPLAY session=$session" >&2

set +e
"$@" &
app=$!
pids+=("$app")
if [ -n "$screenshot" ] && [ -n "$shot_after" ]; then
  sleep "$shot_after"
  import -window root "$screenshot" && echo "screenshot: $screenshot" >&2
fi
wait "$app"
rc=$?
set -e
if [ -n "$screenshot" ] && [ -z "$shot_after" ]; then
  import -window root "$screenshot" && echo "screenshot: $screenshot" >&2
fi

# Shown notifications reach dunst's history once closed.
dunstctl close-all || true
dunstctl history >"$session/dunst-history.json" || true
python3 - "$session/dunst-history.json" <<'EOF' >&2 || true
import json, sys
entries = json.load(open(sys.argv[1]))["data"][0]
for entry in sorted(entries, key=lambda e: e["id"]["data"]):
    print(f'notification: [{entry["appname"]["data"]}] {entry["summary"]["data"]} | {entry["body"]["data"]}')
print(f"{len(entries)} notification(s) in dunst's history")
EOF
exit "$rc"
