"""Shared by the counter tests: a procedure whose e-form replaces its declaration and asks
how the result is delivered, and a dossier applied for online with that e-form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.catalog.eforms import SCHEMA_DIALECT
from motcua.catalog.services import procedure_eform_set
from motcua.dossiers.documents import document_attach
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.dossiers.services import dossier_form_save
from tests.dossiers.conftest import T0
from tests.factories import RequiredDocumentFactory

PDF = b"%PDF-1.4\n%%EOF\n"

DECLARATION = {
    "title": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",
    "schema": {
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "properties": {
            "full_name": {"type": "string", "minLength": 2},
            "delivery": {"type": "string", "enum": ["truc_tiep", "buu_chinh", "truc_tuyen"]},
        },
        "required": ["full_name", "delivery"],
    },
    "ui": {
        "order": ["full_name", "delivery"],
        "fields": {
            "full_name": {"label": "Họ và tên"},
            "delivery": {
                "label": "Hình thức nhận kết quả",
                "widget": "radio",
                "choices": {
                    "truc_tiep": "Nhận trực tiếp tại nơi nộp",
                    "buu_chinh": "Qua dịch vụ bưu chính công ích",
                    "truc_tuyen": "Bản điện tử trên Cổng dịch vụ công",
                },
            },
        },
        "covers_documents": [1],
    },
}


@pytest.fixture
def papers(three_step_procedure):
    """Tờ khai (1, replaced by the e-form), căn cước (2), two optional papers (3, 4)."""
    procedure_eform_set(actor=None, procedure=three_step_procedure, eform=DECLARATION)
    return [
        RequiredDocumentFactory(
            procedure=three_step_procedure, position=position, name=name, optional=optional
        )
        for position, name, optional in [
            (1, "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", False),
            (2, "Bản chụp thẻ căn cước", False),
            (3, "Văn bản ủy quyền", True),
            (4, "Giấy tờ chứng minh được miễn phí", True),
        ]
    ]


def online(walker, *, delivery: str = "truc_tiep", attach=None) -> Dossier:
    """Filled the e-form online (attaching `attach`, a required document) and submitted."""
    dossier = dossier_form_save(
        actor=walker.citizen,
        dossier=walker.create(),
        form_data={"full_name": walker.citizen.full_name, "delivery": delivery},
        at=T0 + timedelta(minutes=10),
    )
    if attach is not None:
        document_attach(
            actor=walker.citizen,
            dossier=dossier,
            upload=SimpleUploadedFile("uy-quyen.pdf", PDF, content_type="application/pdf"),
            kind=DossierDocument.Kind.SUBMITTED,
            required_document=attach,
        )
    return walker.act(Dossier.objects.get(pk=dossier.pk), Action.SUBMIT)
