#!/usr/bin/env bash
# The tray app's translations (Qt .ts/.qm, resources/translations/).
#   bash packaging/translations.sh update     # source strings of desktop_app/ui and desktop_app/app into the .ts files
#   bash packaging/translations.sh release    # the .ts files into .qm files next to them (committed: see README)
# LANGS (de) names the .ts to update; LUPDATE / LRELEASE default to the venv's pyside6-lupdate / pyside6-lrelease.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
LUPDATE=${LUPDATE:-$BIN/pyside6-lupdate}
LRELEASE=${LRELEASE:-$BIN/pyside6-lrelease}
case "${1:-}" in
  update)
    # No line numbers in the .ts: editing a source file must not touch every entry below the edit.
    "$LUPDATE" -locations none -no-obsolete desktop_app/ui/*.py desktop_app/app/*.py \
      -ts resources/translations/jobtray_${LANGS:-de}.ts ;;
  release)
    for ts in resources/translations/jobtray_*.ts; do
      "$LRELEASE" -silent "$ts" -qm "${2:-resources/translations}/$(basename "${ts%.ts}").qm"
    done ;;
  *) sed -n '2,5p' "$0"; exit 2 ;;
esac
