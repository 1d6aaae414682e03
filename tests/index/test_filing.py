"""Filing the periodic statistics report (§8.1): drafted by the job on the first working day,
submitted and signed by a leader of the agency, frozen, corrected as a new version with its
reason, and read from the level above with who has not filed and the roll-up.

The world: a province with three departments below it, March 2026. Sở Tư pháp (sector Hộ
tịch) settled one dossier early and holds one overdue; a ward (sector Đất đai) holds one within
time; Sở Nội vụ has no leader and no dossier, so the job drafts nothing for it.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from motcua.catalog.models import Procedure
from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.core.models import AuditEvent
from motcua.core.worktime import TZ
from motcua.directory.models import Agency, Role, User
from motcua.dossiers.models import Channel, Dossier, State
from motcua.esign.pki import demo_pki_ensure
from motcua.esign.verify import _roots, result_verify
from motcua.index.engine import Period
from motcua.index.filing import (
    filed_report_drift,
    filing_status,
    kind_period,
    period_kind,
    periods_due,
    periods_ending,
    report_correct,
    report_draft,
    report_submit,
)
from motcua.index.models import FiledReport
from motcua.index.report import report_compute
from tests.esign.fixtures import esign_pki_dir  # noqa: F401
from tests.factories import AgencyFactory, ProcedureFactory, SectorFactory, staff

pytestmark = pytest.mark.django_db

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
MONTH, QUARTER, HALF, YEAR = "month", "quarter", "half", "year"


def at(month: int, day: int, hour: int = 8) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TZ)


def cells(received: tuple, settled: tuple, pending: tuple) -> dict:
    names = {
        "received": ("total", "online", "direct_postal", "carried_over"),
        "settled": ("total", "early", "on_time", "late"),
        "pending": ("total", "within_time", "overdue"),
    }
    values = {"received": received, "settled": settled, "pending": pending}
    return {g: dict(zip(names[g], values[g], strict=True)) for g in names}


HO_TICH = cells((2, 1, 1, 0), (1, 1, 0, 0), (1, 0, 1))
DAT_DAI = cells((1, 1, 0, 0), (0, 0, 0, 0), (1, 1, 0))


class World:
    def __init__(self) -> None:
        self.province = AgencyFactory(
            code="000.00.00.H99", name="UBND tỉnh thử nghiệm", level=Agency.Level.PROVINCE
        )
        self.justice = AgencyFactory(
            code="000.00.11.H99", name="Sở Tư pháp thử nghiệm", parent=self.province
        )
        self.ward = AgencyFactory(
            code="000.00.21.H99",
            name="UBND phường thử nghiệm",
            parent=self.province,
            level=Agency.Level.COMMUNE,
        )
        self.home_affairs = AgencyFactory(
            code="000.00.31.H99", name="Sở Nội vụ thử nghiệm", parent=self.province
        )
        self.governor = staff(Role.LEADER, self.province, username="lanh_dao_tinh")
        self.director = staff(Role.LEADER, self.justice, username="giam_doc_so")
        self.ward_chair = staff(Role.LEADER, self.ward, username="chu_tich_phuong")
        self.specialist = staff(Role.SPECIALIST, self.justice, username="chuyen_vien_so")
        hotich = ProcedureFactory(sector=SectorFactory(name="Hộ tịch"), agencies=[self.justice])
        datdai = ProcedureFactory(sector=SectorFactory(name="Đất đai"), agencies=[self.ward])
        self.count = 0
        # Settled early (on 5/3, due 10/3); pending and overdue at the month's end.
        self.dossier(hotich, self.justice, Channel.ONLINE, at(3, 2), at(3, 10), at(3, 5))
        self.dossier(hotich, self.justice, Channel.DIRECT, at(3, 3), at(3, 20))
        self.dossier(datdai, self.ward, Channel.ONLINE, at(3, 4), at(4, 30))

    def dossier(
        self,
        procedure: Procedure,
        agency: Agency,
        channel: str,
        received: datetime,
        due: datetime,
        finished: datetime | None = None,
    ) -> Dossier:
        self.count += 1
        return Dossier.objects.create(
            reference=f"REF{self.count:05d}",
            code=f"{agency.code}-260301-{self.count:04d}",
            procedure=procedure,
            agency=agency,
            channel=channel,
            state=State.RESULT_READY if finished else State.IN_PROGRESS,
            applicant_name="Trần Thị Thử",
            created_at=received,
            received_at=received,
            due_at=due,
            finished_at=finished,
        )


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture
def signing(world, esign_pki_dir, settings, tmp_path):  # noqa: F811
    """The demo PKI with keys for the world's agencies; signed files in this test's folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MOTCUA_ESIGN_DIR = str(esign_pki_dir)
    settings.MOTCUA_ESIGN_KEY_DIR = str(esign_pki_dir / "agencies")
    settings.MOTCUA_ESIGN_TRUST_ROOTS = [str(esign_pki_dir / "ca.pem")]
    settings.MOTCUA_ESIGN_SIGNER = "motcua.esign.signing.AgencyKeySigner"
    demo_pki_ensure([world.province, world.justice, world.ward])
    return world


