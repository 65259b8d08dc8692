"""``python -m vmconsole_gui`` entry point."""

from vmconsole_gui.app import main

raise SystemExit(main())
