"""`GET /api/v1/index` and `GET /api/v1/kpi` (domain.md §7, §8, §11).

What is public is what the national portal publishes and the public index page shows: each
agency's (and the province's) total, band and scores. The counts behind the scores (each
indicator's numerator and denominator) and the operating KPIs (§8: payment totals, overdue
dossiers, …) are for the agency's own leaders — a staff session, read as the dashboard reads
(`index.access`) — and for systems holding a token for the agency (role `system`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from motcua.core.apischema import errors
from motcua.core.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.directory.api_auth import AUTHENTICATED, OPTIONAL, OPTIONAL_OPENAPI
from motcua.directory.models import Agency, ApiToken, User
from motcua.directory.tokens import api_token_agency_ids
from motcua.index.access import leader_agency_ids
from motcua.index.engine import (
    EARLIEST,
    LATEST,
    Period,
    agency_by_code,
    index_compute,
    kpi_compute,
    period_from,
    period_in_range,
)

router = Router(tags=["Chỉ số phục vụ"])

_DAY = f"YYYY-MM-DD, từ {EARLIEST:%d/%m/%Y} đến {LATEST:%d/%m/%Y}"


class PeriodParams(Schema):
    # The limits are checked by the code, with Vietnamese messages (`agency_by_code`,
    # `period_from`, `period_in_range`); the schema states them so the document says so.
    agency: str = Field(
        description="Mã định danh của cơ quan, ví dụ 000.00.11.H46",
        json_schema_extra={"minLength": 1, "maxLength": 64},
    )
    from_: str | None = Field(
        None,
        alias="from",
        description=f"Ngày đầu kỳ ({_DAY}); mặc định 01/01 năm nay.",
        json_schema_extra={"format": "date", "maxLength": 10},
    )
    to: str | None = Field(
        None,
        description=f"Ngày cuối kỳ, tính cả ngày đó ({_DAY}); mặc định hôm nay.",
        json_schema_extra={"format": "date", "maxLength": 10},
    )


class IndicatorOut(Schema):
    key: str
    numerator: int | None = Field(description="Chỉ trả khi đã xác thực; null với người ẩn danh.")
    denominator: int | None = Field(description="Chỉ trả khi đã xác thực; null với người ẩn danh.")
    score: float
    max: float | int
    applicable: bool


class GroupOut(Schema):
    key: str
    score: float
    max: float | int
    indicators: list[IndicatorOut]


class IndexOut(Schema):
    agency: str
    from_: str = Field(alias="from")
    to: str
    total: float
    band: str
    groups: list[GroupOut]


class KpiOut(Schema):
    """§8; rates and shares are fractions in [0, 1], null when their denominator is zero."""

    agency: str
    from_: str = Field(alias="from")
    to: str
    procedures_total: int
    procedures_online: int
    procedures_online_share: float | None
    procedures_with_dossiers: int
    procedures_with_dossiers_share: float | None
    dossiers_received: int
    dossiers_online: int
    online_rate: float | None
    dossiers_finished: int
    on_time_rate: float | None
    overdue_rate: float | None
    open_overdue: int
    digitized_rate: float | None
    e_result_rate: float | None
    payments_online_count: int
    payments_online_amount: int = Field(description="VND")
    petitions_received: int
    petitions_resolved: int
    petitions_resolved_rate: float | None


def _agency(code: str) -> Agency:
    """The agency asked for; one that does not exist is not found (404) — the document's limits
    on the code are what a 400 answers."""
    try:
        return agency_by_code(code)
    except ValidationFailed as refused:
        raise NotFound(refused.message, fields=refused.fields) from None


def _period(params: PeriodParams) -> Period:
    return period_in_range(period_from(params.from_, params.to, today=timezone.localdate()))


def readable_agency_ids(caller: Any) -> set[int]:
    """What a caller may read beyond the public numbers: a token its agencies and those below
    them; a person what their dashboard shows (leaders: their agencies and below)."""
    if isinstance(caller, ApiToken):
        return api_token_agency_ids(caller)
    if isinstance(caller, User):
        return leader_agency_ids(caller)
    return set()


def _may_read(request: HttpRequest, agency: Agency) -> bool:
    return agency.pk in readable_agency_ids(getattr(request, "auth", None))


def _public(index: dict[str, Any]) -> dict[str, Any]:
    return {
        **index,
        "groups": [
            {
                **group,
                "indicators": [
                    {**indicator, "numerator": None, "denominator": None}
                    for indicator in group["indicators"]
                ],
            }
            for group in index["groups"]
        ],
    }


@router.get(
    "/index",
    response={200: IndexOut, **errors(400, 401, 404)},
    auth=OPTIONAL,
    openapi_extra=OPTIONAL_OPENAPI,
    by_alias=True,
    summary="Chỉ số phục vụ (§7)",
)
def get_index(request: HttpRequest, params: Query[PeriodParams]) -> dict[str, Any]:
    """Công khai: tổng điểm, xếp loại, điểm từng nhóm và từng chỉ số. Tử số và mẫu số của
    từng chỉ số chỉ trả cho khóa API được giao cơ quan này (hoặc cơ quan cấp trên) và cho
    lãnh đạo đăng nhập có quyền xem cơ quan; người khác nhận `null`. Khóa sai hoặc đã thu hồi:
    401."""
    agency = _agency(params.agency)
    index = index_compute(agency=agency, period=_period(params))
    return index if _may_read(request, agency) else _public(index)


@router.get(
    "/kpi",
    response={200: KpiOut, **errors(400, 401, 403, 404)},
    auth=AUTHENTICATED,
    by_alias=True,
    summary="Số liệu điều hành (§8)",
)
def get_kpi(request: HttpRequest, params: Query[PeriodParams]) -> dict[str, Any]:
    """Cần xác thực: khóa API được giao cơ quan này hoặc cơ quan cấp trên, hoặc phiên đăng
    nhập của lãnh đạo có quyền xem cơ quan trên trang chỉ số. Không xác thực: 401; không
    có quyền với cơ quan: 403."""
    agency = _agency(params.agency)
    period = _period(params)
    if not _may_read(request, agency):
        raise PermissionDenied(_("Bạn không có quyền xem số liệu điều hành của cơ quan này."))
    return kpi_compute(agency=agency, period=period)
