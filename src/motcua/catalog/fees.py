"""What a dossier owes: the one rule over a procedure's fee lines, used by the online form,
the counter, the payment gateway, the receipt and the procedure page.

A line without a group is always added. Lines sharing a group are alternatives (the general
rate, a reduced rate, an exemption): exactly one applies, the one whose condition the
applicant (online) or the officer (at the counter) picks. A line may be limited to one
channel: `online`, or `direct` (at the counter or by post). A group left with one line for
the channel needs no pick. The choice is a mapping group → condition, kept on the dossier
(`Dossier.fee_choice`), so every page reads the same category.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from motcua.catalog.models import FeeLine, Procedure
from motcua.core.errors import ValidationFailed

ONLINE, DIRECT = FeeLine.Channel.ONLINE.value, FeeLine.Channel.DIRECT.value
# The field name under which choice errors are reported (forms, the API, ValidationFailed).
CHOICE_FIELD = "fee_choice"

FeeChoice = Mapping[str, str]


def fee_channel(channel: str) -> str:
    """The fee channel of a dossier's channel: postal submissions pay the counter's rates."""
    return ONLINE if channel == ONLINE else DIRECT


@dataclass(frozen=True)
class FeeCharge:
    """A line applied to a dossier."""

    name: str
    amount: int
    condition: str = ""
    group: str = ""

    def as_line(self) -> dict[str, Any]:
        """The shape a payment keeps (`Payment.lines`) and the receipt prints."""
        line: dict[str, Any] = {"name": self.name, "amount": self.amount}
        if self.condition:
            line["condition"] = self.condition
        return line


@dataclass(frozen=True)
class FeeGroup:
    """Alternatives the applicant or the officer must pick from (more than one applies)."""

    key: str
    options: tuple[FeeCharge, ...]


@dataclass(frozen=True)
class FeeDue:
    amount: int
    charges: tuple[FeeCharge, ...]
    # group → condition, including groups settled by the channel alone.
    choice: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[dict[str, Any]]:
        """What is collected, line by line (free lines left out: nothing to pay for them)."""
        return [c.as_line() for c in self.charges if c.amount > 0]

    @property
    def categories(self) -> list[str]:
        """The conditions picked among alternatives, for the pages that show the choice."""
        return [c.condition for c in self.charges if c.group]


def _applicable(lines: Iterable[FeeLine], channel: str) -> list[FeeLine]:
    wanted = fee_channel(channel)
    return [line for line in lines if not line.channel or line.channel == wanted]


def _charge(line: FeeLine) -> FeeCharge:
    return FeeCharge(name=line.name, amount=line.amount, condition=line.condition, group=line.group)


def fee_lines_for(
    procedure: Procedure, *, channel: str
) -> tuple[list[FeeCharge], dict[str, list[FeeCharge]]]:
    """The additions and the groups of alternatives that apply on `channel`, catalog order."""
    additions, groups = _grouped(_applicable(_lines(procedure), channel))
    return [_charge(line) for line in additions], {
        key: [_charge(line) for line in lines] for key, lines in groups.items()
    }


def _grouped(lines: list[FeeLine]) -> tuple[list[FeeLine], dict[str, list[FeeLine]]]:
    additions: list[FeeLine] = []
    groups: dict[str, list[FeeLine]] = {}
    for line in lines:
        if line.group:
            groups.setdefault(line.group, []).append(line)
        else:
            additions.append(line)
    return additions, groups


def _lines(procedure: Procedure) -> list[FeeLine]:
    # `fees.all()` uses a prefetch when the caller made one (the procedure page).
    return list(procedure.fees.all())


def fee_groups(procedure: Procedure, *, channel: str) -> list[FeeGroup]:
    """The groups that need a pick for this channel, alternatives in catalog order."""
    _additions, groups = _grouped(_applicable(_lines(procedure), channel))
    return [
        FeeGroup(key=key, options=tuple(_charge(line) for line in lines))
        for key, lines in groups.items()
        if len(lines) > 1
    ]


def _resolve(
    procedure: Procedure, choice: FeeChoice | None, channel: str, *, complete: bool
) -> FeeDue | None:
    """The charges for the choice; None when a pick is missing and `complete` is False. An
    unknown group or a condition that does not apply is always refused."""
    given = dict(choice or {})
    all_lines = _lines(procedure)
    additions, groups = _grouped(_applicable(all_lines, channel))
    known_groups = {line.group for line in all_lines if line.group}
    for key in given:
        if key not in known_groups:
            raise ValidationFailed(
                _("Thủ tục này không có nhóm mức phí “%(group)s”.") % {"group": key},
                code="fee_choice_invalid",
                fields={CHOICE_FIELD: "unknown_group"},
            )
    charges = [_charge(line) for line in additions]
    settled: dict[str, str] = {}
    missing = False
    for key, lines in groups.items():
        picked = given.get(key)
        if picked is None and len(lines) == 1:
            picked = lines[0].condition
        if picked is None or picked == "":
            if complete:
                raise ValidationFailed(
                    _(
                        "Hãy chọn đối tượng nộp phí, lệ phí: %(options)s. Mức phí phụ thuộc "
                        "vào đối tượng được chọn."
                    )
                    % {"options": "; ".join(line.condition for line in lines)},
                    code="fee_choice_missing",
                    fields={CHOICE_FIELD: "required"},
                )
            missing = True
            continue
        line = next((line for line in lines if line.condition == picked), None)
        if line is None:
            raise ValidationFailed(
                _(
                    "Đối tượng nộp phí “%(picked)s” không áp dụng cho thủ tục này khi %(channel)s; "
                    "hãy chọn một trong: %(options)s."
                )
                % {
                    "picked": picked[:300],
                    "channel": _("nộp trực tuyến")
                    if fee_channel(channel) == ONLINE
                    else _("nộp trực tiếp hoặc qua bưu chính"),
                    "options": "; ".join(line.condition for line in lines),
                },
                code="fee_choice_invalid",
                fields={CHOICE_FIELD: "invalid"},
            )
        settled[key] = line.condition
        charges.append(_charge(line))
    if missing:
        return None
    return FeeDue(amount=sum(c.amount for c in charges), charges=tuple(charges), choice=settled)


def fee_amount_due(procedure: Procedure, choice: FeeChoice | None, *, channel: str) -> FeeDue:
    """The amount due for the procedure, the chosen categories and the channel: the additions
    plus the chosen alternative of each group. Refuses a missing or invalid pick."""
    due = _resolve(procedure, choice, channel, complete=True)
    assert due is not None
    return due


def fee_choice_clean(
    procedure: Procedure, choice: FeeChoice | None, *, channel: str
) -> tuple[dict[str, str], FeeDue | None]:
    """A draft's choice so far: what was picked (checked), and the amount once every pick is
    made. A missing pick is not an error yet — submission requires it."""
    due = _resolve(procedure, choice, channel, complete=False)
    if due is not None:
        return due.choice, due
    return {k: v for k, v in (choice or {}).items() if v}, None


def fee_due_recorded(
    procedure: Procedure, *, choice: FeeChoice | None, channel: str, recorded: int
) -> FeeDue:
    """What a dossier owes, line by line: the rule applied to its recorded choice, as long
    as that still gives the amount recorded when it was submitted; otherwise (the catalog
    changed since) the recorded amount as one line — the fee owed is the one announced."""
    try:
        due = fee_amount_due(procedure, choice, channel=channel)
    except ValidationFailed:
        due = None
    if due is not None and due.amount == recorded:
        return due
    return FeeDue(
        amount=recorded,
        charges=(FeeCharge(name=_("Phí, lệ phí của hồ sơ"), amount=recorded),),
        choice=dict(choice or {}),
    )


def fee_lines_problems(lines: list[dict[str, Any]]) -> list[tuple[int | None, str, str]]:
    """Rules over a procedure's lines taken together (the import and the admin): each
    alternative names its condition, conditions differ within a group, and a group offers
    a line for each channel. Returns (line index or None, key, why)."""
    problems: list[tuple[int | None, str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    channels: dict[str, set[str]] = {}

    def text(value: Any) -> str:
        # A wrong type is reported by the field checks; here it counts as absent.
        return value.strip() if isinstance(value, str) else ""

    for index, line in enumerate(lines):
        group = text(line.get("group"))
        if not group:
            continue
        condition = text(line.get("condition"))
        if not condition:
            problems.append(
                (
                    index,
                    "condition",
                    _("mức thuộc nhóm “%(g)s” phải ghi đối tượng áp dụng") % {"g": group},
                )
            )
            continue
        if (group, condition) in seen:
            problems.append(
                (
                    index,
                    "condition",
                    _("đối tượng “%(c)s” trùng với dòng %(i)d của nhóm “%(g)s”")
                    % {"c": condition, "i": seen[(group, condition)], "g": group},
                )
            )
        seen.setdefault((group, condition), index)
        channel = text(line.get("channel"))
        channels.setdefault(group, set()).update({ONLINE, DIRECT} if not channel else {channel})
    for group, covered in channels.items():
        for channel, label in ((ONLINE, _("nộp trực tuyến")), (DIRECT, _("nộp trực tiếp"))):
            if channel not in covered:
                problems.append(
                    (
                        None,
                        "group",
                        _("nhóm “%(g)s” không có mức nào áp dụng khi %(channel)s")
                        % {"g": group, "channel": label},
                    )
                )
    return problems


@dataclass(frozen=True)
class FeeSchedule:
    """The procedure's fees as published: what is always added, and the groups of which one
    rate applies. The procedure page shows alternatives as such, never as a sum."""

    additions: tuple[FeeLine, ...]
    groups: tuple[tuple[FeeLine, ...], ...]

    @property
    def empty(self) -> bool:
        return not self.additions and not self.groups


def fee_schedule(procedure: Procedure) -> FeeSchedule:
    additions, groups = _grouped(_lines(procedure))
    return FeeSchedule(
        additions=tuple(additions), groups=tuple(tuple(lines) for lines in groups.values())
    )
