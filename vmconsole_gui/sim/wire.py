"""Per-family response helpers: ``/api`` answers bare JSON, ``/rest`` wraps it in ``{"value": ...}``."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from vmconsole_gui.sim.errors import VapiError, api_http_not_found, invalid_argument, rest_operations_not_found

FAMILY: web.RequestKey[str] = web.RequestKey("sim_family", str)
"""Key in the aiohttp request of the family, ``"api"`` or ``"rest"``."""

_JSON = "application/json"


def family_of_path(path: str) -> str | None:
    """``"api"`` for ``/api/...``, ``"rest"`` for ``/rest/...``, else None."""
    if path == "/api" or path.startswith("/api/"):
        return "api"
    if path == "/rest" or path.startswith("/rest/"):
        return "rest"
    return None


def family(request: web.Request) -> str:
    """The API family of ``request``."""
    return request[FAMILY]


def json_response(data: Any, status: int) -> web.Response:
    """A JSON response with the compact encoding vCenter uses."""
    return web.Response(body=json.dumps(data, separators=(",", ":")).encode(), status=status, content_type=_JSON)


def ok(request: web.Request, data: Any, api_status: int = 200) -> web.Response:
    """Success: bare ``data`` with ``api_status`` on ``/api``; ``{"value": data}`` with 200 on ``/rest``."""
    if family(request) == "api":
        return json_response(data, api_status)
    return json_response({"value": data}, 200)


def done(request: web.Request) -> web.Response:
    """Success without a result: 204 on ``/api``, 200 with an empty body on ``/rest``."""
    return web.Response(status=204 if family(request) == "api" else 200)


def error_response(request_family: str, error: VapiError) -> web.Response:
    """A vAPI error in the shape of ``request_family``."""
    return json_response(error.body(request_family), error.status(request_family))


def not_found_response(path: str) -> web.Response:
    """The 404 for an unknown URL (§3.4), by family of ``path``."""
    if family_of_path(path) == "rest":
        return json_response(rest_operations_not_found(path[len("/rest") :] or "/"), 404)
    return json_response(api_http_not_found(), 404)


def query_list(request: web.Request, name: str) -> list[str]:
    """Every value of array query parameter ``name`` (``filter.``-prefixed on ``/rest``)."""
    key = name if family(request) == "api" else f"filter.{name}"
    return request.query.getall(key, [])


def query_enum_list(request: web.Request, name: str, allowed: tuple[str, ...]) -> list[str]:
    """Like :func:`query_list`, rejecting values outside ``allowed`` with 400 INVALID_ARGUMENT."""
    values = query_list(request, name)
    for value in values:
        if value not in allowed:
            raise invalid_argument(
                "vapi.data.enumeration.invalid",
                f"Invalid value '{value}' for parameter '{name}'; expected one of {', '.join(allowed)}.",
                [value, name],
            )
    return values


def query_bool(request: web.Request, name: str) -> bool | None:
    """An optional boolean query parameter (``true``/``false``)."""
    key = name if family(request) == "api" else f"filter.{name}"
    raw = request.query.get(key)
    if raw is None:
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise invalid_argument(
        "vapi.data.boolean.invalid", f"Invalid value '{raw}' for parameter '{name}'; expected true or false.", [raw]
    )


def malformed(request_family: str, response: web.Response, kind: str) -> web.Response:
    """Turn a successful ``response`` into a broken 2xx answer of ``kind`` (see :mod:`faults`)."""
    status = 200 if response.status == 204 else response.status
    body = response.body if isinstance(response.body, bytes) else b""
    if kind == "not_json":
        page = b"<html><head><title>Error</title></head><body><h1>Service is starting</h1></body></html>"
        return web.Response(body=page, status=status, content_type="text/html")
    if kind == "wrong_shape":
        data: Any = json.loads(body) if body else {"unexpected": True}
        if request_family == "api":
            data = {"value": data}
        elif isinstance(data, dict) and "value" in data:
            data = data["value"]
        else:
            data = [data]
        return json_response(data, status)
    text = body if body else b'{"value":{"unexpected":true}}'
    return web.Response(body=text[: max(1, len(text) // 2)], status=status, content_type=_JSON)
