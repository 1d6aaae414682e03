"""The citizen's e-form answers on the officers' pages: the "Tờ khai điện tử" section of the
counter's check page and the processing dossier page, and the printable declaration PDF —
each an audited read for those who may read the dossier, and nowhere else."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from pypdf import PdfReader

from motcua.catalog.eforms import SCHEMA_DIALECT
from motcua.catalog.services import procedure_eform_set
from motcua.core.models import AuditEvent
from motcua.directory.models import Role
from motcua.dossiers.models import Dossier, State
from motcua.dossiers.services import dossier_form_save
from tests.dossiers.conftest import PATHS, T0
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db

PERMIT = {
    "title": "Đơn đề nghị cấp giấy phép xây dựng",
    "schema": {
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "properties": {
            "owner_name": {"type": "string"},
            "owner_birth_date": {"type": "string", "format": "date"},
            "land_area": {"type": "number"},
            "capital": {"type": "integer"},
            "delivery": {"type": "string", "enum": ["counter", "post"]},
            "commitment": {"type": "boolean"},
            "old_plot_number": {"type": "string"},
            "note": {"type": "string"},
        },
    },
    "ui": {
        "order": [
            "owner_name",
            "owner_birth_date",
            "land_area",
            "capital",
            "old_plot_number",
            "delivery",
            "commitment",
            "note",
        ],
        "fields": {
            "owner_name": {"label": "Họ và tên chủ đầu tư", "section": "Chủ đầu tư"},
            "owner_birth_date": {"label": "Ngày sinh", "widget": "date", "section": "Chủ đầu tư"},
            "land_area": {"label": "Diện tích thửa đất (m²)", "section": "Công trình"},
            "capital": {"label": "Dự toán (đồng)", "section": "Công trình"},
            "old_plot_number": {"label": "Số thửa", "section": "Công trình"},
            "delivery": {
                "label": "Nhận kết quả",
                "section": "Đề nghị",
                "choices": {"counter": "Tại bộ phận một cửa", "post": "Qua bưu chính"},
            },
            "commitment": {"label": "Cam kết xây dựng đúng giấy phép", "section": "Đề nghị"},
            "note": {"label": "Ghi chú", "widget": "textarea", "section": "Đề nghị"},
        },
    },
}
ANSWERS = {
    "owner_name": "Nguyễn Văn An",
    "owner_birth_date": "1985-04-12",
    "land_area": 120.5,
    "capital": 1250000000,
    "old_plot_number": "Thửa 112, tờ bản đồ 7",
    "delivery": "post",
    "commitment": True,
    "note": "Xây nhà <ở> riêng lẻ & tường rào",
}
# What the officers read, section by section.
EXPECTED = [
    (
        "Chủ đầu tư",
        [("Họ và tên chủ đầu tư", "Nguyễn Văn An"), ("Ngày sinh", "12/04/1985")],
    ),
    (
        "Công trình",
        [
            ("Diện tích thửa đất (m²)", "120,5"),
            ("Dự toán (đồng)", "1.250.000.000"),
            ("Số thửa", "Thửa 112, tờ bản đồ 7"),
        ],
    ),
    (
        "Đề nghị",
        [
            ("Nhận kết quả", "Qua bưu chính"),
            ("Cam kết xây dựng đúng giấy phép", "Có"),
            ("Ghi chú", "Xây nhà <ở> riêng lẻ & tường rào"),
        ],
    ),
]


@pytest.fixture
def permit(three_step_procedure):
    procedure_eform_set(actor=None, procedure=three_step_procedure, eform=PERMIT)
    return three_step_procedure


def declared(walker, state: str) -> Dossier:
    """A dossier whose applicant filled the e-form online, then walked to `state`."""
    dossier = walker.create()
    dossier = dossier_form_save(
        actor=walker.citizen, dossier=dossier, form_data=ANSWERS, at=T0 + timedelta(minutes=10)
    )
    for action in PATHS[state]:
        dossier = walker.act(dossier, action)
    return Dossier.objects.get(pk=dossier.pk)


def page_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def check_url(dossier: Dossier) -> str:
    return f"/mot-cua/ho-so/{dossier.public_code}/kiem-tra/"


def processing_url(dossier: Dossier) -> str:
    return f"/mot-cua/xu-ly/{dossier.public_code}/"


def pdf_url(dossier: Dossier) -> str:
    return f"/mot-cua/ho-so/{dossier.public_code}/to-khai.pdf"


def shown(sections) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(s.title, [(r.label, r.value) for r in s.rows]) for s in sections]


def reads_of(dossier: Dossier) -> int:
    return AuditEvent.objects.filter(
        action="dossier.read", object_type="dossier", object_id=str(dossier.pk)
    ).count()


def pdf_text(content: bytes) -> str:
    """The PDF's text on one line: a table cell's text wraps where its column ends."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# --- the two pages ---------------------------------------------------------------------------


