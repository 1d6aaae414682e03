"""The standard cost model (mô hình chi phí chuẩn) of a procedure, pure arithmetic in integer
VND:

    cost per year = (hours × hourly cost + fees + other costs) × frequency × subjects

`hours × hourly cost` is rounded to the đồng (half up) first — it is what one application
costs in time —, then the product with the frequency and the subjects is rounded once. Every
parameter has a range (`RANGES`); a value outside it, or one that is not a number, is refused
with the field named (`params_check`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog.fees import DIRECT, fee_lines_for
from motcua.catalog.models import Procedure
from motcua.core.errors import ValidationFailed


@dataclass(frozen=True)
class Range:
    label: Any  # lazy Vietnamese label, named in the refusal
    low: Decimal
    high: Decimal
    places: int  # 0: whole đồng / people; 2: hours and times per year


RANGES: dict[str, Range] = {
    "hours": Range(gettext_lazy("Số giờ cho mỗi lần thực hiện"), Decimal(0), Decimal(10_000), 2),
    "hourly_cost": Range(gettext_lazy("Chi phí một giờ"), Decimal(0), Decimal(10_000_000), 0),
    "fees": Range(gettext_lazy("Phí, lệ phí mỗi lần"), Decimal(0), Decimal(1_000_000_000), 0),
    "other_costs": Range(
        gettext_lazy("Chi phí khác mỗi lần"), Decimal(0), Decimal(1_000_000_000), 0
    ),
    "frequency": Range(gettext_lazy("Số lần thực hiện mỗi năm"), Decimal(0), Decimal(1_000), 2),
    "subjects": Range(
        gettext_lazy("Số đối tượng thực hiện mỗi năm"), Decimal(0), Decimal(100_000_000), 0
    ),
}
# The fields staff enter for a procedure; `fees` comes from the catalog.
ENTERED = ("hours", "hourly_cost", "other_costs", "frequency", "subjects")


@dataclass(frozen=True)
class CostParams:
    hours: Decimal
    hourly_cost: int
    fees: int
    other_costs: int
    frequency: Decimal
    subjects: int

    @property
    def per_application(self) -> int:
        """What one application costs the one who makes it, in đồng."""
        return _round(self.hours * self.hourly_cost) + self.fees + self.other_costs

    @property
    def per_year(self) -> int:
        return _round(Decimal(self.per_application) * self.frequency * self.subjects)

    def as_json(self) -> dict[str, str | int]:
        """For a JSON column: decimals as their text, so nothing is lost to floats."""
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CostParams:
        return params_check(data)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


_WHOLE = re.compile(r"^-?(\d+|\d{1,3}([.,]\d{3})+)$")
_THOUSANDS_DECIMAL = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")
_DECIMAL = re.compile(r"^-?\d+([.,]\d+)?$")


def _number(raw: Any, field: str, rule: Range) -> Decimal:
    """A number as people type it in Vietnam: dots between thousands (`1.500.000`), a decimal
    comma (`2,5`); a dot not followed by groups of three digits is a decimal point (`2.5`).
    A whole-đồng field takes no decimals; no exponent, no `NaN`."""
    if isinstance(raw, Decimal | int):
        return Decimal(raw)
    text = "".join(str(raw or "").split())
    if not text:
        raise ValidationFailed(
            _("Nhập %(label)s.") % {"label": str(rule.label).lower()}, fields={field: "required"}
        )
    if rule.places == 0 and _WHOLE.match(text):
        return Decimal(text.replace(".", "").replace(",", ""))
    if rule.places and _THOUSANDS_DECIMAL.match(text):
        return Decimal(text.replace(".", "").replace(",", "."))
    if rule.places and _DECIMAL.match(text):
        return Decimal(text.replace(",", "."))
    raise ValidationFailed(
        _("%(label)s “%(value)s” không phải là số (ví dụ 1.500.000 hoặc 2,5).")
        % {"label": rule.label, "value": text[:20]},
        fields={field: "invalid"},
    )


def _limit(value: Decimal, places: int) -> str:
    text = f"{value:,.{places}f}" if places else f"{int(value):,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def params_check(raw: Mapping[str, Any], *, fields: tuple[str, ...] = tuple(RANGES)) -> CostParams:
    """Every parameter parsed and range-checked, in the order of `RANGES`; the first bad one is
    refused with its name (`fields={name: "out_of_range" | "invalid" | "required" |
    "too_precise"}`) and a Vietnamese message naming it."""
    values: dict[str, Any] = {}
    for field in fields:
        rule = RANGES[field]
        value = _number(raw.get(field), field, rule)
        if not rule.low <= value <= rule.high:
            raise ValidationFailed(
                _("%(label)s phải từ %(low)s đến %(high)s (đang là %(value)s).")
                % {
                    "label": rule.label,
                    "low": _limit(rule.low, 0),
                    "high": _limit(rule.high, 0),
                    "value": _limit(value, rule.places) if abs(value) < 10**18 else "…",
                },
                fields={field: "out_of_range"},
            )
        if value != value.quantize(Decimal(1).scaleb(-rule.places), rounding=ROUND_HALF_UP):
            raise ValidationFailed(
                _("%(label)s chỉ lấy đến %(places)d chữ số thập phân.")
                % {"label": rule.label, "places": rule.places},
                fields={field: "too_precise"},
            )
        values[field] = value if rule.places else int(value)
    values.setdefault("fees", 0)
    return CostParams(**values)


def catalog_fees(procedure: Procedure) -> int:
    """The fees of one application from the catalog's fee lines, at the counter's rates (the
    model's baseline is the paper application): the lines always added, plus for each group of
    alternatives its general rate — the highest, since reduced rates and exemptions are lower."""
    additions, groups = fee_lines_for(procedure, channel=DIRECT)
    return sum(c.amount for c in additions) + sum(
        max(c.amount for c in options) for options in groups.values() if options
    )


def money_vi(amount: int) -> str:
    """`1.234.567 đ` — Vietnamese thousands separators."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + " đ"
