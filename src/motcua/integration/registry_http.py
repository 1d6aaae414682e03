"""HTTP connectors to the national registries: the population registry (`HttpRegistry`) and the
business registry (`HttpBusinessRegistry`), behind the same `lookup` as the local files.

Each request has a connect and a read timeout; failures that may pass (no connection, a
timeout, 429, 5xx) are retried with a short back-off inside a total time budget; a circuit
breaker per service and process opens after N consecutive failures and lets one trial
through after a cool-down (half-open). Anything but an answer — "found" or "not found" —
raises `RegistryUnavailable`.

No personal data reaches the logs: the personal ID travels in a POST body, never in a URL
(so it is in no access log nor in an exception's text), and the log lines carry the outcome,
the status, the attempts and the time only. Every lookup is audited (`registry.request`): who
asked, why, the outcome, the personal ID as a keyed hash (`personal_id_fingerprint`).

Settings (read with defaults): MOTCUA_REGISTRY_URL, MOTCUA_REGISTRY_TOKEN,
MOTCUA_BUSINESS_REGISTRY_URL, MOTCUA_BUSINESS_REGISTRY_TOKEN (defaults to the population
registry's), MOTCUA_REGISTRY_CONNECT_TIMEOUT, MOTCUA_REGISTRY_READ_TIMEOUT,
MOTCUA_REGISTRY_BUDGET, MOTCUA_REGISTRY_RETRIES, MOTCUA_REGISTRY_BREAKER_FAILURES,
MOTCUA_REGISTRY_BREAKER_COOLDOWN. docs/howto/registries.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from django.conf import settings

from motcua.core.audit import audit_record
from motcua.core.ids import personal_id_parse
from motcua.integration.business import (
    Enterprise,
    enterprise_code_parse,
    enterprise_from_json,
)
from motcua.integration.registry import (
    RegistryPerson,
    RegistryUnavailable,
    person_from_json,
    personal_id_fingerprint,
)

logger = logging.getLogger("motcua.integration.registry")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class CircuitBreaker:
    """Closed: calls pass. After `failures` consecutive failures: open, calls are refused
    at once. After `cooldown` seconds: half-open, one trial call passes; its success closes
    the breaker, its failure opens it again."""

    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"

    def __init__(
        self,
        *,
        failures: int = 5,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.failures, self.cooldown, self.clock = failures, cooldown, clock
        self._lock = threading.Lock()
        self._count = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return self.CLOSED
        if self.clock() - self._opened_at >= self.cooldown:
            return self.HALF_OPEN
        return self.OPEN

    def allow(self) -> bool:
        """May a call go out now? In half-open, only one trial at a time."""
        with self._lock:
            state = self._state()
            if state == self.CLOSED:
                return True
            if state == self.HALF_OPEN and not self._trial:
                self._trial = True
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            self._count, self._opened_at, self._trial = 0, None, False

    def failed(self) -> None:
        with self._lock:
            self._count += 1
            if self._trial or self._count >= self.failures:
                self._opened_at = self.clock()
            self._trial = False


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(url: str) -> CircuitBreaker:
    """The process's breaker for a service (by its base URL)."""
    with _breakers_lock:
        if url not in _breakers:
            _breakers[url] = CircuitBreaker(
                failures=int(getattr(settings, "MOTCUA_REGISTRY_BREAKER_FAILURES", 5)),
                cooldown=float(getattr(settings, "MOTCUA_REGISTRY_BREAKER_COOLDOWN", 30.0)),
            )
        return _breakers[url]


def breakers_reset() -> None:
    """Forget every breaker (tests; a changed configuration)."""
    with _breakers_lock:
        _breakers.clear()


class _Outcome(Exception):
    """A failed attempt: `reason` for the log, `retry` whether another attempt may help."""

    def __init__(self, reason: str, *, status: int | None = None, retry: bool):
        super().__init__(reason)
        self.reason, self.status, self.retry = reason, status, retry


