from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from motcua.core.apischema import errors
from motcua.core.errors import NotFound
from motcua.dossiers.public import dossier_public

router = Router(tags=["Hồ sơ"])


class NamedRef(Schema):
    code: str
    name: str


class PublicEvent(Schema):
    action: str
    text: str
    at: datetime


class PublicDossier(Schema):
    code: str
    procedure: NamedRef
    agency: NamedRef
    state: str
    state_label: str
    received_at: datetime | None
    due_at: datetime | None
    appointment_at: datetime | None
    finished_at: datetime | None
    events: list[PublicEvent]


@router.get(
    "/{code}/public",
    response={200: PublicDossier, **errors(404)},
    summary="Tra cứu công khai (không có dữ liệu cá nhân)",
)
def public_dossier(request: HttpRequest, code: str) -> dict:
    # No code holds a control character, and a NUL cannot even be sent to PostgreSQL.
    if not code.isprintable() or len(code) > 64:
        raise NotFound("Không tìm thấy hồ sơ.")
    return dossier_public(code)
