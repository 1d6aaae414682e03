"""The online application writes one version and one event per user intent: starting the
draft (`create`), saving the declaration (`form_save`), the files posted together (one
`attach`), submitting (`submit`) — however many files, and under one lock."""

# Fixtures are imported from apply_fixtures, so pytest sees them; ruff reads that as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.dossiers.models import Dossier, DossierDocument, State
from tests.factories import RequiredDocumentFactory
from tests.portal.apply_fixtures import (  # noqa: F401
    _media,
    birth,
    form_post,
    known_citizen,
    upload,
)

pytestmark = pytest.mark.django_db


def _events(dossier: Dossier) -> list[tuple[int, str]]:
    return list(dossier.events.order_by("seq").values_list("seq", "action"))


def test_a_draft_submitted_with_three_attachments_writes_one_version_and_one_event_per_intent(
    client, known_citizen, birth
):
    # Given a saved draft of a procedure asking for three papers (and another citizen's
    # draft of the same procedure, which must not move).
    certificate = birth.documents.get(position=2)
    identity = RequiredDocumentFactory(procedure=birth, position=4, name="Giấy tờ tùy thân")
    residence = RequiredDocumentFactory(procedure=birth, position=5, name="Giấy xác nhận cư trú")
    client.force_login(known_citizen)
    start = f"/thu-tuc/{birth.code}/nop/"
    saved = client.post(start, form_post(birth, action="luu_nhap"))
    draft = Dossier.objects.get(applicant=known_citizen)
    assert saved["Location"] == reverse("portal:apply_draft", args=[draft.reference])
    assert (draft.version, _events(draft)) == (1, [(1, "create"), (2, "form_save")])

    # When the citizen submits it with the three files in one click.
    response = client.post(
        saved["Location"],
        {
            **form_post(birth),
            "phien_ban": str(draft.version),
            f"tep_{certificate.pk}": upload(name="chung-sinh.pdf"),
            f"tep_{identity.pk}": upload(name="cccd.pdf"),
            f"tep_{residence.pk}": upload(name="cu-tru.pdf"),
        },
    )

    # Then: save the declaration = 1, the three files = 1, submit = 1.
    draft.refresh_from_db()
    assert response["Location"] == f"/nop-ho-so/{draft.reference}/da-nop/"
    assert draft.state == State.SUBMITTED
    assert draft.version == 1 + 3
    assert _events(draft) == [
        (1, "create"),
        (2, "form_save"),
        (3, "form_save"),
        (4, "attach"),
        (5, "submit"),
    ]
    attach = draft.events.get(action="attach")
    files = list(
        draft.documents.filter(kind=DossierDocument.Kind.SUBMITTED)
        .order_by("pk")
        .values_list("pk", "required_document_id", "name")
    )
    assert [(r, n) for _pk, r, n in files] == [
        (certificate.pk, "chung-sinh.pdf"),
        (identity.pk, "cccd.pdf"),
        (residence.pk, "cu-tru.pdf"),
    ]
    assert attach.payload == {
        "documents": [pk for pk, _r, _n in files],
        "kind": DossierDocument.Kind.SUBMITTED,
    }


def test_a_refused_submission_writes_nothing_not_even_the_files(client, known_citizen, birth):
    # Given a saved draft and a submission that leaves a required paper out.
    certificate = birth.documents.get(position=2)
    RequiredDocumentFactory(procedure=birth, position=4, name="Giấy tờ tùy thân")
    client.force_login(known_citizen)
    start = f"/thu-tuc/{birth.code}/nop/"
    saved = client.post(start, form_post(birth, action="luu_nhap"))
    draft = Dossier.objects.get(applicant=known_citizen)

    response = client.post(
        saved["Location"],
        {**form_post(birth), "phien_ban": str(draft.version), f"tep_{certificate.pk}": upload()},
    )

    assert response.status_code == 400
    draft.refresh_from_db()
    assert (draft.state, draft.version) == (State.DRAFT, 1)
    assert _events(draft) == [(1, "create"), (2, "form_save")]
    assert draft.documents.count() == 0
