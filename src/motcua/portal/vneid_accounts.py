"""The account behind a VNeID sign-in (§12): the first one creates the citizen's account or
links the existing one with the same personal ID, and links every dossier already carrying that
ID (counter walk-ins, imported history) — all in one transaction, so a failure leaves no
account half-made and no dossier half-linked. Audit events name the account, never the ID.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import PermissionDenied
from motcua.directory.models import User
from motcua.directory.selectors import user_roles
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import dossiers_link_account
from motcua.integration.registry import RegistryPerson, population_registry
from motcua.portal.models import CitizenProfile
from motcua.portal.vneid import Identity

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VneidSignIn:
    user: User
    created: bool
    linked: list[Dossier]


def citizen_vneid_sign_in(
    identity: Identity, *, at: datetime | None = None, retry: bool = True
) -> VneidSignIn:
    moment = at or timezone.now()
    person = _registry_person(identity.personal_id)
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().filter(personal_id=identity.personal_id).first()
            created = user is None
            if user is None:
                user = _account_create(identity, person, moment)
            elif user.is_staff or user.is_superuser or user_roles(user):
                # Staff keep their password and second factor; a citizen's VNeID must never
                # open an officer's account that happens to carry the same ID.
                raise PermissionDenied(
                    _("Tài khoản cán bộ đăng nhập bằng tên đăng nhập và mật khẩu được cấp.")
                )
            elif not user.is_active:
                raise PermissionDenied(
                    _("Tài khoản này đã bị khoá. Vui lòng liên hệ bộ phận một cửa.")
                )
            user.vneid_verified_at = moment
            user.save(update_fields=["vneid_verified_at"])
            linked = dossiers_link_account(user=user, at=moment)
            audit_record(
                actor=user,
                action="account.vneid_sign_in",
                object_type="user",
                object_id=user.pk,
                data={"created": created, "linked": len(linked)},
            )
    except IntegrityError:
        # The same person signing in twice at once: the other sign-in made the account.
        if not retry:
            raise
        return citizen_vneid_sign_in(identity, at=moment, retry=False)
    return VneidSignIn(user=user, created=created, linked=linked)


def _registry_person(number: str) -> RegistryPerson | None:
    """The registry's record adds the permanent address; without it (unknown, unreachable)
    the account carries what VNeID said."""
    try:
        return population_registry().lookup(number)
    except Exception:  # a remote registry's failure must not stop a verified sign-in
        logger.warning("population registry lookup failed during a VNeID sign-in")
        return None


def _account_create(identity: Identity, person: RegistryPerson | None, at: datetime) -> User:
    user = User(
        username=identity.personal_id,
        personal_id=identity.personal_id,
        full_name=person.full_name if person else identity.full_name,
    )
    user.set_unusable_password()  # VNeID is the way in; a password can be set later
    user.save()
    birth = person.birth_date if person else identity.birth_date
    if birth is not None:
        CitizenProfile.objects.create(
            user=user,
            birth_date=birth,
            sex=person.sex if person else identity.sex,
            permanent_address=person.permanent_address if person else "",
            verified_at=at,
        )
    audit_record(
        actor=user,
        action="account.sign_up",
        object_type="user",
        object_id=user.pk,
        data={"vneid": True, "registry_verified": person is not None},
    )
    return user
