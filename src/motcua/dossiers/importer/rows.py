"""Checking a row: one record becomes one typed row, or every problem it has, each with its
line and column."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure
from motcua.directory.models import Agency
from motcua.dossiers.importer.catalog import Catalog
from motcua.dossiers.importer.report import Problem
from motcua.dossiers.models import Channel, Dossier, Rating, State

# A dossier with a code has been received (the model's own constraint), so the states before
# reception are not history that can be imported.
STATES = tuple(s for s in State.values if s not in (State.DRAFT, State.SUBMITTED))
CHANNELS = tuple(Channel.values)
RATINGS = tuple(Rating.values)
# §7: "finished" is a result ready, or a refusal after processing.
FINISHED_STATES = (State.RESULT_READY, State.RETURNED, State.REFUSED)
NEED_FINISHED = (State.RESULT_READY, State.RETURNED)
PAUSED_STATES = (State.SUPPLEMENT_REQUESTED, State.SUSPENDED, State.TRANSFERRED)

CODE_MAX = Dossier._meta.get_field("code").max_length or 96
_SMALL_MAX = 32767  # supplement_count is a PositiveSmallIntegerField
_BIG_MAX = 2**63 - 1  # fee_amount is a BigIntegerField
_INTEGER = re.compile(r"^[+-]?\d+$")
_EXAMPLE_MOMENT = "2026-02-13T16:30:00+07:00"


@dataclass(slots=True)
class Row:
    line: int
    code: str
    procedure: Procedure
    agency: Agency
    channel: str
    received_at: datetime
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    state: str
    supplements: int
    digitized: bool
    e_result: bool
    result_to_store: bool
    fee_amount: int
    paid_online: bool
    rating: str
    rated_at: datetime | None
    reused_data: bool
    registry_used: bool
    synced: bool


class Checker:
    """Turns records into rows. JSON Lines may also give booleans and integers natively and
    `null` for empty; a missing JSON key is an empty value."""

    def __init__(self, catalog: Catalog, problems: list[Problem]) -> None:
        self.catalog = catalog
        self.problems = problems
        self.line = 0
        self.code = ""  # the last record's code, when it is a usable one
        self.failed: set[str] = set()

    def fail(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.line, column, reason))
        self.failed.add(column)

    def row(self, line: int, record: Mapping[str, Any]) -> Row | None:
        self.line = line
        self.failed = set()
        get = record.get
        code = self.text("code", get("code"))
        if len(code) > CODE_MAX:
            self.fail("code", _("dài quá %(n)d ký tự") % {"n": CODE_MAX})
        elif "\x00" in code:
            self.fail("code", _("chứa ký tự NUL"))
        self.code = "" if "code" in self.failed else code
        procedure_code = self.text("procedure_code", get("procedure_code"))
        procedure = self.catalog.procedures.get(procedure_code)
        if procedure is None and "procedure_code" not in self.failed:
            self.fail(
                "procedure_code",
                _("không có thủ tục mã '%(code)s' trong danh mục") % {"code": procedure_code},
            )
        agency_code = self.text("agency_code", get("agency_code"))
        agency = self.catalog.agencies.get(agency_code)
        if agency is None and "agency_code" not in self.failed:
            self.fail(
                "agency_code",
                _("không có cơ quan mã '%(code)s' trong danh mục") % {"code": agency_code},
            )
        channel = self.choice("channel", get("channel"), CHANNELS)
        state = self.choice("state", get("state"), STATES)
        received_at = self.moment("received_at", get("received_at"), required=True)
        due_at = self.moment("due_at", get("due_at"))
        finished_at = self.moment("finished_at", get("finished_at"))
        returned_at = self.moment("returned_at", get("returned_at"))
        supplements = self.integer("supplements", get("supplements"), _SMALL_MAX)
        digitized = self.boolean("digitized", get("digitized"))
        e_result = self.boolean("e_result", get("e_result"))
        result_to_store = self.boolean("result_to_store", get("result_to_store"))
        fee_amount = self.integer("fee_amount", get("fee_amount"), _BIG_MAX)
        paid_online = self.boolean("paid_online", get("paid_online"))
        rating = self.choice("rating", get("rating"), RATINGS, required=False)
        rated_at = self.moment("rated_at", get("rated_at"))
        reused_data = self.boolean("reused_data", get("reused_data"))
        registry_used = self.boolean("registry_used", get("registry_used"))
        synced = self.boolean("synced", get("synced"))

        self.in_order("due_at", due_at, "received_at", received_at)
        self.in_order("finished_at", finished_at, "received_at", received_at)
        if finished_at is not None:
            self.in_order("returned_at", returned_at, "finished_at", finished_at)
        else:
            self.in_order("returned_at", returned_at, "received_at", received_at)
        self.in_order("rated_at", rated_at, "received_at", received_at)
        self.consistent(state, finished_at, returned_at, rating, rated_at)

        if self.failed:
            return None
        assert procedure is not None and agency is not None and received_at is not None
        return Row(
            line=line,
            code=code,
            procedure=procedure,
            agency=agency,
            channel=channel,
            received_at=received_at,
            due_at=due_at,
            finished_at=finished_at,
            returned_at=returned_at,
            state=state,
            supplements=supplements,
            digitized=digitized,
            e_result=e_result,
            result_to_store=result_to_store,
            fee_amount=fee_amount,
            paid_online=paid_online,
            rating=rating,
            rated_at=rated_at,
            reused_data=reused_data,
            registry_used=registry_used,
            synced=synced,
        )

    # Each reader returns a usable value; a bad one is reported and its column marked failed.

    def text(self, column: str, value: Any, *, required: bool = True) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(column, _("phải là chuỗi ký tự"))
            return ""
        value = value.strip()
        if required and not value:
            self.fail(column, _("bắt buộc, không được để trống"))
        return value

    def choice(
        self, column: str, value: Any, allowed: tuple[str, ...], *, required: bool = True
    ) -> str:
        text = self.text(column, value, required=required)
        if text and text not in allowed:
            self.fail(
                column,
                _("'%(value)s' không hợp lệ; phải là một trong: %(allowed)s")
                % {"value": text, "allowed": ", ".join(allowed)},
            )
            return ""
        return text

    def moment(self, column: str, value: Any, *, required: bool = False) -> datetime | None:
        if value is None or value == "" or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(column, _("bắt buộc, không được để trống"))
            return None
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                pass
            else:
                if moment.tzinfo is not None and moment.utcoffset() is not None:
                    return moment
                self.fail(
                    column,
                    _("thời điểm '%(value)s' thiếu múi giờ (ví dụ %(example)s)")
                    % {"value": value.strip(), "example": _EXAMPLE_MOMENT},
                )
                return None
        self.fail(
            column,
            _("'%(value)s' không phải thời điểm ISO 8601 có múi giờ (ví dụ %(example)s)")
            % {"value": value, "example": _EXAMPLE_MOMENT},
        )
        return None

    def boolean(self, column: str, value: Any) -> bool:
        if isinstance(value, str):
            value = value.strip()
        if value is True or value == "true":
            return True
        if value is False or value == "false":
            return False
        shown = "" if value is None else value
        self.fail(column, _("'%(value)s' phải là true hoặc false") % {"value": shown})
        return False

    def integer(self, column: str, value: Any, maximum: int) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _INTEGER.match(value.strip()):
            number = int(value)
        if number is None:
            shown = "" if value is None else value
            self.fail(column, _("'%(value)s' phải là số nguyên ≥ 0") % {"value": shown})
            return 0
        if number < 0:
            self.fail(column, _("%(value)d không được âm") % {"value": number})
            return 0
        if number > maximum:
            self.fail(
                column, _("%(value)d lớn quá (tối đa %(max)d)") % {"value": number, "max": maximum}
            )
            return 0
        return number

    def in_order(
        self, column: str, later: datetime | None, other: str, earlier: datetime | None
    ) -> None:
        if later is None or earlier is None or later >= earlier:
            return
        self.fail(
            column,
            _("%(later)s không được trước %(other)s (%(earlier)s)")
            % {"later": later.isoformat(), "other": other, "earlier": earlier.isoformat()},
        )

    def consistent(
        self,
        state: str,
        finished_at: datetime | None,
        returned_at: datetime | None,
        rating: str,
        rated_at: datetime | None,
    ) -> None:
        """The state and its moments must tell the same story (§6, §7)."""
        if state and "state" not in self.failed and "finished_at" not in self.failed:
            if finished_at is None and state in NEED_FINISHED:
                self.fail(
                    "finished_at",
                    _("bắt buộc khi trạng thái là %(state)s") % {"state": state},
                )
            elif finished_at is not None and state not in FINISHED_STATES:
                self.fail(
                    "finished_at",
                    _(
                        "hồ sơ ở trạng thái %(state)s chưa có kết quả; finished_at chỉ có ở "
                        "trạng thái result_ready, returned hoặc refused (từ chối sau xử lý)"
                    )
                    % {"state": state},
                )
        if state and "state" not in self.failed and "returned_at" not in self.failed:
            if returned_at is None and state == State.RETURNED:
                self.fail("returned_at", _("bắt buộc khi trạng thái là returned"))
            elif returned_at is not None and state != State.RETURNED:
                self.fail(
                    "returned_at",
                    _("chỉ có khi trạng thái là returned (đang là %(state)s)") % {"state": state},
                )
        if "rating" not in self.failed and "rated_at" not in self.failed:
            if rating and rated_at is None:
                self.fail("rated_at", _("bắt buộc khi có đánh giá (rating)"))
            elif rated_at is not None and not rating:
                self.fail("rating", _("bắt buộc khi có thời điểm đánh giá (rated_at)"))
