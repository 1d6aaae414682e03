"""Bundle writes: defining a bundle (catalog data) and the citizen's one application, which
submits one child dossier per member through the dossiers' own online write path
(`dossier_apply_online`), all in one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.bundles.fields import BundleForm, bundle_form, member_answers, union_errors
from motcua.bundles.models import Bundle, BundleApplication, BundleMember, BundlePart
from motcua.bundles.selectors import application_outstanding
from motcua.catalog.coverage import documents_covered_by_eform
from motcua.catalog.eforms import eform_errors, eform_of
from motcua.catalog.models import Procedure, RequiredDocument
from motcua.core.audit import audit_record
from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.core.text import fold
from motcua.core.uploads import upload_check
from motcua.directory.models import Agency, User
from motcua.dossiers.documents import Attachment
from motcua.dossiers.lifecycle import Record, dossier_lock, record_apply, record_refusal
from motcua.dossiers.models import Dossier, WaitOnFailure
from motcua.dossiers.services import dossier_apply_online, dossier_documents_missing
from motcua.payments.groups import group_payment_start
from motcua.payments.models import GroupOrder
from motcua.portal.eforms import form_fields

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- the bundle as catalog data ---------------------------------------------------------------


@dataclass(frozen=True)
class MemberSpec:
    procedure: str  # the procedure's national code
    waits_for: str = ""  # the code of an earlier member whose result this one needs
    on_failure: str = ""  # WaitOnFailure, when it waits


def bundle_define(
    *, actor: User | None, code: str, name: str, members: list[MemberSpec], description: str = ""
) -> Bundle:
    """Create or replace a bundle's definition (the administrator, or the catalog's loader
    with no actor). Members in order; a member waits only for an earlier one."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Chỉ quản trị hệ thống được khai báo nhóm thủ tục liên thông."))
    procedures = {
        p.code: p for p in Procedure.objects.filter(code__in=[m.procedure for m in members])
    }
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for index, spec in enumerate(members):
        if spec.procedure not in procedures:
            errors[f"member_{index}"] = _("Không có thủ tục mã %(code)s.") % {
                "code": spec.procedure
            }
        if spec.waits_for and spec.waits_for not in seen:
            errors[f"member_{index}"] = _(
                "Thủ tục %(code)s chỉ chờ được một thủ tục đứng trước nó trong nhóm."
            ) % {"code": spec.procedure}
        if spec.waits_for and spec.on_failure not in WaitOnFailure.values:
            errors[f"member_{index}"] = _(
                "Phải nêu thủ tục %(code)s làm gì khi thủ tục được chờ không có kết quả."
            ) % {"code": spec.procedure}
        seen.add(spec.procedure)
    if len(members) < 2 or len(seen) != len(members):
        errors["members"] = _("Nhóm liên thông gồm ít nhất hai thủ tục khác nhau.")
    if errors:
        raise ValidationFailed(_("Khai báo nhóm thủ tục liên thông chưa đúng."), fields=errors)
    wanted_rows = [
        (spec.procedure, spec.waits_for or "", spec.on_failure if spec.waits_for else "")
        for spec in members
    ]
    with transaction.atomic():
        bundle, _created = Bundle.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "is_active": True}
        )
        current = [
            (m.procedure.code, m.waits_for.procedure.code if m.waits_for else "", m.on_failure)
            for m in bundle.members.select_related("procedure", "waits_for__procedure")
        ]
        if current == wanted_rows:
            return bundle
        if bundle.applications.exists():
            raise ValidationFailed(
                _(
                    "Nhóm %(name)s đã có hồ sơ liên thông: không đổi được các thủ tục thành "
                    "phần; hãy khai báo một nhóm mới."
                )
                % {"name": bundle.name},
                fields={"members": "in_use"},
            )
        for member in bundle.members.order_by("-position"):
            member.delete()
        made: dict[str, BundleMember] = {}
        for position, spec in enumerate(members, start=1):
            made[spec.procedure] = BundleMember.objects.create(
                bundle=bundle,
                procedure=procedures[spec.procedure],
                position=position,
                waits_for=made.get(spec.waits_for) if spec.waits_for else None,
                on_failure=spec.on_failure if spec.waits_for else "",
            )
        audit_record(
            actor=actor,
            action="bundle.define",
            object_type="bundle",
            object_id=bundle.pk,
            data={"code": code, "members": [m.procedure for m in members]},
        )
    return bundle


