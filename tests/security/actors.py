"""Who each kind of the lifecycle's `Who` admits, stated here independently of the code that
enforces it (`lifecycle.transition._admits`), and from it the actors of every row: the right
ones, and the wrong ones — anonymous, another citizen, the same role in another agency, every
other role in the dossier's agency, and the applicant for what only staff may do."""

from __future__ import annotations

from motcua.directory.models import Role, User
from motcua.dossiers.lifecycle.table import Who
from motcua.dossiers.models import Dossier
from tests.security.world import (
    ANONYMOUS,
    HOME,
    OTHER,
    OTHER_AGENCY,
    OTHER_CITIZEN,
    OWNER,
    PARTNER,
    STAFF_ROLES,
    WRONG_ROLE,
    World,
)

PROCESSING_ROLES = frozenset({Role.SPECIALIST, Role.APPROVER})


def admitted(who: str, dossier: Dossier) -> set[tuple[str, str]]:
    """(agency, role) pairs a staff kind admits for this dossier; the owner is not staff."""
    if who == Who.RECEPTION:
        return {(HOME, Role.RECEPTION)}
    if who == Who.STEP:
        step = dossier.current_step
        return {(HOME, step.role)} if step is not None else set()
    if who == Who.PROCESSING:
        return {(HOME, role) for role in PROCESSING_ROLES}
    if who == Who.TRANSFER_TARGET:
        # The agency the dossier went to, and its own agency's processing staff, who may
        # take it back when the partner does not answer.
        return {(a, role) for a in (PARTNER, HOME) for role in PROCESSING_ROLES}
    if who == Who.AGENCY_STAFF:
        return {(HOME, role) for role in (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER)}
    return set()


def right_actor(world: World, who: str, dossier: Dossier) -> User:
    if who == Who.OWNER:
        return world.owner
    agency, role = sorted(admitted(who, dossier), key=lambda p: (p[0] != PARTNER, p))[0]
    return world.officer(agency, role)


def wrong_actors(world: World, kind: str, who_set: frozenset[str], dossier: Dossier):
    """[(label, user or None)] of one wrong kind, for a rule admitting `who_set`."""
    allowed = set().union(*(admitted(w, dossier) for w in who_set))
    if kind == ANONYMOUS:
        return [("anonymous", None)]
    if kind == OTHER_CITIZEN:
        return [("other citizen", world.other_citizen)]
    if kind == OWNER:
        return [] if Who.OWNER in who_set else [("owner", world.owner)]
    if kind == OTHER_AGENCY:
        # The roles that pass at home, held in an agency with no part in the dossier.
        roles = {role for _agency, role in allowed} or {Role.RECEPTION}
        return [(f"{role}@other", world.officer(OTHER, role)) for role in sorted(roles)]
    if kind == WRONG_ROLE:
        return [
            (f"{role}@home", world.officer(HOME, role))
            for role in STAFF_ROLES
            if (HOME, role) not in allowed
        ]
    raise ValueError(kind)


DENIED_KINDS = (ANONYMOUS, OTHER_CITIZEN, OTHER_AGENCY, WRONG_ROLE, OWNER)
