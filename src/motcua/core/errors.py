"""One error family. Every refusal a person can meet carries a stable code and a Vietnamese
message; the API maps it to `{"code", "message", "fields"}` with a 4xx status."""

from __future__ import annotations


class MotcuaError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(MotcuaError):
    code = "invalid"
    status = 400


class PermissionDenied(MotcuaError):
    code = "forbidden"
    status = 403


class NotFound(MotcuaError):
    code = "not_found"
    status = 404


class TransitionNotAllowed(MotcuaError):
    code = "transition_not_allowed"
    status = 409


class Conflict(MotcuaError):
    code = "conflict"
    status = 409


class Unavailable(MotcuaError):
    """A service the action needs (a registry, a provider) cannot be reached now: nothing was
    done, and trying again later may succeed."""

    code = "unavailable"
    status = 503
