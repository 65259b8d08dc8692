"""vCenter's SOAP API (``/sdk``) through pyvmomi: PropertyCollector inventory with live updates, SOAP tickets.

pyvmomi's calls block, so every call runs on a worker thread of :class:`~.client.SoapClient` behind an async
interface; pyvmomi itself is imported only when a :class:`~.client.SoapClient` connects (it costs ~150 ms and
~20 MB to import, which start-up does not pay). The TLS rules are those of the REST transport: the OS trust store,
else the pin of ``host:port`` (the same pin store as REST), checked inside the handshake before any byte of a
request — credentials included — is written (:mod:`.trust`).
"""
