""" "Công việc hôm nay" counts what each officer received by the actor of the receive event,
whatever the agency: a one-stop officer who receives for a department sees their day."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from motcua.core.worktime import TZ
from motcua.directory.models import Role, StaffRole
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier
from motcua.office import queues
from tests.factories import AgencyFactory, staff

pytestmark = pytest.mark.django_db

TODAY = "/mot-cua/hom-nay/"
NOW = datetime(2026, 3, 3, 14, 0, tzinfo=TZ)  # Tuesday


@pytest.fixture
def day(walker, agency, other_agency, monkeypatch):
    """Lê Thị Hoa works at the public-service centre (her first agency by code) and receives
    for the Sở Tư pháp (two dossiers today, one yesterday) and the Sở Xây dựng (one today);
    Trần Văn Bình receives one for the Sở Tư pháp today."""
    centre = AgencyFactory(code="000.00.01.H99", name="Trung tâm Phục vụ hành chính công")
    hoa = staff(Role.RECEPTION, centre, username="le_thi_hoa", full_name="Lê Thị Hoa")
    StaffRole.objects.create(user=hoa, agency=agency, role=Role.RECEPTION)
    StaffRole.objects.create(user=hoa, agency=other_agency, role=Role.RECEPTION)
    binh = staff(Role.RECEPTION, agency, username="tran_van_binh", full_name="Trần Văn Bình")
    walker.procedure.agencies.add(other_agency)

    def received(officer, at: datetime, where=agency) -> Dossier:
        walker.agency = where
        dossier = walker.act(walker.create(at=at - timedelta(hours=1)), Action.SUBMIT, at=at)
        return walker.act(dossier, Action.RECEIVE, actor=officer, at=at + timedelta(minutes=5))

    world = {
        "hoa_1": received(hoa, NOW.replace(hour=8)),
        "hoa_2": received(hoa, NOW.replace(hour=10)),
        "hoa_other": received(hoa, NOW.replace(hour=11), where=other_agency),
        "binh": received(binh, NOW.replace(hour=9)),
        "hoa_yesterday": received(hoa, NOW.replace(hour=9) - timedelta(days=1)),
    }
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return hoa, binh, world


def page(user, **params) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(TODAY, params)
    assert response.status_code == 200
    return response.content.decode()


def codes_in(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', html)


def mine(html: str) -> str:
    return re.search(r'data-testid="mine-received">(\d+)<', html).group(1)


def test_each_officer_sees_what_they_received_in_every_agency(day, agency, other_agency):
    hoa, binh, w = day

    html = page(hoa)  # opens on her first agency, the centre, which received nothing

    assert re.findall(r'data-testid="total-received">(\d+)<', html) == ["0"]
    assert mine(html) == "3"
    assert re.findall(
        r'<tr data-agency="([^"]+)"><td><a [^>]*>([^<]+)</a></td><td class="n">(\d+)', html
    ) == [
        (agency.code, agency.name, "2"),
        (other_agency.code, other_agency.name, "1"),
    ]
    assert mine(page(binh)) == "1"
    assert [d.pk for d in queues.received_by(binh, NOW)] == [w["binh"].pk]

    listing = page(hoa, section="cua-toi")
    assert sorted(codes_in(listing)) == sorted(w[k].code for k in ("hoa_1", "hoa_2", "hoa_other"))
    assert "Bạn tiếp nhận hôm nay" in listing


def test_the_agencys_received_section_says_who_received(day, agency):
    hoa, binh, w = day

    html = page(binh, agency=agency.code)

    received = html[html.index('data-testid="section-received"') : html.index("section-due")]
    assert 'data-testid="total-received">3<' in received
    assert re.findall(
        r'<tr data-receiver="(\w+)"><td>([^<]+)</td><td class="n"><a [^>]*>(\d+)', received
    ) == [
        (str(hoa.pk), "Lê Thị Hoa", "2"),
        (str(binh.pk), "Trần Văn Bình", "1"),
    ]
    by_hoa = page(binh, agency=agency.code, section="received", receiver=str(hoa.pk))
    assert sorted(codes_in(by_hoa)) == sorted([w["hoa_1"].code, w["hoa_2"].code])
    assert "Tiếp nhận hôm nay · Lê Thị Hoa" in by_hoa


def test_a_bad_receiver_or_section_is_refused(day):
    hoa, _binh, _w = day
    client = Client()
    client.force_login(hoa)
    assert client.get(TODAY, {"section": "received", "receiver": "x"}).status_code == 400
    assert client.get(TODAY, {"section": "cua-ai"}).status_code == 400
    assert client.get(TODAY, {"section": "cua-toi"}).status_code == 200
