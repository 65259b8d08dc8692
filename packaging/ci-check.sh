#!/usr/bin/env bash
# Packaging checks of vmconsole-gui (CI runs them from scripts/test.sh; fine to run by hand):
#   1. the .desktop file and the AppStream metainfo validate; the icon PNGs match their SVGs;
#   2. install-desktop-entry.sh installs into (and uninstalls from) a throwaway XDG_DATA_HOME;
#   3. `pip wheel .` ships resources/ inside the package (vmconsole_gui/_resources, see setup.py);
#   4. PyInstaller builds the one-folder bundle, which then runs headless: --version, --check-console (QtWebEngine
#      loads the console page and noVNC) and --demo --self-test (the simulator starts from inside the bundle).
# Usage: packaging/ci-check.sh [--no-bundle] [--dist DIR]   (--dist keeps the bundle in DIR/vmconsole-gui)
# Needs: desktop-file-utils, appstream, and the `bundle` extra (pip install -e '.[test,bundle]').
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
APP_ID=io.github.vmconsole_gui.VmconsoleGui

bundle=1 dist=""
while (($#)); do
  case $1 in
    --no-bundle) bundle=0; shift ;;
    --dist) (($# >= 2)) || { echo "ci-check: --dist needs a directory" >&2; exit 2; }; dist=$2; shift 2 ;;
    *) echo "ci-check: unknown option '$1' (--no-bundle, --dist DIR)" >&2; exit 2 ;;
  esac
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1
started=$SECONDS step_started=$SECONDS
step() { echo "== packaging: $* (at +$((SECONDS - started)) s)"; step_started=$SECONDS; }
took() { echo "   took $((SECONDS - step_started)) s"; }
fail() { echo "ci-check: FAILED: $*" >&2; exit 1; }

step "desktop-file-validate and appstreamcli validate"
desktop-file-validate "packaging/$APP_ID.desktop"
appstreamcli validate --no-net "packaging/$APP_ID.metainfo.xml"

step "icon PNGs match their SVGs"
"$PY" packaging/render_icons.py --check

step "per-user desktop entry: install, validate, uninstall"
fake_exec=$scratch/bin/vmconsole-gui
mkdir -p "$scratch/bin" && printf '#!/bin/sh\nexit 0\n' >"$fake_exec" && chmod +x "$fake_exec"
xdg=$scratch/xdg-data
XDG_DATA_HOME=$xdg packaging/install-desktop-entry.sh --exec "$fake_exec"
XDG_DATA_HOME=$xdg packaging/install-desktop-entry.sh --exec "$fake_exec" --quiet  # idempotent
installed=(
  "applications/$APP_ID.desktop" "metainfo/$APP_ID.metainfo.xml" "icons/hicolor/scalable/apps/$APP_ID.svg"
  "icons/hicolor/symbolic/apps/$APP_ID-symbolic.svg" "icons/hicolor/48x48/apps/$APP_ID.png"
  "icons/hicolor/512x512/apps/$APP_ID.png"
)
for file in "${installed[@]}"; do [ -s "$xdg/$file" ] || fail "install-desktop-entry.sh did not install $file"; done
grep -qx "Exec=$fake_exec" "$xdg/applications/$APP_ID.desktop" || fail "the installed Exec= is not $fake_exec"
desktop-file-validate "$xdg/applications/$APP_ID.desktop"
XDG_DATA_HOME=$xdg packaging/install-desktop-entry.sh --uninstall --quiet
for file in "${installed[@]}"; do [ ! -e "$xdg/$file" ] || fail "--uninstall left $file behind"; done

step "the wheel ships resources/ (pip wheel . from a copy of the tree)"
mkdir -p "$scratch/src"
git ls-files -z --cached --others --exclude-standard | tar -c --null -T - 2>/dev/null | tar -x -C "$scratch/src"
"$PY" -m pip wheel -q --no-deps -w "$scratch/wheel" "$scratch/src" >/dev/null
"$PY" - "$scratch"/wheel/*.whl <<'PYEOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
wanted = ["console/console.html", "novnc/core/rfb.js", "icons/vmconsole-gui.svg", "icons/vmconsole-gui-tray-dark.svg"]
missing = [w for w in wanted if f"vmconsole_gui/_resources/{w}" not in names]
sys.exit(f"ci-check: FAILED: the wheel lacks {missing}" if missing else 0)
PYEOF
took

if ((!bundle)); then
  echo "== packaging: checks passed in $((SECONDS - started)) s (bundle skipped)"
  exit 0
fi

"$PY" -c 'import PyInstaller' 2>/dev/null ||
  fail "PyInstaller is missing: pip install -e '.[test,bundle]' (scripts/setup.sh does)"
dist=${dist:-$scratch/dist}
step "PyInstaller one-folder bundle into $dist/vmconsole-gui"
log=$scratch/pyinstaller.log
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$dist" --workpath "$scratch/build" \
  packaging/vmconsole-gui.spec >"$log" 2>&1 || { cat "$log"; fail "PyInstaller failed"; }
grep -v "could not resolve 'libpulse.so.0'" "$log" || true  # PulseAudio: only QtMultimedia, which is left out
app=$dist/vmconsole-gui/vmconsole-gui
[ -x "$app" ] || fail "PyInstaller did not produce $app"
took
echo "   bundle size: $(du -sh "$dist/vmconsole-gui" | cut -f1) ($(find "$dist/vmconsole-gui" -type f | wc -l) files)"
for part in console/console.html novnc/core/rfb.js icons/vmconsole-gui.svg; do
  [ -f "$dist/vmconsole-gui/_internal/resources/$part" ] || fail "the bundle lacks resources/$part"
done
[ -x "$dist/vmconsole-gui/_internal/PySide6/Qt/libexec/QtWebEngineProcess" ] || fail "the bundle lacks QtWebEngineProcess"

# The bundle runs with its own user directories, never the CI user's settings.
export XDG_CONFIG_HOME=$scratch/config XDG_CACHE_HOME=$scratch/cache XDG_STATE_HOME=$scratch/state \
       XDG_DATA_HOME=$scratch/data

step "bundle: --version"
want="vmconsole-gui $("$PY" -c 'import vmconsole_gui; print(vmconsole_gui.__version__)')"
got=$(timeout 60 "$app" --version)
[ "$got" = "$want" ] || fail "--version printed '$got', expected '$want'"
echo "   $got"

step "bundle: --check-console (QtWebEngine + noVNC)"
timeout 180 "$app" --check-console 120 || fail "the embedded console's page did not load in the bundle"
took

step "bundle: --demo --self-test (simulator started from inside the bundle)"
timeout 180 "$app" --demo --self-test || fail "the bundle's demo self-test failed (status $?)"
took

echo "== packaging: checks passed in $((SECONDS - started)) s"
