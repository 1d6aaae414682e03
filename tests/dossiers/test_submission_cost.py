"""What one online submission costs the database, and that the savings keep every rule: a new
draft is not read back, the catalog rows are read once, the e-form is built once per definition
— and a changed catalog or e-form still applies at the next submission."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.catalog.eforms import eform_compiled, eform_errors
from motcua.catalog.models import FeeLine
from motcua.catalog.services import procedure_eform_set
from motcua.core.errors import ValidationFailed
from motcua.core.models import AuditEvent, OutboxMessage
from motcua.demo.eforms import EFORMS
from motcua.dossiers.audit.verify import audit_verify
from motcua.dossiers.models import Channel, Dossier, State
from motcua.dossiers.selectors import procedure_with_catalog
from motcua.dossiers.services import (
    _REFERENCE_ALPHABET,
    _new_reference,
    dossier_apply_online,
    dossier_create,
)
from tests.factories import AgencyFactory, FeeLineFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db

JUDICIAL_EFORM = json.loads((EFORMS / "2.000488.json").read_text(encoding="utf-8"))
ANSWERS = {
    "applicant_full_name": "Nguyễn Văn An",
    "applicant_birth_date": "1985-04-12",
    "applicant_sex": "nam",
    "applicant_ethnicity": "Kinh",
    "applicant_nationality": "Việt Nam",
    "applicant_personal_id": "001090000001",
    "applicant_address": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
    "applicant_phone": "0905123456",
    "applicant_birth_place": "Huế",
    "father_full_name": "Nguyễn Văn Bảo",
    "mother_full_name": "Phan Thị Cẩm",
    "residence_history": "Từ 2003 đến nay: 20 Phan Đình Phùng, Huế",
    "certificate_type": "1",
    "purpose": "Xin việc",
    "copies": 1,
    "delivery": "truc_tuyen",
}
STUDENT = "Sinh viên, người có công"


@pytest.fixture
def judicial(procedure):
    """The judicial-record certificate with the demo's e-form (its declaration, the one
    required document, covered by the filled e-form) and two alternative rates."""
    procedure.eform = JUDICIAL_EFORM
    procedure.save(update_fields=["eform"])
    RequiredDocumentFactory(procedure=procedure, position=1, name="Tờ khai yêu cầu cấp Phiếu")
    FeeLineFactory(procedure=procedure, amount=200_000, group="doi_tuong", condition="Công dân")
    FeeLineFactory(procedure=procedure, amount=100_000, group="doi_tuong", condition=STUDENT)
    return procedure


def _apply(citizen, procedure, agency, dossier=None, answers=ANSWERS, created=None):
    return dossier_apply_online(
        actor=citizen,
        procedure=procedure,
        dossier=dossier,
        form_data=dict(answers),
        agency=agency,
        applicant={"applicant_name": "Nguyễn Văn An"},
        registry_used=False,
        fee_choice={"doi_tuong": STUDENT},
        files=[],
        submit=True,
        created=created,
    )


def _statements(captured: CaptureQueriesContext) -> list[str]:
    """Each statement as its verb and table: `SELECT catalog_feeline`, `SAVEPOINT`."""
    result = []
    for query in captured.captured_queries:
        sql = query["sql"]
        verb = sql.split(None, 1)[0].upper()
        table = re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', sql)
        result.append(f"{verb} {table.group(1)}" if table else verb)
    return result


def test_a_new_submission_reads_the_catalog_once_and_writes_each_row_once(
    citizen, agency, judicial
):
    # When a citizen submits a new application in one click.
    with CaptureQueriesContext(connection) as captured:
        dossier = _apply(citizen, judicial, agency)

    # Then the fee lines, the required documents and the agency are read once each, the new
    # draft is never read back, and each row is written once: the dossier as it ends (never
    # updated), its three events in one statement, the audit row and the outbox row. On
    # PostgreSQL the keys of the dossier and its events are drawn first, in one statement
    # (the inserts then go out together: tests/dossiers/test_submission_pipeline.py).
    keys = ["SELECT"] if connection.vendor == "postgresql" else []
    assert _statements(captured) == [
        "SAVEPOINT",
        "SELECT catalog_feeline",
        "SELECT catalog_requireddocument",
        "SELECT directory_agency",  # those the procedure's link table names
        *keys,
        "INSERT dossiers_dossier",
        "INSERT dossiers_dossierevent",
        "INSERT core_auditevent",
        "INSERT core_outboxmessage",
        "RELEASE",
    ]
    events = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('INSERT INTO "dossiers_dossierevent"')
    ]
    assert events[0].count("), (") == 2  # three rows in the one INSERT
    # And every rule and record is as before: submitted at the student rate, three events
    # in one verified chain, the audit row, the national sync message.
    dossier.refresh_from_db()
    assert (dossier.state, dossier.version, dossier.fee_amount) == (State.SUBMITTED, 2, 100_000)
    assert list(dossier.events.order_by("seq").values_list("seq", "action")) == [
        (1, "create"),
        (2, "form_save"),
        (3, "submit"),
    ]
    damaged: list = []
    outcome = audit_verify(dossier_id=dossier.pk, on_damage=damaged.append)
    assert (outcome.dossiers, outcome.events, damaged) == (1, 3, [])
    assert list(
        AuditEvent.objects.filter(object_id=str(dossier.pk)).values_list("action", "data")
    ) == [("dossier.form_save", {"fields": 16})]
    sync = OutboxMessage.objects.filter(topic="national.sync")
    assert [m.payload["dossier_id"] for m in sync] == [dossier.pk]


def test_a_saved_draft_is_locked_and_its_attachments_read_when_submitted(citizen, agency, judicial):
    # Given a draft saved earlier.
    draft = dossier_create(
        actor=citizen,
        procedure=judicial,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name="Nguyễn Văn An",
        applicant_id_number=citizen.personal_id,
    )

    # When it is submitted.
    with CaptureQueriesContext(connection) as captured:
        _apply(citizen, judicial, agency, dossier=draft)

    # Then the row is locked and read (with its procedure), the catalog read once, the
    # agency checked (it may have stopped handling the procedure since the draft), the
    # documents already attached and the last event read; each row written once.
    assert _statements(captured) == [
        "SAVEPOINT",
        "SELECT dossiers_dossier",
        "SELECT catalog_feeline",
        "SELECT catalog_requireddocument",
        "SELECT catalog_procedure_agencies",
        "SELECT dossiers_dossierdocument",
        "UPDATE dossiers_dossier",
        "SELECT dossiers_dossierevent",
        "INSERT dossiers_dossierevent",
        "INSERT core_auditevent",
        "UPDATE dossiers_dossier",
        "INSERT dossiers_dossierevent",
        "INSERT core_outboxmessage",
        "RELEASE",
    ]
    damaged: list = []
    outcome = audit_verify(dossier_id=draft.pk, on_damage=damaged.append)
    assert (outcome.events, damaged) == (3, [])


def test_a_fee_changed_after_a_submission_applies_to_the_next_one(citizen, agency, judicial):
    # Given a first submission at the student rate (the page's procedure instance kept).
    first = _apply(citizen, judicial, agency)

    # When the catalog lowers that rate, and the same instance serves the next submission.
    FeeLine.objects.filter(procedure=judicial, condition=STUDENT).update(amount=50_000)
    second = _apply(citizen, judicial, agency)

    # Then the second one owes the new amount: no fee list was left on the caller's instance.
    assert [Dossier.objects.get(pk=d.pk).fee_amount for d in (first, second)] == [100_000, 50_000]


def test_an_eform_published_again_is_checked_by_its_new_schema(citizen, agency, judicial):
    # Given a submission accepted under the e-form as it was.
    _apply(citizen, judicial, agency)

    # When the e-form is published again with one more required field.
    eform = json.loads(json.dumps(JUDICIAL_EFORM))
    eform["schema"]["properties"]["nickname"] = {"type": "string", "minLength": 1}
    eform["schema"]["required"].append("nickname")
    eform["ui"]["order"].append("nickname")
    eform["ui"]["fields"]["nickname"] = {"label": "Tên gọi khác"}
    procedure_eform_set(actor=None, procedure=judicial, eform=eform)
    judicial.refresh_from_db()

    # Then the same answers are refused for the new field, and nothing is written.
    before = Dossier.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        _apply(citizen, judicial, agency)
    assert refused.value.fields == {"nickname": "Phải điền “Tên gọi khác”."}
    assert Dossier.objects.count() == before


def test_an_eform_is_built_once_per_definition_and_again_when_changed_in_place():
    # Given the same definition read twice (two requests: two equal dicts).
    first, second = json.loads(json.dumps(JUDICIAL_EFORM)), json.loads(json.dumps(JUDICIAL_EFORM))

    # Then it is built once.
    assert eform_compiled(first) is eform_compiled(second)

    # And a dict changed in place is built anew: the bound it now states applies.
    second["schema"]["properties"]["copies"]["maximum"] = 3
    assert eform_compiled(second) is not eform_compiled(first)
    assert eform_errors(second, {**ANSWERS, "copies": 5}) == {"copies": "Không được lớn hơn 3."}
    assert eform_errors(first, {**ANSWERS, "copies": 5}) == {}


def test_the_catalog_read_once_is_the_procedures_own(judicial, agency):
    # Given a second agency handling the procedure, and the catalog read for a request.
    # (Codes of their own: the factory's numbered code is the `agency` fixture's own after
    # ten agencies made earlier in the same process, and the factory gets that one.)
    second = AgencyFactory(code="000.00.31.H46", name="Ủy ban nhân dân phường An Cựu")
    judicial.agencies.add(second)
    AgencyFactory(code="000.00.32.H46", name="Ban quản lý khu kinh tế")
    held = procedure_with_catalog(judicial)
    other = RequiredDocumentFactory(name="Giấy tờ của thủ tục khác")

    # Then the lists are the procedure's, in catalog order, without another query.
    with CaptureQueriesContext(connection) as captured:
        documents = list(held.documents.all())
        fees = list(held.fees.all())
        agencies = list(held.agencies.all())
        again = procedure_with_catalog(held)
    assert captured.captured_queries == []
    assert again is held  # the request's copy is used as it is
    assert [d.name for d in documents] == ["Tờ khai yêu cầu cấp Phiếu"]
    assert [f.amount for f in fees] == [200_000, 100_000]
    assert agencies == sorted([agency, second], key=lambda a: a.name)
    # And a query chained on a list still reads this procedure's rows only.
    assert other.pk not in set(held.documents.all().values_list("pk", flat=True))
    assert held.documents.filter(optional=False).count() == 1
    assert set(held.agencies.filter(pk__gt=0)) == {agency, second}


def test_a_temporary_reference_draws_each_letter_from_the_whole_alphabet():
    # The letters are read off 5 random bits each: the alphabet must have 32 of them.
    assert len(set(_REFERENCE_ALPHABET)) == len(_REFERENCE_ALPHABET) == 32
    at = timezone.now()
    tails = {_new_reference(at).rsplit("-", 1)[1] for _ in range(400)}
    assert len(tails) == 400
    assert all(len(t) == 8 and set(t) <= set(_REFERENCE_ALPHABET) for t in tails)
    # 3,200 letters: every one of the 32 turns up.
    assert set("".join(tails)) == set(_REFERENCE_ALPHABET)
