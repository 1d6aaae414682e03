"""The apply page reads the catalog once per request — the fee lines, the required documents
and the agencies that handle the procedure — and the online application checks the
submission against that read: nothing is read again in its transaction, and a catalog changed
after the page was drawn applies to the next POST."""

# Fixtures are imported from apply_fixtures, so pytest sees them; ruff reads that as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.catalog.fee_forms import fee_form
from motcua.catalog.models import FeeLine
from motcua.dossiers.models import Channel, Dossier, State
from tests.factories import FeeLineFactory, RequiredDocumentFactory
from tests.portal.apply_fixtures import _media, judicial, known_citizen  # noqa: F401

pytestmark = pytest.mark.django_db

STUDENT = "Sinh viên, người có công"
CATALOG = ("catalog_feeline", "catalog_requireddocument", "catalog_procedure_agencies")


@pytest.fixture
def priced(judicial):
    """The judicial-record certificate at two alternative rates."""
    FeeLineFactory(procedure=judicial, amount=200_000, group="doi_tuong", condition="Công dân")
    FeeLineFactory(procedure=judicial, amount=100_000, group="doi_tuong", condition=STUDENT)
    return judicial


def _post(procedure) -> dict[str, str]:
    """An Nguyễn Văn An's judicial-record declaration, typed in full, at the student rate."""
    question = fee_form(procedure, channel=Channel.ONLINE).questions[0]
    return {
        "co_quan": procedure.agencies.get().code,
        "hanh_dong": "nop",
        "applicant_full_name": "Nguyễn Văn An",
        "applicant_birth_date": "12/04/1985",
        "applicant_sex": "nam",
        "applicant_ethnicity": "Kinh",
        "applicant_nationality": "Việt Nam",
        "applicant_personal_id": "046085001234",
        "applicant_address": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
        "applicant_phone": "0905123456",
        "applicant_email": "nguyenvanan@example.vn",
        "applicant_birth_place": "Huế",
        "father_full_name": "Nguyễn Văn Bảo",
        "mother_full_name": "Phan Thị Cẩm",
        "residence_history": "Từ 2003 đến nay: 20 Phan Đình Phùng, Huế",
        "certificate_type": "1",
        "purpose": "Xin việc",
        "copies": "1",
        "delivery": "truc_tuyen",
        question.name: STUDENT,
    }


def _url(procedure) -> str:
    return f"/thu-tuc/{procedure.code}/nop/"


def test_a_submission_through_the_page_reads_each_catalog_table_once(client, known_citizen, priced):
    # When the citizen posts the start form.
    client.force_login(known_citizen)
    post = _post(priced)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(_url(priced), post)

    # Then the dossier is submitted at the student rate.
    dossier = Dossier.objects.get(applicant=known_citizen)
    assert response["Location"] == f"/nop-ho-so/{dossier.reference}/da-nop/"
    assert (dossier.state, dossier.fee_amount) == (State.SUBMITTED, 100_000)
    # And the fee lines, the required documents and the agencies were read once in the whole
    # request, by the page, before its transaction: none inside it.
    statements = [q["sql"] for q in captured.captured_queries]
    reads = {table: [i for i, s in enumerate(statements) if f'"{table}"' in s] for table in CATALOG}
    assert {table: len(found) for table, found in reads.items()} == dict.fromkeys(CATALOG, 1)
    begin = next(i for i, s in enumerate(statements) if re.match(r"(BEGIN|SAVEPOINT)", s))
    assert max(i for found in reads.values() for i in found) < begin


def test_a_fee_changed_after_the_page_was_drawn_is_the_one_owed(client, known_citizen, priced):
    # Given the page drawn at the student rate of 100,000.
    client.force_login(known_citizen)
    assert "100.000" in client.get(_url(priced)).content.decode()

    # When the catalog lowers that rate before the citizen posts.
    FeeLine.objects.filter(procedure=priced, condition=STUDENT).update(amount=50_000)
    client.post(_url(priced), _post(priced))

    # Then the submission owes the new amount: the POST read the catalog afresh.
    dossier = Dossier.objects.get(applicant=known_citizen)
    assert (dossier.state, dossier.fee_amount) == (State.SUBMITTED, 50_000)
    assert dossier.events.get(action="submit").payload == {}


def test_a_document_required_after_the_page_was_drawn_is_asked_for(client, known_citizen, priced):
    # Given the page drawn when the filled e-form was the only paper asked for.
    client.force_login(known_citizen)
    client.get(_url(priced))

    # When the catalog asks for one more paper before the citizen posts.
    RequiredDocumentFactory(procedure=priced, position=2, name="Giấy xác nhận cư trú")
    response = client.post(_url(priced), _post(priced))

    # Then the submission is refused for it, and nothing is written.
    assert response.status_code == 400
    assert "Giấy xác nhận cư trú" in response.content.decode()
    assert not Dossier.objects.filter(applicant=known_citizen).exists()


def test_an_agency_that_stopped_handling_the_procedure_is_refused(
    client, known_citizen, priced, agency
):
    # Given the page drawn with the agency offered.
    client.force_login(known_citizen)
    post = _post(priced)
    client.get(_url(priced))

    # When the catalog takes the procedure from that agency before the citizen posts.
    priced.agencies.remove(agency)
    response = client.post(_url(priced), post)

    # Then the choice is refused, and nothing is written.
    assert response.status_code == 400
    assert "Hãy chọn cơ quan giải quyết." in response.content.decode()
    assert not Dossier.objects.filter(applicant=known_citizen).exists()
