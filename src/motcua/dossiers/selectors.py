"""Dossier reads. `dossier_get_for_actor` is the only way a view obtains a dossier, so the
permission check (§1, §10) and the audit of staff reads cannot be forgotten."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from motcua.catalog.models import FeeLine, Procedure, RequiredDocument
from motcua.core.audit import audit_record
from motcua.core.errors import NotFound
from motcua.core.rows import linked, rows_read, where
from motcua.directory.models import Agency, User
from motcua.directory.selectors import user_readable_agency_ids
from motcua.dossiers.lifecycle.table import Action
from motcua.dossiers.models import Channel, Dossier, DossierEvent, State

# A citizen's online draft is theirs alone until they submit it (docs/howto/apply-online.md):
# no officer reads, receives or refuses what the applicant has not sent.
UNSENT = Q(state=State.DRAFT, channel=Channel.ONLINE)


def dossiers_visible_to(actor: User | None) -> QuerySet[Dossier]:
    if actor is None or not actor.is_authenticated:
        return Dossier.objects.none()
    agencies = user_readable_agency_ids(actor)
    handled = (
        Q(agency_id__in=agencies)
        | Q(transfer_agency_id__in=agencies)
        | Q(current_step__agency_id__in=agencies)
    )
    return Dossier.objects.filter(Q(applicant=actor) | (handled & ~UNSENT))


def dossier_get_for_actor(actor: User | None, code: str) -> Dossier:
    """The dossier by code or temporary reference, if the actor may read it; else NotFound
    (the same answer whether it exists or not, so codes cannot be probed). A write locks the
    row itself, in its service (`lifecycle.dossier_lock`)."""
    queryset = dossiers_visible_to(actor).select_related("procedure", "agency", "current_step")
    dossier = queryset.filter(Q(code=code) | Q(reference=code)).first()
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
    if actor is not None and dossier.applicant_id != actor.pk:
        audit_record(
            actor=actor, action="dossier.read", object_type="dossier", object_id=dossier.pk
        )
    return dossier


def supplement_request(dossier: Dossier) -> DossierEvent | None:
    """The request now pending: the latest `request_supplement` event."""
    return dossier.events.filter(action=Action.REQUEST_SUPPLEMENT).order_by("-seq").first()


def supplement_items(
    dossier: Dossier, request_event: DossierEvent | None = None
) -> list[tuple[str, RequiredDocument | None]]:
    """What the pending request lists, in order: each item with the required document it
    names (an answer to it may reuse an earlier result), or None for a free-standing paper."""
    event = request_event or supplement_request(dossier)
    by_name = {d.name: d for d in dossier.procedure.documents.all()}
    missing = (event.payload.get("missing") if event else None) or []
    return [(str(item), by_name.get(str(item))) for item in missing]


_CATALOG = ("fees", "documents", "agencies")


def procedure_with_catalog(procedure: Procedure) -> Procedure:
    """A copy of `procedure` holding its fee lines, its required documents and the agencies
    that handle it (by name), read once per request: the apply page reads them for what it
    shows and the choice it checks, and hands the copy to the online application, whose fee
    rule and checks read them through `fees.all()`, `documents.all()` and `agencies.all()`.
    A copy, so that the caller's instance keeps no list a later change of the catalog would
    leave stale; an instance that already holds the three lists (this request's copy) is
    returned as it is."""
    held = getattr(procedure, "_prefetched_objects_cache", {})
    if all(name in held for name in _CATALOG):
        return procedure
    copy = Procedure.from_db(
        procedure._state.db,
        [f.attname for f in Procedure._meta.concrete_fields],
        [getattr(procedure, f.attname) for f in Procedure._meta.concrete_fields],
    )
    copy._state.fields_cache = dict(procedure._state.fields_cache)  # what it holds (sector)
    # What `prefetch_related_objects(copy, "fees", "documents", "agencies")` keeps, read
    # without the query compiler and sent together (`core.rows`), in the models' order (by
    # procedure, then as here) and the agencies by name.
    pk = copy.pk
    fees, documents, agencies = rows_read(
        where(FeeLine, "procedure", pk, order=("id",)),
        where(RequiredDocument, "procedure", pk, order=("position", "id")),
        linked(copy, "agencies", order=("name",)),
    )
    copy._prefetched_objects_cache = {  # type: ignore[attr-defined]
        "fees": _held(FeeLine, {"procedure_id": pk}, fees),
        "documents": _held(RequiredDocument, {"procedure_id": pk}, documents),
        "agencies": _held(Agency, {"procedures": pk}, agencies),
    }
    return copy


def _held(model: type[Any], where: dict[str, Any], rows: list[Any]) -> QuerySet:
    """A related list already read, as a prefetch keeps it: the queryset of `where` with its
    result set. The filter is kept for a caller that chains on the list, built only then (as
    a related manager defers its own: `_defer_next_filter`)."""
    queryset = model._default_manager.all()
    queryset._defer_next_filter = True
    queryset = queryset.filter(**where)
    queryset._result_cache = rows
    queryset._prefetch_done = True
    return queryset
