"""Who administers the national sync: a superuser, or whoever holds the admin role in a
top-level agency (the province's people's committee), since the sync carries every agency's
dossiers."""

from __future__ import annotations

from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import user_roles


def sync_admin_allowed(user: User | None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    admin_of = {agency for agency, role in user_roles(user) if role == Role.ADMIN}
    return bool(admin_of) and Agency.objects.filter(pk__in=admin_of, parent__isnull=True).exists()
