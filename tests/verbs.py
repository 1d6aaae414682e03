"""The officer's verbs as tests speak them, each one `dossier_transition` with its action.
They lived in `dossiers/services.py` with no caller outside the tests; the pages call the
transition (or their one service) directly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from motcua.directory.models import User
from motcua.dossiers.lifecycle import Action, dossier_transition
from motcua.dossiers.models import Dossier


def dossier_submit(*, actor: User, dossier: Dossier, at: datetime | None = None) -> Dossier:
    return dossier_transition(actor=actor, dossier=dossier, action=Action.SUBMIT, at=at)


def dossier_receive(
    *,
    actor: User,
    dossier: Dossier,
    at: datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Dossier:
    return dossier_transition(
        actor=actor,
        dossier=dossier,
        action=Action.RECEIVE,
        at=at,
        note=note,
        expected_version=expected_version,
    )


def dossier_request_supplement(
    *,
    actor: User,
    dossier: Dossier,
    missing: list[str],
    due_at: datetime | None = None,
    at: datetime | None = None,
    note: str = "",
) -> Dossier:
    payload: dict[str, Any] = {"missing": missing}
    if due_at is not None:
        payload["supplement_due_at"] = due_at
    return dossier_transition(
        actor=actor,
        dossier=dossier,
        action=Action.REQUEST_SUPPLEMENT,
        at=at,
        note=note,
        payload=payload,
    )


def dossier_return(
    *,
    actor: User,
    dossier: Dossier,
    method: str = "in_person",
    receiver: str = "",
    at: datetime | None = None,
) -> Dossier:
    return dossier_transition(
        actor=actor,
        dossier=dossier,
        action=Action.RETURN,
        at=at,
        payload={"method": method, "receiver": receiver},
    )
