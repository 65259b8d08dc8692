"""``python -m vmconsole_gui.sim``: run the simulator until SIGTERM/SIGINT.

When ready it prints exactly one JSON line on stdout (url, username, password, vCenter and ESXi fingerprints,
profile, VM count). Logs go to stderr and never contain the password, session ids or tickets.

Fault endpoints (for ``--error-rate`` / ``--drop-rate-for`` / ``--malformed-rate-for``): session, vm.list, vm.get,
vm.power, vm.guest_identity, vm.console_tickets, datacenter.list, datacenter.get, folder.list, cluster.list, host.list,
resource_pool.list, or ``*`` for all. SIGUSR1 (or the stdin line ``expire-sessions``) expires every session;
the stdin line ``regenerate-certificate`` serves a new vCenter leaf; ``stop`` stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import threading

from vmconsole_gui.sim.faults import ENDPOINTS, MALFORMED_KINDS, Faults, parse_rate_option
from vmconsole_gui.sim.server import Simulator, SimulatorConfig
from vmconsole_gui.sim.state import PROFILES

_log = logging.getLogger("vmconsole_gui.sim")


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def _endpoint_rate(text: str) -> tuple[str, float]:
    try:
        return parse_rate_option(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="vmconsole-gui-sim",
        description="Simulated vCenter (+ ESXi WebMKS) over loopback TLS for vmconsole-gui demos and tests.",
        epilog=f"Fault endpoints: {', '.join(ENDPOINTS)} (or * for all). SIGUSR1 expires every session.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="vCenter HTTPS port (0 = any free port)")
    parser.add_argument("--esxi-port", type=int, default=0, help="ESXi WebMKS port (0 = any free port)")
    parser.add_argument("--vms", type=int, default=300, help="number of VMs (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="inventory and fault RNG seed (default 1)")
    parser.add_argument("--profile", choices=list(PROFILES), default="8.0", help="vCenter version to simulate")
    parser.add_argument("--username", default="administrator@vsphere.local")
    parser.add_argument("--password", default=None, help="default: random, printed in the JSON line")
    parser.add_argument("--session-timeout", type=float, default=1800.0, metavar="SECONDS", help="idle expiry")
    parser.add_argument("--folder-filter-recursive", action="store_true", help="folders= on VM list is recursive")
    parser.add_argument("--latency", type=float, default=0.0, metavar="SECONDS", help="added before every answer")
    parser.add_argument("--error-rate", type=_endpoint_rate, action="append", default=[], metavar="ENDPOINT=RATE")
    parser.add_argument("--error-type", default="SERVICE_UNAVAILABLE", help="vAPI error type of injected errors")
    parser.add_argument("--drop-rate", type=_rate, default=0.0, metavar="RATE", help="close without answering")
    parser.add_argument("--drop-rate-for", type=_endpoint_rate, action="append", default=[], metavar="ENDPOINT=RATE")
    parser.add_argument("--malformed-rate", type=_rate, default=0.0, metavar="RATE", help="broken 2xx bodies")
    parser.add_argument(
        "--malformed-rate-for", type=_endpoint_rate, action="append", default=[], metavar="ENDPOINT=RATE"
    )
    parser.add_argument("--malformed-kind", choices=MALFORMED_KINDS, default="truncate")
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="stop when stdin closes (a parent app that dies takes the simulator with it)",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def _config(args: argparse.Namespace) -> SimulatorConfig:
    faults = Faults(
        latency_s=args.latency,
        error_rates=dict(args.error_rate),
        error_type=args.error_type,
        drop_rate=args.drop_rate,
        drop_rates=dict(args.drop_rate_for),
        malformed_rate=args.malformed_rate,
        malformed_rates=dict(args.malformed_rate_for),
        malformed_kind=args.malformed_kind,
        seed=args.seed,
    )
    return SimulatorConfig(
        host=args.host,
        port=args.port,
        esxi_port=args.esxi_port,
        vms=args.vms,
        seed=args.seed,
        profile=args.profile,
        username=args.username,
        password=args.password,
        session_timeout_s=args.session_timeout,
        folder_filter_recursive=args.folder_filter_recursive,
        faults=faults,
    )


def _stdin_commands(
    loop: asyncio.AbstractEventLoop, sim: Simulator, stop: asyncio.Event, exit_on_eof: bool = False
) -> None:
    for line in sys.stdin:
        command = line.strip()
        if command == "expire-sessions":
            loop.call_soon_threadsafe(sim.expire_all_sessions)
        elif command == "regenerate-certificate":
            loop.call_soon_threadsafe(sim.regenerate_certificate)
        elif command == "stop":
            loop.call_soon_threadsafe(stop.set)
        elif command:
            _log.info("unknown stdin command %r (expire-sessions, regenerate-certificate, stop)", command[:40])
    if exit_on_eof:
        _log.info("stdin closed: stopping")
        loop.call_soon_threadsafe(stop.set)


async def _serve(config: SimulatorConfig, exit_on_stdin_eof: bool = False) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    async with Simulator(config) as sim:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGUSR1, sim.expire_all_sessions)
        ready = {
            "url": sim.url,
            "username": sim.username,
            "password": sim.password,
            "sha256": sim.sha256,
            "sha1": sim.sha1,
            "esxi_port": sim.esxi_port,
            "esxi_sha256": sim.esxi_sha256,
            "esxi_sha1": sim.esxi_sha1,
            "profile": config.profile,
            "vms": len(sim.vm_ids()),
        }
        sys.stdout.write(json.dumps(ready) + "\n")
        sys.stdout.flush()
        threading.Thread(target=_stdin_commands, args=(loop, sim, stop, exit_on_stdin_eof), daemon=True).start()
        await stop.wait()
        _log.info("stopping")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``vmconsole-gui-sim`` / ``python -m vmconsole_gui.sim``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = _config(args)
        config.validate()
    except ValueError as exc:
        parser.error(str(exc))
    try:
        asyncio.run(_serve(config, args.exit_on_stdin_eof))
    except OSError as exc:
        print(f"vmconsole-gui-sim: cannot start: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
