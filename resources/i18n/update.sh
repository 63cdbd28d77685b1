#!/usr/bin/env bash
# Refresh the translation sources from the code and build the .qm files.
#   resources/i18n/update.sh          lupdate (keeps translations) + lrelease
# Edit ecoinv_zh_CN.ts with Qt Linguist (pyside6-linguist) or by hand, then
# run this again and commit both the .ts and the .qm.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${VENV:-$root/.venv}"
lupdate="$venv/bin/pyside6-lupdate"
lrelease="$venv/bin/pyside6-lrelease"
cd "$root"
mapfile -t sources < <(find ecoinv/gui -name '*.py' | sort)
for lang in zh_CN; do
    ts="resources/i18n/ecoinv_${lang}.ts"
    # -no-obsolete: strings removed from the code leave the .ts too.
    "$lupdate" -no-obsolete "${sources[@]}" -ts "$ts"
    "$lrelease" "$ts" -qm "resources/i18n/ecoinv_${lang}.qm"
done
