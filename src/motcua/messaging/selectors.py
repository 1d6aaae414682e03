"""Reads of the messaging channel: the citizen's own dossier by code and the few lines the
chat says about it (code, procedure, state, due date and the page's address; never a name,
an ID number or an address)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.http import public_url
from motcua.directory.models import User
from motcua.dossiers.models import Dossier
from motcua.messaging.models import ChannelLink


def own_dossier(user: User, code: str) -> Dossier | None:
    """The dossier by code or reference only if `user` is its applicant — for staff too: the
    chat shows a person their own dossiers, never their agency's."""
    if not code or len(code) > 96:
        return None
    return (
        Dossier.objects.select_related("procedure", "agency")
        .filter(applicant=user)
        .filter(Q(code=code) | Q(reference=code))
        .first()
    )


def dossier_status_text(dossier: Dossier) -> str:
    lines = [
        _("Hồ sơ %(code)s — %(procedure)s")
        % {
            "code": dossier.public_code,
            "procedure": dossier.procedure.name,
        },
        _("Trạng thái: %(state)s") % {"state": dossier.get_state_display()},
    ]
    if dossier.due_at:
        lines.append(
            _("Hẹn trả kết quả: %(at)s")
            % {"at": timezone.localtime(dossier.due_at).strftime("%H:%M ngày %d/%m/%Y")}
        )
    lines.append(public_url(reverse("portal:mine_detail", args=[dossier.public_code])))
    return "\n".join(lines)


def link_of(user: User) -> ChannelLink | None:
    return ChannelLink.objects.filter(user=user).first()


def follower_masked(follower_id: str) -> str:
    return f"{follower_id[:3]}…{follower_id[-2:]}" if len(follower_id) > 6 else "…"
