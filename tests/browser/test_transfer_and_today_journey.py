"""In a real browser: the specialist transfers a dossier to another agency by typing its name
(an ambiguous name is explained first); the one-stop officer who received dossiers for two
departments sees them on "Công việc hôm nay"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from motcua.directory.models import Role, StaffRole
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, State
from tests.factories import AgencyFactory, staff


@pytest.mark.django_db(transaction=True)
def test_transfer_by_typing_the_agencys_name(
    live_server, page, signed_in, screenshot, walker, partner_agency, accessible
):
    AgencyFactory(code="000.01.21.H99", name="Phòng Tư pháp")
    AgencyFactory(code="000.01.22.H99", name="Phòng Tư pháp")
    dossier = walker.dossier_in(State.IN_PROGRESS)
    signed_in(page, live_server, walker.specialist.username)
    page.goto(f"{live_server.url}/mot-cua/xu-ly/{dossier.code}/")

    block = page.locator("details#lien-thong")
    block.locator("summary").click()
    box = block.get_by_label("Cơ quan nhận liên thông (tên hoặc mã)")
    box.fill("phong tu phap")
    block.get_by_role("button", name="Chuyển liên thông").click()
    expect(page.get_by_role("alert").first).to_contain_text("Có 2 cơ quan khớp với “phong tu phap”")
    assert Dossier.objects.get(pk=dossier.pk).state == State.IN_PROGRESS
    accessible(page)
    screenshot("transfer-ambiguous")

    # The form comes back open, with what was typed, to be corrected.
    block = page.locator("details#lien-thong")
    expect(block).to_have_attribute("open", "")
    expect(block.get_by_label("Cơ quan nhận liên thông (tên hoặc mã)")).to_have_value(
        "phong tu phap"
    )
    block.get_by_label("Cơ quan nhận liên thông (tên hoặc mã)").fill("so tai chinh thu nghiem")
    block.get_by_role("button", name="Chuyển liên thông").click()
    expect(page.get_by_role("status").first).to_contain_text("Chuyển liên thông")
    transferred = Dossier.objects.get(pk=dossier.pk)
    assert (transferred.state, transferred.transfer_agency) == (State.TRANSFERRED, partner_agency)


@pytest.mark.django_db(transaction=True)
def test_today_counts_what_the_officer_received_for_other_agencies(
    live_server, page, signed_in, screenshot, walker, agency, other_agency, accessible
):
    centre = AgencyFactory(code="000.00.01.H99", name="Trung tâm Phục vụ hành chính công")
    hoa = staff(Role.RECEPTION, centre, username="le_thi_hoa", full_name="Lê Thị Hoa")
    StaffRole.objects.create(user=hoa, agency=agency, role=Role.RECEPTION)
    StaffRole.objects.create(user=hoa, agency=other_agency, role=Role.RECEPTION)
    walker.procedure.agencies.add(other_agency)
    now = timezone.now()

    def received(officer, where, seconds_ago: int) -> Dossier:
        walker.agency = where
        moment = now - timedelta(seconds=seconds_ago)
        dossier = walker.create(at=moment - timedelta(seconds=2))
        dossier = walker.act(dossier, Action.SUBMIT, at=moment - timedelta(seconds=1))
        return walker.act(dossier, Action.RECEIVE, actor=officer, at=moment)

    # Seconds apart, so that all three fall on today.
    received(hoa, agency, 30)
    received(hoa, other_agency, 20)
    received(walker.reception, agency, 10)  # a colleague's reception is not hers

    signed_in(page, live_server, hoa.username)
    page.goto(f"{live_server.url}/mot-cua/hom-nay/")
    expect(page.get_by_test_id("agency")).to_contain_text(centre.name)
    expect(page.get_by_test_id("mine-received")).to_have_text("2")
    mine = page.get_by_test_id("section-mine")
    expect(mine.locator(f'tr[data-agency="{agency.code}"]')).to_contain_text("1")
    expect(mine.locator(f'tr[data-agency="{other_agency.code}"]')).to_contain_text("1")
    accessible(page)
    screenshot("today-mine")

    page.get_by_test_id("mine-received").click()
    expect(page.locator("table.queue tbody tr")).to_have_count(2)

    page.goto(f"{live_server.url}/mot-cua/hom-nay/?agency={agency.code}")
    expect(page.get_by_test_id("total-received")).to_have_text("2")
    section = page.get_by_test_id("section-received")
    expect(section.locator(f'tr[data-receiver="{hoa.pk}"]')).to_contain_text("Lê Thị Hoa")
