"""The business registry asked from the apply page (issue 16): the citizen filing for an
organisation types its enterprise code once, and the page fills the organisation's name,
head-office address and legal representative.

`GET /nop-ho-so/doanh-nghiep/?ma=<code>` answers JSON, for the apply page's script (or any
htmx-style caller): 200 `{"found": true, "code", "values": {meaning: value}, "label"}`; 400
when the code is not 10 or 13 digits, 404 when it is not registered — both with a Vietnamese
`message`; 503 with a plain notice when the registry cannot be asked, so the applicant types
the particulars. Only signed-in citizens may ask, and the HTTP connector audits every look-up
(`registry.request`, purpose `apply_prefill`). Reads only: a GET that writes nothing."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from motcua.portal.eforms import BUSINESS, enterprise_lookup, enterprise_values, source_label
from motcua.portal.views_apply import citizen_required


@require_http_methods(["GET"])
@never_cache
@citizen_required
def business_lookup(request: HttpRequest) -> JsonResponse:
    result = enterprise_lookup(request.GET.get("ma", "")[:32], user=request.user)  # type: ignore[arg-type]
    if result.down:
        return JsonResponse(
            {
                "found": False,
                "code": result.code,
                "message": _(
                    "Hiện không kết nối được CSDL quốc gia về đăng ký doanh nghiệp. Bạn vẫn nộp "
                    "được hồ sơ: hãy tự điền thông tin doanh nghiệp theo Giấy chứng nhận đăng "
                    "ký doanh nghiệp."
                ),
            },
            status=503,
        )
    if result.enterprise is None:
        return JsonResponse(
            {"found": False, "code": result.code, "message": result.error},
            status=400 if result.invalid else 404,
        )
    return JsonResponse(
        {
            "found": True,
            "code": result.code,
            "values": {
                meaning: value
                for (_subject, meaning), value in enterprise_values(result.enterprise).items()
            },
            "label": source_label(BUSINESS),
        }
    )
