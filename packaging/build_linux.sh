#!/usr/bin/env bash
# Build the Linux x86-64 desktop bundle: dist/ecoinv/ (one folder with
# Python, Qt, GDAL/PROJ data, mod_spatialite, fonts, translations, demo data)
# and dist/ecoinv-<version>-linux-x86_64.tar.gz with an install script.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY="$VENV/bin/python"

"$PY" -m pip install -q --disable-pip-version-check -e ".[package]"
version=$("$PY" -c 'import ecoinv; print(ecoinv.__version__)')

# Application icon sizes from the SVG (QtSvg renders it; no extra tools).
QT_QPA_PLATFORM=offscreen "$PY" packaging/make_icons.py

rm -rf build/pyinstaller dist/ecoinv
"$PY" -m PyInstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/ecoinv.spec

# Desktop integration files travel inside the folder; install.sh puts them
# where the desktop finds them.
share=dist/ecoinv/share
mkdir -p "$share/applications" "$share/metainfo"
cp packaging/linux/ecoinv.desktop "$share/applications/"
cp packaging/linux/io.github.ecoinv.Ecoinv.metainfo.xml "$share/metainfo/"
for size in 16 32 48 64 128 256 512; do
  mkdir -p "$share/icons/hicolor/${size}x${size}/apps"
  cp "resources/icons/app/ecoinv-${size}.png" "$share/icons/hicolor/${size}x${size}/apps/ecoinv.png"
done
mkdir -p "$share/icons/hicolor/scalable/apps"
cp resources/icons/ecoinv.svg "$share/icons/hicolor/scalable/apps/ecoinv.svg"
cp packaging/linux/install.sh dist/ecoinv/install.sh
chmod +x dist/ecoinv/install.sh

tarball="dist/ecoinv-${version}-linux-x86_64.tar.gz"
tar -C dist -czf "$tarball" ecoinv
du -sh dist/ecoinv "$tarball"
