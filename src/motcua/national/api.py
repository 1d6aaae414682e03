"""`/api/v1/national/…` (domain.md §12.1), answered only when `MOTCUA_MODE=national`.

`POST /sync` is machine to machine: the signature is the authentication, so there is no
session and no CSRF token (the API's views are CSRF-exempt).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.throttling import BaseThrottle
from pydantic import Field

from motcua.core.apischema import errors
from motcua.core.errors import MotcuaError, NotFound, ValidationFailed
from motcua.core.http import client_ip
from motcua.index.engine import period_from
from motcua.national.ingest import MAX_BODY, batch_receive, too_large
from motcua.national.selectors import province_kpi, ranking, snapshot_public

router = Router(tags=["Cổng DVC quốc gia"])
MEDIA_TYPE = "application/jose"


class UnsupportedMediaType(MotcuaError):
    code = "unsupported_media_type"
    status = 415


def national_only() -> None:
    if settings.MOTCUA_MODE != "national":
        raise NotFound(_("Không tìm thấy địa chỉ này."))


class SyncAnswer(Schema):
    accepted: int
    duplicates: int
    stale: int
    rejected: list[dict[str, Any]]


class SyncThrottle(BaseThrottle):
    """The sync endpoint's own limit, in place of the API's per-address one for anonymous
    callers: a province's sender is one address posting batch after batch (and a national
    gateway may front several). MOTCUA_NATIONAL_SYNC_RATE requests a minute per address."""

    WINDOW = 60

    def allow_request(self, request: HttpRequest) -> bool:
        limit = getattr(settings, "MOTCUA_NATIONAL_SYNC_RATE", 6000)
        key = f"motcua:national-sync-rate:{client_ip(request)}:{int(time.time() // self.WINDOW)}"
        cache.add(key, 0, timeout=self.WINDOW + 1)
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=self.WINDOW + 1)
            count = 1
        return count <= limit

    def wait(self) -> float:
        return self.WINDOW - time.time() % self.WINDOW


@router.post(
    "/sync",
    # 404 outside national mode; 401 for an unknown or revoked key (§12.1).
    response={200: SyncAnswer, **errors(400, 401, 404, 413, 415)},
    summary="Nhận gói tin đồng bộ có chữ ký (§12.1)",
    throttle=[SyncThrottle()],
)
def sync(request: HttpRequest) -> dict[str, Any]:
    national_only()
    # A body without a Content-Type (as an empty one is sent) is judged by what it holds.
    if request.content_type and request.content_type != MEDIA_TYPE:
        raise UnsupportedMediaType(
            _("Nội dung phải có Content-Type: application/jose."),
            fields={"content_type": "invalid"},
        )
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit():
        raise ValidationFailed(_("Content-Length không hợp lệ."), code="bad_batch")
    if int(declared) > MAX_BODY:
        raise too_large()
    # Read at most one byte past the bound: a body longer than it declared stops there.
    body = request.read(MAX_BODY + 1)
    return batch_receive(body).as_dict()


class PeriodParams(Schema):
    from_: str | None = Field(None, alias="from")
    to: str | None = None


@router.get(
    "/ranking",
    response={200: dict[str, Any], **errors(400, 404)},
    summary="Xếp hạng 34 tỉnh, thành phố theo chỉ số phục vụ (§7)",
)
def get_ranking(request: HttpRequest, params: Query[PeriodParams]) -> dict[str, Any]:
    national_only()
    return ranking(period_from(params.from_, params.to, today=timezone.localdate()))


class KpiParams(PeriodParams):
    province: str


@router.get(
    "/kpi",
    response={200: dict[str, Any], **errors(400, 404)},
    summary="Số liệu điều hành của một tỉnh từ hồ sơ đồng bộ (§8)",
)
def get_kpi(request: HttpRequest, params: Query[KpiParams]) -> dict[str, Any]:
    national_only()
    period = period_from(params.from_, params.to, today=timezone.localdate())
    return province_kpi(params.province, period)


class PublicSnapshot(Schema):
    code: str
    province: str
    version: int
    status: int
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None


@router.get(
    "/dossiers/{code}/public",
    response={200: PublicSnapshot, **errors(404)},
    summary="Tra cứu công khai hồ sơ đã đồng bộ (không có dữ liệu cá nhân)",
)
def public_snapshot(request: HttpRequest, code: str) -> dict[str, Any]:
    national_only()
    return snapshot_public(code)
