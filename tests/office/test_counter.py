"""The one-stop counter pages: queue, walk-in entry, completeness check, digitisation, return —
each for the right officer only, every refusal leaving the dossier as it was."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from motcua.core.calendar import working_calendar
from motcua.core.models import AuditEvent
from motcua.core.worktime import TZ
from motcua.directory.models import Role, StaffRole
from motcua.dossiers.documents import document_attach
from motcua.dossiers.lifecycle import Action, dossier_record
from motcua.dossiers.models import Channel, Dossier, DossierDocument, DossierEvent, State
from motcua.dossiers.services import dossier_walk_in
from motcua.office.counter import home as counter_home
from motcua.office.counter.walk_in import personal_id_fingerprint
from tests.factories import (
    CitizenFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    staff,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
KNOWN_ID = "046085001234"  # Nguyễn Văn An, born 12/04/1985, in the local registry
COUNTER = "/mot-cua/"
WALK_IN = "/mot-cua/tiep-nhan/moi/"


def pdf(name: str = "to-khai.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def url(dossier: Dossier, page: str) -> str:
    return f"/mot-cua/ho-so/{dossier.public_code}/{page}/"


def snapshot(dossier: Dossier) -> tuple:
    """What a refused action must leave untouched."""
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (
        fresh.state,
        fresh.version,
        fresh.code,
        fresh.digitized,
        fresh.reused_data,
        DossierEvent.objects.filter(dossier=fresh).count(),
        DossierDocument.objects.filter(dossier=fresh).count(),
    )


def working_day_ahead(days: int = 3) -> date:
    return working_calendar().add_working_days(timezone.localdate(), days)


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def declaration(three_step_procedure):
    return RequiredDocumentFactory(
        procedure=three_step_procedure, name="Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", position=1
    )


@pytest.fixture
def id_copy(three_step_procedure):
    return RequiredDocumentFactory(
        procedure=three_step_procedure, name="Bản chụp thẻ căn cước", position=2
    )


@pytest.fixture
def proxy_letter(three_step_procedure):
    return RequiredDocumentFactory(
        procedure=three_step_procedure, name="Văn bản ủy quyền", position=3, optional=True
    )


@pytest.fixture
def documents(declaration, id_copy, proxy_letter):
    return [declaration, id_copy, proxy_letter]


@pytest.fixture
def other_reception(other_agency):
    return staff(Role.RECEPTION, other_agency, username="motcua_reception_other")


@pytest.fixture
def stranger(db):
    return CitizenFactory(username="001090000099", personal_id="001090000099")


@pytest.fixture
def officer(client, reception):
    client.force_login(reception)
    return client


# ---------------------------------------------------------------- who may open the pages

DENIED = ["citizen", "stranger", "other_reception", "specialist"]


def login_as(client, request, who: str | None) -> None:
    if who is not None:
        client.force_login(request.getfixturevalue(who))


@pytest.mark.parametrize("page", ["kiem-tra", "so-hoa", "tra-ket-qua"])
def test_anonymous_visitors_are_sent_to_sign_in(client, walker, page):
    dossier = walker.dossier_in(State.SUBMITTED)
    for address in (COUNTER, WALK_IN, url(dossier, page)):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith("/dang-nhap/?next=")


@pytest.mark.parametrize("who", DENIED)
@pytest.mark.parametrize("page", ["kiem-tra", "so-hoa", "tra-ket-qua"])
def test_only_reception_of_the_agency_opens_a_dossier(client, request, walker, who, page):
    dossier = walker.dossier_in(State.SUBMITTED)
    login_as(client, request, who)
    response = client.get(url(dossier, page))
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()
    assert dossier.applicant_id_number not in response.content.decode()


@pytest.mark.parametrize("who", ["citizen", "specialist", "approver"])
def test_the_counter_home_is_for_reception_officers(client, request, who):
    login_as(client, request, who)
    for address in (COUNTER, WALK_IN):
        response = client.get(address)
        assert response.status_code == 403
        assert "dành cho cán bộ một cửa" in response.content.decode()


def test_an_unknown_code_gets_the_same_answer_as_a_foreign_one(officer):
    response = officer.get("/mot-cua/ho-so/KHONG-CO/kiem-tra/")
    assert response.status_code == 403
    assert "Không tìm thấy hồ sơ KHONG-CO" in response.content.decode()


# ---------------------------------------------------------------- the queue


def test_the_queue_lists_online_submissions_oldest_first_and_results_to_return(
    officer, walker, other_agency, django_assert_max_num_queries
):
    first = walker.dossier_in(State.SUBMITTED)
    second = walker.dossier_in(State.SUBMITTED)
    ready = walker.dossier_in(State.RESULT_READY)
    walker.dossier_in(State.RECEIVED)  # neither waiting nor ready
    foreign_procedure = ProcedureFactory(agencies=[other_agency])
    foreign = walker.create()
    Dossier.objects.filter(pk=foreign.pk).update(agency=other_agency, procedure=foreign_procedure)
    foreign = walker.act(Dossier.objects.get(pk=foreign.pk), "submit")

    # + the count of refunds the agencies owe
    with django_assert_max_num_queries(11):
        response = officer.get(COUNTER)

    assert response.status_code == 200
    page = response.content.decode()
    queue = response.context["submitted"]
    assert [d.pk for d in queue.object_list] == [first.pk, second.pk]
    assert [d.pk for d in response.context["ready"].object_list] == [ready.pk]
    assert page.index(first.reference) < page.index(second.reference)
    assert foreign.reference not in page
    assert "Cấp Phiếu lý lịch tư pháp" in page
    # Names stay on the audited dossier pages.
    assert walker.citizen.full_name not in page


def test_the_queue_stays_within_a_fixed_number_of_queries(
    officer, walker, django_assert_max_num_queries
):
    walker.dossier_in(State.SUBMITTED)
    with django_assert_max_num_queries(11):
        officer.get(COUNTER)
    for _ in range(6):
        walker.dossier_in(State.SUBMITTED)
    walker.dossier_in(State.RESULT_READY)
    # + the count of refunds the agencies owe
    with django_assert_max_num_queries(11):
        response = officer.get(COUNTER)
    assert response.context["submitted"].paginator.count == 7


def test_a_processing_officers_ask_for_a_supplement_waits_at_the_counter(officer, walker):
    asked = walker.dossier_in(State.IN_PROGRESS)
    walker.dossier_in(State.IN_PROGRESS)  # nothing asked
    with transaction.atomic():
        dossier_record(
            actor=walker.specialist,
            dossier=asked,
            action="ask_supplement",
            at=walker.next_moment(asked),
            note="Thiếu bản sao giấy khai sinh",
        )

    response = officer.get(COUNTER)
    assert [(d.pk, d.asked_note) for d in response.context["asked"]] == [
        (asked.pk, "Thiếu bản sao giấy khai sinh")
    ]
    assert 'data-testid="asked-count">1<' in response.content.decode()

    walker.act(Dossier.objects.get(pk=asked.pk), "request_supplement")
    assert officer.get(COUNTER).context["asked"] == []


def test_the_queue_is_paginated(officer, walker, monkeypatch):
    monkeypatch.setattr(counter_home, "PAGE_SIZE", 2)
    dossiers = [walker.dossier_in(State.SUBMITTED) for _ in range(3)]
    response = officer.get(COUNTER, {"trang": "2"})
    assert [d.pk for d in response.context["submitted"].object_list] == [dossiers[2].pk]
    assert "Trang 2/2" in response.content.decode()
    assert officer.get(COUNTER, {"trang": "không-phải-số"}).status_code == 200


@pytest.mark.parametrize(
    "code", ["000.50.01.H46-261123-0000001", "TN-B-00000001", "a b?c#d%e", "Hồ sơ ~:@"]
)
@pytest.mark.parametrize("name", ["office:counter_check", "office:counter_return"])
def test_the_queues_links_are_those_reverse_writes(name, code):
    """The queue reverses each link once per page and fills in the codes."""
    assert counter_home._url_for_code(name)(code) == reverse(name, kwargs={"code": code})


def test_a_code_typed_on_the_home_page_opens_the_dossier(officer, walker):
    dossier = walker.dossier_in(State.RECEIVED)
    response = officer.get(COUNTER, {"ma": f" {dossier.code} "})
    assert response.status_code == 302
    assert response["Location"] == url(dossier, "kiem-tra")
    odd = officer.get(COUNTER, {"ma": "../../admin/?x=1"})
    assert odd.status_code == 400
    assert "không hợp lệ: chỉ gồm chữ, số, dấu chấm và gạch ngang" in odd.content.decode()


# ---------------------------------------------------------------- walk-in entry


def test_the_catalog_search_keeps_to_the_officers_agencies(officer, procedure, other_agency):
    ProcedureFactory(
        code="2.000999", name="Cấp Phiếu lý lịch tư pháp số 2", agencies=[other_agency]
    )
    response = officer.get(WALK_IN, {"q": "phieu ly lich"})
    assert response.status_code == 200
    assert [p.code for p in response.context["results"]] == ["2.000488"]


def test_another_agency_cannot_be_chosen_for_a_walk_in(officer, other_agency):
    response = officer.get(WALK_IN, {"co_quan": other_agency.code, "q": "ly lich"})
    assert response.status_code == 403


def test_a_procedure_the_agency_does_not_handle_is_refused(officer, agency, other_agency):
    ProcedureFactory(code="2.000999", agencies=[other_agency])
    response = officer.get(WALK_IN, {"co_quan": agency.code, "thu_tuc": "2.000999"})
    assert response.status_code == 400
    assert "không giải quyết thủ tục mã 2.000999" in response.content.decode()


def walk_in_url(agency, procedure) -> str:
    return f"{WALK_IN}?co_quan={agency.code}&thu_tuc={procedure.code}"


def test_the_registry_fills_name_and_address(officer, agency, three_step_procedure, documents):
    response = officer.post(
        walk_in_url(agency, three_step_procedure),
        {"hanh_dong": "tra_cuu", "applicant_id_number": KNOWN_ID, "applicant_phone": "0912345678"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nguyễn Văn An, sinh ngày 12/04/1985, giới tính nam" in page
    assert 'value="Nguyễn Văn An"' in page
    assert 'value="20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế"' in page
    assert 'value="0912345678"' in page  # what was typed stays
    assert Dossier.objects.count() == 0


def test_a_person_the_registry_does_not_know_is_entered_by_hand(
    officer, agency, three_step_procedure
):
    response = officer.post(
        walk_in_url(agency, three_step_procedure),
        {"hanh_dong": "tra_cuu", "applicant_id_number": "001090000777"},
    )
    assert response.status_code == 200
    assert "CSDL quốc gia về dân cư không có số định danh này" in response.content.decode()


def registry_audits() -> list[tuple]:
    return list(
        AuditEvent.objects.filter(action="registry.lookup")
        .order_by("id")
        .values_list("actor_id", "object_type", "object_id", "data")
    )


def test_every_registry_lookup_is_audited_without_the_personal_id(
    officer, reception, agency, three_step_procedure
):
    address = walk_in_url(agency, three_step_procedure)
    officer.post(address, {"hanh_dong": "tra_cuu", "applicant_id_number": KNOWN_ID})
    officer.post(address, {"hanh_dong": "tra_cuu", "applicant_id_number": "001090000777"})
    officer.post(
        address,
        {
            "hanh_dong": "tao",
            "channel": "direct",
            "applicant_id_number": KNOWN_ID,
            "applicant_name": "Nguyễn Văn An",
        },
    )

    def row(number: str, purpose: str, outcome: str) -> tuple:
        data = {"id_tail": number[-3:], "agency": agency.code, "purpose": purpose}
        return (
            reception.pk,
            "personal_id",
            personal_id_fingerprint(number),
            {**data, "outcome": outcome},
        )

    audits = registry_audits()
    assert audits == [
        row(KNOWN_ID, "walk_in_fill", "found"),
        row("001090000777", "walk_in_fill", "not_found"),
        row(KNOWN_ID, "walk_in_create", "found"),
    ]
    assert len(audits[0][2]) == 64
    for audit in AuditEvent.objects.filter(action="registry.lookup"):
        assert KNOWN_ID not in f"{audit.object_id} {audit.data}"
        assert "001090000777" not in f"{audit.object_id} {audit.data}"


def test_a_malformed_id_is_not_looked_up_so_not_audited(officer, agency, three_step_procedure):
    officer.post(
        walk_in_url(agency, three_step_procedure),
        {"hanh_dong": "tra_cuu", "applicant_id_number": "04608500123"},
    )
    assert registry_audits() == []


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("04608500123", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ("097085001234", "mã tỉnh nơi đăng ký khai sinh &#x27;097&#x27; phải từ 001 đến 096"),
        ("046985001234", "chữ số thứ 4 (thế kỷ, giới tính) phải từ 0 đến 5"),
    ],
)
def test_a_bad_personal_id_is_explained(officer, agency, three_step_procedure, number, message):
    address = walk_in_url(agency, three_step_procedure)
    looked_up = officer.post(address, {"hanh_dong": "tra_cuu", "applicant_id_number": number})
    assert looked_up.status_code == 400
    assert message in looked_up.content.decode()
    created = officer.post(
        address,
        {
            "hanh_dong": "tao",
            "channel": "direct",
            "applicant_id_number": number,
            "applicant_name": "Nguyễn Văn An",
        },
    )
    assert created.status_code == 400
    assert message in created.content.decode()
    assert Dossier.objects.count() == 0


def test_a_walk_in_is_created_with_its_scans(
    officer, reception, agency, three_step_procedure, declaration, id_copy
):
    response = officer.post(
        walk_in_url(agency, three_step_procedure),
        {
            "hanh_dong": "tao",
            "channel": "postal",
            "applicant_id_number": KNOWN_ID,
            "applicant_name": "Nguyễn Văn An",
            "applicant_address": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
            "applicant_phone": "0912 345 678",
            "applicant_email": "an@example.vn",
            f"tep_{declaration.pk}": pdf("to-khai.pdf"),
        },
    )
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(dossier, "kiem-tra")
    assert (
        dossier.state,
        dossier.channel,
        dossier.agency,
        dossier.procedure,
        dossier.applicant_name,
        dossier.applicant_id_number,
        dossier.applicant_phone,
        dossier.applicant_email,
        dossier.created_by,
        dossier.registry_used,
    ) == (
        State.DRAFT,
        Channel.POSTAL,
        agency,
        three_step_procedure,
        "Nguyễn Văn An",
        KNOWN_ID,
        "0912345678",
        "an@example.vn",
        reception,
        True,
    )
    scans = list(dossier.documents.values_list("kind", "required_document", "name", "size"))
    assert scans == [(DossierDocument.Kind.SCAN, declaration.pk, "to-khai.pdf", len(PDF))]
    page = officer.get(response["Location"]).content.decode()
    assert f"Đã tạo hồ sơ {dossier.reference}" in page
    assert "thiếu 1 giấy tờ bắt buộc" in page  # the ID copy has no file yet


def _events(dossier: Dossier) -> list[tuple[int, str]]:
    return list(dossier.events.order_by("seq").values_list("seq", "action"))


def test_a_walk_in_with_two_scans_writes_one_version_and_one_event_per_intent(
    officer, reception, agency, other_agency, three_step_procedure, declaration, id_copy
):
    # Given another agency's walk-in, which must not move.
    other = walk_in_dossier(other_agency)
    before = (other.version, _events(other))
    # When the counter enters a walk-in with the registry's name and two scans in one post.
    response = officer.post(
        walk_in_url(agency, three_step_procedure),
        {
            "hanh_dong": "tao",
            "channel": "direct",
            "applicant_id_number": KNOWN_ID,
            "applicant_name": "Nguyễn Văn An",
            f"tep_{declaration.pk}": pdf("to-khai.pdf"),
            f"tep_{id_copy.pk}": pdf("can-cuoc.pdf"),
        },
    )
    # Then: create, the registry's identity, the two scans as one attach; two versions.
    dossier = Dossier.objects.get(agency=agency)
    assert response.status_code == 302
    assert (dossier.version, dossier.registry_used) == (2, True)
    assert _events(dossier) == [(1, "create"), (2, "registry_lookup"), (3, "attach")]
    scans = list(dossier.documents.order_by("pk").values_list("pk", "kind", "required_document"))
    assert [(k, r) for _pk, k, r in scans] == [
        (DossierDocument.Kind.SCAN, declaration.pk),
        (DossierDocument.Kind.SCAN, id_copy.pk),
    ]
    assert dossier.events.get(action="attach").payload == {
        "documents": [pk for pk, _k, _r in scans],
        "kind": DossierDocument.Kind.SCAN,
    }
    assert dossier.events.get(action="registry_lookup").actor == reception
    other.refresh_from_db()
    assert (other.version, _events(other)) == before


def test_a_walk_in_without_the_registrys_name_writes_create_and_one_attach(
    officer, agency, three_step_procedure, declaration
):
    officer.post(
        walk_in_url(agency, three_step_procedure),
        {
            "hanh_dong": "tao",
            "channel": "direct",
            "applicant_id_number": KNOWN_ID,
            "applicant_name": "Nguyễn Văn Khác",
            f"tep_{declaration.pk}": pdf("to-khai.pdf"),
        },
    )
    dossier = Dossier.objects.get()
    assert (dossier.version, dossier.registry_used) == (1, False)
    assert _events(dossier) == [(1, "create"), (2, "attach")]


def walk_in_dossier(other_agency) -> Dossier:
    procedure = ProcedureFactory(agencies=[other_agency])
    clerk = staff(Role.RECEPTION, other_agency, username="motcua_reception_walkin_other")
    return dossier_walk_in(
        actor=clerk,
        procedure=procedure,
        agency=other_agency,
        channel=Channel.DIRECT,
        applicant_name="Trần Thị Bình",
        applicant_id_number="046190000111",
        fee_choice=None,
        registry_person=None,
        files=[],
    )


def test_a_name_typed_against_the_registry_does_not_count_as_registry_data(
    officer, agency, three_step_procedure
):
    officer.post(
        walk_in_url(agency, three_step_procedure),
        {
            "hanh_dong": "tao",
            "channel": "direct",
            "applicant_id_number": KNOWN_ID,
            "applicant_name": "Nguyễn Văn Khác",
        },
    )
    assert Dossier.objects.get().registry_used is False


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf("to-khai.pdf", PDF + b"0" * 200), "vượt giới hạn"),
        (pdf("to-khai.pdf", b"MZ\x90\x00 a program, not a scan"), "không phải PDF, JPEG hoặc PNG"),
    ],
    ids=["too-big", "disguised"],
)
def test_a_bad_scan_leaves_nothing_behind(
    officer, settings, tmp_path, agency, three_step_procedure, declaration, id_copy, upload, message
):
    settings.MOTCUA_MAX_UPLOAD_BYTES = 100
    response = officer.post(
        walk_in_url(agency, three_step_procedure),
        {
            "hanh_dong": "tao",
            "channel": "direct",
            "applicant_id_number": KNOWN_ID,
            "applicant_name": "Nguyễn Văn An",
            f"tep_{id_copy.pk}": pdf("can-cuoc.pdf"),
            f"tep_{declaration.pk}": upload,
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (Dossier.objects.count(), DossierDocument.objects.count()) == (0, 0)
    assert list(tmp_path.rglob("*")) == []
    assert 'value="Nguyễn Văn An"' in response.content.decode()  # the form comes back filled


def test_a_walk_in_needs_a_name_and_a_valid_phone(officer, agency, three_step_procedure):
    response = officer.post(
        walk_in_url(agency, three_step_procedure),
        {
            "hanh_dong": "tao",
            "channel": "direct",
            "applicant_id_number": KNOWN_ID,
            "applicant_name": "   ",
            "applicant_phone": "12345",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Phải nhập họ và tên người nộp." in page
    assert "Số điện thoại không hợp lệ" in page
    assert Dossier.objects.count() == 0


# ---------------------------------------------------------------- completeness check


def test_the_check_page_shows_each_required_document_and_its_files(
    officer, reception, walker, declaration, id_copy, proxy_letter, django_assert_max_num_queries
):
    dossier = walker.dossier_in(State.SUBMITTED)
    document_attach(
        actor=walker.citizen,
        dossier=walker.create(),  # another dossier's file must not show
        upload=pdf("khac.pdf"),
        kind=DossierDocument.Kind.SUBMITTED,
    )
    document_attach(
        actor=reception,
        dossier=dossier,
        upload=pdf("to-khai-da-ky.pdf"),
        kind=DossierDocument.Kind.SCAN,
        required_document=declaration,
    )
    with django_assert_max_num_queries(12):
        response = officer.get(url(dossier, "kiem-tra"))
    assert response.status_code == 200
    rows = [(r["document"].name, [f.name for f in r["files"]]) for r in response.context["rows"]]
    assert rows == [
        ("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", ["to-khai-da-ky.pdf"]),
        ("Bản chụp thẻ căn cước", []),
        ("Văn bản ủy quyền", []),
    ]
    assert response.context["missing_count"] == 1
    assert set(response.context["actions"]) == {"receive", "request_supplement", "refuse"}
    page = response.content.decode()
    assert walker.citizen.full_name in page
    assert "khac.pdf" not in page
    # The supplement form proposes what is missing.
    assert response.context["supplement_form"].initial["missing_documents"] == [str(id_copy.pk)]


def test_receiving_an_online_dossier_issues_the_receipt(officer, walker):
    dossier = walker.dossier_in(State.SUBMITTED)
    response = officer.post(
        url(dossier, "kiem-tra"), {"hanh_dong": "receive", "version": dossier.version}
    )
    received = Dossier.objects.get(pk=dossier.pk)
    assert received.state == State.RECEIVED
    assert received.code.startswith(f"{received.agency.code}-")
    assert response.status_code == 302
    assert response["Location"] == url(received, "kiem-tra")
    page = officer.get(response["Location"]).content.decode()
    assert f"Đã tiếp nhận hồ sơ {received.code}." in page
    assert f"/ho-so/{received.code}/van-ban/receipt.pdf" in page
    assert "Chuyển xử lý" in page
    receipt = officer.get(f"/ho-so/{received.code}/van-ban/receipt.pdf")
    assert (receipt.status_code, receipt["Content-Type"]) == (200, "application/pdf")


def test_a_walk_in_draft_is_received_then_handed_to_processing(
    officer, reception, agency, three_step_procedure
):
    officer.post(
        walk_in_url(agency, three_step_procedure),
        {
            "hanh_dong": "tao",
            "channel": "direct",
            "applicant_id_number": KNOWN_ID,
            "applicant_name": "Nguyễn Văn An",
        },
    )
    draft = Dossier.objects.get()
    officer.post(url(draft, "kiem-tra"), {"hanh_dong": "receive", "version": draft.version})
    received = Dossier.objects.get()
    assert (received.state, received.received_at is not None) == (State.RECEIVED, True)
    officer.post(url(received, "kiem-tra"), {"hanh_dong": "forward", "version": received.version})
    forwarded = Dossier.objects.get()
    assert (forwarded.state, forwarded.current_step.position) == (State.IN_PROGRESS, 1)
    assert list(forwarded.events.values_list("action", flat=True)) == [
        "create",
        "registry_lookup",
        "receive",
        "forward",
    ]


def test_the_check_page_offers_what_the_lifecycle_allows_and_says_what_holds_it_back(
    officer, reception, walker, agency
):
    # Given a received dossier of a procedure with no internal workflow yet...
    bare = ProcedureFactory(agencies=[agency], workflow=False)
    draft = dossier_walk_in(
        actor=reception,
        procedure=bare,
        agency=agency,
        channel=Channel.DIRECT,
        applicant_name="Trần Thị Bình",
        applicant_id_number="046190000111",
        fee_choice=None,
        registry_person=None,
        files=[],
    )
    officer.post(url(draft, "kiem-tra"), {"hanh_dong": "receive", "version": draft.version})
    stuck = Dossier.objects.get(pk=draft.pk)
    assert stuck.state == State.RECEIVED
    # ...and another received dossier whose procedure has its steps.
    ready = walker.dossier_in(State.RECEIVED)

    page = officer.get(url(stuck, "kiem-tra"))
    assert page.context["actions"] == ["request_supplement"]
    reason = "Thủ tục này chưa có quy trình nội bộ; quản trị cần khai báo các bước xử lý."
    assert page.context["held_back"] == [reason]
    assert f'<ul class="notice" data-testid="held-back"><li>{reason}</li></ul>' in (
        page.content.decode()
    )
    assert 'value="forward"' not in page.content.decode()

    page = officer.get(url(ready, "kiem-tra"))
    assert (page.context["actions"], page.context["held_back"]) == (
        ["request_supplement", "forward"],
        [],
    )
    assert 'value="forward"' in page.content.decode()


def test_a_supplement_request_lists_exactly_what_is_missing_and_by_when(
    officer, walker, id_copy, declaration
):
    dossier = walker.dossier_in(State.SUBMITTED)
    due = working_day_ahead(3)
    response = officer.post(
        url(dossier, "kiem-tra"),
        {
            "hanh_dong": "request_supplement",
            "version": dossier.version,
            "missing_documents": [str(id_copy.pk)],
            "other_missing": "Ảnh 4x6 nền trắng\n\n  Bản sao sổ hộ khẩu  ",
            "due_on": f"{due:%d/%m/%Y}",
        },
    )
    assert response.status_code == 302
    asked = Dossier.objects.get(pk=dossier.pk)
    event = asked.events.order_by("-seq").first()
    expected_due = datetime.combine(due, time(17, 0), tzinfo=TZ)
    assert asked.state == State.SUPPLEMENT_REQUESTED
    assert asked.supplement_due_at == expected_due
    assert event.payload == {
        "missing": ["Bản chụp thẻ căn cước", "Ảnh 4x6 nền trắng", "Bản sao sổ hộ khẩu"],
        "supplement_due_at": expected_due.isoformat(),
    }
    letter = officer.get(f"/ho-so/{asked.public_code}/van-ban/supplement.pdf")
    assert letter.status_code == 200
    page = officer.get(response["Location"]).content.decode()
    assert "In phiếu yêu cầu bổ sung (PDF)" in page
    assert "Đã nhận đủ giấy tờ bổ sung" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"missing_documents": [], "other_missing": " "}, "ít nhất một giấy tờ cần bổ sung"),
        ({"due_on": "01/01/2020"}, "Hạn nộp bổ sung 01/01/2020 đã qua."),
        ({"due_on": "2026-12-31"}, "Hạn nộp bổ sung phải viết theo dạng dd/mm/yyyy."),
        ({"due_on": "saturday"}, "là ngày nghỉ; hãy chọn một ngày làm việc."),
        ({"missing_documents": ["999999"]}, "Giấy tờ đã chọn không thuộc thủ tục."),
    ],
)
def test_a_supplement_request_needs_what_and_a_working_day(
    officer, walker, id_copy, fields, message
):
    dossier = walker.dossier_in(State.SUBMITTED)
    before = snapshot(dossier)
    data = {
        "hanh_dong": "request_supplement",
        "version": dossier.version,
        "missing_documents": [str(id_copy.pk)],
        "due_on": f"{working_day_ahead(3):%d/%m/%Y}",
        **fields,
    }
    if data["due_on"] == "saturday":
        day = timezone.localdate()
        while working_calendar().is_working_day(day):
            day = date.fromordinal(day.toordinal() + 1)
        data["due_on"] = f"{day:%d/%m/%Y}"
    response = officer.post(url(dossier, "kiem-tra"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(dossier) == before


def test_a_refusal_needs_a_reason_and_issues_the_letter(officer, walker):
    dossier = walker.dossier_in(State.SUBMITTED)
    before = snapshot(dossier)
    empty = officer.post(
        url(dossier, "kiem-tra"), {"hanh_dong": "refuse", "version": dossier.version, "reason": " "}
    )
    assert empty.status_code == 400
    assert "Phải nhập lý do từ chối." in empty.content.decode()
    assert snapshot(dossier) == before

    officer.post(
        url(dossier, "kiem-tra"),
        {
            "hanh_dong": "refuse",
            "version": dossier.version,
            "reason": "Thủ tục không thuộc thẩm quyền.",
        },
    )
    refused = Dossier.objects.get(pk=dossier.pk)
    assert (refused.state, refused.refused_stage) == (State.REFUSED, "reception")
    assert refused.events.order_by("-seq").first().payload == {
        "reason": "Thủ tục không thuộc thẩm quyền."
    }
    assert officer.get(f"/ho-so/{refused.public_code}/van-ban/refusal.pdf").status_code == 200


def test_a_supplement_brought_to_the_counter_returns_the_dossier_to_the_queue(officer, walker):
    dossier = walker.dossier_in(State.SUBMITTED)
    dossier = walker.act(dossier, "request_supplement")
    officer.post(
        url(dossier, "kiem-tra"), {"hanh_dong": "provide_supplement", "version": dossier.version}
    )
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUBMITTED


def test_two_officers_at_once_one_wins_the_other_is_told(officer, walker, agency):
    dossier = walker.dossier_in(State.SUBMITTED)
    shown = dossier.version
    colleague = staff(Role.RECEPTION, agency, username="motcua_reception_2")
    walker.act(dossier, "receive", actor=colleague)
    before = snapshot(dossier)

    response = officer.post(
        url(dossier, "kiem-tra"),
        {"hanh_dong": "refuse", "version": shown, "reason": "Không đủ điều kiện."},
    )

    assert response.status_code == 409
    assert "vừa được người khác cập nhật" in response.content.decode()
    assert snapshot(dossier) == before


@pytest.mark.parametrize(
    "data",
    [
        {"hanh_dong": "receive"},
        {"hanh_dong": "receive", "version": "abc"},
        {"hanh_dong": "approve", "version": "1"},
        {"version": "1"},
    ],
)
def test_malformed_posts_are_refused_not_crashed(officer, walker, data):
    dossier = walker.dossier_in(State.SUBMITTED)
    before = snapshot(dossier)
    response = officer.post(url(dossier, "kiem-tra"), data)
    assert response.status_code == 400
    assert snapshot(dossier) == before


def test_an_action_the_state_does_not_allow_is_a_conflict(officer, walker):
    dossier = walker.dossier_in(State.RESULT_READY)
    before = snapshot(dossier)
    response = officer.post(
        url(dossier, "kiem-tra"), {"hanh_dong": "receive", "version": dossier.version}
    )
    assert response.status_code == 409
    assert "Không thể tiếp nhận hồ sơ khi hồ sơ đang ở trạng thái" in response.content.decode()
    assert snapshot(dossier) == before


# ---------------------------------------------------------------- the permission matrix


def _post_data(action: str, dossier: Dossier, documents) -> tuple[str, dict]:
    version = dossier.version
    if action == "receive":
        return "kiem-tra", {"hanh_dong": "receive", "version": version}
    if action == "request_supplement":
        return "kiem-tra", {
            "hanh_dong": "request_supplement",
            "version": version,
            "missing_documents": [str(documents[0].pk)],
            "due_on": f"{working_day_ahead(3):%d/%m/%Y}",
        }
    if action == "refuse":
        return "kiem-tra", {"hanh_dong": "refuse", "version": version, "reason": "Không đủ."}
    if action == "forward":
        return "kiem-tra", {"hanh_dong": "forward", "version": version}
    if action == "return":
        return "tra-ket-qua", {
            "method": "in_person",
            "receiver": "Nguyễn Văn An",
            "version": version,
        }
    if action == "attach":
        return "so-hoa", {"hanh_dong": "dinh_kem", f"tep_{documents[0].pk}": pdf()}
    if action == "digitize":
        return "so-hoa", {"hanh_dong": "so_hoa"}
    raise AssertionError(action)


ACTIONS = [
    ("receive", State.SUBMITTED),
    ("request_supplement", State.SUBMITTED),
    ("refuse", State.SUBMITTED),
    ("forward", State.RECEIVED),
    ("return", State.RESULT_READY),
    ("attach", State.RECEIVED),
    ("digitize", State.RECEIVED),
]


@pytest.mark.parametrize("who", [None, *DENIED])
@pytest.mark.parametrize(("action", "state"), ACTIONS)
def test_nobody_but_the_agencys_reception_can_act(
    client, request, walker, documents, other_reception, who, action, state
):
    dossier = walker.dossier_in(state)
    page, data = _post_data(action, dossier, documents)
    before = snapshot(dossier)
    login_as(client, request, who)

    response = client.post(url(dossier, page), data)

    if who is None:
        assert response.status_code == 302
        assert response["Location"].startswith("/dang-nhap/")
    else:
        assert response.status_code == 403
    assert snapshot(dossier) == before


@pytest.mark.parametrize(("action", "state"), ACTIONS)
def test_the_agencys_reception_can_act(officer, reception, walker, documents, action, state):
    dossier = walker.dossier_in(state)
    if action == "digitize":
        for document in documents[:2]:
            document_attach(
                actor=reception,
                dossier=dossier,
                upload=pdf(),
                kind=DossierDocument.Kind.SCAN,
                required_document=document,
            )
        dossier = Dossier.objects.get(pk=dossier.pk)
    page, data = _post_data(action, dossier, documents)
    before = snapshot(dossier)

    response = officer.post(url(dossier, page), data)

    assert response.status_code == 302
    assert snapshot(dossier) != before


def test_a_walk_in_cannot_be_entered_by_anyone_else(client, request, agency, three_step_procedure):
    for who in [None, *DENIED]:
        client.logout()
        login_as(client, request, who)
        response = client.post(
            walk_in_url(agency, three_step_procedure),
            {
                "hanh_dong": "tao",
                "channel": "direct",
                "applicant_id_number": KNOWN_ID,
                "applicant_name": "Nguyễn Văn An",
            },
        )
        assert response.status_code == (302 if who is None else 403)
    assert Dossier.objects.count() == 0


# ---------------------------------------------------------------- digitisation


def test_digitisation_needs_every_required_scan(
    officer, walker, declaration, id_copy, proxy_letter
):
    dossier = walker.dossier_in(State.RECEIVED)
    officer.post(url(dossier, "so-hoa"), {"hanh_dong": "dinh_kem", f"tep_{declaration.pk}": pdf()})
    before = snapshot(dossier)
    refused = officer.post(url(dossier, "so-hoa"), {"hanh_dong": "so_hoa"})
    assert refused.status_code == 400
    assert "Còn thiếu bản quét: Bản chụp thẻ căn cước." in refused.content.decode()
    assert snapshot(dossier) == before

    officer.post(url(dossier, "so-hoa"), {"hanh_dong": "dinh_kem", f"tep_{id_copy.pk}": pdf()})
    done = officer.post(url(dossier, "so-hoa"), {"hanh_dong": "so_hoa"})
    assert done.status_code == 302
    digitized = Dossier.objects.get(pk=dossier.pk)
    assert digitized.digitized is True
    assert sorted(
        digitized.documents.filter(kind="scan").values_list("required_document", flat=True)
    ) == sorted([declaration.pk, id_copy.pk])
    assert "Hồ sơ đã được số hóa." in officer.get(url(dossier, "so-hoa")).content.decode()


def test_a_disguised_scan_is_refused_at_digitisation(officer, walker, declaration, id_copy):
    dossier = walker.dossier_in(State.RECEIVED)
    before = snapshot(dossier)
    response = officer.post(
        url(dossier, "so-hoa"),
        {
            "hanh_dong": "dinh_kem",
            f"tep_{id_copy.pk}": pdf("can-cuoc.pdf"),
            f"tep_{declaration.pk}": pdf("to-khai.pdf", b"plain text pretending"),
        },
    )
    assert response.status_code == 400
    assert "Tệp “to-khai.pdf” không phải PDF, JPEG hoặc PNG" in response.content.decode()
    assert snapshot(dossier) == before


def test_an_earlier_result_is_reused_instead_of_a_scan(
    officer, walker, specialist, declaration, id_copy, django_assert_max_num_queries
):
    earlier = walker.dossier_in(State.IN_PROGRESS)
    result = document_attach(
        actor=specialist,
        dossier=earlier,
        upload=pdf("phieu-ly-lich-tu-phap.pdf"),
        kind=DossierDocument.Kind.RESULT,
        at=walker.next_moment(earlier),
    )
    # The slot takes results of this procedure (RequiredDocument.accepts_results_of).
    id_copy.accepts_results_of = [walker.procedure.code]
    id_copy.save(update_fields=["accepts_results_of"])
    dossier = walker.dossier_in(State.RECEIVED)
    # A draft is the agency's: not offered, and a forged post is refused.
    assert officer.get(url(dossier, "so-hoa")).context["sources"] == []
    before = snapshot(dossier)
    response = officer.post(
        url(dossier, "so-hoa"),
        {"hanh_dong": "tai_su_dung", "required_document": id_copy.pk, "source": result.pk},
    )
    assert response.status_code == 400
    assert snapshot(dossier) == before
    earlier = walker.act(Dossier.objects.get(pk=earlier.pk), Action.FORWARD)
    walker.act(walker.act(earlier, Action.APPROVE), Action.RETURN)

    with django_assert_max_num_queries(12):
        page = officer.get(url(dossier, "so-hoa"))
    assert [s.pk for s in page.context["sources"]] == [result.pk]
    # Offered only under the document it may stand in for, never under the declaration.
    form = page.context["reuse_form"]
    assert [group for group, _ in form.fields["source"].choices] == ["", id_copy.name]
    forged = officer.post(
        url(dossier, "so-hoa"),
        {"hanh_dong": "tai_su_dung", "required_document": declaration.pk, "source": result.pk},
    )
    assert forged.status_code == 400
    assert snapshot(dossier) == before

    response = officer.post(
        url(dossier, "so-hoa"),
        {"hanh_dong": "tai_su_dung", "required_document": id_copy.pk, "source": result.pk},
    )
    assert response.status_code == 302
    reused = Dossier.objects.get(pk=dossier.pk)
    assert reused.reused_data is True
    linked = reused.documents.get()
    assert (linked.kind, linked.required_document, linked.reused_from, linked.sha256) == (
        DossierDocument.Kind.SCAN,
        id_copy,
        result,
        result.sha256,
    )
    assert reused.events.order_by("-seq").first().action == "reuse"


def test_someone_elses_result_cannot_be_linked(officer, walker, specialist, agency, id_copy):
    stranger_dossier = walker.dossier_in(State.IN_PROGRESS)
    result = document_attach(
        actor=specialist,
        dossier=stranger_dossier,
        upload=pdf(),
        kind=DossierDocument.Kind.RESULT,
        at=walker.next_moment(stranger_dossier),
    )
    stranger_dossier = walker.act(Dossier.objects.get(pk=stranger_dossier.pk), Action.FORWARD)
    walker.act(stranger_dossier, Action.APPROVE)
    Dossier.objects.filter(pk=stranger_dossier.pk).update(applicant_id_number="001090000555")
    dossier = walker.dossier_in(State.RECEIVED)
    before = snapshot(dossier)
    response = officer.post(
        url(dossier, "so-hoa"),
        {"hanh_dong": "tai_su_dung", "required_document": id_copy.pk, "source": result.pk},
    )
    assert response.status_code == 400
    assert "không có trong kho dữ liệu của người nộp" in response.content.decode()
    assert snapshot(dossier) == before


def test_scans_are_served_to_the_agencys_reception_only(
    client, officer, reception, other_reception, walker, declaration
):
    dossier = walker.dossier_in(State.RECEIVED)
    scan = document_attach(
        actor=reception,
        dossier=dossier,
        upload=pdf(),
        kind=DossierDocument.Kind.SCAN,
        required_document=declaration,
    )
    address = f"/mot-cua/ho-so/{dossier.code}/tai-lieu/{scan.pk}/"
    response = officer.get(address)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert b"".join(response.streaming_content) == PDF
    assert officer.get(f"/mot-cua/ho-so/{dossier.code}/tai-lieu/999999/").status_code == 404
    client.logout()
    client.force_login(other_reception)
    assert client.get(address).status_code == 403


# ---------------------------------------------------------------- return of the result


def test_the_result_is_returned_by_post_recording_who_and_how(officer, walker):
    dossier = walker.dossier_in(State.RESULT_READY)
    page = officer.get(url(dossier, "tra-ket-qua"))
    assert page.status_code == 200
    assert page.context["form"].initial["receiver"] == walker.citizen.full_name

    response = officer.post(
        url(dossier, "tra-ket-qua"),
        {
            "version": dossier.version,
            "method": "post",
            "receiver": "  Trần Thị   Bình ",
            "note_text": "Bưu gửi EMS số EB123456789VN",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == COUNTER
    returned = Dossier.objects.get(pk=dossier.pk)
    event = returned.events.order_by("-seq").first()
    assert returned.state == State.RETURNED
    assert returned.returned_at == event.at
    assert (event.action, event.payload, event.note) == (
        "return",
        {"method": "post", "receiver": "Trần Thị Bình"},
        "Bưu gửi EMS số EB123456789VN",
    )
    assert "Đã trả kết quả hồ sơ" in officer.get(COUNTER).content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"receiver": ""}, "Phải nhập người nhận kết quả."),
        ({"method": "fax"}, "Hình thức trả kết quả không hợp lệ."),
    ],
)
def test_a_return_needs_a_receiver_and_a_known_method(officer, walker, fields, message):
    dossier = walker.dossier_in(State.RESULT_READY)
    before = snapshot(dossier)
    data = {"version": dossier.version, "method": "in_person", "receiver": "Nguyễn Văn An"}
    response = officer.post(url(dossier, "tra-ket-qua"), {**data, **fields})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(dossier) == before


def test_a_dossier_still_in_progress_cannot_be_returned(officer, walker):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    before = snapshot(dossier)
    page = officer.get(url(dossier, "tra-ket-qua"))
    assert "Chỉ trả kết quả khi hồ sơ đã có kết quả" in page.content.decode()
    response = officer.post(
        url(dossier, "tra-ket-qua"),
        {"version": dossier.version, "method": "in_person", "receiver": "Nguyễn Văn An"},
    )
    assert response.status_code == 409
    assert snapshot(dossier) == before


def test_an_officer_of_two_agencies_sees_both_queues(client, walker, reception, other_agency):
    StaffRole.objects.create(user=reception, agency=other_agency, role=Role.RECEPTION)
    mine = walker.dossier_in(State.SUBMITTED)
    foreign_procedure = ProcedureFactory(agencies=[other_agency])
    theirs = walker.create()
    Dossier.objects.filter(pk=theirs.pk).update(agency=other_agency, procedure=foreign_procedure)
    walker.act(Dossier.objects.get(pk=theirs.pk), "submit")
    client.force_login(reception)
    response = client.get(COUNTER)
    assert {d.pk for d in response.context["submitted"].object_list} == {mine.pk, theirs.pk}
    assert response.context["many_agencies"] is True
