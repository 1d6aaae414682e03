"""Registries asked from the apply page (issue 16) about what the applicant typed, so the
page fills the rest.

- `GET /nop-ho-so/doanh-nghiep/?ma=<code>`: the citizen filing for an organisation types its
  enterprise code, and the business registry gives its name, head-office address and legal
  representative.
- `GET /nop-ho-so/nguoi-ket-hon-cung/?so=<personal ID>&ten=<full name>`: the other party of
  a marriage registration, whose record the population registry gives only when it bears
  that name (`eforms.partner_lookup`).

Both answer JSON for the apply page's script (`lookup_prefill.html`): 200 `{"found": true,
"values": {meaning: value}, "label"}` (the business look-up adds the `code` it read); 400
when what was typed has the wrong form, 404 when the registry holds no such record — both
with a Vietnamese `message`; 429 when the account's partner look-ups of the day are spent;
503 with a plain notice when the registry cannot be asked, so
the applicant types the particulars. Only signed-in citizens may ask, and the HTTP
connectors audit every look-up (`registry.request`, purposes `apply_prefill`,
`apply_prefill_partner`). Reads only: a GET that writes nothing."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from motcua.catalog.eforms import date_display
from motcua.portal.eforms import (
    BUSINESS,
    REGISTRY,
    enterprise_lookup,
    enterprise_values,
    partner_lookup,
    partner_values,
    source_label,
)
from motcua.portal.views_apply import citizen_required


def _found(values: dict[str, Any], kind: str, **extra: str) -> JsonResponse:
    return JsonResponse({"found": True, **extra, "values": values, "label": source_label(kind)})


def _not_found(message: str, *, invalid: bool, **extra: str) -> JsonResponse:
    return JsonResponse(
        {"found": False, **extra, "message": message}, status=400 if invalid else 404
    )


def _down(message: str, **extra: str) -> JsonResponse:
    return JsonResponse({"found": False, **extra, "message": message}, status=503)


@require_http_methods(["GET"])
@never_cache
@citizen_required
def business_lookup(request: HttpRequest) -> JsonResponse:
    result = enterprise_lookup(request.GET.get("ma", "")[:32], user=request.user)  # type: ignore[arg-type]
    if result.down:
        return _down(
            _(
                "Hiện không kết nối được CSDL quốc gia về đăng ký doanh nghiệp. Bạn vẫn nộp "
                "được hồ sơ: hãy tự điền thông tin doanh nghiệp theo Giấy chứng nhận đăng "
                "ký doanh nghiệp."
            ),
            code=result.code,
        )
    if result.enterprise is None:
        return _not_found(result.error, invalid=result.invalid, code=result.code)
    values = {
        meaning: value
        for (_subject, meaning), value in enterprise_values(result.enterprise).items()
    }
    return _found(values, BUSINESS, code=result.code)


@require_http_methods(["GET"])
@never_cache
@citizen_required
def partner_lookup_view(request: HttpRequest) -> JsonResponse:
    result = partner_lookup(
        request.GET.get("so", "")[:32],
        request.GET.get("ten", "")[:200],
        user=request.user,  # type: ignore[arg-type]
    )
    if result.down:
        return _down(
            _(
                "Hiện không kết nối được CSDL quốc gia về dân cư. Bạn vẫn nộp được hồ sơ: hãy "
                "tự điền thông tin người kết hôn cùng."
            )
        )
    if result.limited:
        return JsonResponse({"found": False, "message": result.error}, status=429)
    if result.person is None:
        return _not_found(result.error, invalid=result.invalid)
    values = {
        meaning: date_display(value) if meaning == "birth_date" else value
        for (_subject, meaning), value in partner_values(result.person).items()
    }
    return _found(values, REGISTRY)
