"""The tamper-evident event log (domain.md §11): every dossier's events chained by hash,
signed daily roots, and `motcua audit-verify` naming each dossier whose history was edited,
deleted or reordered — and only those."""

from __future__ import annotations

import csv
import json
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from motcua.directory.models import Role
from motcua.dossiers.audit.chain import GENESIS, ImportEventHash, event_hash
from motcua.dossiers.audit.fill import chains_fill
from motcua.dossiers.audit.keys import key_path, signature_valid, signing_key
from motcua.dossiers.audit.roots import ROOT_GENESIS, audit_root_make, message_of
from motcua.dossiers.importer import COLUMNS
from motcua.dossiers.lifecycle import Action, Record, dossier_record, dossier_transition
from motcua.dossiers.models import AuditRoot, Dossier, DossierEvent, State
from tests.factories import ProcedureFactory, staff
from tests.walker import Walker


def verify(*args: str) -> tuple[int, list[str]]:
    """Run `audit-verify`; its exit status and output lines."""
    out = StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=StringIO())
        status = 0
    except SystemExit as exit:
        status = int(exit.code or 0)
    return status, out.getvalue().strip().splitlines()


def execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def steps(procedure) -> None:
    procedure.steps.all().delete()
    procedure.steps.create(position=1, name="Thẩm định", role=Role.SPECIALIST, share_percent=60)
    procedure.steps.create(position=2, name="Phê duyệt", role=Role.APPROVER, share_percent=40)


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def three(walker, citizen, other_agency, partner_agency, var_dir):
    """Three dossiers of three agencies and procedures: returned (Sở Tư pháp), in progress
    (Sở Xây dựng), received (Sở Tài chính)."""
    walkers = [walker]
    for code, agency in (("1.009994", other_agency), ("2.002156", partner_agency)):
        procedure = ProcedureFactory(code=code, agencies=[agency])
        steps(procedure)
        walkers.append(
            Walker(
                citizen=citizen,
                reception=staff(Role.RECEPTION, agency),
                specialist=staff(Role.SPECIALIST, agency),
                approver=staff(Role.APPROVER, agency),
                procedure=procedure,
                agency=agency,
            )
        )
    returned = walker.dossier_in(State.RETURNED)
    in_progress = walkers[1].dossier_in(State.RECEIVED)
    in_progress = walkers[1].act(in_progress, Action.FORWARD)
    received = walkers[2].dossier_in(State.RECEIVED)
    return [returned, in_progress, received]


def named(lines: list[str], dossier: Dossier) -> list[str]:
    return [line for line in lines if line.startswith(f"Hồ sơ {dossier.code}:")]


def test_each_event_hashes_its_content_and_the_one_before(three):
    returned = three[0]
    events = list(returned.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 9))
    prev = GENESIS
    for event in events:
        assert event.hash == event_hash(
            reference=returned.reference,
            seq=event.seq,
            at=event.at,
            actor_id=event.actor_id,
            action=event.action,
            from_state=event.from_state,
            to_state=event.to_state,
            note=event.note,
            payload=event.payload,
            prev=prev,
        )
        prev = event.hash


def test_a_normal_lifecycle_verifies_intact(three):
    status, lines = verify()
    assert status == 0
    assert lines == ["Nhật ký hồ sơ nguyên vẹn (intact): 3 hồ sơ, 15 thao tác, 0 gốc ngày đã ký."]


def test_an_edited_note_names_that_dossier_only(three):
    returned, in_progress, received = three
    execute(
        "UPDATE dossiers_dossierevent SET note = %s WHERE dossier_id = %s AND seq = 2",
        ["đã sửa", in_progress.pk],
    )
    status, lines = verify()
    assert status == 1
    assert lines[0] == (
        f"Hồ sơ {in_progress.code}: nhật ký bị sửa — thao tác số 2 (submit) không khớp mã băm."
    )
    assert named(lines, returned) == [] and named(lines, received) == []
    assert lines[-1].startswith("Nhật ký hồ sơ KHÔNG nguyên vẹn: 1 hồ sơ bị thay đổi, 0 lỗi")


