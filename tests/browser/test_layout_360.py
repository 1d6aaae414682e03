"""Every page a person meets, on a 360 px phone: nothing wider than the screen (the page never
scrolls sideways) and no serious or critical accessibility violation (axe-core) — the counter
and processing queues, digitisation, the leaders' index and the public one, and the
citizen's search, procedure, application and dossiers."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from motcua.directory.models import Agency, Role
from motcua.dossiers.documents import document_attach
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Channel, Dossier, DossierDocument
from motcua.dossiers.services import dossier_create
from tests.browser.conftest import axe_violations
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    FeeLineFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    staff,
)
from tests.walker import T0

MARCH = "from=2026-03-01&to=2026-03-31"
INDEX = "Chỉ số phục vụ người dân, doanh nghiệp"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _problems(page) -> list[str]:
    """What is wrong with the page as it stands: its width, then axe's serious and critical
    violations, each naming the page."""
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 360:
        problems.append(f"{page.url} is {width} px wide on a 360 px screen")
    problems += [f"{page.url}: {v['id']} {v['targets']}" for v in axe_violations(page)]
    return problems


def _walk(walker, dossier: Dossier, *actions: str) -> Dossier:
    for action in actions:
        dossier = walker.act(dossier, action)
    return dossier


@pytest.fixture
def busy_office(walker, partner_agency, settings, tmp_path):
    """One department with dossiers at every stage the pages list, with long names and codes
    (the widths a real queue has), a scan with a long file name, another citizen's dossier, a
    second procedure, and a province above two departments for the index to rank."""
    settings.MEDIA_ROOT = tmp_path
    province = AgencyFactory(
        code="000.00.00.H99",
        name="Ủy ban nhân dân tỉnh thử nghiệm",
        level=Agency.Level.PROVINCE,
    )
    Agency.objects.filter(pk__in=[walker.agency.pk, partner_agency.pk]).update(parent=province)
    procedure = walker.procedure
    for position, name in enumerate(
        [
            "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (Mẫu số 03/2013/TT-LLTP)",
            "Bản chụp Căn cước công dân hoặc Hộ chiếu của người được cấp Phiếu",
        ],
        start=1,
    ):
        RequiredDocumentFactory(procedure=procedure, name=name, position=position)
    FeeLineFactory(procedure=procedure, name="Phí cấp Phiếu lý lịch tư pháp", amount=200_000)
    long_named = ProcedureFactory(
        code="1.000689",
        name="Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con, đăng ký thường trú, cấp thẻ "
        "bảo hiểm y tế cho trẻ em dưới 6 tuổi",
        agencies=[walker.agency],
    )
    staff(Role.LEADER, province, username="lanhdao_tinh")

    submitted = _walk(walker, walker.create(), Action.SUBMIT)
    received = _walk(walker, walker.create(), Action.SUBMIT, Action.RECEIVE)
    document_attach(
        actor=walker.reception,
        dossier=received,
        upload=SimpleUploadedFile(
            "to-khai-yeu-cau-cap-phieu-ly-lich-tu-phap-so-03-ban-quet-tai-quay.pdf", PDF
        ),
        kind=DossierDocument.Kind.SCAN,
        required_document=procedure.documents.get(position=1),
    )
    _walk(walker, walker.create(), Action.SUBMIT, Action.RECEIVE, Action.FORWARD)
    _walk(
        walker,
        walker.create(),
        Action.SUBMIT,
        Action.RECEIVE,
        Action.FORWARD,
        Action.FORWARD,
        Action.FORWARD,
        Action.APPROVE,
    )
    _walk(walker, walker.create(), Action.SUBMIT, Action.RECEIVE, Action.FORWARD, Action.SUSPEND)
    neighbour = CitizenFactory(username="046090000555", personal_id="046090000555")
    other = dossier_create(
        actor=neighbour,
        procedure=long_named,
        agency=walker.agency,
        channel=Channel.ONLINE,
        applicant_name=neighbour.full_name,
        applicant_id_number=neighbour.personal_id,
        at=T0,
    )
    walker.act(other, Action.SUBMIT, actor=neighbour)
    elsewhere = ProcedureFactory(code="2.001157", name="Cấp giấy phép xây dựng", agencies=[])
    elsewhere.agencies.set([partner_agency])
    return {"submitted": submitted, "received": received}


def _visit(page, problems: list[str], url: str, heading: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", level=1).first).to_contain_text(heading)
    problems += _problems(page)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport_width", [360])
def test_every_page_fits_a_phone_and_passes_axe(
    live_server, page, signed_in, screenshot, walker, busy_office
):
    url = live_server.url
    problems: list[str] = []
    received = busy_office["received"]

    # The public, signed out.
    _visit(page, problems, f"{url}/?q=ly+lich", "Tìm thủ tục hành chính")
    _visit(page, problems, f"{url}/thu-tuc/2.000488/", "Cấp Phiếu lý lịch tư pháp")
    _visit(page, problems, f"{url}/chi-so/cong-khai/?agency=000.00.00.H99&{MARCH}", INDEX)
    expect(page.get_by_role("region", name="Các cơ quan trực thuộc")).to_contain_text(
        "Sở Tư pháp thử nghiệm"
    )
    screenshot("public-index")

    # The counter.
    signed_in(page, live_server, walker.reception.username)
    _visit(page, problems, f"{url}/mot-cua/", "Quầy một cửa")
    expect(page.get_by_test_id("queue-count")).to_have_text("2")
    screenshot("counter-queue")
    _visit(page, problems, f"{url}/mot-cua/ho-so/{received.code}/so-hoa/", "Số hóa hồ sơ")
    screenshot("digitize")
    page.context.clear_cookies()

    # Processing.
    signed_in(page, live_server, walker.specialist.username)
    _visit(page, problems, f"{url}/mot-cua/xu-ly/", "Hồ sơ cần xử lý")
    screenshot("processing-queue")
    page.context.clear_cookies()

    # The leader's index.
    signed_in(page, live_server, "lanhdao_tinh")
    _visit(page, problems, f"{url}/chi-so/?agency=000.00.11.H99&{MARCH}", INDEX)
    screenshot("dashboard")
    _visit(page, problems, f"{url}/chi-so/xep-hang/?agency=000.00.00.H99&{MARCH}", "Xếp hạng")
    screenshot("ranking")
    page.context.clear_cookies()

    # The citizen.
    signed_in(page, live_server, walker.citizen.username)
    _visit(page, problems, f"{url}/thu-tuc/2.000488/nop/", "Nộp hồ sơ trực tuyến")
    screenshot("apply")
    _visit(page, problems, f"{url}/ho-so-cua-toi/", "Hồ sơ của tôi")
    expect(page.get_by_text(f"Mã tham chiếu {busy_office['submitted'].reference}")).to_be_visible()
    screenshot("mine")

    # Every page checked before failing, so one run names every page to fix.
    assert problems == [], "\n".join(problems)
