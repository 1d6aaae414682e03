"""The citizen's petition pages: sending one, “Phản ánh của tôi” with the answer and the
rating, and the public list of answers. Only the sender reaches their petitions (anyone
else meets the same 404 whether a petition exists or not)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.core.downloads import upload_response
from motcua.core.errors import MotcuaError, NotFound
from motcua.directory.models import Agency, User
from motcua.dossiers.models import Dossier
from motcua.feedback.forms import RateForm, SubmitForm
from motcua.feedback.models import Petition, PetitionEvent, PetitionRating, PetitionState
from motcua.feedback.selectors import (
    my_petitions,
    petition_get_for_owner,
    petition_photo,
    public_petitions,
)
from motcua.feedback.services import answer_days, petition_rate, petition_submit

PAGE_SIZE = 30
DOSSIER_CHOICES = 50  # the citizen's latest dossiers offered in the form
EVENT_TEXT = {
    "submit": gettext_lazy("Bạn gửi phản ánh, kiến nghị"),
    "answer": gettext_lazy("Cơ quan trả lời"),
    "reject": gettext_lazy("Cơ quan thông báo không thuộc phạm vi xử lý"),
    "rate": gettext_lazy("Bạn đánh giá câu trả lời"),
}


def _choices(user: User) -> tuple[list[tuple[str, str]], dict[str, Dossier]]:
    agencies = [
        (code, name)
        for code, name in Agency.objects.filter(merged_into__isnull=True)
        .order_by("name")
        .values_list("code", "name")
    ]
    dossiers = list(
        Dossier.objects.filter(applicant=user)
        .select_related("procedure", "agency")
        .only("code", "reference", "agency__code", "agency__name", "procedure__name")
        .order_by("-created_at", "-id")[:DOSSIER_CHOICES]
    )
    return agencies, {d.public_code: d for d in dossiers}


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    agencies, dossiers = _choices(user)
    wanted = request.GET.get("ho_so", "")[:96]
    if wanted and wanted not in dossiers:
        # An older dossier of theirs (beyond the latest offered), or someone else's: 404.
        extra = (
            Dossier.objects.select_related("procedure", "agency")
            .filter(applicant=user)
            .filter(Q(code=wanted) | Q(reference=wanted))
            .first()
        )
        if extra is None:
            raise Http404(
                _("Không tìm thấy hồ sơ %(code)s trong hồ sơ của bạn.") % {"code": wanted}
            )
        dossiers[extra.public_code] = extra
        # Asked for by its reference once it has a code: the choices are keyed by the code.
        wanted = extra.public_code
    dossier_choices = [(code, f"{code} — {d.procedure.name}") for code, d in dossiers.items()]
    context: dict[str, Any] = {"answer_days": answer_days()}
    if request.method == "GET":
        initial: dict[str, Any] = {}
        if wanted:
            initial = {"dossier": wanted, "agency": dossiers[wanted].agency.code}
        form = SubmitForm(initial=initial, agencies=agencies, dossiers=dossier_choices)
        return render(request, "feedback/submit.html", {"form": form, **context})
    form = SubmitForm(request.POST, agencies=agencies, dossiers=dossier_choices)
    context["form"] = form
    if not form.is_valid():
        context["error"] = form.first_error()
        return render(request, "feedback/submit.html", context, status=400)
    data = form.cleaned_data
    agency = Agency.objects.filter(code=data["agency"]).first() if data["agency"] else None
    try:
        petition = petition_submit(
            actor=user,
            agency=agency,
            dossier=dossiers.get(data["dossier"]) if data["dossier"] else None,
            kind=data["kind"],
            subject=data["subject"],
            content=data["content"],
            publish_consent=data["publish_consent"],
        )
    except MotcuaError as error:
        context["error"] = error.message
        return render(request, "feedback/submit.html", context, status=error.status)
    messages.success(
        request,
        _("Đã gửi phản ánh, kiến nghị %(ref)s. Hạn trả lời: %(due)s.")
        % {
            "ref": petition.reference,
            "due": f"{timezone.localtime(petition.due_at):%H:%M %d/%m/%Y}",
        },
    )
    return redirect("feedback:mine_detail", reference=petition.reference)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(my_petitions(cast(User, request.user)), PAGE_SIZE).get_page(
        request.GET.get("trang")
    )
    return render(request, "feedback/mine_list.html", {"page": page})


def _detail(request: HttpRequest, petition: Petition, status: int = 200, **extra: Any):
    events = [
        {"at": e.at, "text": EVENT_TEXT.get(e.action, e.action)}
        for e in PetitionEvent.objects.filter(petition=petition).only("at", "action")
    ]
    context = {
        "p": petition,
        "events": events,
        "ratings": PetitionRating.choices,
        "can_rate": petition.state == PetitionState.ANSWERED and not petition.rating,
        **extra,
    }
    return render(request, "feedback/mine_detail.html", context, status=status)


def _owned(request: HttpRequest, reference: str) -> Petition:
    try:
        return petition_get_for_owner(cast(User, request.user), reference)
    except NotFound as error:
        raise Http404(error.message) from error


@login_required
def mine_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail(request, _owned(request, reference))


@login_required
@require_GET
def mine_photo(request: HttpRequest, reference: str, photo_id: int) -> HttpResponseBase:
    try:
        found = petition_photo(_owned(request, reference), photo_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return upload_response(
        found.file.open("rb"), content_type=found.content_type, filename=found.name
    )


@login_required
@require_POST
def mine_rate(request: HttpRequest, reference: str) -> HttpResponse:
    petition = _owned(request, reference)
    form = RateForm(request.POST)
    if not form.is_valid():
        return _detail(request, petition, status=400, rate_error=form.first_error())
    try:
        petition_rate(
            actor=cast(User, request.user), petition=petition, rating=form.cleaned_data["rating"]
        )
    except MotcuaError as error:
        return _detail(request, petition, status=error.status, rate_error=error.message)
    messages.success(request, _("Cảm ơn bạn đã đánh giá câu trả lời."))
    return redirect("feedback:mine_detail", reference=petition.reference)


def public(request: HttpRequest) -> HttpResponse:
    page = Paginator(public_petitions(), PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(request, "feedback/public.html", {"page": page})
