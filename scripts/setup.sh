#!/usr/bin/env bash
# Set up vmconsole-gui on a fresh Debian (bookworm or newer): Qt's system libraries, a virtualenv in .venv,
# and the project with its test extra. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Qt 6 / QtWebEngine runtime libraries (see docs: a bare bookworm lacks these)
  libgl1 libegl1 libglib2.0-0 libfontconfig1 fonts-dejavu-core libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1
  libxcb-glx0 libxcb-dri3-0 libnss3 libasound2 libxcomposite1 libxdamage1 libxrandr2 libxtst6
  libxkbfile1 libgbm1
  # Python
  python3 python3-venv python3-dev ca-certificates
  # Tests: a virtual X server, a real Secret Service keyring on a private session bus, desktop-file checks
  xvfb xauth gnome-keyring dbus-daemon desktop-file-utils appstream xdg-utils
  # A small system tray host for the tray tests (a bare Xvfb has none)
  trayer
  # Packaging check: PyInstaller reads the bundled libraries with objdump
  binutils
  # govmomi's vCenter simulator (vcsim) for the SOAP client tests, built from Debian's Go sources
  golang-go golang-github-vmware-govmomi-dev
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "vmconsole-gui needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test,bundle]'
scripts/build-vcsim.sh
echo "vmconsole-gui is set up in $(pwd)/.venv"
