"""Session handling and the authenticated request primitive shared by every :class:`VSphereClient` call.

Login tries ``POST /api/session`` (201 + bare JSON string) and, on 404, ``POST /rest/com/vmware/cis/session``
(200 + ``{"value": id}``); the family that worked is remembered. Every call sends ``vmware-api-session-id``. When a
call answers UNAUTHENTICATED (expired session) the client logs in again once and retries; concurrent calls that hit the
same expiry share one re-login (a lock plus a session generation counter).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from .errors import (
    ApiError,
    ErrorType,
    LoginFailed,
    MalformedResponse,
    NotFound,
    Operation,
    Unauthenticated,
    error_class_for,
)
from .messages import api_error_message
from .models import ApiFamily, ConsoleType
from .network_thread import NetworkThread
from .redaction import Secret
from .tls import TrustSettings
from .transport import Transport
from .wire import ShapeError, parse_error_body, status_fallback, unwrap

__all__ = ["SessionCore", "check_object_id"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_HEADER_AUTHN = {"vmware-use-header-authn": "true"}
_OBJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")


def check_object_id(value: str, what: str = "VM id") -> str:
    """Return ``value`` if it looks like a managed-object id (``vm-42``); raise ValueError otherwise."""
    if not isinstance(value, str) or not _OBJECT_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid {what} (expected something like 'vm-42')")
    return value


class SessionCore:
    """Transport + session state + the authenticated ``_call`` with one transparent re-login."""

    def __init__(
        self,
        host: str,
        username: str,
        password: str | Secret,
        *,
        port: int,
        trust: TrustSettings,
        connect_timeout_s: float,
        read_timeout_s: float,
        max_concurrency: int,
        family: ApiFamily | None,
        network: NetworkThread | None = None,
    ) -> None:
        if not host or any(c.isspace() or c in "/?#@" for c in host):
            raise ValueError(f"{host!r} is not a host name or address")
        if not 0 < port < 65536:
            raise ValueError(f"port {port} is outside 1–65535")
        if not username:
            raise ValueError("a user name is required")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.host = host.strip("[]")
        self.port = port
        self.username = username
        self._password = password if isinstance(password, Secret) else Secret(password)
        self._transport = Transport(
            self.host,
            port,
            trust,
            connect_timeout_s=connect_timeout_s,
            read_timeout_s=read_timeout_s,
            max_connections=max(max_concurrency, 2),
            network=network,
        )
        self.max_concurrency = max_concurrency
        self._family = family
        self._session: Secret | None = None
        self._generation = 0
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        state = "logged in" if self._session is not None else "logged out"
        return f"{type(self).__name__}(host={self.host!r}, port={self.port}, user={self.username!r}, {state})"

    @property
    def family(self) -> ApiFamily | None:
        """The API family this server speaks (None until the first login)."""
        return self._family

    @property
    def logged_in(self) -> bool:
        """True while the client holds a session id."""
        return self._session is not None

    # ------------------------------------------------------------------------------------------------- sessions
    async def login(self) -> ApiFamily:
        """Create a session (``/api`` first, ``/rest`` on 404); return the family that worked."""
        async with self._lock:
            await self._login_locked()
        assert self._family is not None
        return self._family

    async def _login_locked(self) -> None:
        auth = (self.username, self._password.reveal())
        if self._family in (None, ApiFamily.API):
            response = await self._transport.request("POST", "/api/session", headers=_HEADER_AUTHN, auth=auth)
            if response.status_code != 404:
                self._session = Secret(self._session_id(response, ApiFamily.API))
                self._family = ApiFamily.API
                self._generation += 1
                log.debug("logged in to %s over /api", self.host)
                return
        response = await self._transport.request(
            "POST", "/rest/com/vmware/cis/session", headers=_HEADER_AUTHN, auth=auth
        )
        if response.status_code == 404:
            raise NotFound(
                f"{self.host} offers no vSphere REST API (neither /api/session nor /rest/com/vmware/cis/session "
                "exists). Is this a vCenter Server 6.5 or newer? ESXi hosts have no REST sessions.",
                host=self.host,
                error_type=ErrorType.NOT_FOUND,
                status=404,
                operation=Operation.LOGIN,
            )
        self._session = Secret(self._session_id(response, ApiFamily.REST))
        self._family = ApiFamily.REST
        self._generation += 1
        log.debug("logged in to %s over /rest", self.host)

    def _session_id(self, response: httpx.Response, family: ApiFamily) -> str:
        if not response.is_success:
            raise self._api_error(response, Operation.LOGIN)
        try:
            value = unwrap(family, self._json(response, Operation.LOGIN))
        except ShapeError as exc:
            raise self._malformed(response, Operation.LOGIN, str(exc)) from None
        if not isinstance(value, str) or not value:
            raise self._malformed(response, Operation.LOGIN, "the session id is not a JSON string")
        return value

    async def logout(self) -> None:
        """Delete the session on the server (DELETE on the family that created it); a no-op when logged out."""
        async with self._lock:
            session, self._session = self._session, None
            if session is None:
                return
            path = "/api/session" if self._family is ApiFamily.API else "/rest/com/vmware/cis/session"
            response = await self._transport.request(
                "DELETE", path, headers={"vmware-api-session-id": session.reveal()}
            )
        if not response.is_success and response.status_code != 401:  # 401: already gone, which is what we wanted
            raise self._api_error(response, Operation.LOGOUT)

    async def aclose(self) -> None:
        """Close the connections (does not log out; see :meth:`logout`)."""
        await self._transport.aclose()

    # ----------------------------------------------------------------------------------------------- the call
    def _path(self, family: ApiFamily, api_path: str, rest_path: str | None) -> str:
        return "/api" + api_path if family is ApiFamily.API else "/rest" + (rest_path or api_path)

    async def _call(
        self,
        method: str,
        api_path: str,
        *,
        operation: Operation,
        rest_path: str | None = None,
        filters: list[tuple[str, str]] | None = None,
        params: list[tuple[str, str]] | None = None,
        body: Any = None,
        family: ApiFamily | None = None,
        console: ConsoleType | None = None,
        vm: str | None = None,
    ) -> httpx.Response:
        """Send an authenticated request; return the 2xx response or raise the typed error.

        ``filters`` are list filters (``/rest`` prefixes them with ``filter.``); ``params`` are sent as they are.
        """
        if self._session is None:
            async with self._lock:
                if self._session is None:
                    await self._login_locked()
        for attempt in range(2):
            session, generation = self._session, self._generation
            assert session is not None
            assert self._family is not None
            fam = family or self._family
            query = list(params or [])
            query += [(f"filter.{k}" if fam is ApiFamily.REST else k, v) for k, v in (filters or [])]
            response = await self._transport.request(
                method,
                self._path(fam, api_path, rest_path),
                params=query or None,
                json=body,
                headers={"vmware-api-session-id": session.reveal()},
            )
            if response.is_success:
                return response
            error = self._api_error(response, operation, console=console, vm=vm)
            if not isinstance(error, Unauthenticated) or attempt == 1:
                raise error
            log.debug("session on %s expired; logging in again", self.host)
            async with self._lock:
                if self._generation == generation:  # nobody re-logged in since our request
                    self._session = None
                    await self._login_locked()
        raise AssertionError("unreachable")

    async def _payload(self, response: httpx.Response, operation: Operation, family: ApiFamily | None = None) -> Any:
        """JSON payload of a 2xx response, unwrapped for ``/rest``."""
        fam = family or self._family
        assert fam is not None
        try:
            return unwrap(fam, self._json(response, operation))
        except ShapeError as exc:
            raise self._malformed(response, operation, str(exc)) from None

    def _parse(
        self, parser: Callable[[dict[str, Any]], T], payload: Any, response: httpx.Response, operation: Operation
    ) -> T:
        """Parse an object payload, turning shape problems into MalformedResponse."""
        try:
            if not isinstance(payload, dict):
                raise ShapeError("the answer must be a JSON object")
            return parser(payload)
        except ShapeError as exc:
            raise self._malformed(response, operation, str(exc)) from None

    # --------------------------------------------------------------------------------------------- error helpers
    def _json(self, response: httpx.Response, operation: Operation) -> Any:
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            raise self._malformed(response, operation, "the body is not JSON") from None

    def _malformed(self, response: httpx.Response, operation: Operation, detail: str) -> MalformedResponse:
        return MalformedResponse(
            f"{self.host} sent an unexpected answer when asked to {operation.value} (HTTP {response.status_code}: "
            f"{detail}). Is this a vCenter Server, and is there a proxy in between?",
            host=self.host,
            status=response.status_code,
        )

    def _api_error(
        self,
        response: httpx.Response,
        operation: Operation,
        *,
        console: ConsoleType | None = None,
        vm: str | None = None,
    ) -> ApiError:
        try:
            body = json.loads(response.content) if response.content else None
        except (ValueError, UnicodeDecodeError):
            body = None
        error_type, messages, raw_type = parse_error_body(body)
        if error_type is None and raw_type is None:
            error_type = status_fallback(response.status_code)
        cls = error_class_for(error_type)
        if operation is Operation.LOGIN and error_type is ErrorType.UNAUTHENTICATED:
            cls = LoginFailed
        server_text = " ".join(m.text for m in messages if m.text).strip()
        text = api_error_message(
            error_type,
            host=self.host,
            operation=operation,
            server_text=server_text,
            status=response.status_code,
            console=console,
            vm=vm,
        )
        return cls(
            text,
            host=self.host,
            error_type=error_type,
            status=response.status_code,
            messages=messages,
            operation=operation,
            raw_type=raw_type,
        )