def justice_march(rows: list | None = None) -> dict:
    return {
        "agency": "000.00.11.H99",
        "from": "2026-03-01",
        "to": "2026-03-31",
        "rows": rows if rows is not None else [{"sector": "Hộ tịch", **HO_TICH}],
        "total": HO_TICH,
    }


def rows_of(agency: Agency) -> list[tuple]:
    return list(
        FiledReport.objects.filter(agency=agency)
        .order_by("period_start", "version")
        .values_list(
            "version", "status", "figures", "submitted_by_id", "signed_sha256", "correction_reason"
        )
    )


def actions() -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="filed_report")
        .values_list("action", flat=True)
        .order_by("pk")
    )


# ---------------------------------------------------------------- periods


def test_periods_of_each_kind_and_the_ones_ending_with_a_month():
    assert kind_period(MONTH, date(2026, 2, 1)) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert kind_period(QUARTER, date(2026, 4, 1)) == Period(date(2026, 4, 1), date(2026, 6, 30))
    assert kind_period(HALF, date(2026, 7, 1)) == Period(date(2026, 7, 1), date(2026, 12, 31))
    assert kind_period(YEAR, date(2026, 1, 1)) == Period(date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(ValidationFailed) as refused:
        kind_period(QUARTER, date(2026, 2, 1))
    assert refused.value.message == "Ngày 01/02/2026 không phải ngày đầu của một kỳ báo cáo quý."
    assert period_kind(Period(date(2026, 1, 1), date(2026, 6, 30))) == HALF
    with pytest.raises(ValidationFailed):
        period_kind(Period(date(2026, 3, 2), date(2026, 3, 31)))
    assert [k for k, _p in periods_ending(date(2026, 12, 31))] == [MONTH, QUARTER, HALF, YEAR]
    assert [k for k, _p in periods_ending(date(2026, 9, 30))] == [MONTH, QUARTER]
    assert periods_ending(date(2026, 9, 29)) == []


def test_the_job_runs_on_the_first_working_day_of_a_month_only(db):
    # 1 February 2026 is a Sunday: the month's first working day is Monday the 2nd.
    assert periods_due(date(2026, 2, 1)) == []
    assert periods_due(date(2026, 2, 2)) == [(MONTH, Period(date(2026, 1, 1), date(2026, 1, 31)))]
    assert periods_due(date(2026, 2, 3)) == []
    assert periods_due(date(2026, 7, 1)) == [
        (MONTH, Period(date(2026, 6, 1), date(2026, 6, 30))),
        (QUARTER, Period(date(2026, 4, 1), date(2026, 6, 30))),
        (HALF, Period(date(2026, 1, 1), date(2026, 6, 30))),
    ]


# ---------------------------------------------------------------- drafting


def test_a_draft_holds_the_table_and_drafting_again_refreshes_it(world):
    draft = report_draft(agency=world.justice, kind=MONTH, period=MARCH)

    assert (draft.version, draft.status, draft.kind) == (1, "draft", MONTH)
    assert draft.figures == justice_march() == report_compute(agency=world.justice, period=MARCH)

    procedure = Procedure.objects.get(sector__name="Hộ tịch")
    world.dossier(procedure, world.justice, Channel.POSTAL, at(3, 30), at(4, 10))
    again = report_draft(agency=world.justice, kind=MONTH, period=MARCH)

    assert again.pk == draft.pk
    assert FiledReport.objects.count() == 1
    assert again.figures["total"]["received"] == {
        "total": 3,
        "online": 1,
        "direct_postal": 2,
        "carried_over": 0,
    }
    assert actions() == ["report.draft", "report.refresh"]


def test_a_future_or_unfinished_period_or_the_wrong_kind_is_refused(world):
    with pytest.raises(ValidationFailed) as future:
        report_draft(
            agency=world.justice, kind=YEAR, period=Period(date(2099, 1, 1), date(2099, 12, 31))
        )
    assert future.value.fields == {"from": "future"}
    with pytest.raises(ValidationFailed) as mismatch:
        quarter = Period(date(2026, 1, 1), date(2026, 3, 31))
        report_draft(agency=world.justice, kind=MONTH, period=quarter)
    assert mismatch.value.fields == {"kind": "mismatch"}
    this_month = kind_period(MONTH, timezone.localdate().replace(day=1))
    with pytest.raises(ValidationFailed) as unfinished:
        report_draft(agency=world.justice, kind=MONTH, period=this_month)
    assert unfinished.value.message == (
        f"Kỳ báo cáo kết thúc ngày {this_month.end:%d/%m/%Y}: chỉ lập báo cáo sau khi kỳ đã "
        "kết thúc."
    )
    assert FiledReport.objects.count() == 0
    assert actions() == []


def test_a_person_drafts_only_for_the_agency_they_lead(world):
    for person in (world.specialist, world.governor, world.ward_chair):
        with pytest.raises(PermissionDenied):
            report_draft(agency=world.justice, kind=MONTH, period=MARCH, actor=person)
    assert FiledReport.objects.count() == 0

    draft = report_draft(agency=world.justice, kind=MONTH, period=MARCH, actor=world.director)
    assert AuditEvent.objects.get(action="report.draft").actor == world.director
    assert draft.version == 1


# ---------------------------------------------------------------- submitting


def test_submitting_freezes_the_figures_and_signs_the_pdf_with_the_agencys_key(signing):
    world = signing
    draft = report_draft(agency=world.justice, kind=MONTH, period=MARCH)

    filed = report_submit(actor=world.director, filed=draft)

    filed = FiledReport.objects.get(pk=draft.pk)
    data = filed.signed_pdf.open("rb").read()
    assert (filed.status, filed.version, filed.submitted_by) == ("submitted", 1, world.director)
    assert filed.figures == justice_march() == report_compute(agency=world.justice, period=MARCH)
    assert filed.signed_sha256 == hashlib.sha256(data).hexdigest()
    assert filed.signed_pdf.name == "bao-cao/000.00.11.H99/2026-03-01_2026-03-31_v1.pdf"
    # The esign verification: a sound signature, trusted, over the whole file; not one of the
    # dossiers' results, which is all it says against it.
    verdict = result_verify(data)
    assert (verdict.code, verdict.facts.common_name) == ("unknown_result", "Sở Tư pháp thử nghiệm")
    signature = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures[-1]
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=_roots(), allow_fetching=False)
    )
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    event = AuditEvent.objects.get(action="report.submit")
    assert (event.actor, event.data["sha256"], event.data["version"]) == (
        world.director,
        filed.signed_sha256,
        1,
    )


