"""The registries' stand-in HTTP services, for the demo and the tests: the population registry
(CSDL quốc gia về dân cư) and the business registry (đăng ký doanh nghiệp), answering from the
same data files as the local adapters (`integration/data/registry.json`,
`integration/data/business_registry.json`).

- `POST /dan-cu/api/v1/cong-dan/tra-cuu` with `{"personal_id": "046085001234"}`: 200 with the
  person, 404 when unknown, 400 for a malformed ID. The ID is in the body, not the URL, so it
  sits in no access log.
- `GET /dkkd/api/v1/doanh-nghiep/<code>`: 200 with the enterprise, 404 when not registered,
  400 for a malformed code (10 digits, or 10 digits, "-" and 3 for a dependent unit).

Both want `Authorization: Bearer <token>`: the environment's MOTCUA_REGISTRY_TOKEN, else the
demo's token below (401 otherwise).
"""

from __future__ import annotations

import hmac
import json
import os

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from motcua.core.errors import ValidationFailed
from motcua.integration.business import LocalBusinessRegistry, enterprise_to_json
from motcua.integration.registry import LocalRegistry, person_to_json

DEMO_TOKEN = "demo-registry-token"


def expected_token() -> str:
    return os.environ.get("MOTCUA_REGISTRY_TOKEN") or DEMO_TOKEN


def _authorized(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), expected_token().encode()
    )


def _unauthorized() -> HttpResponse:
    response = JsonResponse(
        {"code": "unauthorized", "message": "Thiếu hoặc sai mã truy cập."}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="registries"'
    return response


def _not_found(message: str) -> JsonResponse:
    return JsonResponse({"code": "not_found", "message": message}, status=404)


@csrf_exempt
@require_POST
def citizen_lookup(request: HttpRequest) -> HttpResponse:
    if not _authorized(request):
        return _unauthorized()
    try:
        body = json.loads(request.body or b"{}")
        number = body["personal_id"] if isinstance(body, dict) else None
    except (ValueError, KeyError):
        number = None
    if not isinstance(number, str):
        return JsonResponse(
            {"code": "invalid", "message": "Thiếu số định danh cá nhân."}, status=400
        )
    try:
        person = LocalRegistry().lookup(number)
    except ValidationFailed as error:
        return JsonResponse(error.as_dict(), status=400)
    if person is None:
        return _not_found("Không có công dân mang số định danh này.")
    return JsonResponse(person_to_json(person))


@require_GET
def enterprise_lookup(request: HttpRequest, code: str) -> HttpResponse:
    if not _authorized(request):
        return _unauthorized()
    try:
        enterprise = LocalBusinessRegistry().lookup(code)
    except ValidationFailed as error:
        return JsonResponse(error.as_dict(), status=400)
    if enterprise is None:
        return _not_found("Không có doanh nghiệp mang mã số này.")
    return JsonResponse(enterprise_to_json(enterprise))
