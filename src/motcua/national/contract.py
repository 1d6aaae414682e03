"""The §12.1 message contract: what a batch and each of its messages must hold, checked
without the database.

`batch_parse` turns the verified payload into messages or raises `BadBatch` (the whole batch
answers 400). `message_check` turns one message into the columns of a snapshot, or into a
`Rejection` naming the first thing that breaks the contract (that message alone is refused).
Every string is checked for what PostgreSQL cannot store (NUL, lone surrogates), every number
for the column it goes to, so that nothing that passes here can fail at the database.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from motcua.core.worktime import TZ

MAX_MESSAGES = 500
MAX_DEPTH = 16
BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1
DATE_PATTERN = re.compile(r"^[0-9]{14}$")
FIRST_YEAR, LAST_YEAR = 1900, 2199
# Asia/Ho_Chi_Minh has been UTC+7 since 13 June 1975 (the zone's last change).
FIXED_OFFSET_SINCE = "19750614"

REQUIRED_TEXT = {"code": 64, "procedure_code": 64, "agency_code": 64}
OPTIONAL_TEXT = {"procedure_name": 500, "sector": 255, "agency_name": 255}
TIMES = ("submitted_at", "received_at", "due_at", "finished_at", "returned_at", "refused_at")
FLAGS = (
    "digitized",
    "e_result",
    "result_to_store",
    "paid_online",
    "reused_data",
    "registry_used",
    "vneid_verified",
)
RATINGS = {"very_satisfied", "satisfied", "unsatisfied"}
KNOWN = {
    "version",
    "channel",
    "status",
    "applicant",
    "supplements",
    "fee_amount",
    "rating",
    "rated_at",
    *REQUIRED_TEXT,
    *OPTIONAL_TEXT,
    *TIMES,
    *FLAGS,
}


class BadBatch(Exception):
    """The payload is not a §12.1 batch: 400, nothing stored."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Rejection:
    id: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "message": self.message}