def test_a_filed_report_is_frozen_and_stays_reproducible(signing):
    world = signing
    filed = report_submit(
        actor=world.director, filed=report_draft(agency=world.justice, kind=MONTH, period=MARCH)
    )
    before = rows_of(world.justice)
    assert filed_report_drift(filed) == []

    with pytest.raises(Conflict) as twice:
        report_submit(actor=world.director, filed=filed)
    assert twice.value.message == "Báo cáo lần 1 của kỳ này đã được nộp; không thể nộp lại."
    # The job again: the filed version is left alone.
    assert report_draft(agency=world.justice, kind=MONTH, period=MARCH).pk == filed.pk
    assert rows_of(world.justice) == before

    # A dossier entered late changes today's table, never the filed one.
    procedure = Procedure.objects.get(sector__name="Hộ tịch")
    world.dossier(procedure, world.justice, Channel.ONLINE, at(3, 30), at(4, 10))
    report_draft(agency=world.justice, kind=MONTH, period=MARCH)
    assert rows_of(world.justice) == before
    assert filed_report_drift(FiledReport.objects.get(pk=filed.pk)) == [
        "Hộ tịch/pending/total",
        "Hộ tịch/pending/within_time",
        "Hộ tịch/received/online",
        "Hộ tịch/received/total",
        "total/pending/total",
        "total/pending/within_time",
        "total/received/online",
        "total/received/total",
    ]