def test_an_edited_payload_or_actor_is_found_too(three):
    _returned, _in_progress, received = three
    execute(
        "UPDATE dossiers_dossierevent SET actor_id = NULL WHERE dossier_id = %s AND seq = 3",
        [received.pk],
    )
    status, lines = verify()
    assert status == 1
    assert lines[:-1] == [
        f"Hồ sơ {received.code}: nhật ký bị sửa — thao tác số 3 (receive) không khớp mã băm."
    ]


def test_a_deleted_middle_event_is_named(three):
    returned, _in_progress, _received = three
    execute("DELETE FROM dossiers_dossierevent WHERE dossier_id = %s AND seq = 4", [returned.pk])
    status, lines = verify()
    assert status == 1
    assert lines[:-1] == [f"Hồ sơ {returned.code}: nhật ký bị xoá — thiếu thao tác số 4."]


def test_swapped_events_are_named_as_reordered(three):
    returned, _in_progress, _received = three
    for old, new in ((4, 1000), (5, 4), (1000, 5)):
        execute(
            "UPDATE dossiers_dossierevent SET seq = %s WHERE dossier_id = %s AND seq = %s",
            [new, returned.pk, old],
        )
    status, lines = verify()
    assert status == 1
    assert lines[:-1] == [
        f"Hồ sơ {returned.code}: nhật ký bị đảo thứ tự — thao tác số 4 vốn ở vị trí số 5; "
        "thao tác số 5 ghi thời điểm trước thao tác liền trước; "
        "thao tác số 5 vốn ở vị trí số 4."
    ]


def test_a_deleted_last_event_is_found_through_the_root(three):
    returned, _in_progress, _received = three
    root = audit_root_make()
    assert root is not None and root.heads_count == 3
    execute("DELETE FROM dossiers_dossierevent WHERE dossier_id = %s AND seq = 8", [returned.pk])
    status, lines = verify()
    assert status == 1
    day = root.day.strftime("%d/%m/%Y")
    assert lines[:-1] == [
        f"Hồ sơ {returned.code}: nhật ký bị xoá — thiếu thao tác số 8 mà gốc ngày {day} đã "
        "ghi; thiếu thao tác cuối: hồ sơ ở phiên bản 7 nhưng nhật ký dừng ở thao tác số 7."
    ]


def test_a_deleted_last_event_is_found_without_a_root_by_the_version(three):
    _returned, in_progress, _received = three
    execute("DELETE FROM dossiers_dossierevent WHERE dossier_id = %s AND seq = 4", [in_progress.pk])
    status, lines = verify()
    assert status == 1
    assert lines[:-1] == [
        f"Hồ sơ {in_progress.code}: nhật ký bị xoá — thiếu thao tác cuối: hồ sơ ở phiên bản 3 "
        "nhưng nhật ký dừng ở thao tác số 3."
    ]


def test_a_state_changed_without_an_event_is_named(three):
    _returned, _in_progress, received = three
    execute("UPDATE dossiers_dossier SET state = 'returned' WHERE id = %s", [received.pk])
    status, lines = verify()
    assert status == 1
    assert lines[:-1] == [
        f"Hồ sơ {received.code}: nhật ký bị sửa — trạng thái hồ sơ (returned) không phải trạng "
        "thái thao tác cuối (số 3) để lại (received): trạng thái bị sửa không qua thao tác."
    ]


