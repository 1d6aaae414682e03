"""Officers' petition pages: the queue by deadline, one petition with the answer and reject
forms. A view parses input, calls one selector or service, renders; a refusal or bad input
is a page with its status, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from motcua.core.downloads import upload_response
from motcua.core.errors import MotcuaError, NotFound, PermissionDenied
from motcua.directory.models import User
from motcua.feedback.forms import AnswerForm, RejectForm
from motcua.feedback.models import Petition, PetitionEvent
from motcua.feedback.selectors import (
    Calendars,
    deadline_mark,
    petition_get_for_staff,
    petition_handler_agency_ids,
    petition_photo,
    petition_queue,
    petition_read_audit,
)
from motcua.feedback.services import petition_answer, petition_reject
from motcua.pages import signed_in_page

PAGE_SIZE = 50
STAFF_EVENT_TEXT = {
    "submit": gettext_lazy("Công dân gửi phản ánh, kiến nghị"),
    "answer": gettext_lazy("Trả lời"),
    "reject": gettext_lazy("Thông báo không thuộc phạm vi xử lý"),
    "rate": gettext_lazy("Công dân đánh giá câu trả lời"),
}


def staff_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not petition_handler_agency_ids(cast(User, request.user)):
            raise PermissionDenied(
                _("Trang này dành cho cán bộ xử lý phản ánh, kiến nghị của cơ quan.")
            )
        return view(request, *args, **kwargs)

    return signed_in_page("feedback/office_error.html")(wrapper)


@staff_page
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    closed = request.GET.get("da_xu_ly") == "1"
    page = Paginator(petition_queue(user, open_only=not closed), PAGE_SIZE).get_page(
        request.GET.get("trang")
    )
    now = timezone.now()
    calendars = Calendars()
    rows = [{"p": p, "mark": deadline_mark(p, now, calendars)} for p in page.object_list]
    return render(
        request, "feedback/office_queue.html", {"page": page, "rows": rows, "closed": closed}
    )


def _actor_label(event: PetitionEvent, petition: Petition) -> str:
    # A citizen's username is their personal ID: the history names the sender by role only.
    actor = event.actor
    if actor is None:
        return ""
    if actor.pk == petition.citizen_id:
        return str(_("Công dân"))
    return actor.full_name or str(_("Cán bộ"))


def _detail(
    request: HttpRequest, petition: Petition, status: int = 200, **extra: Any
) -> HttpResponse:
    """The petition page. It shows the sender and the content, so every rendering is an
    audited read — a form shown again with its error as much as the plain page."""
    petition_read_audit(cast(User, request.user), petition)
    events = [
        {
            "at": e.at,
            "text": STAFF_EVENT_TEXT.get(e.action, e.action),
            "actor": _actor_label(e, petition),
        }
        for e in PetitionEvent.objects.filter(petition=petition)
        .select_related("actor")
        .only("at", "action", "actor", "actor__full_name")
    ]
    context = {
        "p": petition,
        "events": events,
        "mark": deadline_mark(petition, timezone.now(), Calendars()),
        "answer_form": extra.pop("answer_form", AnswerForm()),
        "reject_form": extra.pop("reject_form", RejectForm()),
        **extra,
    }
    return render(request, "feedback/office_detail.html", context, status=status)


@staff_page
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail(
        request, petition_get_for_staff(cast(User, request.user), reference, audit=False)
    )


@staff_page
@require_GET
def photo(request: HttpRequest, reference: str, photo_id: int) -> HttpResponseBase:
    """A photo sent with the petition, to an officer who may handle it; an audited read like
    the page (the photo may show the sender)."""
    petition = petition_get_for_staff(cast(User, request.user), reference)
    try:
        found = petition_photo(petition, photo_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return upload_response(
        found.file.open("rb"), content_type=found.content_type, filename=found.name
    )


@staff_page
@require_POST
def answer(request: HttpRequest, reference: str) -> HttpResponse:
    user = cast(User, request.user)
    petition = petition_get_for_staff(user, reference, audit=False)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _detail(request, petition, 400, answer_form=form, error=form.first_error())
    try:
        petition_answer(
            actor=user,
            petition=petition,
            answer=form.cleaned_data["answer"],
            publish=form.cleaned_data["publish"],
        )
    except MotcuaError as error:
        return _detail(request, petition, error.status, answer_form=form, error=error.message)
    messages.success(request, _("Đã gửi câu trả lời cho người phản ánh, kiến nghị."))
    return redirect("feedback_office:detail", reference=petition.reference)


@staff_page
@require_POST
def reject(request: HttpRequest, reference: str) -> HttpResponse:
    user = cast(User, request.user)
    petition = petition_get_for_staff(user, reference, audit=False)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, petition, 400, reject_form=form, error=form.first_error())
    try:
        petition_reject(actor=user, petition=petition, reason=form.cleaned_data["reason"])
    except MotcuaError as error:
        return _detail(request, petition, error.status, reject_form=form, error=error.message)
    messages.success(request, _("Đã thông báo cho người gửi: không thuộc phạm vi xử lý."))
    return redirect("feedback_office:detail", reference=petition.reference)
