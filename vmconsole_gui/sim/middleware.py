"""The request pipeline: unknown routes, profile gating, fault injection, authentication, error rendering, logging.

Nothing here logs secrets: the request log holds method, path, status and endpoint name only.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from vmconsole_gui.sim.errors import VapiError, generic, service_unavailable, unauthenticated
from vmconsole_gui.sim.state import ENDPOINT_OF, LOGIN_ROUTES, STATE, RequestRecord, SimState
from vmconsole_gui.sim.wire import FAMILY, error_response, family_of_path, malformed, not_found_response

_log = logging.getLogger("vmconsole_gui.sim")

SESSION_HEADER = "vmware-api-session-id"
SESSION_KEY: web.RequestKey[str | None] = web.RequestKey("sim_session_id")
"""Key in the aiohttp request of the authenticated session id (never logged)."""


def session_id_of(request: web.Request) -> str | None:
    """The session id sent with ``request``: cookie first, then header (like the reference server)."""
    return request.cookies.get(SESSION_HEADER) or request.headers.get(SESSION_HEADER)


def _injected_error(state: SimState) -> VapiError:
    if state.faults.error_type == "SERVICE_UNAVAILABLE" and state.faults.error_text is None:
        return service_unavailable()
    return generic(state.faults.error_type, state.faults.error_text)


@web.middleware
async def simulator_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run one request through the whole pipeline and record it."""
    state = request.app[STATE]
    path = request.path
    request_family = family_of_path(path)
    route = request.match_info.route
    endpoint = request.app[ENDPOINT_OF].get(route)
    if request_family is None or endpoint is None or (request_family == "api" and not state.profile.has_api):
        response: web.StreamResponse = not_found_response(path)
        return _finish(state, request, response, endpoint)
    request[FAMILY] = request_family
    decision = state.faults.decide(endpoint)
    if decision.latency_s > 0:
        await asyncio.sleep(decision.latency_s)
    if decision.drop:
        _record(state, request, 0, endpoint)
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError
    if decision.error:
        return _finish(state, request, error_response(request_family, _injected_error(state)), endpoint)
    try:
        is_login = route in request.app[LOGIN_ROUTES] and request.query.get("~action") is None
        if not is_login:
            session_id = session_id_of(request)
            if state.sessions.touch(session_id) is None:
                raise unauthenticated()
            request[SESSION_KEY] = session_id
        response = await handler(request)
    except VapiError as error:
        response = error_response(request_family, error)
    if decision.malformed and 200 <= response.status < 300 and isinstance(response, web.Response):
        response = malformed(request_family, response, decision.malformed)
    return _finish(state, request, response, endpoint)


def _record(state: SimState, request: web.Request, status: int, endpoint: str | None) -> None:
    state.record(RequestRecord(request.method, request.path_qs, status, endpoint))
    _log.debug("%s %s -> %s", request.method, request.path, status or "dropped")


def _finish(
    state: SimState, request: web.Request, response: web.StreamResponse, endpoint: str | None
) -> web.StreamResponse:
    _record(state, request, response.status, endpoint)
    return response
