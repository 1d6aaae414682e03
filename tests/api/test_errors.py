"""Never a 500 for bad input, and a document that says what the code answers (issue 17,
findings 3 and 11): a multipart body without a boundary, a locked SQLite database, the
statuses and limits of every operation, one period range for the dashboard and the API."""

from __future__ import annotations

import sqlite3

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import override_settings

from motcua.directory.models import Role
from motcua.directory.tokens import api_token_create
from tests.factories import staff

pytestmark = pytest.mark.django_db

VERIFY = "/api/v1/results/verify"


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    cache.clear()
    yield
    cache.clear()


def error_body(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    return body


# ---------------------------------------------------------------- multipart


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\n"),  # no boundary at all
        ("multipart/form-data; boundary=", b"--\r\n"),  # an empty one
        ("multipart/form-data; boundary=\x7f\x7f", b"anything"),  # not ASCII-printable
    ],
)
def test_a_multipart_body_without_a_usable_boundary_is_a_400(client, content_type, body):
    response = client.generic("POST", VERIFY, body, content_type=content_type)

    assert error_body(response, 400) == {
        "code": "invalid",
        "message": "Nội dung gửi lên không phải multipart/form-data hợp lệ (thiếu boundary "
        "hoặc bị cắt): hãy gửi tệp trong trường file của một biểu mẫu multipart.",
        "fields": {"file": "invalid_multipart"},
    }


def test_a_body_that_is_not_multipart_lacks_the_file(client):
    response = client.generic("POST", VERIFY, b'{"file": 1}', content_type="application/json")

    body = error_body(response, 400)
    assert (body["code"], set(body["fields"])) == ("invalid", {"file"})


