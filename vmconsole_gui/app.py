"""Command line entry point of vmconsole-gui."""

from __future__ import annotations

import argparse

from vmconsole_gui import __version__
from vmconsole_gui.services.app_logging import configure_logging


def build_parser() -> argparse.ArgumentParser:
    """The command line parser."""
    parser = argparse.ArgumentParser(prog="vmconsole-gui", description="Open any vSphere VM's console in two clicks.")
    parser.add_argument("--version", action="version", version=f"vmconsole-gui {__version__}")
    parser.add_argument("--demo", action="store_true", help="run against the built-in demo vCenter simulator")
    parser.add_argument("--demo-vms", type=int, default=300, metavar="N", help="number of VMs in the demo (300)")
    parser.add_argument("--debug", action="store_true", help="verbose logging to stderr and the log file")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window, wait until every connection shows its VMs, then exit (0 = success)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run vmconsole-gui; returns the process exit status."""
    args = build_parser().parse_args(argv)
    log_file = configure_logging(debug=args.debug)
    from vmconsole_gui.ui.application import run_gui  # Qt is imported only after argument parsing

    return run_gui(args, log_file)
