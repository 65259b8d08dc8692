"""Command line entry point of vmconsole-gui."""

from __future__ import annotations

import argparse

from vmconsole_gui import __version__
from vmconsole_gui.services.app_logging import configure_logging
from vmconsole_gui.services.connect_target import ConsoleChoice, TargetError, check_target_syntax

EPILOG = """\
examples:
  vmconsole-gui --connect "Lab vCenter/web-01"          open web-01's console (the profile's default type)
  vmconsole-gui --connect "Lab vCenter/vm-42" --console vmrc
  vmconsole-gui --minimized                            start in the tray
  vmconsole-gui --list "Lab vCenter" --json           print the VMs of a saved connection (no window)
  vmconsole-gui --list https://admin@vc.example.com   … or of an ad-hoc vCenter (password: keyring,
                                                      $VMCONSOLE_GUI_PASSWORD, else a prompt)

A second launch hands its arguments to the running vmconsole-gui (same user and settings) and exits;
--demo runs as an instance of its own, with its own settings.

exit status:
  0  ok (for --connect: the console is being opened)
  1  other failure (e.g. the vCenter could not be reached, or its VM list did not arrive in time)
  2  usage error, or --connect / --list names an unknown connection or VM (close matches are printed)
"""


def _target(text: str) -> str:
    try:
        return check_target_syntax(text)
    except TargetError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The command line parser."""
    parser = argparse.ArgumentParser(
        prog="vmconsole-gui",
        description="Open any vSphere VM's console in two clicks.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vmconsole-gui {__version__}")
    parser.add_argument(
        "--connect",
        type=_target,
        metavar="PROFILE/VM",
        help="open the console of VM (its name or id, e.g. vm-42) on the connection PROFILE",
    )
    parser.add_argument(
        "--console",
        choices=[c.value for c in ConsoleChoice],
        help="with --connect: the console type (default: the connection's preferred one)",
    )
    parser.add_argument(
        "--list",
        metavar="TARGET",
        help="print the VMs of a saved connection (its name) or of https://user@host[:port], then exit; no window",
    )
    parser.add_argument("--json", action="store_true", help="with --list: print one JSON array of objects")
    parser.add_argument(
        "--trust-fingerprint",
        metavar="SHA256",
        help="with --list: accept the vCenter certificate with this SHA-256 fingerprint for this run (nothing saved)",
    )
    parser.add_argument("--minimized", action="store_true", help="start hidden in the system tray (when there is one)")
    parser.add_argument("--demo", action="store_true", help="run against the built-in demo vCenter simulator")
    parser.add_argument("--demo-vms", type=int, default=300, metavar="N", help="number of VMs in the demo (300)")
    parser.add_argument("--debug", action="store_true", help="verbose logging to stderr and the log file")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window, wait until every connection shows its VMs, then exit (0 = success)",
    )
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse and cross-check the arguments (argparse exits with status 2 and a message on a usage error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.console and not args.connect:
        parser.error("--console only applies with --connect PROFILE/VM")
    if (args.json or args.trust_fingerprint) and not args.list:
        parser.error("--json and --trust-fingerprint only apply with --list TARGET")
    if args.list and (args.connect or args.demo or args.minimized or args.self_test):
        parser.error("--list runs on its own (no --connect, --demo, --minimized or --self-test)")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run vmconsole-gui; returns the process exit status."""
    args = parse_args(argv)
    log_file = configure_logging(debug=args.debug)
    if args.list:
        from vmconsole_gui.cli import run_list  # headless: Qt is never imported

        return run_list(args.list, as_json=args.json, trust_fingerprint=args.trust_fingerprint)
    from vmconsole_gui.ui.application import run_gui  # Qt is imported only after argument parsing

    return run_gui(args, log_file, argv=argv)
