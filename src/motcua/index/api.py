from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from motcua.index.engine import agency_by_code, index_compute, kpi_compute, period_from

router = Router(tags=["Chỉ số phục vụ"])


class PeriodParams(Schema):
    agency: str
    from_: str | None = Field(None, alias="from")
    to: str | None = None


def _args(params: PeriodParams) -> dict[str, Any]:
    return {
        "agency": agency_by_code(params.agency),
        "period": period_from(params.from_, params.to, today=timezone.localdate()),
    }


@router.get("/index", summary="Chỉ số phục vụ (§7)")
def get_index(request: HttpRequest, params: Query[PeriodParams]) -> dict[str, Any]:
    return index_compute(**_args(params))


@router.get("/kpi", summary="Số liệu điều hành (§8)")
def get_kpi(request: HttpRequest, params: Query[PeriodParams]) -> dict[str, Any]:
    return kpi_compute(**_args(params))