class _Broken(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def payload_load(payload: bytes) -> Any:
    """The payload as JSON; NaN, Infinity and numbers beyond a float are refused (no column
    and no JSON document in PostgreSQL can hold them)."""
    try:
        return json.loads(payload, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError, UnicodeDecodeError) as error:
        raise BadBatch(_("Nội dung gói tin không phải JSON hợp lệ.")) from error


@dataclass(frozen=True)
class Batch:
    province: str
    batch_id: uuid.UUID
    messages: list[Any]
    risky: bool = True  # see `payload_risky`
    # The PEM of the key whose signature it carried: the batch's transaction confirms that
    # key is still the province's active one (None: not received signed, as in tests).
    signed_with: str | None = None


def batch_parse(data: Any) -> Batch:
    if not isinstance(data, dict):
        raise BadBatch(_("Gói tin phải là một đối tượng JSON."))
    province, batch_id, messages = data.get("province"), data.get("batch_id"), data.get("messages")
    if not isinstance(province, str) or not province:
        raise BadBatch(_("Gói tin thiếu mã tỉnh ('province')."))
    parsed_id = _uuid(batch_id)
    if parsed_id is None:
        raise BadBatch(_("'batch_id' phải là một UUID."))
    if not isinstance(messages, list):
        raise BadBatch(_("'messages' phải là một danh sách."))
    if len(messages) > MAX_MESSAGES:
        raise BadBatch(
            _("Một gói tin có tối đa %(n)d thông điệp, gói này có %(m)d.")
            % {"n": MAX_MESSAGES, "m": len(messages)}
        )
    return Batch(province=province, batch_id=parsed_id, messages=messages)


def _uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _text_storable(message: Any) -> bool:
    """No NUL and no lone surrogate anywhere in the message (PostgreSQL stores neither), found
    in one C-speed pass: NUL is the only character `json.dumps` writes as `\\u0000`."""
    try:
        text = json.dumps(message, ensure_ascii=False, check_circular=False)
        text.encode("utf-8")
    except (UnicodeEncodeError, ValueError, RecursionError):
        return False
    return "\\u0000" not in text


def _storable(value: Any, depth: int = 0) -> bool:
    """Whether PostgreSQL can store `value` in a column or a JSON document: for the parts of
    a message kept as JSON (unknown keys, progress), with bounded depth and integers."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if depth >= MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return all(_storable(k, depth + 1) and _storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v, depth + 1) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        # A JSON document holds any integer, a column only 64 bits: keep both sane.
        return abs(value) <= BIGINT_MAX
    return True


def _plain_steps(progress: list[dict[str, Any]]) -> bool:
    """Whether every step holds only scalars, integers within 64 bits: what `_storable` says
    of such steps in a payload that is not risky (its strings need no look), found without
    recursion. False means "look closer", not "refused"."""
    for step in progress:
        for value in step.values():
            kind = value.__class__
            if kind is int:
                if abs(value) > BIGINT_MAX:
                    return False
            elif not (kind is str or value is None or kind is bool or kind is float):
                return False
    return True


def moment_parse(value: Any, key: str) -> datetime | None:
    """`yyyyMMddHHmmss` in Asia/Ho_Chi_Minh (§12), or None."""
    if value is None:
        return None
    if value.__class__ is str and len(value) == 14 and value.isascii() and value.isdigit():
        # The common case, without the pattern (which also lets a final newline through).
        try:
            if value >= FIXED_OFFSET_SINCE:
                # The offset in the text, read in C: attaching the ZoneInfo with `replace`
                # costs three times the parse, for the same instant.
                moment = datetime.fromisoformat(f"{value[:8]}T{value[8:]}+07:00")
            else:
                moment = datetime.fromisoformat(f"{value[:8]}T{value[8:]}").replace(tzinfo=TZ)
        except ValueError:
            pass  # the path below names the fault
        else:
            if FIRST_YEAR <= moment.year <= LAST_YEAR:
                return moment
    if not isinstance(value, str) or not DATE_PATTERN.match(value):
        raise _Broken(
            "invalid_date",
            _("'%(key)s' phải có dạng yyyyMMddHHmmss hoặc null.") % {"key": key},
        )
    try:
        # The 14 digits in ISO 8601's basic form, read in C: a third faster than six int().
        moment = datetime.fromisoformat(f"{value[:8]}T{value[8:14]}").replace(tzinfo=TZ)
    except ValueError as error:
        raise _Broken(
            "invalid_date",
            _("'%(key)s': ngày giờ không tồn tại (%(value)s).")
            % {
                "key": key,
                "value": value,
            },
        ) from error
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise _Broken(
            "invalid_date",
            _("'%(key)s': năm %(year)d nằm ngoài khoảng cho phép.")
            % {"key": key, "year": moment.year},
        )
    return moment


def _integer(value: Any, key: str, low: int, high: int, *, code: str = "invalid_value") -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Broken("invalid_type", _("'%(key)s' phải là số nguyên.") % {"key": key})
    if not low <= value <= high:
        raise _Broken(
            code,
            _("'%(key)s' phải từ %(low)d đến %(high)d.") % {"key": key, "low": low, "high": high},
        )
    return value


def _text(value: Any, key: str, max_length: int, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        what = _("chuỗi không rỗng") if required else _("chuỗi ký tự")
        raise _Broken("invalid_type", _("'%(key)s' phải là %(what)s.") % {"key": key, "what": what})
    if len(value) > max_length:
        raise _Broken(
            "invalid_value",
            _("'%(key)s' dài quá %(n)d ký tự.") % {"key": key, "n": max_length},
        )
    return value


def _flag(value: Any, key: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _Broken("invalid_type", _("'%(key)s' phải là true hoặc false.") % {"key": key})
    return value


def _applicant(value: Any) -> tuple[int | None, str, str]:
    if value is None:
        return None, "", ""
    if value.__class__ is dict:
        kind, id_kind, number = value.get("kind"), value.get("id_kind"), value.get("id")
        if (
            (kind is None or (kind.__class__ is int and 1 <= kind <= 4))
            and id_kind.__class__ is str
            and len(id_kind) <= 32
            and number.__class__ is str
            and len(number) <= 64
        ):
            return kind, id_kind, number
    if not isinstance(value, dict):
        raise _Broken("invalid_type", _("'applicant' phải là một đối tượng."))
    kind = value.get("kind")
    if kind is not None:
        kind = _integer(kind, "applicant.kind", 1, 4, code="invalid_value")
    id_kind = value.get("id_kind")
    if isinstance(id_kind, int) and not isinstance(id_kind, bool):
        id_kind = str(id_kind)
    return (
        kind,
        _text(id_kind, "applicant.id_kind", 32, required=False),
        _text(value.get("id"), "applicant.id", 64, required=False),
    )


def _progress(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(step, dict) for step in value):
        raise _Broken("invalid_type", _("'progress' phải là danh sách các đối tượng."))
    return value


@dataclass(slots=True)  # one for every message: `frozen` would make each four times dearer
class Checked:
    """A message that keeps the contract: its id and the snapshot's columns."""

    id: uuid.UUID
    code: str
    version: int
    columns: dict[str, Any]


# In valid UTF-8 JSON a NUL or a lone surrogate can only come from a `\\u` escape or from
# the bytes of a surrogate (`json.loads` decodes with "surrogatepass"); a payload in UTF-16
# or UTF-32, which it also reads, has NUL bytes. A payload with none of these spares every
# message the check.
_RISKY = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\xed[\xa0-\xbf]|\x00")


def payload_risky(payload: bytes) -> bool:
    """Whether any string of the payload may hold what PostgreSQL cannot store."""
    return _RISKY.search(payload) is not None


def message_check(message: Any, *, risky: bool = True) -> Checked | Rejection:
    raw_id = message.get("id") if isinstance(message, dict) else None
    shown_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= 64 else None
    try:
        return _checked(message, risky)
    except _Broken as broken:
        if shown_id is not None and not _storable(shown_id):
            shown_id = None
        return Rejection(id=shown_id, code=broken.code, message=broken.message)


_REQUIRED_KEYS = ("code", "version", "procedure_code", "agency_code", "channel", "status")


def _checked(message: Any, risky: bool) -> Checked:
    # Runs for every message of every batch: the common, valid case is tested inline (exact
    # types, as JSON gives them) and only what fails it goes through the helpers, which name
    # the fault. The order of the checks, and so the rejection a message gets, is the
    # contract's.
    if not isinstance(message, dict):
        raise _Broken("invalid_message", _("Thông điệp phải là một đối tượng JSON."))
    message_id = _uuid(message.get("id"))
    if message_id is None:
        raise _Broken("invalid_id", _("Thông điệp thiếu 'id' dạng UUID."))
    if risky and not _text_storable(message):
        raise _Broken(
            "invalid_value",
            _("Thông điệp chứa ký tự, số hoặc độ sâu lồng nhau không lưu được."),
        )
    dossier = message.get("dossier")
    if not isinstance(dossier, dict):
        raise _Broken("missing_field", _("Thông điệp thiếu đối tượng 'dossier'."))
    get = dossier.get
    for key in _REQUIRED_KEYS:
        if get(key) is None:
            raise _Broken(
                "missing_field", _("Hồ sơ thiếu trường bắt buộc '%(key)s'.") % {"key": key}
            )
    columns: dict[str, Any] = {}
    for key, length in REQUIRED_TEXT.items():
        value = dossier[key]
        if not (value.__class__ is str and len(value) <= length and value.strip()):
            value = _text(value, key, length, required=True)
        columns[key] = value
    for key, length in OPTIONAL_TEXT.items():
        value = get(key)
        if value is None:
            value = ""
        elif not (value.__class__ is str and len(value) <= length):
            value = _text(value, key, length, required=False)
        columns[key] = value
    version = dossier["version"]
    if not (version.__class__ is int and 0 <= version <= BIGINT_MAX):
        version = _integer(version, "version", 0, BIGINT_MAX, code="invalid_value")
    columns["version"] = version
    status = dossier["status"]
    if not (status.__class__ is int and 1 <= status <= 10):
        status = _integer(status, "status", 1, 10, code="invalid_status")
    columns["status"] = status
    channel = dossier["channel"]
    if not (channel.__class__ is int and 1 <= channel <= 3):
        channel = _integer(channel, "channel", 1, 3, code="invalid_channel")
    columns["channel"] = channel
    for key in TIMES:
        value = get(key)
        columns[key] = None if value is None else moment_parse(value, key)
    for key in FLAGS:
        value = get(key)
        if value is None:
            value = False
        elif value is not True and value is not False:
            value = _flag(value, key)
        columns[key] = value
    supplements = get("supplements")
    if supplements is None:
        supplements = 0
    elif not (supplements.__class__ is int and 0 <= supplements <= INT_MAX):
        supplements = _integer(supplements, "supplements", 0, INT_MAX)
    columns["supplement_count"] = supplements
    fee = get("fee_amount")
    if fee is None:
        fee = 0
    elif not (fee.__class__ is int and 0 <= fee <= BIGINT_MAX):
        fee = _integer(fee, "fee_amount", 0, BIGINT_MAX)
    columns["fee_amount"] = fee
    rating = get("rating")
    if rating not in (None, "") and not (isinstance(rating, str) and rating in RATINGS):
        raise _Broken(
            "invalid_value",
            _("'rating' phải là very_satisfied, satisfied, unsatisfied hoặc để trống."),
        )
    columns["rating"] = rating or ""
    rated_at = get("rated_at")
    columns["rated_at"] = None if rated_at is None else moment_parse(rated_at, "rated_at")
    (
        columns["applicant_kind"],
        columns["applicant_id_kind"],
        columns["applicant_id"],
    ) = _applicant(get("applicant"))
    progress = _progress(message.get("progress"))
    columns["progress"] = progress
    unknown = dossier.keys() - KNOWN
    extra = {key: dossier[key] for key in dossier if key in unknown} if unknown else {}
    plain = not risky and not extra and _plain_steps(progress)
    if not (plain or (_storable(extra) and _storable(progress))):
        raise _Broken(
            "invalid_value",
            _("Thông điệp chứa số hoặc độ sâu lồng nhau không lưu được."),
        )
    columns["extra"] = extra
    columns["paid_online_at"] = _paid_online_at(columns, extra)
    return Checked(id=message_id, code=columns["code"], version=version, columns=columns)


def _paid_online_at(columns: dict[str, Any], extra: dict[str, Any]) -> datetime | None:
    """The contract names no payment moment: a `paid_online_at` beside the dossier's keys is
    read when it is a valid moment, else the payment counts on the day of reception."""
    if not columns["paid_online"]:
        return None
    try:
        moment = moment_parse(extra.get("paid_online_at"), "paid_online_at")
    except _Broken:
        moment = None
    return moment or columns["received_at"]
