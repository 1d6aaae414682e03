"""Builders shared by the online-application tests: the birth-registration procedure with the
demo's real e-form, a citizen the population registry knows, and one earlier dossier of theirs."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.demo.eforms import EFORMS
from motcua.dossiers.models import Channel
from motcua.dossiers.services import dossier_create
from tests.factories import CitizenFactory, ProcedureFactory, RequiredDocumentFactory
from tests.verbs import dossier_submit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
BIRTH_EFORM = json.loads((EFORMS / "1.001193.json").read_text(encoding="utf-8"))
JUDICIAL_EFORM = json.loads((EFORMS / "2.000488.json").read_text(encoding="utf-8"))

# The mother's particulars, as declared in the citizen's earlier birth registration.
EARLIER = {
    "applicant_relationship": "cha",
    "child_full_name": "Nguyễn Minh Khôi",
    "child_birth_date": "2022-06-15",
    "child_birth_place": "Bệnh viện Trung ương Huế",
    "child_sex": "nam",
    "child_ethnicity": "Kinh",
    "child_nationality": "Việt Nam",
    "mother_full_name": "Lê Thị Hồng",
    "mother_birth_date": "1990-02-20",
    "mother_ethnicity": "Kinh",
    "mother_nationality": "Việt Nam",
    "mother_residence": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
    "mother_personal_id": "046190001111",
    "copies": 1,
}

# The child's father on An's son's birth registration: An himself.
AN_AS_FATHER = {
    "father_full_name": "Nguyễn Văn An",
    "father_birth_date": "1985-04-12",
    "father_ethnicity": "Kinh",
    "father_nationality": "Việt Nam",
    "father_residence": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
    "father_personal_id": "046085001234",
}

# An's own judicial-record declaration: his parents and his wife.
AN_JUDICIAL = {
    "applicant_ethnicity": "Kinh",
    "father_full_name": "Nguyễn Văn Bảo",
    "mother_full_name": "Phan Thị Cẩm",
    "spouse_full_name": "Lê Thị Hồng",
    "certificate_type": "1",
    "purpose": "Xin việc",
    "copies": 1,
}

# Trần Thị Bình (another person in the registry): her judicial-record declaration.
BINH_JUDICIAL = {
    "applicant_ethnicity": "Kinh",
    "applicant_birth_place": "Huế",
    "father_full_name": "Trần Văn Bảo",
    "mother_full_name": "Hồ Thị Cúc",
    "spouse_full_name": "Lê Quang Dũng",
    "certificate_type": "1",
    "purpose": "Du học",
    "copies": 1,
}

# What the citizen types for the new child (everything else is prefilled).
NEW_CHILD = {
    "child_full_name": "Nguyễn Minh Anh",
    "child_birth_date": "03/02/2026",
    "child_birth_place": "Bệnh viện Trung ương Huế",
    "child_sex": "nữ",
    "child_ethnicity": "Kinh",
    "child_nationality": "Việt Nam",
    "copies": "2",
}


def upload(data: bytes = PDF, name: str = "giay-chung-sinh.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def birth(agency):
    procedure = ProcedureFactory(
        code="1.001193",
        name="Đăng ký khai sinh",
        time_limit="1 d",
        agencies=[agency],
        eform=BIRTH_EFORM,
        registry_connected=True,
    )
    RequiredDocumentFactory(procedure=procedure, position=1, name="Tờ khai đăng ký khai sinh")
    RequiredDocumentFactory(procedure=procedure, position=2, name="Giấy chứng sinh")
    RequiredDocumentFactory(procedure=procedure, position=3, name="Văn bản ủy quyền", optional=True)
    return procedure


@pytest.fixture
def judicial(agency):
    """The judicial-record certificate (phiếu lý lịch tư pháp) with the demo's e-form."""
    procedure = ProcedureFactory(
        code="2.000488",
        name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        time_limit="10 d",
        agencies=[agency],
        eform=JUDICIAL_EFORM,
        registry_connected=True,
    )
    RequiredDocumentFactory(procedure=procedure, position=1, name="Tờ khai yêu cầu cấp Phiếu")
    return procedure


@pytest.fixture
def known_citizen(db):
    """Nguyễn Văn An, in the local population registry (integration/data/registry.json)."""
    return CitizenFactory(
        username="046085001234",
        personal_id="046085001234",
        full_name="Nguyễn Văn An",
        email="nguyenvanan@example.vn",
        phone="0905123456",
    )


def online_draft(citizen, procedure, agency, **extra):
    """An online dossier of `citizen`'s, not yet submitted (`extra`: form_data, at)."""
    return dossier_create(
        actor=citizen,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name=citizen.full_name,
        applicant_id_number=citizen.personal_id,
        **extra,
    )


@pytest.fixture
def earlier(known_citizen, birth, agency):
    dossier = online_draft(known_citizen, birth, agency, form_data=EARLIER)
    return dossier_submit(actor=known_citizen, dossier=dossier)


def form_post(birth, *, action: str = "nop", **extra) -> dict:
    """The page's own prefilled answers plus the new child's, as a browser would post them."""
    data = {
        "co_quan": birth.agencies.get().code,
        "hanh_dong": action,
        "applicant_full_name": "Nguyễn Văn An",
        "applicant_birth_date": "12/04/1985",
        "applicant_sex": "nam",
        "applicant_personal_id": "046085001234",
        "applicant_address": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
        "applicant_phone": "0905123456",
        "applicant_email": "nguyenvanan@example.vn",
        "applicant_relationship": "cha",
        "mother_full_name": "Lê Thị Hồng",
        "mother_birth_date": "20/02/1990",
        "mother_ethnicity": "Kinh",
        "mother_nationality": "Việt Nam",
        "mother_residence": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
        "mother_personal_id": "046190001111",
        **NEW_CHILD,
    }
    data.update(extra)
    return data