# --- what the application page and the service share ---------------------------------------------


@dataclass(frozen=True)
class SharedDocument:
    """One upload slot of the bundle: the members' required documents of the same name."""

    key: str
    name: str
    documents: tuple[RequiredDocument, ...]
    optional: bool


@dataclass(frozen=True)
class BundleShape:
    bundle: Bundle
    members: list[BundleMember]
    form: BundleForm
    documents: list[SharedDocument]

    def agencies(self, member: BundleMember) -> list[Agency]:
        return sorted(member.procedure.agencies.all(), key=lambda a: a.name)


def bundle_shape(bundle: Bundle) -> BundleShape:
    """The bundle's members (with their procedures' documents, fees and agencies), its one
    form and its upload slots — a document the filled e-form replaces is not asked for."""
    members = list(bundle.members.select_related("procedure").order_by("position"))
    prefetch_related_objects(
        [m.procedure for m in members], "documents", "fees", "agencies", "steps"
    )
    form = bundle_form([(m.pk, form_fields(eform_of(m.procedure))) for m in members])
    slots: dict[str, list[RequiredDocument]] = {}
    for member in members:
        documents = list(member.procedure.documents.all())
        covered = documents_covered_by_eform(member.procedure, documents)
        for document in documents:
            if document.pk not in covered:
                slots.setdefault(fold(document.name), []).append(document)
    shared = [
        SharedDocument(
            key=f"d{docs[0].pk}",
            name=docs[0].name,
            documents=tuple(docs),
            optional=all(d.optional for d in docs),
        )
        for docs in slots.values()
    ]
    return BundleShape(bundle=bundle, members=members, form=form, documents=shared)


def _bundle_code() -> str:
    while True:
        code = "LT" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
        if not BundleApplication.objects.filter(code=code).exists():
            return code


# --- the citizen's application --------------------------------------------------------------


def _check(
    shape: BundleShape,
    *,
    answers: dict[str, Any],
    agencies: Mapping[int, Agency | None],
    uploads: Mapping[str, UploadedFile],
) -> None:
    """Everything, for every member, before anything is written: each member's declaration
    against its own e-form, its agency, its required documents, every file's content."""
    errors: dict[str, str] = {}
    for member in shape.members:
        procedure = member.procedure
        own = member_answers(shape.form, member.pk, answers)
        for name, message in union_errors(
            shape.form, member.pk, eform_errors(eform_of(procedure), own)
        ).items():
            errors.setdefault(name, message)
        agency = agencies.get(member.pk)
        if agency is None or agency not in procedure.agencies.all():
            errors[f"co_quan_{member.pk}"] = _("Hãy chọn cơ quan giải quyết %(name)s.") % {
                "name": procedure.name
            }
        attached = {d.pk for slot in shape.documents if slot.key in uploads for d in slot.documents}
        missing = dossier_documents_missing(
            Dossier(procedure=procedure), also_attached=attached, new=True
        )
        for document in missing:
            slot = next(s for s in shape.documents if document in s.documents)
            errors[f"tep_{slot.key}"] = _("Chưa đính kèm giấy tờ bắt buộc này (%(name)s).") % {
                "name": procedure.name
            }
    for key, upload in uploads.items():
        try:
            upload_check(upload, field=f"tep_{key}")
        except ValidationFailed as error:
            errors[f"tep_{key}"] = error.message
        finally:
            upload.seek(0)
    if errors:
        raise ValidationFailed(
            _(
                "Hồ sơ liên thông chưa được nộp, chưa hồ sơ nào được tạo: hãy sửa %(n)d mục "
                "được đánh dấu (và chọn lại tệp nếu đã chọn)."
            )
            % {"n": len(errors)},
            code="bundle_invalid",
            fields=errors,
        )


