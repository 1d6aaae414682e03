"""Writes on the directory that need more than the admin's plain forms."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import agencies_under_roles

ADMIN_ROLES = frozenset({Role.ADMIN})


@transaction.atomic
def agency_merge(*, actor: User | None, agency: Agency, successor: Agency, on: date) -> Agency:
    """Record that `agency` was merged into `successor` from the day `on` (the 2025
    reorganisation): from that day its figures count under the successor
    (`selectors.agency_scope`), before it under its own name; its dossiers keep their agency.

    Only an administrator of both (a superuser, or the admin role on agencies above both);
    not into itself, not an agency already merged, not into a merged agency (so no chain ever
    loops), not from a day after today."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Chỉ quản trị hệ thống được ghi nhận việc sáp nhập cơ quan."))
    # Locked in id order, so two mergers of the same pair queue instead of crossing.
    locked = {
        a.pk: a
        for a in Agency.objects.select_for_update()
        .filter(pk__in={agency.pk, successor.pk})
        .order_by("pk")
    }
    agency, successor = locked[agency.pk], locked[successor.pk]
    administered = agencies_under_roles(actor, ADMIN_ROLES)
    if not {agency.pk, successor.pk} <= administered:
        raise PermissionDenied(
            _("Chỉ quản trị của cả hai cơ quan được ghi nhận việc sáp nhập %(agency)s.")
            % {"agency": agency.name}
        )
    if agency.pk == successor.pk:
        raise ValidationFailed(
            _("Không thể sáp nhập một cơ quan vào chính nó."), fields={"successor": "self"}
        )
    if agency.merged_into_id is not None:
        raise ValidationFailed(
            _("%(agency)s đã được sáp nhập vào cơ quan khác từ ngày %(day)s.")
            % {"agency": agency.name, "day": f"{agency.merged_on:%d/%m/%Y}"},
            fields={"agency": "merged"},
        )
    if successor.merged_into_id is not None:
        raise ValidationFailed(
            _("%(successor)s đã sáp nhập vào cơ quan khác: hãy chọn cơ quan đang hoạt động.")
            % {"successor": successor.name},
            fields={"successor": "merged"},
        )
    if on > timezone.localdate():
        raise ValidationFailed(
            _("Ngày sáp nhập %(day)s sau ngày hôm nay: chỉ ghi nhận việc sáp nhập đã có hiệu lực.")
            % {"day": f"{on:%d/%m/%Y}"},
            fields={"on": "future"},
        )
    agency.merged_into, agency.merged_on = successor, on
    agency.save(update_fields=["merged_into", "merged_on"])
    audit_record(
        actor=actor,
        action="agency.merge",
        object_type="agency",
        object_id=agency.pk,
        data={"agency": agency.code, "successor": successor.code, "on": on.isoformat()},
    )
    return agency