def test_only_a_leader_of_the_reports_agency_submits_and_a_refusal_changes_nothing(signing):
    world = signing
    draft = report_draft(agency=world.justice, kind=MONTH, period=MARCH)
    before = rows_of(world.justice)
    # The specialist, another agency's leader and the leader of the level above.
    for person in (world.specialist, world.ward_chair, world.governor):
        with pytest.raises(PermissionDenied) as refused:
            report_submit(actor=person, filed=draft)
        assert refused.value.message == (
            "Chỉ lãnh đạo của Sở Tư pháp thử nghiệm được lập, nộp và đính chính báo cáo của "
            "cơ quan."
        )
    assert rows_of(world.justice) == before
    assert actions() == ["report.draft"]


# ---------------------------------------------------------------- correcting


def test_a_correction_is_a_new_draft_version_with_its_reason(signing):
    world = signing
    first = report_submit(
        actor=world.director, filed=report_draft(agency=world.justice, kind=MONTH, period=MARCH)
    )
    with pytest.raises(ValidationFailed) as no_reason:
        report_correct(actor=world.director, filed=first, reason="   ")
    assert no_reason.value.message == "Phải nêu lý do đính chính báo cáo."
    with pytest.raises(PermissionDenied):
        report_correct(actor=world.governor, filed=first, reason="Sai số liệu.")
    assert FiledReport.objects.count() == 1

    reason = "Bổ sung hồ sơ tiếp nhận qua bưu chính ngày 30/3 nhập muộn."
    procedure = Procedure.objects.get(sector__name="Hộ tịch")
    world.dossier(procedure, world.justice, Channel.POSTAL, at(3, 30), at(4, 10))
    second = report_correct(actor=world.director, filed=first, reason=f"  {reason} ")

    assert (second.version, second.status, second.correction_reason) == (2, "draft", reason)
    assert second.figures["total"]["received"]["direct_postal"] == 2
    assert FiledReport.objects.get(pk=first.pk).figures == justice_march()
    with pytest.raises(Conflict) as again:
        report_correct(actor=world.director, filed=first, reason=reason)
    assert again.value.message == "Đã có lần 2 của kỳ này: đính chính từ lần mới nhất."
    with pytest.raises(Conflict):
        report_correct(actor=world.director, filed=second, reason=reason)

    filed = report_submit(actor=world.director, filed=second)
    assert (filed.version, filed.status) == (2, "submitted")
    assert filed.signed_pdf.name == "bao-cao/000.00.11.H99/2026-03-01_2026-03-31_v2.pdf"
    assert [(v, s) for v, s, *_rest in rows_of(world.justice)] == [
        (1, "submitted"),
        (2, "submitted"),
    ]
    assert actions() == [
        "report.draft",
        "report.submit",
        "report.correct",
        "report.submit",
    ]


# ---------------------------------------------------------------- the level above


def test_the_level_above_sees_who_filed_who_drafted_who_did_not_and_the_roll_up(signing):
    world = signing
    report_submit(
        actor=world.director, filed=report_draft(agency=world.justice, kind=MONTH, period=MARCH)
    )
    report_draft(agency=world.ward, kind=MONTH, period=MARCH)

    status = filing_status(world.province, MONTH, MARCH)

    assert [(c.agency.code, c.state, c.filed and c.filed.version) for c in status.children] == [
        ("000.00.11.H99", "filed", 1),
        ("000.00.21.H99", "draft", None),
        ("000.00.31.H99", "missing", None),
    ]
    assert [a.code for a in status.missing] == ["000.00.21.H99", "000.00.31.H99"]
    assert status.rollup.as_json() == report_compute(agency=world.province, period=MARCH)
    assert status.rollup.as_json()["rows"] == [
        {"sector": "Đất đai", **DAT_DAI},
        {"sector": "Hộ tịch", **HO_TICH},
    ]
    assert status.rollup.as_json()["total"] == cells((3, 2, 1, 0), (1, 1, 0, 0), (2, 1, 1))


