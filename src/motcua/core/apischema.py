"""The API's one error shape as a schema, and the statuses each endpoint declares with it.

Here, below every domain, because each domain's router (`catalog/api.py`, `index/api.py`, …)
declares its answers with it and none of them may import `motcua.api` above it."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

# Every operation can meet these: the API-wide rate limit (429, with Retry-After) and a
# database too busy to answer in time (503, with Retry-After; core.http.DatabaseBusyMiddleware).
ALWAYS = (429, 503)
# And this one from the HTTP server before the application: a request line past its limit
# (gunicorn: 4094 bytes). Its body is the server's, so the document promises none.
URI_TOO_LONG = 414


class ApiError(Schema):
    """`{"code", "message", "fields"}`: a stable code, a Vietnamese message, and the fields
    it concerns (field name → what is wrong)."""

    code: str = Field(examples=["invalid"])
    message: str = Field(examples=["Dữ liệu gửi lên không hợp lệ."])
    fields: dict[str, str] = Field(default_factory=dict)


def errors(*statuses: int) -> dict[int, type[ApiError] | None]:
    """The error answers of one operation: the statuses given plus those every one can meet."""
    answers: dict[int, type[ApiError] | None] = {
        status: ApiError for status in sorted({*statuses, *ALWAYS})
    }
    answers[URI_TOO_LONG] = None
    return dict(sorted(answers.items()))
