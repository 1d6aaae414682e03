"""One dossier for the processing officers: facts, e-form answers, steps and history, and
the actions (each posted to its own URL)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.core.errors import Conflict, MotcuaError, NotFound
from motcua.directory.models import Agency, User
from motcua.docexchange.selectors import dossier_letters_context
from motcua.dossiers.forms import posted_version
from motcua.dossiers.lifecycle import Action, dossier_conflict
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.dossiers.selectors import dossier_get_for_actor
from motcua.office import forms_processing as f
from motcua.office import queues
from motcua.office.declaration import declaration_context
from motcua.office.processing.actions import (
    APOLOGY,
    BACK_TO_QUEUE_KEY,
    SLUG_OF,
    SLUGS,
    action_apply,
    action_blocks,
    action_context,
    action_form,
    apology_initial,
)
from motcua.office.processing.common import processing_page, staff_of
from motcua.office.queues import Calendars, DeadlineStatus


def _render_dossier(
    request: HttpRequest,
    dossier: Dossier,
    user: User,
    *,
    bound: f.ActionForm | None = None,
    bound_key: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    ctx = action_context(dossier, user)
    now = timezone.now()
    calendar = Calendars().for_agency(dossier.agency)
    left = queues.dossier_time_left(dossier, calendar, now)
    events = list(dossier.events.select_related("actor").order_by("seq"))
    blocks = action_blocks(ctx, bound, bound_key)
    apology_form = None
    if ctx.offers(APOLOGY):
        apology_form = (
            bound
            if bound is not None and bound_key == APOLOGY
            else f.ApologyForm(
                dossier=dossier, key=APOLOGY, initial=apology_initial(dossier, calendar, now)
            )
        )
    late = left is not None and left.status in (DeadlineStatus.OVERDUE, DeadlineStatus.DUE_SOON)
    transfer_targets: list[Agency] = []
    if any(b.key == Action.TRANSFER for b in blocks):
        transfer_targets = f.transfer_targets(dossier)
    return_url = ""
    if Action.RETURN in ctx.actions:
        try:
            return_url = reverse("office:counter_return", args=[dossier.public_code])
        except NoReverseMatch:
            return_url = ""
    return render(
        request,
        "office/processing_dossier.html",
        {
            "dossier": dossier,
            "state_label": State(dossier.state).label,
            "left": left,
            "blocks": blocks,
            "apology_form": apology_form,
            "apology_open": late or bound_key == APOLOGY,
            "apology_slug": SLUG_OF[APOLOGY],
            "has_apology": any(e.action == APOLOGY for e in events),
            "steps": queues.step_lines(dossier, ctx.steps, events, calendar),
            "events": queues.event_lines(events, ctx.steps),
            "results": list(
                dossier.documents.filter(kind=DossierDocument.Kind.RESULT)
                .select_related("signature")
                .order_by("id")
            ),
            "transfer_targets": transfer_targets,
            "error": error,
            "status": status,
            "return_url": return_url,
            "back_key": BACK_TO_QUEUE_KEY,
            **declaration_context(dossier),
            **dossier_letters_context(dossier.pk),
        },
        status=status,
    )


@processing_page
@require_GET
def dossier_page(request: HttpRequest, code: str) -> HttpResponse:
    user = staff_of(request)
    dossier = dossier_get_for_actor(user, code)
    return _render_dossier(request, dossier, user)


@processing_page
@require_POST
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """One action on a dossier, from its page. Success redirects back to the page."""
    key = SLUGS.get(action)
    if key is None:
        raise NotFound(_("Không có thao tác này."))
    user = staff_of(request)
    dossier = dossier_get_for_actor(user, code)
    # A stale page is refused before its form is read; the service checks again on the lock.
    if posted_version(request.POST) != dossier.version:
        raise dossier_conflict(dossier)
    ctx = action_context(dossier, user)
    if not ctx.offers(key):
        raise ctx.refuse(key)
    form = action_form(key, ctx, request.POST, request.FILES)
    if not form.is_valid():
        message = " ".join(str(m) for field in form.errors.values() for m in field)
        return _render_dossier(
            request, dossier, user, bound=form, bound_key=key, error=message, status=400
        )
    try:
        done = action_apply(key, user, dossier, form)
    except MotcuaError as error:
        fresh = Dossier.objects.select_related("procedure", "agency", "current_step").get(
            pk=dossier.pk
        )
        keep = error.status == 400 and not isinstance(error, Conflict)
        return _render_dossier(
            request,
            fresh,
            user,
            bound=form if keep else None,
            bound_key=key if keep else "",
            error=error.message,
            status=error.status,
        )
    messages.success(request, done)
    return redirect(reverse("office:processing_dossier", args=[dossier.public_code]))
