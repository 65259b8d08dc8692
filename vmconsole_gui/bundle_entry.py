"""Entry point of the frozen (PyInstaller) bundle: the app, or a helper command behind a hidden first argument.

A frozen bundle has no ``python -m``, so ``--demo`` starts the bundle's own executable with ``--run-simulator``
(:func:`vmconsole_gui.services.demo_simulator.simulator_command`); this module sends that to the simulator's
command line, ``--check-console [SECONDS]`` to :func:`vmconsole_gui.ui.console_check.check_console` (the packaging
CI's proof that QtWebEngine and the console assets made it into the bundle) and everything else to the app's.
"""

from __future__ import annotations

import sys

from vmconsole_gui.services.demo_simulator import SIMULATOR_FLAG

CHECK_CONSOLE_FLAG = "--check-console"


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 < value <= 3600 else None


def main(argv: list[str] | None = None) -> int:
    """Run the simulator when the first argument is ``--run-simulator``, else the app; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == [SIMULATOR_FLAG]:
        from vmconsole_gui.sim.__main__ import main as simulator_main

        return simulator_main(args[1:])
    if args[:1] == [CHECK_CONSOLE_FLAG]:
        from vmconsole_gui.ui.console_check import check_console

        timeout_s = _seconds(args[1]) if len(args) > 1 else 60.0
        if timeout_s is None:
            print(f"vmconsole-gui: {CHECK_CONSOLE_FLAG} takes a timeout in seconds, not {args[1]!r}", file=sys.stderr)
            return 2
        return check_console(timeout_s)
    from vmconsole_gui.app import main as app_main

    return app_main(args)


if __name__ == "__main__":
    sys.exit(main())
