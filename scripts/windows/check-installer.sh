#!/usr/bin/env bash
# Installs Cubby's Windows installer silently under Wine in a fresh prefix, runs the installed
# `cubby.exe`, checks the Start menu entry and the Settings > Apps entry, then uninstalls and
# checks that nothing of the program is left (`make windows` runs it on what it built).
#   scripts/windows/check-installer.sh INSTALLER.exe PROCESSPRNG_SHIM.dll VERSION
set -euo pipefail
installer=$1 shim=$2 version=$3
export WINEPREFIX WINEDEBUG=-all
WINEPREFIX=$(mktemp -d)
trap 'wineserver -k 2>/dev/null || true; rm -rf "$WINEPREFIX"' EXIT
wine=/usr/lib/wine/wine64
fail() { echo "installer check: $*" >&2; exit 1; }

$wine wineboot -i >/dev/null 2>&1
cp "$shim" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
user_dir=$(ls -d "$WINEPREFIX"/drive_c/users/*/AppData | grep -v /Public/ | head -1)
app="$user_dir/Local/Programs/Cubby"
key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Cubby'

$wine "$installer" /S
wineserver -w
for f in cubby-desktop.exe cubby.exe README.md LICENSE "Uninstall Cubby.exe"; do
  [ -f "$app/$f" ] || fail "$f was not installed in $app"
done
[ -f "$user_dir/Roaming/Microsoft/Windows/Start Menu/Programs/Cubby.lnk" ] || fail "no Start menu entry"
$wine reg query "$key" /v DisplayVersion | tr -d '\r' | grep -q "$version" || fail "no Apps entry for $version"
out=$($wine "$app/cubby.exe" --version | tr -d '\r')
[ "$out" = "cubby $version" ] || fail "the installed cubby.exe says '$out'"

$wine "$app/Uninstall Cubby.exe" /S
wineserver -w
# The uninstaller runs from a copy of itself in %TEMP%; give it a moment to finish there.
for _ in $(seq 20); do [ -e "$app" ] || break; sleep 0.5; done
[ ! -e "$app" ] || fail "left behind: $(ls "$app")"
[ ! -e "$user_dir/Roaming/Microsoft/Windows/Start Menu/Programs/Cubby.lnk" ] || fail "Start menu entry left"
if $wine reg query "$key" >/dev/null 2>&1; then fail "Apps entry left"; fi
echo "installer check: installed, ran cubby $version, uninstalled cleanly"
