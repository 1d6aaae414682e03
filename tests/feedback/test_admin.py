"""The petitions' admin: read-only, and every page that shows a petition is an audited read."""

from __future__ import annotations

import pytest

from motcua.core.models import AuditEvent
from motcua.feedback.models import Petition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_petition_admin_audits_each_read(admin_client, admin_user, submit):
    petition = submit()

    response = admin_client.get(f"/admin/feedback/petition/{petition.pk}/change/")

    assert response.status_code == 200
    assert petition.content in response.content.decode()
    read = AuditEvent.objects.get(action="petition.read")
    assert (read.actor, read.object_type, read.object_id) == (
        admin_user,
        "petition",
        str(petition.pk),
    )
    admin_client.get(f"/admin/feedback/petition/{petition.pk}/change/")
    assert AuditEvent.objects.filter(action="petition.read").count() == 2


def test_the_petition_admin_stays_read_only(admin_client, submit):
    petition = submit()

    assert admin_client.get("/admin/feedback/petition/add/").status_code == 403
    response = admin_client.post(f"/admin/feedback/petition/{petition.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Petition.objects.get().subject == "Chậm trả kết quả"


def test_a_refused_or_missing_page_is_not_a_read(client, admin_client, submit):
    petition = submit()
    client.force_login(UserFactory(username="nhanvien_khong_quyen", is_staff=True))

    refused = client.get(f"/admin/feedback/petition/{petition.pk}/change/")
    missing = admin_client.get(f"/admin/feedback/petition/{petition.pk + 1000}/change/")

    assert refused.status_code == 403
    assert missing.status_code == 302
    assert AuditEvent.objects.filter(action="petition.read").count() == 0
