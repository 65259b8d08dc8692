"""Build hook (all metadata lives in pyproject.toml): wheels ship ``resources/`` as ``vmconsole_gui/_resources``.

The top-level ``resources/`` directory (icons, the console page, noVNC) is outside the package; this copies it into
the built package so ``pip install .`` / ``pipx install .`` get it. :func:`vmconsole_gui.resources.resource_path`
looks there. Editable installs skip the copy and use the checkout's ``resources/`` directly.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCES = Path(__file__).resolve().parent / "resources"


class BuildPyWithResources(build_py):
    """``build_py`` that also copies ``resources/`` into ``<build>/vmconsole_gui/_resources``."""

    def run(self) -> None:
        """Build the package, then add the resources (not for editable installs)."""
        super().run()
        if not self.editable_mode:
            target = Path(self.build_lib) / "vmconsole_gui" / "_resources"
            shutil.copytree(RESOURCES, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))


setup(cmdclass={"build_py": BuildPyWithResources})
