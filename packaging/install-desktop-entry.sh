#!/usr/bin/env bash
# Install (or with --uninstall remove) vmconsole-gui's desktop entry for the current user: the .desktop file, the
# icons in the hicolor theme and the AppStream metainfo, under ${XDG_DATA_HOME:-~/.local/share}. Running it again
# replaces the same files; nothing outside those paths is touched.
#
#   packaging/install-desktop-entry.sh                       # Exec= the vmconsole-gui found on PATH
#   packaging/install-desktop-entry.sh --exec ~/.local/bin/vmconsole-gui   # a pipx / venv install
#   packaging/install-desktop-entry.sh --exec /opt/vmconsole-gui/vmconsole-gui  # the PyInstaller bundle
#   packaging/install-desktop-entry.sh --uninstall
set -euo pipefail

APP_ID=io.github.vmconsole_gui.VmconsoleGui
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ICONS=$(cd "$HERE/../resources/icons" && pwd)
PNG_SIZES=(16 24 32 48 64 128 256 512)

usage() {
  sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
  echo "Options: --exec PATH (the vmconsole-gui to start), --uninstall, --quiet, --help"
}

die() { echo "install-desktop-entry: $*" >&2; exit 2; }

exec_path="" uninstall=0 quiet=0
while (($#)); do
  case $1 in
    --exec) (($# >= 2)) || die "--exec needs the path of the vmconsole-gui executable"; exec_path=$2; shift 2 ;;
    --exec=*) exec_path=${1#--exec=}; shift ;;
    --uninstall) uninstall=1; shift ;;
    --quiet) quiet=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
say() { ((quiet)) || echo "$@"; }

data_home=${XDG_DATA_HOME:-$HOME/.local/share}
case $data_home in /*) ;; *) die "XDG_DATA_HOME must be an absolute path, not '$data_home'" ;; esac
apps_dir=$data_home/applications
hicolor=$data_home/icons/hicolor
metainfo_dir=$data_home/metainfo

targets=(
  "$apps_dir/$APP_ID.desktop"
  "$metainfo_dir/$APP_ID.metainfo.xml"
  "$hicolor/scalable/apps/$APP_ID.svg"
  "$hicolor/symbolic/apps/$APP_ID-symbolic.svg"
)
for size in "${PNG_SIZES[@]}"; do targets+=("$hicolor/${size}x${size}/apps/$APP_ID.png"); done

refresh_caches() {
  # Both tools are optional: desktops without them rescan the directories themselves.
  if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database -q "$apps_dir" || true; fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t -f "$hicolor" || true
  fi
}

if ((uninstall)); then
  for target in "${targets[@]}"; do rm -f "$target"; done
  refresh_caches
  say "Removed the vmconsole-gui desktop entry from $data_home"
  exit 0
fi

if [ -z "$exec_path" ]; then
  exec_path=$(command -v vmconsole-gui || true)
  [ -n "$exec_path" ] || die "vmconsole-gui is not on PATH; install it first (pipx install .) or pass --exec PATH"
fi
[ -f "$exec_path" ] && [ -x "$exec_path" ] || die "'$exec_path' is not an executable file"
exec_path=$(cd "$(dirname "$exec_path")" && pwd)/$(basename "$exec_path")
# The Exec key: an argument holding a reserved character goes in double quotes, with ", `, $ and \ escaped by a
# backslash, and a literal % is written %% (Desktop Entry spec, "The Exec key"). On top of that, the .desktop string
# syntax writes every backslash twice (also in TryExec, which is a plain string).
exec_arg=${exec_path//%/%%}
case $exec_arg in
  *[[:space:]\"\'\\\<\>~\|\&\;\$\*\?#\(\)\`]*) exec_arg="\"$(printf %s "$exec_arg" | sed 's/[\"`$\\]/\\&/g')\"" ;;
esac
export VMCONSOLE_EXEC_KEY=${exec_arg//\\/\\\\} VMCONSOLE_TRYEXEC=${exec_path//\\/\\\\}

mkdir -p "$apps_dir" "$metainfo_dir" "$hicolor/scalable/apps" "$hicolor/symbolic/apps"
tmp=$(mktemp "$apps_dir/.$APP_ID.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk '  # values come through ENVIRON: awk -v would interpret their backslashes
  index($0, "Exec=vmconsole-gui") == 1 { $0 = "Exec=" ENVIRON["VMCONSOLE_EXEC_KEY"] substr($0, 19) }
  index($0, "TryExec=") == 1 { $0 = "TryExec=" ENVIRON["VMCONSOLE_TRYEXEC"] }
  { print }
' "$HERE/$APP_ID.desktop" >"$tmp"
chmod 644 "$tmp"
mv -f "$tmp" "$apps_dir/$APP_ID.desktop"
install -m 644 "$HERE/$APP_ID.metainfo.xml" "$metainfo_dir/$APP_ID.metainfo.xml"
install -m 644 "$ICONS/vmconsole-gui.svg" "$hicolor/scalable/apps/$APP_ID.svg"
install -m 644 "$ICONS/vmconsole-gui-symbolic.svg" "$hicolor/symbolic/apps/$APP_ID-symbolic.svg"
for size in "${PNG_SIZES[@]}"; do
  mkdir -p "$hicolor/${size}x${size}/apps"
  install -m 644 "$ICONS/vmconsole-gui-$size.png" "$hicolor/${size}x${size}/apps/$APP_ID.png"
done
refresh_caches
say "Installed the vmconsole-gui desktop entry in $data_home (Exec=$exec_path)"