def test_the_counter_check_page_shows_the_declaration(
    permit, walker, reception, django_assert_max_num_queries
):
    dossier = declared(walker, State.SUBMITTED)
    client = page_for(reception)
    with django_assert_max_num_queries(12):
        response = client.get(check_url(dossier))
    assert response.status_code == 200
    assert shown(response.context["answer_sections"]) == EXPECTED
    assert response.context["eform_title"] == "Đơn đề nghị cấp giấy phép xây dựng"
    html = response.content.decode()
    assert '<h2 id="eform-answers-h">Tờ khai điện tử</h2>' in html
    assert (
        f'<a href="/mot-cua/ho-so/{dossier.reference}/to-khai.pdf" target="_blank" '
        'rel="noopener" data-testid="eform-pdf">In tờ khai (PDF)</a>'
    ) in html
    assert "<h3>Công trình</h3>" in html
    assert '<dt>Ngày sinh</dt><dd data-key="owner_birth_date">12/04/1985</dd>' in html
    assert '<dt>Dự toán (đồng)</dt><dd data-key="capital">1.250.000.000</dd>' in html
    assert '<dt>Nhận kết quả</dt><dd data-key="delivery">Qua bưu chính</dd>' in html
    # Typed text is escaped, never markup.
    assert (
        '<dd data-key="note">Xây nhà &lt;ở&gt; riêng lẻ &amp; tường rào</dd>' in html
        and "<ở>" not in html
    )


def test_the_processing_page_shows_the_declaration(
    permit, walker, specialist, django_assert_max_num_queries
):
    dossier = declared(walker, State.IN_PROGRESS)
    client = page_for(specialist)
    client.get(processing_url(dossier))  # the session and the role cache warm up
    # 12, and two for the document exchange's section: the dossier's letters both ways and the
    # organs a letter may go to.
    with django_assert_max_num_queries(14):
        response = client.get(processing_url(dossier))
    assert response.status_code == 200
    assert shown(response.context["answer_sections"]) == EXPECTED
    html = response.content.decode()
    assert '<section class="eform-answers" aria-labelledby="eform-answers-h"' in html
    assert '<dt>Diện tích thửa đất (m²)</dt><dd data-key="land_area">120,5</dd>' in html
    assert '<dt>Cam kết xây dựng đúng giấy phép</dt><dd data-key="commitment">Có</dd>' in html
    assert f'href="/mot-cua/ho-so/{dossier.code}/to-khai.pdf"' in html
    # The history names the citizen's saving of the declaration in words, not as code.
    assert "<td><strong>Người nộp cập nhật tờ khai điện tử</strong></td>" in html


def test_answers_the_form_no_longer_asks_for_are_still_shown_by_key(permit, walker, reception):
    dossier = declared(walker, State.SUBMITTED)
    # The procedure's form is amended after the citizen applied: the plot number is dropped.
    amended = {
        **PERMIT,
        "schema": {
            **PERMIT["schema"],
            "properties": {
                k: v for k, v in PERMIT["schema"]["properties"].items() if k != "old_plot_number"
            },
        },
        "ui": {
            "order": [n for n in PERMIT["ui"]["order"] if n != "old_plot_number"],
            "fields": {k: v for k, v in PERMIT["ui"]["fields"].items() if k != "old_plot_number"},
        },
    }
    procedure_eform_set(actor=None, procedure=permit, eform=amended)
    response = page_for(reception).get(check_url(dossier))
    assert shown(response.context["answer_sections"]) == [
        EXPECTED[0],
        ("Công trình", EXPECTED[1][1][:2]),
        EXPECTED[2],
        (
            "Thông tin khác (không còn trong mẫu tờ khai)",
            [("old_plot_number", "Thửa 112, tờ bản đồ 7")],
        ),
    ]
    html = response.content.decode()
    assert '<div class="eform-section unknown">' in html
    assert (
        '<dt>old_plot_number</dt><dd data-key="old_plot_number">Thửa 112, tờ bản đồ 7</dd>' in html
    )


def test_no_section_for_a_dossier_without_answers(permit, walker, reception, specialist):
    submitted = walker.dossier_in(State.SUBMITTED)
    response = page_for(reception).get(check_url(submitted))
    assert response.status_code == 200
    assert response.context["answer_sections"] == []
    assert 'data-testid="eform-answers"' not in response.content.decode()
    in_progress = walker.dossier_in(State.IN_PROGRESS)
    response = page_for(specialist).get(processing_url(in_progress))
    assert response.status_code == 200
    assert response.context["answer_sections"] == []
    assert "Tờ khai điện tử" not in response.content.decode()
    # Nor a PDF: there is nothing to print.
    response = page_for(specialist).get(pdf_url(in_progress))
    assert response.status_code == 404
    assert f"Hồ sơ {in_progress.code} không có tờ khai điện tử." in response.content.decode()


