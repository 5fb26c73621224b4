#!/usr/bin/env bash
# Build the one-folder JobTray bundle: dist/jobtray/jobtray (macOS: also dist/JobTray.app).
#   bash packaging/build.sh            # from a clean checkout; makes its own build venv under build/
#   bash packaging/build.sh --deb      # then dist/jobtray_<version>_<arch>.deb from it (packaging/make_deb.sh)
# One folder, not one file: a one-file build unpacks itself on every start (about a second lost each time).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/build/venv"
PYTHON=${PYTHON:-python3}

deb=0
for arg in "$@"; do
  case "$arg" in
    --deb) deb=1 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--deb]" >&2; exit 2 ;;
  esac
done

if [ ! -x "$VENV/bin/python" ] && [ ! -x "$VENV/Scripts/python.exe" ]; then
  "$PYTHON" -m venv "$VENV"
fi
BIN="$VENV/bin"
[ -d "$BIN" ] || BIN="$VENV/Scripts"  # a venv on Windows (Git Bash on the GitHub runner)
"$BIN/python" -m pip install -q --upgrade pip >/dev/null
# With the `forward` extra: the bundle (and the .deb made from it) can forward endings through apprise.
"$BIN/python" -m pip install -q "$ROOT[forward]" "pyinstaller>=6.10"

# The translations, compiled from the .ts with this build's own lrelease (the spec takes them from build/translations).
mkdir -p "$ROOT/build/translations"
LRELEASE="$BIN/pyside6-lrelease" bash "$ROOT/packaging/translations.sh" release "$ROOT/build/translations"

start=$(date +%s)
"$BIN/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
  "$ROOT/packaging/jobtray.spec"
end=$(date +%s)

size=$(du -sm "$ROOT/dist/jobtray" | cut -f1)
echo "built dist/jobtray/jobtray in $((end - start)) s; the folder is ${size} MB"
"$ROOT/dist/jobtray/jobtray" --version

if [ "$deb" -eq 1 ]; then
  bash "$ROOT/packaging/make_deb.sh"
fi