# ---------------------------------------------------------------- the command


def test_the_job_drafts_for_agencies_with_leaders_or_dossiers_once(world, capsys):
    call_command("report_draft", "--date", "2026-04-01")
    first = capsys.readouterr().out.strip()
    call_command("report_draft", "--date", "2026-04-01")
    second = capsys.readouterr().out.strip()
    call_command("report_draft", "--date", "2026-04-02")
    idle = capsys.readouterr().out.strip()

    periods = "Kỳ: Tháng 01/03/2026–31/03/2026, Quý 01/01/2026–31/03/2026."
    assert first == f"{periods} Dự thảo mới: 6; cập nhật số liệu: 0; đã nộp, giữ nguyên: 0."
    assert second == f"{periods} Dự thảo mới: 0; cập nhật số liệu: 6; đã nộp, giữ nguyên: 0."
    assert idle == (
        "Ngày 02/04/2026 không phải ngày làm việc đầu tiên của tháng: không có kỳ nào cần lập."
    )
    assert sorted(FiledReport.objects.values_list("agency__code", "kind", "version", "status")) == [
        ("000.00.00.H99", "month", 1, "draft"),
        ("000.00.00.H99", "quarter", 1, "draft"),
        ("000.00.11.H99", "month", 1, "draft"),
        ("000.00.11.H99", "quarter", 1, "draft"),
        ("000.00.21.H99", "month", 1, "draft"),
        ("000.00.21.H99", "quarter", 1, "draft"),
    ]
    assert FiledReport.objects.get(agency=world.justice, kind=MONTH).figures == justice_march()


def test_the_job_refuses_a_future_date_and_check_reports_drift(signing, capsys):
    world = signing
    with pytest.raises(SystemExit) as future:
        call_command("report_draft", "--date", "2099-01-01")
    assert future.value.code == 2
    assert capsys.readouterr().err == (
        "Ngày 01/01/2099 chưa đến: không lập báo cáo cho ngày trong tương lai.\n"
    )
    report_submit(
        actor=world.director, filed=report_draft(agency=world.justice, kind=MONTH, period=MARCH)
    )
    call_command("report_draft", "--check")
    assert capsys.readouterr().out == (
        "1 báo cáo đã nộp, 0 báo cáo có số liệu khác dữ liệu hiện tại.\n"
    )
    Dossier.objects.filter(channel=Channel.DIRECT).update(channel=Channel.POSTAL)
    call_command("report_draft", "--check")  # the same cells: direct and postal are one
    capsys.readouterr()
    Dossier.objects.filter(channel=Channel.POSTAL).update(channel=Channel.ONLINE)
    with pytest.raises(SystemExit) as drifted:
        call_command("report_draft", "--check")
    assert drifted.value.code == 1
    assert capsys.readouterr().out == (
        "000.00.11.H99 01/03/2026–31/03/2026 lần 1: khác ở Hộ tịch/received/direct_postal, "
        "Hộ tịch/received/online, total/received/direct_postal, total/received/online\n"
        "1 báo cáo đã nộp, 1 báo cáo có số liệu khác dữ liệu hiện tại.\n"
    )


# ---------------------------------------------------------------- the pages

