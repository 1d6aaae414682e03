"""`/api/v1/procedures` (domain.md §11): search, detail, one error shape, never a 500."""

from __future__ import annotations

import pytest

from motcua.catalog.models import Procedure
from tests.factories import (
    AgencyFactory,
    FeeLineFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    SectorFactory,
)

URL = "/api/v1/procedures"


@pytest.fixture
def birth(db):
    sector = SectorFactory(name="Hộ tịch")
    wards = [
        AgencyFactory(code="000.50.01.H46", name="UBND phường Thuận Hóa", level="commune"),
        AgencyFactory(code="000.50.02.H46", name="UBND phường Phú Xuân", level="commune"),
    ]
    procedure = ProcedureFactory(
        code="1.001193",
        name="Đăng ký khai sinh",
        sector=sector,
        level=Procedure.Level.COMMUNE,
        time_limit="1 d",
        online=Procedure.Online.FULL,
        legal_basis="Luật Hộ tịch số 60/2014/QH13",
        agencies=wards,
    )
    RequiredDocumentFactory(procedure=procedure, position=1, name="Tờ khai đăng ký khai sinh")
    RequiredDocumentFactory(
        procedure=procedure, position=2, name="Giấy chứng sinh", form="original"
    )
    RequiredDocumentFactory(procedure=procedure, position=3, name="Văn bản ủy quyền", optional=True)
    ProcedureFactory(
        code="1.000689",
        name="Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con",
        sector=sector,
        time_limit=None,
        online=Procedure.Online.PARTIAL,
    )
    ProcedureFactory(
        code="1.004884",
        name="Đăng ký lại khai sinh",
        sector=sector,
        online="none",
        time_limit="5 d",
    )
    ProcedureFactory(code="1.000894", name="Đăng ký kết hôn", sector=sector)
    return procedure


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict)
    return body


def test_search_best_match_first(client, birth):
    response = client.get(URL, {"q": "dang ky khai sinh"})

    assert response.status_code == 200
    assert response.json() == {
        "count": 3,
        "items": [
            {
                "code": "1.001193",
                "name": "Đăng ký khai sinh",
                "sector": "Hộ tịch",
                "online": "full",
                "time_limit": "1 d",
            },
            {
                "code": "1.000689",
                "name": "Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con",
                "sector": "Hộ tịch",
                "online": "partial",
                "time_limit": None,
            },
            {
                "code": "1.004884",
                "name": "Đăng ký lại khai sinh",
                "sector": "Hộ tịch",
                "online": "none",
                "time_limit": "5 d",
            },
        ],
    }


def test_search_with_diacritics_gives_the_same_result(client, birth):
    plain = client.get(URL, {"q": "dang ky khai sinh"}).json()

    assert client.get(URL, {"q": "Đăng ký khai sinh"}).json() == plain
    assert client.get(f"{URL}?q=%C4%90%C4%83ng%20k%C3%BD%20khai%20sinh").json() == plain


def test_limit_cuts_items_not_count(client, birth):
    body = client.get(URL, {"q": "khai sinh", "limit": 1}).json()

    assert body["count"] == 3
    assert [item["code"] for item in body["items"]] == ["1.001193"]


def test_no_query_lists_everything(client, birth):
    body = client.get(URL).json()

    assert body["count"] == 4
    assert [item["code"] for item in body["items"]] == [
        "1.000894",
        "1.001193",
        "1.000689",
        "1.004884",
    ]


def test_no_match(client, birth):
    assert client.get(URL, {"q": "giay phep xay dung"}).json() == {"count": 0, "items": []}


@pytest.mark.parametrize("limit", ["0", "-1", "201"])
def test_limit_out_of_range(client, birth, limit):
    body = assert_error(client.get(URL, {"limit": limit}), 400, "invalid")

    assert set(body["fields"]) == {"limit"}


@pytest.mark.parametrize("limit", ["abc", "1.5", "1e3", "99999999999999999999999999"])
def test_limit_not_an_integer(client, birth, limit):
    response = client.get(URL, {"limit": limit})

    body = assert_error(response, 400, "invalid")
    assert "limit" in body["fields"]


@pytest.mark.parametrize("query", ["%", "_", "' OR 1=1 --", "x" * 200, "🙂" * 200, "\\"])
def test_odd_queries_find_nothing(client, birth, query):
    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    assert response.json() == {"count": 0, "items": []}


def test_a_query_past_the_documented_length_is_a_400(client, birth):
    body = assert_error(client.get(URL, {"q": "x" * 201}), 400, "invalid")

    assert (body["message"], body["fields"]) == (
        "Từ khóa dài tối đa 200 ký tự.",
        {"q": "too_long"},
    )


def test_control_characters_in_the_query_read_as_spaces(client, birth):
    """A NUL would be a 500 on PostgreSQL and match everything on SQLite."""
    body = client.get(URL, {"q": "khai\x00sinh\tlai"}).json()

    assert [item["code"] for item in body["items"]] == ["1.004884"]
    assert client.get(URL, {"q": "\x00"}).json()["count"] == 4


def test_list_query_count_is_bounded(client, birth, django_assert_max_num_queries):
    for n in range(30):
        ProcedureFactory(code=f"9.{n:06d}", name=f"Đăng ký thử {n}", sector=birth.sector)

    # the catalog's stamp, the page's ids and count, its procedures
    with django_assert_max_num_queries(3):
        response = client.get(URL, {"q": "dang ky", "limit": 200})

    assert response.json()["count"] == 34


