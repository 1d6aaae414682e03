"""Who may read the index pages for which agencies (§1): a leader reads the agencies they
lead and everything below them; a superuser reads all; the public page needs nobody."""

from __future__ import annotations

from motcua.core.errors import PermissionDenied
from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import agency_subtree_ids, user_roles


def leader_agency_ids(user: User | None) -> set[int]:
    """The agencies the user reads the index of, kept on the user object for one request
    (as `user_roles`): a page asks several times (the agency asked for, the agencies to
    switch to, the scope), and each answer walks the agency tree a query per level."""
    if user is None or not user.is_authenticated:
        return set()
    cached: frozenset[int] | None = getattr(user, "_motcua_led", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(Agency.objects.values_list("id", flat=True))
        else:
            led = {agency for agency, role in user_roles(user) if role == Role.LEADER}
            cached = frozenset(agency_subtree_ids(led) if led else ())
        user._motcua_led = cached  # type: ignore[attr-defined]
    return set(cached)


def leader_root_agencies(user: User | None) -> list[Agency]:
    """The top agencies a leader sees (the start of their dashboard)."""
    ids = leader_agency_ids(user)
    return list(Agency.objects.filter(id__in=ids).exclude(parent_id__in=ids).order_by("code"))


def agency_for_leader(user: User | None, code: str) -> Agency:
    agency = Agency.objects.filter(code=code).first()
    if agency is None or agency.pk not in leader_agency_ids(user):
        raise PermissionDenied("Bạn không có quyền xem số liệu của cơ quan này.")
    return agency