def bundle_apply(
    *,
    actor: User,
    bundle: Bundle,
    answers: dict[str, Any],
    agencies: Mapping[int, Agency | None],
    uploads: Mapping[str, UploadedFile],
    applicant: dict[str, str],
    registry_used: bool,
    at: datetime | None = None,
    created: Callable[[BundleApplication, Dossier], None] | None = None,
) -> BundleApplication:
    """The citizen's one application: every member checked first (a refusal writes nothing —
    no child dossier, no file); then, in one transaction, one submitted child dossier per
    member through `dossier_apply_online` — its own agency, fee, deadline rules, counters and
    national sync —, each posted file attached to every member that asks for it, and a
    member that needs another's result set waiting for it (`Record.WAIT`: not received, its
    clock not started, until that result is returned — `lifecycle.waits`). `created` is
    called in the same transaction with the application and its first child (the page's
    one-time start token is claimed there)."""
    if not actor.is_authenticated or not actor.personal_id:
        raise PermissionDenied(
            _(
                "Chỉ tài khoản công dân (đăng nhập bằng số định danh cá nhân) được nộp hồ sơ "
                "liên thông."
            )
        )
    if not bundle.is_active:
        raise ValidationFailed(_("Nhóm thủ tục liên thông này không còn áp dụng."))
    shape = bundle_shape(bundle)
    inactive = [m.procedure.name for m in shape.members if not m.procedure.offers_online]
    if inactive:
        raise ValidationFailed(
            _("Thủ tục %(names)s hiện không nhận hồ sơ trực tuyến.")
            % {"names": "; ".join(inactive)}
        )
    _check(shape, answers=answers, agencies=agencies, uploads=uploads)
    moment = at or timezone.now()
    with transaction.atomic():
        application = BundleApplication.objects.create(
            code=_bundle_code(), bundle=bundle, applicant=actor, submitted_at=moment
        )
        children: dict[int, Dossier] = {}
        for member in shape.members:
            files = []
            for slot in shape.documents:
                upload = uploads.get(slot.key)
                for document in slot.documents:
                    if upload is not None and document.procedure_id == member.procedure_id:
                        upload.seek(0)
                        files.append(Attachment(required_document=document, upload=upload))
            agency = agencies[member.pk]
            assert agency is not None  # _check
            child = dossier_apply_online(
                actor=actor,
                procedure=member.procedure,
                dossier=None,
                form_data=member_answers(shape.form, member.pk, answers),
                agency=agency,
                applicant=applicant,
                registry_used=registry_used,
                fee_choice={},
                files=files,
                submit=True,
                at=moment,
            )
            if member.waits_for_id is not None:
                waited = children[member.waits_for_id]
                child = dossier_lock(child)
                refusal = record_refusal(actor, child, Record.WAIT)
                if refusal is not None:
                    raise refusal
                child = record_apply(
                    actor=actor,
                    dossier=child,
                    action=Record.WAIT,
                    at=moment,
                    payload={"waited_for": waited.public_code, "bundle": application.code},
                    changes={"waits_for": waited, "wait_on_failure": member.on_failure},
                )
            children[member.pk] = child
            BundlePart.objects.create(application=application, member=member, dossier=child)
        application.fee_total = sum(child.fee_amount for child in children.values())
        application.save(update_fields=["fee_total"])
        if created is not None:
            created(application, children[shape.members[0].pk])
        audit_record(
            actor=actor,
            action="bundle.apply",
            object_type="bundle_application",
            object_id=application.pk,
            data={
                "bundle": bundle.code,
                "code": application.code,
                "dossiers": [c.pk for c in children.values()],
                "fee_total": application.fee_total,
            },
        )
    return application


# --- one payment of the total -------------------------------------------------------------


def bundle_pay_start(
    *,
    actor: User,
    application: BundleApplication,
    gateway_name: str,
    return_url: str,
    at: datetime | None = None,
) -> tuple[GroupOrder, str]:
    """The applicant pays what the children still owe in one gateway order
    (`payments.groups`): one payment per child under it, each that child's amount. Returns
    the order and the gateway URL."""
    if not actor.is_authenticated or application.applicant_id != actor.pk:
        raise PermissionDenied(
            _("Chỉ người nộp hồ sơ liên thông được thanh toán phí, lệ phí của hồ sơ này.")
        )
    owed = application_outstanding(application)
    if not owed:
        raise ValidationFailed(
            _(
                "Hồ sơ liên thông %(code)s không còn khoản phí, lệ phí nào phải thanh toán "
                "trực tuyến."
            )
            % {"code": application.code},
            fields={"application": "nothing_owed"},
        )
    return group_payment_start(
        actor=actor,
        dossiers=[dossier for dossier, _amount in owed],
        label=application.code,
        gateway_name=gateway_name,
        return_url=return_url,
        at=at,
    )
