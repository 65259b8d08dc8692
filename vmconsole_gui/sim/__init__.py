"""A vCenter + ESXi simulator faithful to the wire contract, served over loopback TLS.

It shares no code with :mod:`vmconsole_gui.vsphere` (an import-linter contract enforces it): the client and the
simulator are two independent readings of the contract.
"""
