"""Recording a merger (the 2025 reorganisation): `agency_merge`, its refusals, the database's
own rules, the reading rule's segments, and the admin page that calls the service."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.core.models import AuditEvent
from motcua.directory.models import Agency, Role
from motcua.directory.selectors import agency_scope
from motcua.directory.services import agency_merge
from tests.factories import AgencyFactory, UserFactory, staff

pytestmark = pytest.mark.django_db

ON = date(2026, 3, 16)


@pytest.fixture
def city():
    return AgencyFactory(code="000.00.00.H98", name="UBND thành phố thử", level="province")


@pytest.fixture
def thuan(city):
    return AgencyFactory(code="000.60.01.H98", name="UBND phường Thuận", parent=city)


@pytest.fixture
def vy(city):
    return AgencyFactory(code="000.60.02.H98", name="UBND phường Vỹ", parent=city)


@pytest.fixture
def admin(city):
    return staff(Role.ADMIN, city, username="quantri_thanh_pho")


def _state(*agencies: Agency) -> list[tuple]:
    return [
        (a.code, a.merged_into_id, a.merged_on)
        for a in Agency.objects.filter(pk__in=[a.pk for a in agencies]).order_by("code")
    ] + [("audit", AuditEvent.objects.filter(action="agency.merge").count(), None)]


def test_an_admin_records_a_merger_with_its_day_and_an_audit_event(admin, vy, thuan):
    agency_merge(actor=admin, agency=vy, successor=thuan, on=ON)

    vy.refresh_from_db()
    assert (vy.merged_into_id, vy.merged_on) == (thuan.pk, ON)
    event = AuditEvent.objects.get(action="agency.merge")
    assert (event.actor_id, event.object_id) == (admin.pk, str(vy.pk))
    assert event.data == {"agency": vy.code, "successor": thuan.code, "on": "2026-03-16"}


@pytest.mark.parametrize("who", ["anonymous", "none", "leader", "admin_of_one", "citizen"])
def test_only_an_admin_of_both_may_record_a_merger(who, city, vy, thuan):
    other = AgencyFactory(code="000.00.50.H98", name="Sở khác")
    actor = {
        "anonymous": AnonymousUser(),
        "none": None,
        "leader": staff(Role.LEADER, city, username="lanhdao_tp"),
        "admin_of_one": staff(Role.ADMIN, vy, username="quantri_vy"),
        "citizen": UserFactory(username="congdan", personal_id="001090012345"),
    }[who]
    before = _state(vy, thuan, other)
    with pytest.raises(PermissionDenied) as caught:
        agency_merge(actor=actor, agency=vy, successor=thuan, on=ON)
    assert "quản trị" in caught.value.message
    assert _state(vy, thuan, other) == before


def test_a_superuser_may_record_a_merger(vy, thuan):
    root = UserFactory(username="sieuquantri", is_superuser=True, is_staff=True)
    agency_merge(actor=root, agency=vy, successor=thuan, on=ON)
    vy.refresh_from_db()
    assert vy.merged_into_id == thuan.pk


def test_the_refusals_say_why_and_change_nothing(admin, city, vy, thuan):
    third = AgencyFactory(code="000.60.03.H98", name="UBND phường Ba", parent=city)
    # into itself
    before = _state(vy, thuan)
    with pytest.raises(ValidationFailed) as caught:
        agency_merge(actor=admin, agency=vy, successor=vy, on=ON)
    assert caught.value.message == "Không thể sáp nhập một cơ quan vào chính nó."
    assert caught.value.fields == {"successor": "self"}
    # from a day after today
    with pytest.raises(ValidationFailed) as caught:
        agency_merge(actor=admin, agency=vy, successor=thuan, on=date(2099, 1, 1))
    assert caught.value.message == (
        "Ngày sáp nhập 01/01/2099 sau ngày hôm nay: chỉ ghi nhận việc sáp nhập đã có hiệu lực."
    )
    assert _state(vy, thuan) == before

    agency_merge(actor=admin, agency=vy, successor=thuan, on=ON)
    after = _state(vy, thuan)
    # already merged
    with pytest.raises(ValidationFailed) as caught:
        agency_merge(actor=admin, agency=vy, successor=third, on=ON)
    assert caught.value.message == (
        "UBND phường Vỹ đã được sáp nhập vào cơ quan khác từ ngày 16/03/2026."
    )
    # a cycle: the successor back into the agency merged into it
    with pytest.raises(ValidationFailed) as caught:
        agency_merge(actor=admin, agency=thuan, successor=vy, on=ON)
    assert caught.value.message == (
        "UBND phường Vỹ đã sáp nhập vào cơ quan khác: hãy chọn cơ quan đang hoạt động."
    )
    assert caught.value.fields == {"successor": "merged"}
    assert _state(vy, thuan) == after


def test_the_database_holds_the_merger_together_and_never_into_itself(vy, thuan):
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.filter(pk=vy.pk).update(merged_into=thuan)
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.filter(pk=vy.pk).update(merged_on=ON)
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.filter(pk=vy.pk).update(merged_into=vy, merged_on=ON)


def test_the_scope_is_cut_at_the_merger_day(admin, city, vy, thuan, django_assert_num_queries):
    agency_merge(actor=admin, agency=vy, successor=thuan, on=ON)
    thuan.refresh_from_db()
    vy.refresh_from_db()

    with django_assert_num_queries(2):  # one per level, as agency_subtree_ids
        scope = agency_scope([thuan])
    pieces = [
        (s.first, s.last, sorted(s.agency_ids))
        for s in scope.segments(date(2026, 3, 1), date(2026, 3, 31))
    ]
    assert pieces == [
        (date(2026, 3, 1), date(2026, 3, 15), [thuan.pk]),
        (date(2026, 3, 16), date(2026, 3, 31), sorted([thuan.pk, vy.pk])),
    ]
    merged = agency_scope([vy])
    assert [sorted(s.agency_ids) for s in merged.segments(date(2026, 3, 1), ON)] == [[vy.pk], []]
    city_scope = agency_scope([city])
    assert len(city_scope.segments(date(2026, 3, 1), date(2026, 3, 31))) == 2
    assert {s.agency_ids for s in city_scope.segments(date(2026, 3, 1), date(2026, 3, 31))} == {
        frozenset({city.pk, vy.pk, thuan.pk})
    }
    assert city_scope.listed(date(2026, 3, 1)) == {city.pk, vy.pk, thuan.pk}
    assert city_scope.listed(ON) == {city.pk, thuan.pk}


def test_a_chain_of_mergers_is_followed(admin, city, vy, thuan):
    ba = AgencyFactory(code="000.60.03.H98", name="UBND phường Ba", parent=city)
    agency_merge(actor=admin, agency=vy, successor=thuan, on=date(2026, 1, 1))
    agency_merge(actor=admin, agency=thuan, successor=ba, on=ON)
    ba.refresh_from_db()
    scope = agency_scope([ba])
    assert [sorted(s.agency_ids) for s in scope.segments(date(2026, 3, 1), date(2026, 3, 31))] == [
        [ba.pk],
        sorted([ba.pk, thuan.pk, vy.pk]),
    ]


# ---------------------------------------------------------------- the admin page


def test_the_admin_records_a_merger_through_the_service(client, vy, thuan):
    root = UserFactory(username="admin_trang", is_superuser=True, is_staff=True)
    client.force_login(root)
    url = f"/admin/directory/agency/{vy.pk}/sap-nhap/"

    page = client.get(url)
    assert page.status_code == 200
    assert "Ghi nhận sáp nhập" in page.content.decode()
    change = client.get(f"/admin/directory/agency/{vy.pk}/change/")
    assert url in change.content.decode()

    refused = client.post(url, {"successor": thuan.pk, "on": "01/01/2099"})
    assert refused.status_code == 200
    assert "sau ngày hôm nay" in refused.content.decode()
    vy.refresh_from_db()
    assert vy.merged_into_id is None

    done = client.post(url, {"successor": thuan.pk, "on": "16/03/2026"})
    assert done.status_code == 302
    vy.refresh_from_db()
    assert (vy.merged_into_id, vy.merged_on) == (thuan.pk, ON)
    assert AuditEvent.objects.filter(action="agency.merge", actor=root).count() == 1
    # The change form cannot edit the merger: it is shown, not posted.
    assert (
        "merged_into"
        not in client.get(f"/admin/directory/agency/{vy.pk}/change/")
        .context["adminform"]
        .form.fields
    )
