"""The bundle's status, derived from its children: the overall label and what each part tells
the citizen."""

from __future__ import annotations

from datetime import datetime

from motcua.bundles.models import BundleMember
from motcua.bundles.status import bundle_status_of
from motcua.catalog.models import Procedure
from motcua.core.worktime import TZ
from motcua.dossiers.models import Dossier, State, WaitOnFailure

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)


def _parts(*states: str, released: bool = False, due: datetime | None = None):
    birth = BundleMember(pk=1, procedure=Procedure(name="Đăng ký khai sinh"), position=1)
    residence = BundleMember(
        pk=2,
        procedure=Procedure(name="Đăng ký thường trú"),
        position=2,
        waits_for_id=1,
        on_failure=WaitOnFailure.WITHDRAW,
    )
    first = Dossier(pk=10, state=states[0], due_at=due)
    second = Dossier(
        pk=11,
        state=states[1],
        waits_for_id=10,
        wait_released_at=NOW if released else None,
    )
    return [(birth, first), (residence, second)]


def test_a_waiting_part_says_what_it_waits_for():
    status = bundle_status_of(_parts(State.IN_PROGRESS, State.SUBMITTED), now=NOW)

    assert (status.key, status.label) == ("in_progress", "Đang giải quyết")
    assert [p.waiting for p in status.parts] == [False, True]
    assert status.parts[1].note == (
        "Chờ kết quả “Đăng ký khai sinh”; cơ quan tiếp nhận và bắt đầu tính thời hạn khi có "
        "kết quả đó."
    )


def test_all_returned_is_done():
    status = bundle_status_of(_parts(State.RETURNED, State.RETURNED, released=True), now=NOW)

    assert (status.key, status.label) == ("done", "Đã trả đủ kết quả")
    assert [p.note for p in status.parts] == ["", ""]


def test_a_refused_part_withdraws_its_dependant_by_the_rule():
    status = bundle_status_of(_parts(State.REFUSED, State.WITHDRAWN), now=NOW)

    assert status.key == "failed"
    assert status.parts[0].note.startswith("Bị từ chối giải quyết.")
    assert status.parts[1].note == (
        "Đã rút theo quy tắc liên thông vì “Đăng ký khai sinh” không có kết quả (từ chối giải "
        "quyết)."
    )


def test_an_overdue_part_is_named_and_the_others_go_on():
    due = datetime(2026, 11, 19, 17, 0, tzinfo=TZ)
    status = bundle_status_of(_parts(State.IN_PROGRESS, State.SUBMITTED, due=due), now=NOW)

    assert status.key == "in_progress"
    assert [p.overdue for p in status.parts] == [True, False]
    assert status.parts[0].note == (
        "Quá hạn giải quyết (hạn 19/11/2026): cơ quan phải xin lỗi và hẹn lại; các thủ tục "
        "khác vẫn tiếp tục."
    )


def test_a_refused_part_beside_open_ones_is_partly_failed():
    status = bundle_status_of(_parts(State.REFUSED, State.RECEIVED, released=True), now=NOW)

    assert (status.key, status.label) == (
        "partly_failed",
        "Đang giải quyết; có thủ tục không có kết quả",
    )
