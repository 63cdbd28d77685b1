#!/usr/bin/env bash
# Install the unpacked ecoinv bundle for the current user (no root needed):
# the program under ~/.local/opt/ecoinv, a launcher in ~/.local/bin, the menu
# entry, icons and AppStream metadata under ~/.local/share.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${PREFIX:-$HOME/.local}"
dest="$prefix/opt/ecoinv"

mkdir -p "$prefix/opt" "$prefix/bin" "$prefix/share"
rm -rf "$dest"
cp -a "$here" "$dest"
ln -sf "$dest/ecoinv" "$prefix/bin/ecoinv"
cp -a "$here/share/." "$prefix/share/"
sed -i "s|^Exec=.*|Exec=$dest/ecoinv gui %f|" "$prefix/share/applications/ecoinv.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$prefix/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q "$prefix/share/icons/hicolor" || true
echo "ecoinv installed in $dest; run 'ecoinv' (make sure $prefix/bin is on PATH) or use the menu entry."
