"""Script PyInstaller freezes (see ``vmconsole-gui.spec``): the app, or the demo simulator (``--run-simulator``)."""

import sys

from vmconsole_gui.bundle_entry import main

sys.exit(main())