def test_the_answers_stay_off_the_queues(permit, walker, reception, specialist):
    declared(walker, State.SUBMITTED)
    declared(walker, State.IN_PROGRESS)
    counter_home = page_for(reception).get("/mot-cua/").content.decode()
    queue = page_for(specialist).get("/mot-cua/xu-ly/").content.decode()
    for html in (counter_home, queue):
        assert "Thửa 112" not in html
        assert "1.250.000.000" not in html
        assert "Tờ khai điện tử" not in html


# --- the PDF ---------------------------------------------------------------------------------


def test_the_declaration_pdf_holds_the_procedure_the_code_the_time_and_every_answer(
    permit, walker, specialist
):
    dossier = declared(walker, State.IN_PROGRESS)
    response = page_for(specialist).get(pdf_url(dossier))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="to-khai-{dossier.code}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response.content)
    assert text.startswith(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc TỜ KHAI ĐIỆN TỬ "
        "Đơn đề nghị cấp giấy phép xây dựng "
        f"Thủ tục Cấp Phiếu lý lịch tư pháp ({permit.code}) "
        "Cơ quan giải quyết Sở Tư pháp thử nghiệm "
        f"Mã hồ sơ {dossier.code} "
        # The declaration was saved at 09:10 and submitted half an hour later.
        "Nộp trực tuyến lúc 09 giờ 40, ngày 02/03/2026 "
    )
    answers = " ".join(
        f"{title} " + " ".join(f"{label} {value}" for label, value in rows)
        for title, rows in EXPECTED
    )
    assert f" {answers} Nội dung do người nộp kê khai trên Cổng dịch vụ công" in text


def test_a_draft_declaration_prints_with_its_reference(permit, walker):
    dossier = declared(walker, State.DRAFT)
    response = page_for(walker.citizen).get(pdf_url(dossier))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert f"Số tham chiếu {dossier.reference} Nộp trực tuyến lúc — Chủ đầu tư" in text


def test_a_long_answer_runs_on_to_the_next_page(permit, walker, specialist):
    dossier = walker.create()
    long_note = "\n".join(f"Dòng {i}" for i in range(1, 300))[:2000]
    dossier_form_save(
        actor=walker.citizen,
        dossier=dossier,
        form_data={**ANSWERS, "note": long_note},
        at=T0 + timedelta(minutes=10),
    )
    for action in PATHS[State.IN_PROGRESS]:
        dossier = walker.act(Dossier.objects.get(pk=dossier.pk), action)
    response = page_for(specialist).get(pdf_url(dossier))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 2
    text = pdf_text(response.content)
    # 2,000 characters at most: the note ends in line 234, cut short.
    assert "Ghi chú Dòng 1 Dòng 2 Dòng 3 " in text
    assert "Dòng 233 Dòng 234 Dò Nội dung do người nộp kê khai" in text


@pytest.fixture
def no_role(db):
    """Staff of the system (`is_staff`) holding no role in any agency."""
    return UserFactory(username="nhan_vien_khong_vai_tro", is_staff=True)


def test_the_pdf_permission_matrix(
    permit, walker, citizen, other_agency, agency, no_role, reception, specialist
):
    dossier = declared(walker, State.IN_PROGRESS)
    stranger = UserFactory(username="001090000777", personal_id="001090000777")
    outsider = staff(Role.SPECIALIST, other_agency, username="can_bo_co_quan_khac")
    url = pdf_url(dossier)

    response = page_for(None).get(url)
    assert (response.status_code, response["Location"]) == (302, f"/dang-nhap/?next={url}")
    for who in (stranger, outsider, no_role):
        response = page_for(who).get(url)
        assert response.status_code == 404, who
        html = response.content.decode()
        assert f"Không tìm thấy hồ sơ {dossier.code}." in html
        assert "Nguyễn Văn An" not in html
    # A denial reads nothing, so nothing is audited.
    assert reads_of(dossier) == 0

    for officer in (specialist, reception):
        response = page_for(officer).get(url)
        assert response.status_code == 200, officer
        assert response.content.startswith(b"%PDF-")
    # Every staff read of the declaration is audited, like any dossier page.
    assert reads_of(dossier) == 2
    audited = AuditEvent.objects.filter(action="dossier.read").order_by("id")
    assert [e.actor_id for e in audited] == [specialist.pk, reception.pk]
    # The applicant prints their own declaration; their own reads are not staff reads.
    response = page_for(citizen).get(url)
    assert response.status_code == 200
    assert reads_of(dossier) == 2


def test_the_pdf_is_read_only(permit, walker, specialist):
    dossier = declared(walker, State.IN_PROGRESS)
    assert page_for(specialist).post(pdf_url(dossier)).status_code == 405
    assert Dossier.objects.get(pk=dossier.pk).version == dossier.version


def test_the_unknown_code_is_the_same_404(permit, walker, specialist):
    response = page_for(specialist).get("/mot-cua/ho-so/KHONG-CO/to-khai.pdf")
    assert response.status_code == 404
    assert "Không tìm thấy hồ sơ KHONG-CO." in response.content.decode()