class _Service:
    """One registry's HTTP service: the requests, retries, budget and breaker."""

    service = "registry"

    def __init__(
        self,
        *,
        url: str,
        token: str,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        budget: float | None = None,
        retries: int | None = None,
        breaker: CircuitBreaker | None = None,
    ):
        if not url:
            raise RegistryUnavailable(f"{self.service}: no URL configured")
        self.url = url.rstrip("/")
        self.token = token
        self.connect_timeout = connect_timeout or float(
            getattr(settings, "MOTCUA_REGISTRY_CONNECT_TIMEOUT", 2.0)
        )
        self.read_timeout = read_timeout or float(
            getattr(settings, "MOTCUA_REGISTRY_READ_TIMEOUT", 5.0)
        )
        self.budget = budget or float(getattr(settings, "MOTCUA_REGISTRY_BUDGET", 8.0))
        self.retries = (
            retries if retries is not None else int(getattr(settings, "MOTCUA_REGISTRY_RETRIES", 2))
        )
        self.breaker = breaker or breaker_for(self.url)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any] | None:
        """The JSON answer, None on 404, or `RegistryUnavailable`."""
        if not self.breaker.allow():
            self._log("circuit_open", attempts=0, status=None, started=time.monotonic())
            raise RegistryUnavailable(f"{self.service}: circuit open")
        started = time.monotonic()
        deadline = started + self.budget
        attempt = 0
        last: _Outcome | None = None
        while True:
            attempt += 1
            remaining = deadline - time.monotonic()
            try:
                answer = self._attempt(method, path, remaining, **kwargs)
            except _Outcome as outcome:
                last = outcome
                backoff = 0.1 * 2 ** (attempt - 1)
                if (
                    not outcome.retry
                    or attempt > self.retries
                    or deadline - time.monotonic() <= backoff + 0.05
                ):
                    break
                time.sleep(backoff)
                continue
            self.breaker.succeeded()
            self._log(
                "found" if answer is not None else "not_found",
                attempt,
                200 if answer else 404,
                started,
            )
            return answer
        self.breaker.failed()
        self._log(last.reason, attempt, last.status, started, level=logging.WARNING)
        raise RegistryUnavailable(f"{self.service}: {last.reason}")

    def _attempt(
        self, method: str, path: str, remaining: float, **kwargs: Any
    ) -> dict[str, Any] | None:
        read = min(self.read_timeout, remaining)
        if read <= 0:
            raise _Outcome("budget", retry=False)
        try:
            response = requests.request(
                method,
                self.url + path,
                headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
                timeout=(min(self.connect_timeout, read), read),
                allow_redirects=False,
                **kwargs,
            )
        # Only the class name is kept: a requests exception's text holds the URL.
        except requests.Timeout:
            raise _Outcome("timeout", retry=True) from None
        except requests.ConnectionError:
            raise _Outcome("connection", retry=True) from None
        except requests.RequestException as error:
            raise _Outcome(type(error).__name__, retry=False) from None
        status = response.status_code
        if status == 404:
            return None
        if status in (401, 403):
            raise _Outcome("unauthorized", status=status, retry=False)
        if status in RETRY_STATUSES:
            raise _Outcome("status", status=status, retry=True)
        if status != 200:
            raise _Outcome("status", status=status, retry=False)
        try:
            body = response.json()
        except ValueError:
            raise _Outcome("bad_body", status=status, retry=False) from None
        if not isinstance(body, dict):
            raise _Outcome("bad_body", status=status, retry=False)
        return body

    def _log(
        self,
        outcome: str,
        attempts: int,
        status: int | None,
        started: float,
        level: int = logging.INFO,
    ) -> None:
        logger.log(
            level,
            "%s lookup %s",
            self.service,
            outcome,
            extra={
                "registry": {
                    "service": self.service,
                    "outcome": outcome,
                    "status": status,
                    "attempts": attempts,
                    "ms": round((time.monotonic() - started) * 1000),
                    "breaker": self.breaker.state,
                }
            },
        )


def _audited(
    *,
    actor: Any,
    purpose: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
    call: Callable[[], Any],
) -> Any:
    """Run the call and audit it: who, why, the outcome (also when the registry is down)."""
    try:
        result = call()
    except RegistryUnavailable:
        outcome = "unavailable"
        raise
    else:
        outcome = "found" if result is not None else "not_found"
        return result
    finally:
        audit_record(
            actor=actor,
            action="registry.request",
            object_type=object_type,
            object_id=object_id,
            data={**data, "purpose": purpose or "unspecified", "outcome": outcome},
        )


class HttpRegistry(_Service):
    """The population registry's HTTP service: `POST {url}/cong-dan/tra-cuu` with
    `{"personal_id"}` — 200 with the person, 404 when unknown."""

    service = "population_registry"

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("url", getattr(settings, "MOTCUA_REGISTRY_URL", ""))
        kwargs.setdefault("token", getattr(settings, "MOTCUA_REGISTRY_TOKEN", ""))
        super().__init__(**kwargs)

    def lookup(
        self, personal_id: str, *, actor: Any = None, purpose: str = ""
    ) -> RegistryPerson | None:
        personal_id_parse(personal_id)

        def call() -> RegistryPerson | None:
            body = self._call("POST", "/cong-dan/tra-cuu", json={"personal_id": personal_id})
            if body is None:
                return None
            try:
                person = person_from_json(body)
            except (KeyError, TypeError, ValueError):
                self.breaker.failed()
                raise RegistryUnavailable(f"{self.service}: bad_body") from None
            if person.personal_id != personal_id:
                raise RegistryUnavailable(f"{self.service}: another person answered")
            return person

        return _audited(
            actor=actor,
            purpose=purpose,
            object_type="personal_id",
            object_id=personal_id_fingerprint(personal_id),
            data={"id_tail": personal_id[-3:], "service": self.service},
            call=call,
        )


class HttpBusinessRegistry(_Service):
    """The business registry's HTTP service: `GET {url}/doanh-nghiep/<code>` — 200 with the
    enterprise, 404 when not registered. Enterprise codes are public, so they may sit in
    URLs and audit rows."""

    service = "business_registry"

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("url", getattr(settings, "MOTCUA_BUSINESS_REGISTRY_URL", ""))
        kwargs.setdefault(
            "token",
            getattr(settings, "MOTCUA_BUSINESS_REGISTRY_TOKEN", "")
            or getattr(settings, "MOTCUA_REGISTRY_TOKEN", ""),
        )
        super().__init__(**kwargs)

    def lookup(
        self, enterprise_code: str, *, actor: Any = None, purpose: str = ""
    ) -> Enterprise | None:
        code = enterprise_code_parse(enterprise_code)

        def call() -> Enterprise | None:
            body = self._call("GET", f"/doanh-nghiep/{code}")
            if body is None:
                return None
            try:
                enterprise = enterprise_from_json(body)
            except (KeyError, TypeError):
                self.breaker.failed()
                raise RegistryUnavailable(f"{self.service}: bad_body") from None
            return enterprise

        return _audited(
            actor=actor,
            purpose=purpose,
            object_type="enterprise_code",
            object_id=code,
            data={"service": self.service},
            call=call,
        )
