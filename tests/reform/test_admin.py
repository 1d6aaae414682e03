"""The admin's reform screens read, and write nothing: changes go through the services."""

from __future__ import annotations

from datetime import date

import pytest

from motcua.reform.models import ReformPlan
from motcua.reform.services import plan_create, task_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_admin_lists_plans_and_tasks_and_offers_no_change(client, p):
    plan = plan_create(
        actor=p.leader,
        agency=p.province,
        number="45/QĐ-UBND",
        issued_on=date(2026, 2, 1),
        title="Kế hoạch rà soát thủ tục",
    )
    task = task_add(
        actor=p.leader,
        plan=plan,
        title="Số hóa kết quả hộ tịch",
        lead_agency=p.justice,
        partners=[],
        deadline=date(2026, 9, 30),
        product="Dữ liệu hộ tịch",
    )
    client.force_login(UserFactory(username="quantri_cct", is_staff=True, is_superuser=True))

    plans = client.get("/admin/reform/reformplan/")
    assert plans.status_code == 200
    assert "45/QĐ-UBND" in plans.content.decode()
    page = client.get(f"/admin/reform/reformplan/{plan.pk}/change/")
    assert page.status_code == 200
    assert "Số hóa kết quả hộ tịch" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.get(f"/admin/reform/reformtask/{task.pk}/change/").status_code == 200
    assert client.get("/admin/reform/reformplan/add/").status_code == 403
    response = client.post(
        f"/admin/reform/reformplan/{plan.pk}/change/", {"title": "Đổi tên", "number": "1/QĐ"}
    )
    assert response.status_code == 403
    assert ReformPlan.objects.get().title == "Kế hoạch rà soát thủ tục"
