"""vmconsole-gui: open any vSphere VM's console in two clicks."""

__version__ = "0.1.0"
