#!/usr/bin/env bash
# Run every check of vmconsole-gui: ruff, mypy, the import contracts and the whole pytest suite
# (offscreen Qt, a real gnome-keyring Secret Service on a private D-Bus session, Xvfb for tests that need X).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export XDG_CACHE_HOME=$scratch/cache XDG_DATA_HOME=$scratch/data XDG_CONFIG_HOME=$scratch/config \
       XDG_STATE_HOME=$scratch/state XDG_RUNTIME_DIR=$scratch/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export QT_QPA_PLATFORM=offscreen
[ "$(id -u)" -ne 0 ] || export QTWEBENGINE_DISABLE_SANDBOX=1   # QtWebEngine refuses to run as root otherwise

echo "== ruff";          .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy";          .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports
echo "== packaging";     packaging/ci-check.sh   # desktop entry + metainfo, install script, wheel, PyInstaller bundle run

# pytest inside a throwaway, unlocked gnome-keyring on a private session bus, with a virtual X server.
in_session() {
  dbus-run-session -- sh -c \
    'printf %s vmconsole-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' sh \
    xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" env VMCONSOLE_TEST_REAL_KEYRING=1 "$@"
}

echo "== pytest: tests that need a real X server (tray)"
set +e
in_session env QT_QPA_PLATFORM=xcb "$PY" -m pytest -m xvfb "$@"
status=$?
set -e
[ "$status" -eq 0 ] || [ "$status" -eq 5 ] || exit "$status"   # 5: none selected

echo "== pytest: everything else (offscreen)"
in_session "$PY" -m pytest -m "not xvfb" "$@"
