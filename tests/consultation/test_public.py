"""The public pages: the list of drafts, the search over drafts and procedures (diacritics
and spellings as the catalog's search), a plan with its savings and its XLSX."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from motcua.consultation.models import Draft
from motcua.consultation.services import (
    comment_answer,
    comment_submit,
    draft_close,
    draft_create,
    plan_create,
    plan_item_add,
)
from tests.consultation.test_cost import GOOD
from tests.factories import ProcedureFactory


def test_the_home_lists_open_drafts_with_their_deadline(p, client):
    draft = p.draft()

    page = client.get("/gop-y/").content.decode()

    assert draft.title in page
    assert f"Hạn góp ý: hết ngày {draft.deadline:%d/%m/%Y}" in page


@pytest.mark.parametrize("query", ["ly lich", "LÝ LỊCH", "lí lịch", "trực tuyến", "truc tuy"])
def test_the_search_finds_drafts_and_procedures_whatever_the_diacritics(p, client, query):
    p.draft()
    draft_create(
        actor=p.approver,
        agency=p.justice,
        title="Dự thảo lý lịch chưa công bố",
        sections=[("Điều 1", "Nội dung")],
    )

    response = client.get("/gop-y/tim-kiem/", {"q": query})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Dự thảo Quyết định về lý lịch tư pháp trực tuyến" in page
    assert "chưa công bố" not in page
    if "lich" in query.lower() or "lịch" in query.lower():
        assert "Cấp Phiếu lý lịch tư pháp" in page


def test_the_search_finds_a_word_of_a_section_but_not_the_middle_of_a_word(p, client):
    p.draft()

    assert "1 dự thảo" in client.get("/gop-y/tim-kiem/", {"q": "ngay lam viec"}).content.decode()
    assert "0 dự thảo" in client.get("/gop-y/tim-kiem/", {"q": "gay lam"}).content.decode()


def test_the_search_pages_its_procedures(p, client):
    for n in range(25):
        ProcedureFactory(code=f"9.1{n:05d}", name=f"Cấp giấy phép thử {n:02d}")

    first = client.get("/gop-y/tim-kiem/", {"q": "cap giay phep"}).content.decode()
    second = client.get("/gop-y/tim-kiem/", {"q": "cap giay phep", "trang_tt": "2"})

    assert "25 thủ tục" in first
    assert "Trang 1/2" in first
    assert second.content.decode().count('href="/gop-y/chi-phi/') == 5


def test_the_search_survives_hostile_queries(client, db):
    for query in ["%00", "\x00", "'; DROP TABLE", "a" * 300, ",,,"]:
        assert client.get("/gop-y/tim-kiem/", {"q": query}).status_code == 200


def test_a_plan_totals_its_savings_and_exports_them(p, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    other = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", agencies=[p.justice])
    plan = plan_create(actor=p.approver, agency=p.justice, title="=Phương án 2026", year=2026)
    # Before: 6,840,000,000 đ (test_cost's example); after: 1 h instead of 2.5 h →
    # (40,000 + 250,000 + 30,000) × 1.5 × 12,000 = 5,760,000,000 đ; saving 1,080,000,000 đ.
    plan_item_add(
        actor=p.approver,
        plan=plan,
        procedure=p.procedure,
        measure="Nộp trực tuyến",
        before=GOOD,
        after={**GOOD, "hours": "1"},
    )
    # 2 h × 50,000 + 0 + 0, once, by 1,000: 100,000,000 → 0 h: 0 đ.
    small = {
        "hours": "2",
        "hourly_cost": "50000",
        "fees": "0",
        "other_costs": "0",
        "frequency": "1",
        "subjects": "1000",
    }
    plan_item_add(
        actor=p.approver,
        plan=plan,
        procedure=other,
        measure="Bỏ thủ tục",
        before=small,
        after={**small, "hours": "0"},
    )

    page = client.get(f"/gop-y/phuong-an/{plan.pk}/").content.decode()
    response = client.get(f"/gop-y/phuong-an/{plan.pk}/tai-ve.xlsx")

    assert "<strong>1.180.000.000 đ</strong> (17,00 %)" in page
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "=Phương án 2026"
    assert sheet["A1"].data_type == "s"
    assert rows[3][0] == "2.000488" and rows[3][9] == 6_840_000_000 and rows[3][17] == 1_080_000_000
    assert rows[-1][0] == "Tổng cộng"
    assert rows[-1][9:] == (6_940_000_000, *[None] * 6, 5_760_000_000, 1_180_000_000)


def test_a_plan_claiming_a_higher_cost_after_is_refused_by_name(p):
    plan = plan_create(actor=p.approver, agency=p.justice, title="P", year=2026)

    with pytest.raises(Exception) as refused:
        plan_item_add(
            actor=p.approver,
            plan=plan,
            procedure=p.procedure,
            measure="M",
            before=GOOD,
            after={**GOOD, "subjects": "200.000.000"},
        )

    assert refused.value.fields == {"after_subjects": "out_of_range"}
    assert refused.value.message.startswith("Sau đơn giản hóa: Số đối tượng")


def test_a_drafts_page_and_its_summary_read_a_fixed_number_of_queries(
    p, client, django_assert_max_num_queries
):
    draft = p.draft()
    for section in draft.sections.all():
        for n in range(4):
            made = comment_submit(actor=p.citizen, section=section, text=f"Ý kiến {n}")
            comment_answer(actor=p.approver, comment=made, disposition="accepted", answer="Có")
    Draft.objects.filter(pk=draft.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    draft_close(actor=p.approver, draft=Draft.objects.get(pk=draft.pk))

    with django_assert_max_num_queries(6):
        assert client.get(f"/gop-y/du-thao/{draft.pk}/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(f"/gop-y/du-thao/{draft.pk}/tong-hop/").status_code == 200
