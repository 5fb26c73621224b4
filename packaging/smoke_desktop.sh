#!/usr/bin/env bash
# The frozen bundle's demo on a virtual desktop (Xvfb, D-Bus, dunst, a StatusNotifierItem tray host):
#   bash packaging/smoke_desktop.sh dist/jobtray/jobtray
# Passes when the demo exits 0 without a traceback and dunst received "Succeeded" and "Failed" notifications from it.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=$(realpath "${1:-dist/jobtray/jobtray}")
session=$(mktemp -d)
trap 'rm -rf "$session"' EXIT

set +e
bash tests/desktop/run_virtual_desktop.sh --keep "$session/desktop" -- "$bundle" demo --quit-after 70 \
  >"$session/stdout" 2>"$session/stderr"
rc=$?
set -e
if [ "$rc" -ne 0 ] || grep -q "Traceback" "$session/stderr"; then
  echo "smoke_desktop: the frozen demo failed (exit $rc)" >&2
  tail -40 "$session/stderr" >&2
  exit 1
fi
python3 - "$session/desktop/dunst-history.json" <<'PY'
import json
import sys

entries = json.load(open(sys.argv[1]))["data"][0]
ours = [e["summary"]["data"] for e in entries if e["appname"]["data"] == "JobTray"]
succeeded = [s for s in ours if s.startswith("Succeeded: ")]
failed = [s for s in ours if s.startswith("Failed: ")]
print(f"smoke_desktop: {len(ours)} notifications from the frozen demo; {len(succeeded)} succeeded, {len(failed)} failed")
if not succeeded or not failed:
    sys.exit("smoke_desktop: expected at least one Succeeded and one Failed notification")
PY
