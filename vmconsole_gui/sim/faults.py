"""Fault injection knobs, decided by a seeded RNG so that tests are repeatable.

Endpoint names (used as keys of the per-endpoint dicts, the ``--error-rate ENDPOINT=RATE`` CLI option and
``request_log``): see :data:`ENDPOINTS`. The key ``"*"`` applies to every endpoint.

- ``latency_s`` / ``latencies[endpoint]``: seconds added before answering (both apply, summed).
- ``error_rates[endpoint]``: probability of answering with a vAPI error of type ``error_type``
  (default SERVICE_UNAVAILABLE → 503 on both families) with a realistic body.
- ``drop_rate`` / ``drop_rates[endpoint]``: probability of closing the TCP connection without any HTTP response.
- ``malformed_rate`` / ``malformed_rates[endpoint]``: probability of a 2xx answer whose body is broken;
  ``malformed_kind`` picks how: ``truncate`` (JSON cut in half), ``not_json`` (an HTML page), ``wrong_shape``
  (``/api`` body wrapped in ``{"value": ...}``, ``/rest`` body unwrapped) or ``random`` (one of those three).
- ``ticket_error``: force every console-tickets call to fail with this error type (``UNAUTHORIZED``,
  ``RESOURCE_INACCESSIBLE``, ``SERVICE_UNAVAILABLE``, ``ERROR``, ``NOT_FOUND``, ``INVALID_ARGUMENT``,
  ``NOT_ALLOWED_IN_CURRENT_STATE``, ``UNAUTHENTICATED`` …); None = normal behaviour.
- ``error_text``: the ``default_message`` of injected errors and forced ticket errors (None = a generic sentence),
  e.g. a megabyte of text or markup to test how clients show server messages.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

ENDPOINTS: tuple[str, ...] = (
    "session",
    "vm.list",
    "vm.get",
    "vm.power",
    "vm.guest_identity",
    "vm.console_tickets",
    "datacenter.list",
    "datacenter.get",
    "folder.list",
    "cluster.list",
    "host.list",
    "resource_pool.list",
)
"""Stable endpoint names for fault knobs and the request log."""

MALFORMED_KINDS = ("truncate", "not_json", "wrong_shape", "random")


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What to do to one request: extra latency, then drop, error or malformed body (at most one of the three)."""

    latency_s: float = 0.0
    drop: bool = False
    error: bool = False
    malformed: str | None = None


def _rate(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, not {value}")
    return value


@dataclass
class Faults:
    """Mutable fault knobs; safe to assign from a test thread while the simulator runs."""

    latency_s: float = 0.0
    latencies: dict[str, float] = field(default_factory=dict)
    error_rates: dict[str, float] = field(default_factory=dict)
    error_type: str = "SERVICE_UNAVAILABLE"
    drop_rate: float = 0.0
    drop_rates: dict[str, float] = field(default_factory=dict)
    malformed_rate: float = 0.0
    malformed_rates: dict[str, float] = field(default_factory=dict)
    malformed_kind: str = "truncate"
    ticket_error: str | None = None
    error_text: str | None = None
    seed: int = 1
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def reseed(self, seed: int) -> None:
        """Restart the fault RNG from ``seed``."""
        with self._lock:
            self.seed = seed
            self._rng = random.Random(seed)

    def clear(self) -> None:
        """Turn every fault off."""
        self.latency_s = 0.0
        self.drop_rate = self.malformed_rate = 0.0
        self.latencies, self.error_rates, self.drop_rates, self.malformed_rates = {}, {}, {}, {}
        self.ticket_error = None
        self.error_text = None
        self.error_type = "SERVICE_UNAVAILABLE"
        self.malformed_kind = "truncate"

    @staticmethod
    def _lookup(table: dict[str, float], endpoint: str, default: float = 0.0) -> float:
        return table.get(endpoint, table.get("*", default))

    def decide(self, endpoint: str) -> FaultDecision:
        """Roll the dice for one request to ``endpoint``."""
        latency = max(0.0, self.latency_s) + max(0.0, self._lookup(self.latencies, endpoint))
        drop = _rate("drop rate", self._lookup(self.drop_rates, endpoint, self.drop_rate))
        error = _rate("error rate", self._lookup(self.error_rates, endpoint))
        malformed = _rate("malformed rate", self._lookup(self.malformed_rates, endpoint, self.malformed_rate))
        kind = self.malformed_kind
        if kind not in MALFORMED_KINDS:
            raise ValueError(f"malformed_kind must be one of {', '.join(MALFORMED_KINDS)}, not {kind!r}")
        if not (drop or error or malformed):
            return FaultDecision(latency_s=latency)
        with self._lock:
            rng = self._rng
            if drop and rng.random() < drop:
                return FaultDecision(latency_s=latency, drop=True)
            if error and rng.random() < error:
                return FaultDecision(latency_s=latency, error=True)
            if malformed and rng.random() < malformed:
                if kind == "random":
                    kind = rng.choice(MALFORMED_KINDS[:3])
                return FaultDecision(latency_s=latency, malformed=kind)
        return FaultDecision(latency_s=latency)


def parse_rate_option(text: str) -> tuple[str, float]:
    """Parse ``ENDPOINT=RATE`` (CLI); the endpoint must be one of :data:`ENDPOINTS` or ``*``."""
    endpoint, sep, raw = text.partition("=")
    endpoint = endpoint.strip()
    if not sep:
        raise ValueError(f"expected ENDPOINT=RATE, got {text!r}")
    if endpoint != "*" and endpoint not in ENDPOINTS:
        raise ValueError(f"unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)} or *")
    try:
        rate = float(raw)
    except ValueError:
        raise ValueError(f"rate for {endpoint!r} must be a number between 0 and 1, got {raw!r}") from None
    return endpoint, _rate(f"rate for {endpoint!r}", rate)
