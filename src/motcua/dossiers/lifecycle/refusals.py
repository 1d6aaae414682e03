"""Every refusal a dossier service gives is logged once, at the service boundary, with its
stable code and the service's name only — never the message (it may quote a name or a
code) nor anything about the person."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from motcua.core.errors import MotcuaError

log = logging.getLogger("motcua.refusals")

P = ParamSpec("P")
R = TypeVar("R")


def refusals_logged(service: Callable[P, R]) -> Callable[P, R]:
    @wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except MotcuaError as error:
            log.info(
                "dossier.refused",
                extra={"refusal": {"code": error.code, "service": service.__name__}},
            )
            raise

    return wrapper