def test_detail(client, birth):
    FeeLineFactory(procedure=birth, name="Lệ phí đăng ký khai sinh quá hạn", amount=8000)
    FeeLineFactory(procedure=birth, name="Lệ phí cấp bản sao", amount=0)

    response = client.get(f"{URL}/1.001193")

    assert response.status_code == 200
    assert response.json() == {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "sector": "Hộ tịch",
        "online": "full",
        "time_limit": "1 d",
        "level": "commune",
        "legal_basis": "Luật Hộ tịch số 60/2014/QH13",
        "accepts_online_payment": False,
        "registry_connected": False,
        "documents": [
            {"name": "Tờ khai đăng ký khai sinh", "optional": False, "form": "any"},
            {"name": "Giấy chứng sinh", "optional": False, "form": "original"},
            {"name": "Văn bản ủy quyền", "optional": True, "form": "any"},
        ],
        "fees": [
            {
                "name": "Lệ phí đăng ký khai sinh quá hạn",
                "amount": 8000,
                "group": "",
                "condition": "",
                "channel": "",
            },
            {
                "name": "Lệ phí cấp bản sao",
                "amount": 0,
                "group": "",
                "condition": "",
                "channel": "",
            },
        ],
        "agencies": [
            {"code": "000.50.01.H46", "name": "UBND phường Thuận Hóa"},
            {"code": "000.50.02.H46", "name": "UBND phường Phú Xuân"},
        ],
    }


def test_detail_of_incomplete_procedure(client, birth):
    body = client.get(f"{URL}/1.000689").json()

    assert (body["time_limit"], body["documents"], body["fees"], body["agencies"]) == (
        None,
        [],
        [],
        [],
    )


def test_detail_query_count(client, birth, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get(f"{URL}/1.001193").status_code == 200


def test_unknown_code_is_404(client, birth):
    body = assert_error(client.get(f"{URL}/9.999999"), 404, "not_found")

    assert "9.999999" in body["message"]


def test_inactive_procedure_is_404(client, birth):
    Procedure.objects.filter(code="1.001193").update(is_active=False)

    assert_error(client.get(f"{URL}/1.001193"), 404, "not_found")
    assert client.get(URL, {"q": "dang ky khai sinh"}).json()["count"] == 2


@pytest.mark.parametrize("code", ["%00", "a%20b", "%C4%90", "x" * 300, "1.001193%27"])
def test_odd_codes_are_404(client, birth, code):
    assert_error(client.get(f"{URL}/{code}"), 404, "not_found")


def test_openapi_document_loads(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) >= {"/api/v1/procedures", "/api/v1/procedures/{code}"}
    assert set(paths["/api/v1/procedures"]["get"]["responses"]) >= {"200"}


@pytest.mark.django_db
def test_an_unknown_api_path_answers_in_the_error_shape(client):
    response = client.get("/api/v1/khong-co/")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "Không tìm thấy địa chỉ này.",
        "fields": {},
    }


# ---------------------------------------------------------------- filter by agency


def test_filter_by_agency_keeps_the_list_shape(client, birth):
    ProcedureFactory(code="1.000656", name="Đăng ký khai tử", agencies=[birth.agencies.first()])

    response = client.get(URL, {"q": "dang ky", "agency": "000.50.01.H46"})

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "items": [
            # Both start with the query; the shorter name is the closer match.
            {
                "code": "1.000656",
                "name": "Đăng ký khai tử",
                "sector": "Hộ tịch",
                "online": "full",
                "time_limit": "3 d",
            },
            {
                "code": "1.001193",
                "name": "Đăng ký khai sinh",
                "sector": "Hộ tịch",
                "online": "full",
                "time_limit": "1 d",
            },
        ],
    }


def test_filter_by_agency_alone_and_with_limit(client, birth):
    ward = AgencyFactory(code="000.50.03.H46", name="UBND phường Vỹ Dạ", level="commune")
    for code in ["1.000894", "1.004884"]:
        Procedure.objects.get(code=code).agencies.add(ward)

    all_of_it = client.get(URL, {"agency": "000.50.03.H46"}).json()
    one = client.get(URL, {"agency": "000.50.03.H46", "limit": 1}).json()

    assert [i["code"] for i in all_of_it["items"]] == ["1.000894", "1.004884"]
    assert all_of_it["count"] == 2
    assert (one["count"], [i["code"] for i in one["items"]]) == (2, ["1.000894"])


def test_an_agency_that_handles_nothing_finds_nothing(client, birth):
    AgencyFactory(code="000.00.12.H46", name="Sở Xây dựng")

    assert client.get(URL, {"agency": "000.00.12.H46"}).json() == {"count": 0, "items": []}


@pytest.mark.parametrize("agency", ["000.99.99.H46", "x\x00y"])
def test_an_unknown_agency_is_a_404_in_the_error_shape(client, birth, agency):
    """A well-formed code that names nothing is not found; a 400 answers only the limits the
    OpenAPI document states (schemathesis holds the API to it)."""
    body = assert_error(client.get(URL, {"agency": agency}), 404, "not_found")

    assert body["fields"] == {"agency": "unknown"}


def test_an_agency_code_past_the_documented_length_is_a_400(client, birth):
    body = assert_error(client.get(URL, {"agency": "a" * 65}), 400, "invalid")

    assert body["fields"] == {"agency": "too_long"}


def test_the_agency_filter_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json()
    parameters = document["paths"]["/api/v1/procedures"]["get"]["parameters"]

    assert {p["name"] for p in parameters} == {"q", "limit", "offset", "agency"}
