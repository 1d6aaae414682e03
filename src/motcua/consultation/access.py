"""Who acts for a drafting agency (directory/selectors.py: roles are held in an agency; the
agencies below are seen from above).

A *manager* of an agency is an administrator (superuser), or someone holding the leader,
approver or admin role in that agency or in one above it — as for reform tasks. Managers of a
draft's agency prepare and publish it, moderate and answer its comments and close it; managers
of one of a procedure's agencies enter its cost parameters; managers of a plan's agency add its
procedures. Reading a published draft, its summary, a cost or a plan needs no sign-in."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure
from motcua.consultation.models import Draft, SimplificationPlan
from motcua.core.errors import PermissionDenied
from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import agencies_under_roles

MANAGER_ROLES = frozenset({Role.LEADER, Role.APPROVER, Role.ADMIN})


def managed_agency_ids(user: User | None) -> set[int]:
    return agencies_under_roles(user, MANAGER_ROLES)


def is_manager(user: User | None) -> bool:
    return bool(managed_agency_ids(user))


def agency_manage_check(user: User | None, agency: Agency) -> None:
    if agency.pk not in managed_agency_ids(user):
        raise PermissionDenied(
            _("Chỉ lãnh đạo của %(agency)s hoặc cấp trên mới được thực hiện việc này.")
            % {"agency": agency.name}
        )


def draft_manage_check(user: User | None, draft: Draft) -> None:
    if draft.agency_id not in managed_agency_ids(user):
        raise PermissionDenied(
            _("Chỉ lãnh đạo của cơ quan chủ trì soạn thảo hoặc cấp trên mới được làm việc này.")
        )


def procedure_cost_check(user: User | None, procedure: Procedure) -> None:
    ids = managed_agency_ids(user)
    if not ids or not (
        (user is not None and user.is_superuser) or procedure.agencies.filter(pk__in=ids).exists()
    ):
        raise PermissionDenied(
            _("Chỉ lãnh đạo của cơ quan thực hiện thủ tục mới được nhập tham số chi phí.")
        )


def managed_drafts(user: User | None) -> QuerySet[Draft]:
    return Draft.objects.filter(agency_id__in=managed_agency_ids(user))


def managed_plans(user: User | None) -> QuerySet[SimplificationPlan]:
    return SimplificationPlan.objects.filter(agency_id__in=managed_agency_ids(user))
