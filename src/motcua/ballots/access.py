"""Who does what with a ballot (directory/selectors.py: roles are held in an agency; the
agencies below are seen from above).

- A *sender* of an agency's ballots is an administrator (superuser) or someone holding the
  leader or admin role in that agency or an agency above it: they create, send, close and
  decide the ballots the agency drafts, and see who answered what.
- A *member* is a staff account holding the leader or approver role somewhere — the
  committee's members, the leaders of its agencies. Those are exactly the accounts the sign-in
  asks for the second factor (portal.second_factor), so a member's session exists only after
  the code; a member answers only with a confirmed authenticator (`second_factor_held`).
- A ballot is read by its senders and its members."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from motcua.ballots.models import Ballot
from motcua.core.errors import PermissionDenied
from motcua.directory.models import Agency, Role, StaffRole, User
from motcua.directory.selectors import agencies_under_roles, user_roles

SENDER_ROLES = frozenset({Role.LEADER, Role.ADMIN})
MEMBER_ROLES = frozenset({Role.LEADER, Role.APPROVER})


def sender_agency_ids(user: User | None) -> set[int]:
    """The agencies whose ballots the user sends, cached on the user for one request."""
    return agencies_under_roles(user, SENDER_ROLES)


def is_member_kind(user: User | None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return any(role in MEMBER_ROLES for _agency, role in user_roles(user))


def may_use_ballots(user: User | None) -> bool:
    return bool(sender_agency_ids(user)) or is_member_kind(user)


def member_candidates() -> QuerySet[User]:
    """Who may be chosen as a member: active staff with the leader or approver role."""
    return (
        User.objects.filter(
            is_active=True,
            pk__in=StaffRole.objects.filter(role__in=MEMBER_ROLES).values("user_id"),
        )
        .order_by("full_name", "username")
        .distinct()
    )


def second_factor_held(user: User) -> bool:
    """The member has a confirmed authenticator app. The portal owns the model (it is read by
    its app label, as the counters read the agency: this package sits below the portal)."""
    factor = apps.get_model("portal", "SecondFactor")
    return bool(factor.objects.filter(user=user, confirmed_at__isnull=False).exists())


def send_check(user: User | None, agency: Agency) -> None:
    if agency.pk not in sender_agency_ids(user):
        raise PermissionDenied(
            _(
                "Chỉ quản trị hoặc lãnh đạo của %(agency)s (hoặc cấp trên) mới được tạo, gửi, "
                "kết thúc và quyết định phiếu lấy ý kiến của cơ quan này."
            )
            % {"agency": agency.name}
        )


def readable_ballots(user: User | None) -> QuerySet[Ballot]:
    if user is None or not user.is_authenticated:
        return Ballot.objects.none()
    if user.is_superuser:
        return Ballot.objects.all()
    ids = sender_agency_ids(user)
    return Ballot.objects.filter(
        Q(agency_id__in=ids) | Q(members__user=user) | Q(created_by=user)
    ).distinct()


def sees_names(user: User | None, ballot: Ballot) -> bool:
    """Who answered what is shown to the ballot's creator and its senders."""
    return user is not None and (
        ballot.created_by_id == user.pk or ballot.agency_id in sender_agency_ids(user)
    )
