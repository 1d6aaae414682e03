"""Dossiers that wait for another's result (a bundle's, `Dossier.waits_for`): what happens to
them when the dossier they wait for ends. Run by `transition_apply` in the same transaction as
that dossier's own change, so a wait is never released (or its dossier withdrawn) without it.

- Its result returned (`return`): each waiting dossier is released — one `wait_released`
  event, `wait_released_at` set — and may from then on be received, which starts its clock.
- It ends without a result (`refuse`, `withdraw`, `cancel`): the bundle's rule copied onto
  the waiting dossier (`wait_on_failure`) withdraws it with the reason, on its applicant's
  behalf — the rule they accepted when they submitted the bundle — or releases it anyway."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from motcua.directory.models import User
from motcua.dossiers.lifecycle.lock import dossier_lock
from motcua.dossiers.lifecycle.table import Action, Record
from motcua.dossiers.models import TERMINAL_STATES, Dossier, State, WaitOnFailure

_FAILED = frozenset({Action.REFUSE, Action.WITHDRAW, Action.CANCEL})


def waits_follow(*, actor: User | None, dossier: Dossier, action: str, at: datetime) -> None:
    """After `dossier` took `action`, on the rows waiting for it (locked one by one)."""
    if action != Action.RETURN and action not in _FAILED:
        return
    waiting = list(
        Dossier.objects.filter(waits_for=dossier, wait_released_at__isnull=True)
        .exclude(state__in=TERMINAL_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Deferred: the transition and the record import this module's caller.
    from motcua.dossiers.lifecycle.record import record_apply
    from motcua.dossiers.lifecycle.transition import transition_apply

    outcome = str(Action(action).label)
    for pk in waiting:
        locked = dossier_lock(pk)
        if action in _FAILED and locked.wait_on_failure == WaitOnFailure.WITHDRAW:
            reason = _(
                "Hồ sơ %(code)s mà hồ sơ này chờ kết quả đã kết thúc không có kết quả "
                "(%(outcome)s); theo quy tắc của nhóm thủ tục liên thông, hồ sơ này được rút."
            ) % {"code": dossier.public_code, "outcome": outcome.lower()}
            transition_apply(
                actor=locked.applicant,
                dossier=locked,
                action=Action.WITHDRAW,
                at=at,
                note=reason,
                payload={"reason": reason, "waited_for": dossier.public_code, "by": "bundle"},
            )
        elif locked.state != State.DRAFT:
            record_apply(
                actor=actor,
                dossier=locked,
                action=Record.WAIT_RELEASED,
                at=at,
                payload={"waited_for": dossier.public_code, "outcome": action},
                changes={"wait_released_at": at},
            )
