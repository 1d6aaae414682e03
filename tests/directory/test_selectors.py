"""Who may see what (domain.md §1): roles per agency, leaders over the agencies below."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from motcua.directory.models import Agency, Role
from motcua.directory.selectors import (
    agency_subtree_ids,
    agency_tree,
    user_has_role,
    user_readable_agency_ids,
    user_roles,
)
from tests.factories import AgencyFactory, UserFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """UBND → Sở Tư pháp → Phòng Hộ tịch; a second sở beside it; another province apart."""
    province = AgencyFactory(code="000.00.00.H98", name="UBND", level=Agency.Level.PROVINCE)
    justice = AgencyFactory(code="000.00.11.H98", name="Sở Tư pháp", parent=province)
    civil = AgencyFactory(code="000.11.01.H98", name="Phòng Hộ tịch", parent=justice)
    building = AgencyFactory(code="000.00.12.H98", name="Sở Xây dựng", parent=province)
    elsewhere = AgencyFactory(code="000.00.00.H97", name="UBND khác", level=Agency.Level.PROVINCE)
    return province, justice, civil, building, elsewhere


def test_a_subtree_holds_the_agency_and_every_level_below_it(tree):
    province, justice, civil, building, elsewhere = tree
    assert agency_subtree_ids([province.id]) == {province.id, justice.id, civil.id, building.id}
    assert agency_subtree_ids([justice.id]) == {justice.id, civil.id}
    assert agency_subtree_ids([civil.id, elsewhere.id]) == {civil.id, elsewhere.id}
    assert agency_subtree_ids([]) == set()
    assert set(agency_tree(justice).values_list("code", flat=True)) == {
        "000.00.11.H98",
        "000.11.01.H98",
    }


def test_nobody_signed_out_holds_a_role(tree):
    assert user_roles(None) == set()
    assert user_roles(AnonymousUser()) == set()
    assert user_readable_agency_ids(None) == set()


def test_a_role_counts_only_in_its_own_agency(tree, django_assert_num_queries):
    _, justice, civil, building, _ = tree
    officer = staff(Role.RECEPTION, justice, username="tiepnhan_tp")
    assert user_has_role(officer, Role.RECEPTION, justice.id)
    with django_assert_num_queries(0):  # cached on the user for the request
        assert not user_has_role(officer, Role.RECEPTION, civil.id)
        assert not user_has_role(officer, Role.SPECIALIST, justice.id)
        assert not user_has_role(officer, Role.RECEPTION, building.id)
        assert not user_has_role(officer, Role.RECEPTION, None)


def test_staff_read_their_agencies_and_leaders_also_read_below(tree):
    province, justice, civil, building, elsewhere = tree
    specialist = staff(Role.SPECIALIST, justice, username="chuyenvien_tp")
    assert user_readable_agency_ids(specialist) == {justice.id}

    leader = staff(Role.LEADER, province, username="lanhdao_tinh")
    assert user_readable_agency_ids(leader) == {province.id, justice.id, civil.id, building.id}

    both = staff(Role.LEADER, justice, username="lanhdao_so")
    outsider = staff(Role.RECEPTION, elsewhere, username="khac")
    assert user_readable_agency_ids(both) == {justice.id, civil.id}
    assert user_readable_agency_ids(outsider) == {elsewhere.id}

    citizen = UserFactory(username="046085009999")
    assert user_readable_agency_ids(citizen) == set()
