"""The bundle's status, derived from its children every time it is read (never stored): what
each part is doing, which part holds the others up, and what a refused, withdrawn or late part
means for the rest, by the bundle's rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.bundles.models import BundleMember
from motcua.dossiers.models import TERMINAL_STATES, Dossier, State, WaitOnFailure

_FAILED = frozenset({State.REFUSED, State.WITHDRAWN, State.CANCELLED})


@dataclass(frozen=True)
class PartStatus:
    member: BundleMember
    dossier: Dossier
    waiting: bool  # held before reception for another part's result
    overdue: bool
    note: str  # what the citizen should know about this part, or ""


@dataclass(frozen=True)
class BundleStatus:
    key: str  # "in_progress" | "partly_failed" | "done" | "done_partly" | "failed"
    label: str
    parts: list[PartStatus]


def _day(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y") if moment else ""


def bundle_status_of(
    parts: list[tuple[BundleMember, Dossier]], *, now: datetime | None = None
) -> BundleStatus:
    """Pure over the members and their dossiers (as read), so the rule is tested alone."""
    moment = now or timezone.now()
    by_member = {member.pk: dossier for member, dossier in parts}
    names = {member.pk: member.procedure.name for member, _d in parts}
    views = []
    for member, dossier in parts:
        waited = by_member.get(member.waits_for_id) if member.waits_for_id else None
        waiting = (
            dossier.waits_for_id is not None
            and dossier.wait_released_at is None
            and dossier.state not in TERMINAL_STATES
        )
        open_ = dossier.finished_at is None and dossier.closed_at is None
        overdue = bool(open_ and dossier.due_at is not None and dossier.due_at < moment)
        note = ""
        if waiting and member.waits_for_id:
            note = _(
                "Chờ kết quả “%(name)s”; cơ quan tiếp nhận và bắt đầu tính thời hạn khi có kết "
                "quả đó."
            ) % {"name": names[member.waits_for_id]}
        elif (
            dossier.state == State.WITHDRAWN
            and waited is not None
            and member.waits_for_id
            and waited.state in _FAILED
            and member.on_failure == WaitOnFailure.WITHDRAW
        ):
            note = _(
                "Đã rút theo quy tắc liên thông vì “%(name)s” không có kết quả (%(state)s)."
            ) % {"name": names[member.waits_for_id], "state": State(waited.state).label.lower()}
        elif dossier.state == State.REFUSED:
            note = _(
                "Bị từ chối giải quyết. Các thủ tục chờ kết quả này xử lý theo quy tắc của "
                "nhóm; các thủ tục khác vẫn tiếp tục."
            )
        elif overdue:
            note = _(
                "Quá hạn giải quyết (hạn %(day)s): cơ quan phải xin lỗi và hẹn lại; các thủ tục "
                "khác vẫn tiếp tục."
            ) % {"day": _day(dossier.due_at)}
        views.append(
            PartStatus(member=member, dossier=dossier, waiting=waiting, overdue=overdue, note=note)
        )
    states = [d.state for _m, d in parts]
    if all(s in TERMINAL_STATES for s in states):
        if all(s == State.RETURNED for s in states):
            key, label = "done", _("Đã trả đủ kết quả")
        elif any(s == State.RETURNED for s in states):
            key, label = "done_partly", _("Đã kết thúc, có thủ tục không có kết quả")
        else:
            key, label = "failed", _("Đã kết thúc, không có kết quả")
    elif any(s in _FAILED for s in states):
        key, label = "partly_failed", _("Đang giải quyết; có thủ tục không có kết quả")
    elif all(s in (State.RESULT_READY, State.RETURNED) for s in states):
        key, label = "ready", _("Đã có đủ kết quả, chờ trả")
    else:
        key, label = "in_progress", _("Đang giải quyết")
    return BundleStatus(key=key, label=label, parts=views)
