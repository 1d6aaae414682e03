"""The JSON API under /api/v1/ (domain.md §11): one NinjaAPI, one error shape."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from motcua.catalog.api import router as catalog_router
from motcua.core.errors import MotcuaError
from motcua.dossiers.api import router as dossiers_router
from motcua.esign.api import router as esign_router
from motcua.index.api import router as index_router

api = NinjaAPI(
    title="motcua API",
    version="1",
    description="API của hệ thống giải quyết thủ tục hành chính motcua.",
    urls_namespace="api",
)


@api.exception_handler(MotcuaError)
def _motcua_error(request: HttpRequest, error: MotcuaError) -> HttpResponse:
    return api.create_response(request, error.as_dict(), status=error.status)


@api.exception_handler(NinjaValidationError)
def _bad_input(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    fields = {
        ".".join(
            str(p) for p in item.get("loc", []) if p not in ("query", "body", "path")
        ): item.get("msg", "")
        for item in error.errors
    }
    return api.create_response(
        request,
        {"code": "invalid", "message": "Dữ liệu gửi lên không hợp lệ.", "fields": fields},
        status=400,
    )


api.add_router("/procedures", catalog_router)
api.add_router("", index_router)
api.add_router("/dossiers", dossiers_router)
api.add_router("/results", esign_router)
