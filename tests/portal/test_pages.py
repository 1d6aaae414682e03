from __future__ import annotations

import pytest

from tests.factories import FeeLineFactory, ProcedureFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(agency):
    birth = ProcedureFactory(
        code="1.001193", name="Đăng ký khai sinh", time_limit="1 d", agencies=[agency]
    )
    ProcedureFactory(
        code="1.000689", name="Đăng ký khai sinh kết hợp nhận cha, mẹ, con", agencies=[agency]
    )
    ProcedureFactory(code="2.000488", name="Cấp Phiếu lý lịch tư pháp", agencies=[agency])
    RequiredDocumentFactory(procedure=birth, name="Giấy chứng sinh", position=1)
    FeeLineFactory(procedure=birth, name="Lệ phí đăng ký khai sinh", amount=8000)
    return birth


def test_the_home_page_lists_the_procedures(client, catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count('<li>\n    <a href="/thu-tuc/') == 3
    assert "Đăng ký khai sinh" in text


def test_search_without_diacritics_puts_the_exact_name_first(client, catalog):
    response = client.get("/", {"q": "dang ky khai sinh"})
    names = [p.name for p in response.context["procedures"]]
    assert names == ["Đăng ký khai sinh", "Đăng ký khai sinh kết hợp nhận cha, mẹ, con"]


def test_the_procedure_page_shows_time_documents_and_fees(client, catalog):
    response = client.get("/thu-tuc/1.001193/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "1 ngày làm việc" in text
    assert "Giấy chứng sinh" in text
    assert "Lệ phí đăng ký khai sinh: 8.000 đồng" in text


def test_an_unknown_procedure_is_404(client, catalog):
    assert client.get("/thu-tuc/0.000000/").status_code == 404