def test_a_dossier_deleted_with_its_events_is_named_from_the_root(three):
    _returned, _in_progress, received = three
    root = audit_root_make()
    code = received.code
    execute("DELETE FROM dossiers_dossierevent WHERE dossier_id = %s", [received.pk])
    execute("DELETE FROM dossiers_dossier WHERE id = %s", [received.pk])
    status, lines = verify()
    assert status == 1
    day = root.day.strftime("%d/%m/%Y")
    assert lines[:-1] == [
        f"Hồ sơ {code}: nhật ký bị xoá — hồ sơ đã bị xoá cùng nhật ký (gốc ngày {day} ghi "
        "thao tác số 3)."
    ]
    status, lines = verify("--dossier", code)
    assert status == 1 and lines[0].startswith(f"Hồ sơ {code}: nhật ký bị xoá")


def test_a_changed_root_fails_its_signature(three):
    root = audit_root_make()
    AuditRoot.objects.filter(pk=root.pk).update(last_event_id=root.last_event_id - 1)
    status, lines = verify()
    assert status == 1
    day = root.day.strftime("%d/%m/%Y")
    assert lines[:-1] == [
        f"Gốc ngày {day} (số {root.pk}): nội dung gốc bị sửa.",
        f"Gốc ngày {day} (số {root.pk}): chữ ký không hợp lệ.",
    ]


def test_a_root_re_signed_with_another_key_is_refused(three, var_dir):
    audit_root_make()
    key_path().rename(var_dir / "old_key.pem")
    other = signing_key()  # a key of its own, as someone rewriting the roots would make
    root = AuditRoot.objects.get()
    AuditRoot.objects.filter(pk=root.pk).update(
        signature=other.sign(message_of(root)).hex(),
        public_key=other.public_key().public_bytes_raw().hex(),
    )
    (var_dir / "old_key.pem").replace(key_path())
    status, lines = verify()
    assert status == 1
    assert lines[0].endswith("được ký bằng khoá khác khoá của hệ thống.")


def test_roots_chain_sign_and_export(three, walker, var_dir):
    first = audit_root_make()
    assert audit_root_make() is None  # nothing new since
    later = walker.dossier_in(State.SUBMITTED)
    second = audit_root_make()
    assert second is not None
    assert (first.prev, second.prev) == (ROOT_GENESIS, first.root)
    assert second.heads_count == 1
    assert list(second.heads.values_list("reference", "seq")) == [(later.reference, 2)]
    assert oct(key_path().stat().st_mode & 0o777) == "0o600"
    target = var_dir / "roots.json"
    call_command("audit_root", "--export", str(target), stdout=StringIO())
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["algorithm"] == "Ed25519"
    assert [r["root"] for r in exported["roots"]] == [first.root, second.root]
    for entry in exported["roots"]:
        assert signature_valid(
            public=entry["public_key"],
            signature=entry["signature"],
            message=entry["message"].encode(),
        )
    assert verify()[0] == 0


def test_verify_one_dossier(three):
    returned, _in_progress, received = three
    execute(
        "UPDATE dossiers_dossierevent SET note = %s WHERE dossier_id = %s AND seq = 2",
        ["x", returned.pk],
    )
    assert verify("--dossier", received.code) == (
        0,
        ["Nhật ký hồ sơ nguyên vẹn (intact): 1 hồ sơ, 3 thao tác, 0 gốc ngày đã ký."],
    )
    status, lines = verify("--dossier", returned.code)
    assert status == 1 and named(lines, returned) == lines[:1]


def test_the_import_hash_equals_the_general_one():
    moment = datetime(2026, 2, 13, 16, 30, 0, 250, tzinfo=UTC) + timedelta(hours=1)
    fast = ImportEventHash('hồ sơ "cũ".csv')
    assert fast(reference="NK-1", at=moment, state="returned") == event_hash(
        reference="NK-1",
        seq=1,
        at=moment,
        actor_id=None,
        action="import",
        from_state="",
        to_state="returned",
        note="",
        payload={"source": 'hồ sơ "cũ".csv'},
        prev=GENESIS,
    )


