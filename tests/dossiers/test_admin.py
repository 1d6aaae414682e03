from __future__ import annotations

import pytest

from motcua.core.models import AuditEvent
from motcua.dossiers.models import State

pytestmark = pytest.mark.django_db


def test_the_dossier_admin_is_read_only_and_audits_each_read(admin_client, admin_user, walker):
    dossier = walker.dossier_in(State.RECEIVED)
    response = admin_client.get(f"/admin/dossiers/dossier/{dossier.pk}/change/")
    assert response.status_code == 200
    read = AuditEvent.objects.get(action="dossier.read")
    assert (read.actor, read.object_id) == (admin_user, str(dossier.pk))
    assert admin_client.get("/admin/dossiers/dossier/add/").status_code == 403
    response = admin_client.post(f"/admin/dossiers/dossier/{dossier.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert admin_client.get("/admin/dossiers/dossier/").status_code == 200