@override_settings(MOTCUA_MAX_UPLOAD_BYTES=1024)
def test_a_file_above_the_limit_is_a_413(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ket-qua.pdf", b"%PDF-1.4\n" + b"0" * 2048, "application/pdf")

    body = error_body(client.post(VERIFY, {"file": upload}), 413)

    assert body == {
        "code": "too_large",
        "message": "Tệp vượt giới hạn 0 MB.",
        "fields": {"file": "too_large"},
    }


# ---------------------------------------------------------------- a busy database


def test_sqlite_waits_for_the_lock_before_giving_up():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's busy timeout")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (milliseconds,) = cursor.fetchone()

    assert milliseconds == 20_000


def _locked(*args, **kwargs):
    raise OperationalError("database is locked") from sqlite3.OperationalError("database is locked")


def test_database_is_locked_is_a_503_with_retry_after_in_the_api(client, monkeypatch):
    monkeypatch.setattr("motcua.dossiers.api.dossier_public", _locked)

    response = client.get("/api/v1/dossiers/H99.01-260302-0001/public")

    assert error_body(response, 503) == {
        "code": "database_busy",
        "message": "Hệ thống đang bận, vui lòng thử lại sau ít giây.",
        "fields": {},
    }
    assert response["Retry-After"] == "10"


def test_database_is_locked_is_a_503_on_a_page(client, monkeypatch):
    monkeypatch.setattr("motcua.portal.views.procedure_search_page", _locked)

    response = client.get("/", {"q": "khai sinh"})

    assert (response.status_code, response["Retry-After"]) == (503, "10")
    assert "Hệ thống đang bận, vui lòng thử lại sau ít giây." in response.content.decode()


def test_database_is_locked_in_a_middleware_is_a_503_too(client, monkeypatch):
    """The session saved after a sign-in is written by a middleware, after the view."""
    from django.contrib.sessions.backends.db import SessionStore

    monkeypatch.setattr(SessionStore, "save", _locked)
    client.raise_request_exception = False
    user = staff(Role.RECEPTION, _agency(), username="motcua_busy")
    user.set_password("mat-khau-dai-du-12")
    user.save()

    response = client.post(
        "/dang-nhap/", {"username": "motcua_busy", "password": "mat-khau-dai-du-12"}
    )

    assert (response.status_code, response["Retry-After"]) == (503, "10")


def _agency():
    from tests.factories import AgencyFactory

    return AgencyFactory(code="000.00.21.H99", name="Sở thử nghiệm bận")


def test_other_database_errors_are_not_dressed_as_busy(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("no such table: dossiers_dossier")

    monkeypatch.setattr("motcua.dossiers.api.dossier_public", broken)
    client.raise_request_exception = False

    assert client.get("/api/v1/dossiers/X/public").status_code == 500


# ---------------------------------------------------------------- periods (finding 11)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "0001-01-01"}, "from", "Ngày 01/01/0001 nằm ngoài khoảng cho phép"),
        ({"to": "9999-12-31"}, "to", "Ngày 31/12/9999 nằm ngoài khoảng cho phép"),
        ({"from": "1999-12-31"}, "from", "Ngày 31/12/1999 nằm ngoài khoảng cho phép"),
    ],
)
@pytest.mark.parametrize("endpoint", ["index", "kpi"])
def test_the_api_refuses_the_periods_the_dashboard_refuses(
    client, agency, endpoint, params, field, message
):
    secret = api_token_create(actor=None, name="A", agency_codes=[agency.code]).secret
    query = {"agency": agency.code, "from": "2026-01-01", "to": "2026-01-31", **params}

    api = client.get(f"/api/v1/{endpoint}", query, HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.force_login(staff(Role.LEADER, agency, username="lanhdao_ky"))
    page = client.get("/chi-so/", query)

    body = error_body(api, 400)
    assert body["fields"] == {field: "out_of_range"}
    assert body["message"] == f"{message} (01/01/2000 – 31/12/2099)."
    assert page.status_code == 400
    assert body["message"] in page.content.decode()


def test_the_edges_of_the_range_are_accepted(client, agency):
    response = client.get(
        "/api/v1/index", {"agency": agency.code, "from": "2000-01-01", "to": "2099-12-31"}
    )

    assert response.status_code == 200
    assert (response.json()["from"], response.json()["to"]) == ("2000-01-01", "2099-12-31")


# ---------------------------------------------------------------- the document


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_declares_what_it_can_answer(document):
    """400 where the caller sends input beyond a code in the path (a query or a body), 404
    where the path names something, 401 where a caller may authenticate, 414 (the HTTP
    server's, no body), 429 and 503 everywhere; every error the application writes in the
    one shape."""
    missing = []
    for path, method, operation in operations(document):
        declared = set(operation["responses"])
        needed = {"200", "414", "429", "503"}
        parameters = operation.get("parameters", [])
        if operation.get("requestBody") or any(p["in"] == "query" for p in parameters):
            needed.add("400")
        if any(p["in"] == "path" for p in parameters):
            needed.add("404")
        if operation.get("security"):
            needed.add("401")
        for status in declared - {"200", "414"}:
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            if schema != {"$ref": "#/components/schemas/ApiError"}:
                missing.append((method, path, status, "not the error shape"))
        missing += [(method, path, status) for status in sorted(needed - declared)]

    # A new router declares its answers with `errors(...)` from motcua.core.apischema.
    assert missing == []


def test_the_document_says_which_operations_need_a_caller(document):
    security = {
        (method, path): operation.get("security")
        for path, method, operation in operations(document)
    }

    assert security[("get", "/api/v1/kpi")] == [{"SystemToken": []}, {"StaffSession": []}]
    assert security[("get", "/api/v1/index")] == [
        {"SystemToken": []},
        {"StaffSession": []},
        {},
    ]
    for public in [
        ("get", "/api/v1/procedures"),
        ("get", "/api/v1/procedures/{code}"),
        ("get", "/api/v1/dossiers/{code}/public"),
        ("post", "/api/v1/results/verify"),
    ]:
        assert security[public] is None
    assert document["components"]["securitySchemes"] == {
        "SystemToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "Khóa API của hệ thống (motcua api-token create), vai trò system.",
        },
        "StaffSession": {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "Phiên đăng nhập của cán bộ (cookie sessionid).",
        },
    }


def test_the_document_states_the_limits_the_code_enforces(document):
    def parameter(path, name):
        found = document["paths"][path]["get"]["parameters"]
        return next(p["schema"] for p in found if p["name"] == name)

    assert (
        parameter("/api/v1/procedures", "limit")["minimum"],
        parameter("/api/v1/procedures", "limit")["maximum"],
        parameter("/api/v1/procedures", "offset")["maximum"],
        parameter("/api/v1/procedures", "agency")["maxLength"],
        parameter("/api/v1/kpi", "agency")["maxLength"],
        parameter("/api/v1/kpi", "from")["format"],
    ) == (1, 200, 1_000_000, 64, 64, "date")