ROW = {
    "code": "000.00.11.H99-260213-0001",
    "procedure_code": "2.000488",
    "agency_code": "000.00.11.H99",
    "channel": "online",
    "received_at": "2026-02-13T16:30:00.123456+07:00",
    "due_at": "",
    "finished_at": "",
    "returned_at": "",
    "state": "in_progress",
    "supplements": "0",
    "digitized": "false",
    "e_result": "false",
    "result_to_store": "false",
    "fee_amount": "0",
    "paid_online": "false",
    "rating": "",
    "rated_at": "",
    "reused_data": "false",
    "registry_used": "false",
    "synced": "false",
}


def _csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        out.writeheader()
        out.writerows(rows)
    return path


def test_imported_events_verify_intact_new_and_updated(three, procedure, tmp_path):
    rows = [
        ROW,
        {**ROW, "code": "000.00.11.H99-260214-0002", "received_at": "2026-02-14T08:00:00Z"},
        # A moment the fast path does not take as it is (no offset minutes): the checker's.
        {**ROW, "code": "000.00.11.H99-260215-0003", "received_at": "2026-02-15T09:00:00+0700"},
    ]
    call_command("import_dossiers", str(_csv(tmp_path / "dot1.csv", rows)), stdout=StringIO())
    assert verify()[0] == 0
    assert audit_root_make() is not None
    changed = [{**rows[0], "state": "returned", "finished_at": "2026-02-20T10:00:00+07:00"}]
    changed[0]["returned_at"] = "2026-02-21T10:00:00+07:00"
    call_command(
        "import_dossiers", str(_csv(tmp_path / "dot2.csv", changed + rows[1:])), stdout=StringIO()
    )
    updated = Dossier.objects.get(code=ROW["code"])
    assert list(updated.events.values_list("seq", "action")) == [
        (1, "import"),
        (2, "import_update"),
    ]
    status, lines = verify()
    assert (status, lines[-1]) == (
        0,
        "Nhật ký hồ sơ nguyên vẹn (intact): 6 hồ sơ, 19 thao tác, 1 gốc ngày đã ký.",
    )
    execute(
        "UPDATE dossiers_dossierevent SET to_state = 'cancelled' WHERE dossier_id = %s AND seq = 2",
        [updated.pk],
    )
    status, lines = verify()
    assert status == 1 and [line.split(":")[0] for line in lines[:-1]] == [f"Hồ sơ {updated.code}"]


def test_the_migration_backfill_chains_as_the_writer_does(three):
    before = dict(DossierEvent.objects.values_list("pk", "hash"))
    DossierEvent.objects.update(hash="")
    assert chains_fill(event_model=DossierEvent, dossier_model=Dossier, using="default") == 15
    assert dict(DossierEvent.objects.values_list("pk", "hash")) == before


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_make_one_chain(walker, var_dir):
    """The counter digitises a dossier while the same officer's other tab forwards it, at the
    same moment: `dossier_lock` serialises them, so the second event chains from the first,
    never both from the same event."""
    dossier = walker.dossier_in(State.RECEIVED)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def forward() -> None:
        dossier_transition(actor=walker.reception, dossier=dossier, action=Action.FORWARD)

    def digitize() -> None:
        with transaction.atomic():
            dossier_record(actor=walker.reception, dossier=dossier, action=Record.DIGITIZE)

    def run(write) -> None:
        try:
            barrier.wait()
            write()
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(w,)) for w in (forward, digitize)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert sorted(e.action for e in events[3:]) == [Record.DIGITIZE, Action.FORWARD]
    assert verify() == (
        0,
        ["Nhật ký hồ sơ nguyên vẹn (intact): 1 hồ sơ, 5 thao tác, 0 gốc ngày đã ký."],
    )


def test_a_dossier_left_without_events_is_named(three):
    _returned, in_progress, _received = three
    execute("DELETE FROM dossiers_dossierevent WHERE dossier_id = %s", [in_progress.pk])
    status, lines = verify()
    assert status == 1
    assert lines[:-1] == [f"Hồ sơ {in_progress.code}: nhật ký bị xoá — không còn thao tác nào."]
