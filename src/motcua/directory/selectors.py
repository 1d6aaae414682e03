"""Who may see and act where (domain.md §1): roles are held in an agency; leaders also see the
agencies below theirs."""

from __future__ import annotations

from django.db.models import QuerySet

from motcua.directory.models import Agency, Role, StaffRole, User


def agency_subtree_ids(agency_ids: set[int] | list[int]) -> set[int]:
    """The given agencies and every agency below them, one query per tree level."""
    found = set(agency_ids)
    frontier = set(agency_ids)
    while frontier:
        frontier = (
            set(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
        )
        found |= frontier
    return found


def user_roles(user: User | None) -> set[tuple[int, str]]:
    """(agency id, role) pairs the user holds, cached on the user object for one request."""
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_motcua_roles", None)
    if cached is None:
        cached = set(StaffRole.objects.filter(user=user).values_list("agency_id", "role"))
        user._motcua_roles = cached  # type: ignore[union-attr,attr-defined]
    return cached


def user_has_role(user: User | None, role: str, agency_id: int | None) -> bool:
    return agency_id is not None and (agency_id, role) in user_roles(user)


def user_readable_agency_ids(user: User | None) -> set[int]:
    """Agencies whose dossiers the user may read: where they hold any staff role, and below
    the agencies where they are a leader."""
    roles = user_roles(user)
    direct = {agency for agency, _ in roles}
    led = {agency for agency, role in roles if role == Role.LEADER}
    return direct | (agency_subtree_ids(led) if led else set())


def agencies_by_code() -> dict[str, Agency]:
    return {a.code: a for a in Agency.objects.all()}


def agency_tree(root: Agency) -> QuerySet[Agency]:
    return Agency.objects.filter(id__in=agency_subtree_ids([root.id]))
