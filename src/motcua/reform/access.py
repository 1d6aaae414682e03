"""Who may manage and read reform tasks (directory/selectors.py: roles are held in an agency;
the agencies below are seen from above).

A *manager* of an agency is an administrator (superuser), or someone holding the leader,
approver or admin role in that agency or in an agency above it. Managers of a plan's issuing
agency create the plan, import it and add its tasks; managers of a task's lead agency record
its progress and complete it. A task is read by the managers of its lead agency, of its
co-operating agencies and of the plan's issuing agency."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from motcua.core.errors import PermissionDenied
from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import agencies_under_roles
from motcua.reform.models import ReformPlan, ReformTask

MANAGER_ROLES = frozenset({Role.LEADER, Role.APPROVER, Role.ADMIN})


def managed_agency_ids(user: User | None) -> set[int]:
    """The agencies whose reform tasks the user manages, cached on the user for one request."""
    return agencies_under_roles(user, MANAGER_ROLES)


def is_manager(user: User | None) -> bool:
    return bool(managed_agency_ids(user))


def manager_root_agencies(user: User | None) -> list[Agency]:
    ids = managed_agency_ids(user)
    return list(Agency.objects.filter(id__in=ids).exclude(parent_id__in=ids).order_by("code"))


def plan_manage_check(user: User | None, agency: Agency) -> None:
    if agency.pk not in managed_agency_ids(user):
        raise PermissionDenied(
            _("Chỉ lãnh đạo của %(agency)s hoặc cấp trên mới được ban hành, nhập kế hoạch này.")
            % {"agency": agency.name}
        )


def task_manage_check(user: User | None, task: ReformTask) -> None:
    if task.lead_agency_id not in managed_agency_ids(user):
        raise PermissionDenied(
            _(
                "Chỉ lãnh đạo của cơ quan chủ trì nhiệm vụ hoặc cấp trên mới được báo cáo "
                "tiến độ, hoàn thành nhiệm vụ này."
            )
        )


def readable_tasks(user: User | None) -> QuerySet[ReformTask]:
    ids = managed_agency_ids(user)
    if not ids:
        return ReformTask.objects.none()
    if user is not None and user.is_superuser:
        return ReformTask.objects.all()
    return ReformTask.objects.filter(
        Q(lead_agency_id__in=ids)
        | Q(plan__agency_id__in=ids)
        | Q(
            pk__in=ReformTask.partners.through.objects.filter(agency_id__in=ids).values(
                "reformtask_id"
            )
        )
    )


def readable_plans(user: User | None) -> QuerySet[ReformPlan]:
    ids = managed_agency_ids(user)
    if not ids:
        return ReformPlan.objects.none()
    if user is not None and user.is_superuser:
        return ReformPlan.objects.all()
    return ReformPlan.objects.filter(
        Q(agency_id__in=ids) | Q(pk__in=readable_tasks(user).values("plan_id"))
    )