PAGE = "/chi-so/bao-cao/nop/?agency={code}&from=2026-03-01&to=2026-03-31"


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_leader_drafts_submits_corrects_and_downloads_from_the_page(signing):
    world = signing
    director = client_for(world.director)
    report = director.get("/chi-so/bao-cao/?agency=000.00.11.H99&from=2026-03-01&to=2026-03-31")
    assert (
        'href="/chi-so/bao-cao/nop/?agency=000.00.11.H99&amp;from=2026-03-01&amp;to=2026-03-31"'
        in report.content.decode()
    )
    page = director.get(PAGE.format(code=world.justice.code))
    assert page.status_code == 200
    assert "Chưa có dự thảo báo cáo cho kỳ này." in page.content.decode()

    made = director.post(
        "/chi-so/bao-cao/nop/lap/",
        {"agency": world.justice.code, "from": "2026-03-01", "to": "2026-03-31"},
    )
    assert made.status_code == 302
    draft = FiledReport.objects.get(agency=world.justice)
    unconfirmed = director.post(f"/chi-so/bao-cao/nop/{draft.pk}/nop/", {})
    assert unconfirmed.status_code == 400
    assert "Đánh dấu ô xác nhận" in unconfirmed.content.decode()
    assert FiledReport.objects.get(pk=draft.pk).status == "draft"

    submitted = director.post(f"/chi-so/bao-cao/nop/{draft.pk}/nop/", {"xac_nhan": "1"})
    assert submitted.status_code == 302
    assert submitted["Location"] == PAGE.format(code=world.justice.code)
    twice = director.post(f"/chi-so/bao-cao/nop/{draft.pk}/nop/", {"xac_nhan": "1"})
    assert twice.status_code == 409
    filed = FiledReport.objects.get(pk=draft.pk)
    download = director.get(f"/chi-so/bao-cao/nop/{draft.pk}/ban-ky.pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert hashlib.sha256(download.content).hexdigest() == filed.signed_sha256
    page = director.get(PAGE.format(code=world.justice.code)).content.decode()
    assert "Số liệu đã nộp vẫn khớp với dữ liệu hiện tại." in page

    no_reason = director.post(f"/chi-so/bao-cao/nop/{draft.pk}/dinh-chinh/", {"ly_do": ""})
    assert no_reason.status_code == 400
    assert "Phải nêu lý do đính chính báo cáo." in no_reason.content.decode()
    corrected = director.post(
        f"/chi-so/bao-cao/nop/{draft.pk}/dinh-chinh/", {"ly_do": "Nhập thiếu hồ sơ."}
    )
    assert corrected.status_code == 302
    assert list(
        FiledReport.objects.filter(agency=world.justice)
        .order_by("version")
        .values_list("version", "status", "correction_reason")
    ) == [(1, "submitted", ""), (2, "draft", "Nhập thiếu hồ sơ.")]


def test_the_parent_leader_reads_the_childrens_filing_and_may_not_submit_for_them(signing):
    world = signing
    report_submit(
        actor=world.director, filed=report_draft(agency=world.justice, kind=MONTH, period=MARCH)
    )
    draft = report_draft(agency=world.ward, kind=MONTH, period=MARCH)
    governor = client_for(world.governor)

    page = governor.get(PAGE.format(code=world.province.code))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-agency="000.00.11.H99" data-state="filed"' in html
    assert 'data-agency="000.00.21.H99" data-state="draft"' in html
    assert 'data-agency="000.00.31.H99" data-state="missing"' in html
    assert "2 cơ quan chưa nộp báo cáo kỳ này." in html
    assert '<td class="num" data-total="1">3</td>' in html
    filed = FiledReport.objects.get(agency=world.justice)
    assert governor.get(f"/chi-so/bao-cao/nop/{filed.pk}/ban-ky.pdf").status_code == 200

    before = rows_of(world.ward)
    refused = governor.post(f"/chi-so/bao-cao/nop/{draft.pk}/nop/", {"xac_nhan": "1"})
    assert refused.status_code == 403
    assert rows_of(world.ward) == before


def test_the_pages_refuse_other_agencies_specialists_and_a_future_period(signing):
    world = signing
    draft = report_draft(agency=world.justice, kind=MONTH, period=MARCH)
    before = rows_of(world.justice)
    events = AuditEvent.objects.count()
    for person in (world.ward_chair, world.specialist):
        client = client_for(person)
        assert client.get(PAGE.format(code=world.justice.code)).status_code == 403
        assert (
            client.post(f"/chi-so/bao-cao/nop/{draft.pk}/nop/", {"xac_nhan": "1"}).status_code
            == 403
        )
        assert (
            client.post(
                f"/chi-so/bao-cao/nop/{draft.pk}/dinh-chinh/", {"ly_do": "Sai."}
            ).status_code
            == 403
        )
        assert (
            client.post(
                "/chi-so/bao-cao/nop/lap/",
                {"agency": world.justice.code, "from": "2026-03-01", "to": "2026-03-31"},
            ).status_code
            == 403
        )
    anonymous = Client().post(f"/chi-so/bao-cao/nop/{draft.pk}/nop/", {"xac_nhan": "1"})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/dang-nhap/?next=")
    future = client_for(world.director).post(
        "/chi-so/bao-cao/nop/lap/",
        {"agency": world.justice.code, "from": "2099-01-01", "to": "2099-01-31"},
    )
    assert future.status_code == 400
    assert "Kỳ báo cáo bắt đầu ngày 01/01/2099, sau ngày hôm nay" in future.content.decode()
    assert rows_of(world.justice) == before
    assert AuditEvent.objects.count() == events


def test_the_parent_page_reads_in_as_many_queries_whatever_the_number_of_children(signing):
    world = signing
    for child in (world.justice, world.ward):
        report_draft(agency=child, kind=MONTH, period=MARCH)
    governor = client_for(world.governor)
    governor.get(PAGE.format(code=world.province.code))

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            page = governor.get(PAGE.format(code=world.province.code))
        return len(captured), page.content.decode().count('data-state="missing"')

    few = queries()
    for code in range(41, 51):
        AgencyFactory(code=f"000.00.{code}.H99", parent=world.province)
    many = queries()

    # The session, the user, the leader's agencies (a walk per level of the tree, once a
    # request), the versions, the children, their reports, the table.
    assert (few, many) == ((15, 1), (15, 11))


def test_a_future_period_an_odd_period_and_an_unknown_report_on_the_pages(signing):
    world = signing
    director = client_for(world.director)

    future = director.get("/chi-so/bao-cao/nop/?agency=000.00.11.H99&from=2099-01-01&to=2099-01-31")
    odd = director.get("/chi-so/bao-cao/nop/?agency=000.00.11.H99&from=2026-03-02&to=2026-03-31")

    assert future.status_code == 400
    assert "Kỳ báo cáo bắt đầu ngày 01/01/2099, sau ngày hôm nay" in future.content.decode()
    assert odd.status_code == 400
    assert (
        "Kỳ từ 02/03/2026 đến 31/03/2026 không phải một kỳ báo cáo định kỳ" in odd.content.decode()
    )
    assert director.get("/chi-so/bao-cao/nop/999999/ban-ky.pdf").status_code == 404
    assert director.post("/chi-so/bao-cao/nop/999999/nop/", {"xac_nhan": "1"}).status_code == 404
    assert (
        Client().get(PAGE.format(code="000.00.11.H99"))["Location"].startswith("/dang-nhap/?next=")
    )
    draft = report_draft(agency=world.justice, kind=MONTH, period=MARCH)
    # A draft has no signed file yet.
    assert director.get(f"/chi-so/bao-cao/nop/{draft.pk}/ban-ky.pdf").status_code == 403


@given(
    kind=st.sampled_from([MONTH, QUARTER, HALF, YEAR]),
    year=st.integers(2000, 2099),
    month=st.integers(1, 12),
)
def test_every_reporting_period_is_named_by_its_kind_and_ends_a_month(kind, year, month):
    months = {MONTH: 1, QUARTER: 3, HALF: 6, YEAR: 12}[kind]
    start = date(year, month - (month - 1) % months, 1)

    period = kind_period(kind, start)

    assert period_kind(period) == kind
    assert (kind, period) in periods_ending(period.end)
    assert (period.end + timedelta(days=1)).day == 1
    assert (period.end.year - start.year) * 12 + period.end.month - start.month + 1 == months


def test_the_database_holds_one_draft_per_period_and_a_reason_on_every_correction(world):
    draft = report_draft(agency=world.justice, kind=MONTH, period=MARCH)
    fields = {
        "agency": world.justice,
        "kind": MONTH,
        "period_start": MARCH.start,
        "period_end": MARCH.end,
        "figures": {},
        "drafted_at": draft.drafted_at,
    }
    for extra in (
        {"version": 2, "correction_reason": "Lần thứ hai."},  # a second draft at once
        {"version": 1, "status": "submitted"},  # the same version again, and unsigned
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            FiledReport.objects.create(**fields, **extra)
    with pytest.raises(IntegrityError), transaction.atomic():
        FiledReport.objects.filter(pk=draft.pk).update(status="submitted")  # unsigned
    FiledReport.objects.filter(pk=draft.pk).update(
        status="submitted",
        submitted_by=world.director,
        submitted_at=draft.drafted_at,
        signed_sha256="0" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        FiledReport.objects.create(**fields, version=2)  # a correction without its reason
    assert FiledReport.objects.count() == 1
