"""How a file someone uploaded is sent back: always as a download, never rendered by the
browser as a page. A PDF or image that slipped past the upload checks still cannot run
script in our origin: the browser is told not to guess the type (`nosniff`), the response
is a sandbox with no resources of its own (`Content-Security-Policy`), and the content
type is the one the upload check found (anything else is sent as plain bytes)."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse

VETTED_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
UPLOAD_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


def upload_response(
    handle: IO[bytes], *, content_type: str, filename: str, vetted: frozenset[str] = VETTED_TYPES
) -> FileResponse:
    """The file as an attachment with the headers above; `Cache-Control: private, no-store`
    because these are a person's papers."""
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=content_type if content_type in vetted else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = UPLOAD_CSP
    response["Cache-Control"] = "private, no-store"
    return response
