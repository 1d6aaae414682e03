"""Dossiers that wait for another's result (a bundle's, `Dossier.waits_for`): what happens to
them when the dossier they wait for ends. Run by `transition_apply` in the same transaction as
that dossier's own change, so a wait is never released (or its dossier withdrawn) without it.

- Its result returned (`return`): each waiting dossier is released — one `wait_released`
  event, `wait_released_at` set — and may from then on be received, which starts its clock.
- It ends without a result (`refuse`, `withdraw`, `cancel`): the bundle's rule copied onto
  the waiting dossier (`wait_on_failure`) withdraws it with the reason, on its applicant's
  behalf — the rule they accepted when they submitted the bundle — or releases it anyway.

`bundle_done_follow`, run just before, tells the bundle's applicant once when the last of
its parts has ended: one `bundle.notify` outbox message in the same transaction (the
handler is the bundles', `bundles/notify.py`)."""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.utils.translation import gettext as _

from motcua.core.outbox import outbox_write
from motcua.directory.models import User
from motcua.dossiers.lifecycle.lock import dossier_lock
from motcua.dossiers.lifecycle.table import Action, Record
from motcua.dossiers.models import TERMINAL_STATES, Dossier, State, WaitOnFailure

_FAILED = frozenset({Action.REFUSE, Action.WITHDRAW, Action.CANCEL})


BUNDLE_DONE_TOPIC = "bundle.notify"


def bundle_done_follow(*, dossier: Dossier, action: str) -> None:
    """After `dossier` took `action`: when it is a part of a bundle application (the
    `bundle_part` relation, read by name — the bundles sit above the spine) and it was the
    last part still open, one `bundle.notify` message. The application's row is locked
    first, so two parts ending at once in two transactions are seen in turn and one of them
    writes it. Run before `waits_follow`: a refusal that withdraws the parts waiting for it
    is told once, by the last of those withdrawals."""
    if action != Action.RETURN and action not in _FAILED:
        return
    application_id = (
        Dossier.objects.filter(pk=dossier.pk)
        .values_list("bundle_part__application_id", flat=True)
        .first()
    )
    if application_id is None:
        return
    application = apps.get_model("bundles", "BundleApplication")
    application.objects.select_for_update().filter(pk=application_id).first()
    still_open = (
        Dossier.objects.filter(bundle_part__application_id=application_id)
        .exclude(state__in=TERMINAL_STATES)
        .exists()
    )
    if not still_open:
        outbox_write(
            topic=BUNDLE_DONE_TOPIC,
            payload={"application_id": application_id, "dossier_id": dossier.pk},
        )


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
