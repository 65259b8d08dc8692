"""Session create / get / delete on both families (vsphere-rest.md §1)."""

from __future__ import annotations

import hmac

from aiohttp import BasicAuth, web

from vmconsole_gui.sim.errors import bad_credentials, unauthenticated
from vmconsole_gui.sim.middleware import SESSION_HEADER, SESSION_KEY, session_id_of
from vmconsole_gui.sim.state import STATE, SimState
from vmconsole_gui.sim.wire import done, family, not_found_response, ok


def _check_basic(request: web.Request, state: SimState) -> str:
    header = request.headers.get("Authorization", "")
    try:
        credentials = BasicAuth.decode(header)
    except ValueError:
        raise unauthenticated() from None
    user_ok = credentials.login.casefold() == state.username.casefold()
    password_ok = hmac.compare_digest(credentials.password.encode(), state.password.encode())
    if not (user_ok and password_ok):
        raise bad_credentials()
    return state.username


async def create_session(request: web.Request) -> web.StreamResponse:
    """``POST /api/session`` → 201 bare string; ``POST /rest/com/vmware/cis/session`` → 200 ``{"value": id}``."""
    state = request.app[STATE]
    if family(request) == "rest" and "~action" in request.query:
        return await rest_session_action(request)
    user = _check_basic(request, state)
    session_id = state.sessions.create(user)
    response = ok(request, session_id, api_status=201)
    if "vmware-use-header-authn" not in request.headers:
        response.set_cookie(
            SESSION_HEADER, session_id, path="/" + family(request), secure=True, httponly=True, samesite="Strict"
        )
    return response


async def rest_session_action(request: web.Request) -> web.StreamResponse:
    """``POST /rest/com/vmware/cis/session?~action=get``; other actions do not exist."""
    if request.query.get("~action") != "get":
        return not_found_response(request.path)
    return await get_session(request)


async def get_session(request: web.Request) -> web.StreamResponse:
    """Session info: user, created and last-accessed times."""
    state = request.app[STATE]
    session = state.sessions.touch(request[SESSION_KEY])
    if session is None:
        raise unauthenticated()
    return ok(request, session.info())


async def delete_session(request: web.Request) -> web.StreamResponse:
    """Log out: 204 on ``/api``, 200 on ``/rest``; the id is invalid afterwards."""
    state = request.app[STATE]
    session_id = session_id_of(request)
    if not session_id or not state.sessions.delete(session_id):
        raise unauthenticated()
    return done(request)
