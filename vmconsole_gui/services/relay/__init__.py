"""The WebMKS loopback relay: noVNC in the app's web view ↔ ``ws://127.0.0.1:<port>/<token>`` ↔ ``wss://`` ESXi.

Public API::

    relay = WebMksRelay()
    await relay.start()
    endpoint = relay.register(ticket_url, pinned_cert_der)   # or ca_pem=..., or neither (OS trust store)
    page.load(...?ws=endpoint.url)
    end = await endpoint.wait_closed()                       # SessionEnd(reason=CloseReason..., detail, close_code)
    await relay.stop()
"""

from vmconsole_gui.services.relay.logs import redact_relay
from vmconsole_gui.services.relay.server import BIND_HOST, RelayNotRunningError, WebMksRelay
from vmconsole_gui.services.relay.session import PAGE_CLOSE_CODES, CloseReason, RelayEndpoint, SessionEnd

__all__ = [
    "BIND_HOST",
    "PAGE_CLOSE_CODES",
    "CloseReason",
    "RelayEndpoint",
    "RelayNotRunningError",
    "SessionEnd",
    "WebMksRelay",
    "redact_relay",
]
