"""Services between the vSphere core and the UI: tickets, launchers, relay, credentials, settings."""
