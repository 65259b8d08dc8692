"""A temporary directory of fake console-client programs that record the argv they were started with."""

from __future__ import annotations

import time
from pathlib import Path


class FakeClientDir:
    """A temp ``bin`` for fake clients; each writes its argv, NUL-separated, to ``record``.

    ``env`` is the whole environment the launcher probes (and the fakes) see: HOME and the XDG directories point
    inside ``root``, so nothing of the real desktop leaks in. ``system_path`` adds /usr/bin:/bin to PATH.
    """

    def __init__(self, root: Path, *, system_path: bool) -> None:
        self.root = root
        self.bin = root / "bin"
        self.bin.mkdir(parents=True)
        self.record = root / "argv.record"
        self.env = {
            "PATH": f"{self.bin}:/usr/bin:/bin" if system_path else str(self.bin),
            "HOME": str(root),
            "XDG_DATA_HOME": str(root / "data"),
            "XDG_DATA_DIRS": str(root / "none"),
            "XDG_CONFIG_HOME": str(root / "config"),
            "XDG_CONFIG_DIRS": str(root / "none"),
            "FAKE_RECORD": str(self.record),
        }

    def install(self, name: str, text: str, mode: int = 0o755) -> Path:
        """Write the fake program ``name`` into ``bin``."""
        path = self.bin / name
        path.write_text(text)
        path.chmod(mode)
        return path

    def recorded_argv(self, timeout: float = 5.0) -> list[bytes]:
        """The argv the fake recorded (waits for it to run)."""
        deadline = time.monotonic() + timeout
        while not self.record.exists():
            assert time.monotonic() < deadline, "the fake client never ran"
            time.sleep(0.02)
        return self.record.read_bytes().split(b"\0")[:-1]
