#!/usr/bin/env bash
# Package the built bundle (dist/jobtray/, from packaging/build.sh) as dist/jobtray_<version>_<arch>.deb.
#   bash packaging/make_deb.sh          # or in one go: bash packaging/build.sh --deb
# Layout: the bundle in /usr/lib/jobtray/, /usr/bin/jobtray a symlink to it (the bootloader resolves the link and
# finds _internal/ next to the real file), the desktop entry, hicolor icons and AppStream metainfo in /usr/share.
# No maintainer scripts: the icon cache and desktop database are refreshed by dpkg triggers of their own packages.
# Set DEB_MAINTAINER="Name <address>" to sign the package with a real maintainer.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUNDLE="$ROOT/dist/jobtray"
STAGE="$ROOT/build/deb/root"
MAINTAINER=${DEB_MAINTAINER:-"JobTray developers <jobtray@example.org>"}
ICON_SIZES=(16 22 24 32 48 64 128 256 512)
# What the bundle's Qt (the xcb platform plugin, libQt6Gui) loads from the system: /work/shared/TESTING.md's list.
# Several of these are also copied into the bundle when the build host has them; the Depends keep the package whole
# when it does not.
DEPENDS=(
  libxcb1 libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libegl1 libgl1 libfontconfig1 fonts-dejavu-core
)
# The Wayland platform plugin needs these; without them Qt falls back to xcb (XWayland).
RECOMMENDS=(libwayland-client0 libwayland-cursor0)
# Where keys live (any Secret Service works) and who shows notifications (a virtual package).
SUGGESTS=(gnome-keyring notification-daemon)

[ -x "$BUNDLE/jobtray" ] || { echo "make_deb: no bundle at $BUNDLE; run packaging/build.sh first" >&2; exit 1; }
if [ -x "$ROOT/build/venv/bin/python" ]; then
  PY="$ROOT/build/venv/bin/python"  # the copy the bundle was built from
else
  PY=python3
fi
VERSION=$(cd "$ROOT" && "$PY" -c 'import desktop_app; print(desktop_app.__version__)')
frozen_version=$("$BUNDLE/jobtray" --version)
if [ "$frozen_version" != "jobtray $VERSION" ]; then
  echo "make_deb: the bundle says '$frozen_version', desktop_app.__version__ is $VERSION: rebuild the bundle" >&2
  exit 1
fi
ARCH=$(dpkg --print-architecture)
DEB="$ROOT/dist/jobtray_${VERSION}_${ARCH}.deb"

rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/usr/lib" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/metainfo" "$STAGE/usr/share/doc/jobtray"
cp -a "$BUNDLE" "$STAGE/usr/lib/jobtray"
ln -s ../lib/jobtray/jobtray "$STAGE/usr/bin/jobtray"
install -m 0644 "$ROOT/resources/jobtray.desktop" "$STAGE/usr/share/applications/jobtray.desktop"
install -m 0644 "$ROOT/resources/io.github.jobtray.JobTray.metainfo.xml" "$STAGE/usr/share/metainfo/"
for size in "${ICON_SIZES[@]}"; do
  install -D -m 0644 "$ROOT/resources/icons/jobtray-$size.png" \
    "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/jobtray.png"
done
install -D -m 0644 "$ROOT/resources/icons/jobtray.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/jobtray.svg"
install -m 0644 "$ROOT/packaging/debian/copyright" "$STAGE/usr/share/doc/jobtray/copyright"
{
  printf 'jobtray (%s) unstable; urgency=medium\n\n  * Release %s.\n\n' "$VERSION" "$VERSION"
  printf ' -- %s  %s\n' "$MAINTAINER" "$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$STAGE/usr/share/doc/jobtray/changelog.gz"
chmod -R u=rwX,go=rX "$STAGE"
# Shared libraries need no execute bit (lintian: shared-library-is-executable); dlopen maps them all the same.
find "$STAGE/usr/lib/jobtray" -type f -name '*.so*' -exec chmod 0644 {} +

# libc6: the newest GLIBC_ symbol version any file in the bundle asks for.
glibc=$({ find "$STAGE/usr/lib/jobtray" -type f \( -name '*.so*' -o -name jobtray \) -exec objdump -T {} + \
  2>/dev/null || true; } | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -1)
[ -n "$glibc" ] || { echo "make_deb: found no GLIBC_ symbol versions (is objdump installed?)" >&2; exit 1; }
join() { local IFS=,; echo "$*" | sed 's/,/, /g'; }
installed_kb=$(du -sk --apparent-size --exclude=DEBIAN "$STAGE" | cut -f1)
cat >"$STAGE/DEBIAN/control" <<EOF
Package: jobtray
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $installed_kb
Depends: libc6 (>= $glibc), $(join "${DEPENDS[@]}")
Recommends: $(join "${RECOMMENDS[@]}")
Suggests: $(join "${SUGGESTS[@]}")
Section: utils
Priority: optional
Description: system tray app telling you when cloud jobs finish or fail
 JobTray sits in the system tray and watches asynchronous jobs handed to web
 services: PDF flipbooks (iPaper), printing to PDF (MeadCo ScriptX.Services),
 file conversions (PDF.co) and video encodes (encoding.com). When a job is
 done it shows a desktop notification with a link to the result.
 .
 This is a self-contained build: Python, Qt 6 and the Python libraries it uses
 are in /usr/lib/jobtray.
EOF
(cd "$STAGE" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"

rm -f "$DEB"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
echo "built $(basename "$DEB"): $(du -m "$DEB" | cut -f1) MB, installs ${installed_kb} KiB"
