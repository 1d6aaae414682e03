"""The one way to lock a dossier row before writing to it, and the one answer to a stale
screen. Every write takes the lock first, then checks, then writes (the Zulip order): a
service never decides on a copy read before the lock."""

from __future__ import annotations

from django.utils.translation import gettext as _

from motcua.core.errors import Conflict, NotFound
from motcua.dossiers.models import Dossier


def dossier_conflict(dossier: Dossier) -> Conflict:
    """Someone else changed the dossier since the actor's page was drawn."""
    return Conflict(
        _("Hồ sơ %(code)s vừa được người khác cập nhật. Vui lòng tải lại rồi thao tác lại.")
        % {"code": dossier.public_code}
    )


def dossier_lock(dossier: Dossier | int, *, expected_version: int | None = None) -> Dossier:
    """The dossier row as it is now, locked until the caller's transaction ends (call inside
    `transaction.atomic()`), with what the rules read (procedure, agency, current step).

    `expected_version` is the version the actor's page showed: a different one raises the
    one `Conflict`, before anything is written."""
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "agency", "current_step")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    if expected_version is not None and locked.version != expected_version:
        raise dossier_conflict(locked)
    return locked
