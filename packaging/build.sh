#!/usr/bin/env bash
# Build the one-folder JobTray bundle: dist/jobtray/jobtray.
#   bash packaging/build.sh            # from a clean checkout; makes its own build venv under build/
# One folder, not one file: a one-file build unpacks itself on every start (about a second lost each time).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/build/venv"
PYTHON=${PYTHON:-python3}

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --upgrade pip >/dev/null
"$VENV/bin/pip" install -q "$ROOT" "pyinstaller>=6.10"

start=$(date +%s)
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
  "$ROOT/packaging/jobtray.spec"
end=$(date +%s)

size=$(du -sm "$ROOT/dist/jobtray" | cut -f1)
echo "built dist/jobtray/jobtray in $((end - start)) s; the folder is ${size} MB"
"$ROOT/dist/jobtray/jobtray" --version
