"""Command line entry point of vmconsole-gui.

The desktop window arrives with the next milestone; until then ``--demo`` starts the built-in vCenter + ESXi
simulator and prints how to reach it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from vmconsole_gui import __version__
from vmconsole_gui.services.app_logging import configure_logging
from vmconsole_gui.services.demo_simulator import DemoSimulatorError, start_demo_simulator

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The command line parser."""
    parser = argparse.ArgumentParser(prog="vmconsole-gui", description="Open any vSphere VM's console in two clicks.")
    parser.add_argument("--version", action="version", version=f"vmconsole-gui {__version__}")
    parser.add_argument("--demo", action="store_true", help="run against the built-in demo vCenter simulator")
    parser.add_argument("--demo-vms", type=int, default=300, metavar="N", help="number of VMs in the demo (300)")
    parser.add_argument("--debug", action="store_true", help="verbose logging to stderr and the log file")
    return parser


async def _run_demo(vms: int) -> int:
    try:
        sim = await start_demo_simulator(vms=vms)
    except DemoSimulatorError as exc:
        print(f"vmconsole-gui: {exc}", file=sys.stderr)
        return 1
    ep = sim.endpoint
    print(
        "The demo vCenter simulator is running (the desktop window arrives with the next milestone).\n"
        f"  URL:       {ep.url}  ({ep.vms} VMs)\n"
        f"  User:      {ep.username}\n"
        f"  Password:  {ep.password}   (a throwaway demo credential)\n"
        f"  SHA-256:   {ep.sha256}   (pin this certificate; it is self-signed)\n"
        "Press Ctrl+C to stop.",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(stop.wait())
    child = asyncio.create_task(sim.wait())
    await asyncio.wait({waiter, child}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    child.cancel()
    await sim.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run vmconsole-gui; returns the process exit status."""
    args = build_parser().parse_args(argv)
    configure_logging(debug=args.debug)
    if args.demo:
        return asyncio.run(_run_demo(args.demo_vms))
    print("vmconsole-gui: the desktop window is not built yet; run with --demo to start the demo vCenter.")
    return 0
