"""The ballot pages under `/phieu-y-kien/`: the ballots a member has to answer (with the time
left), a ballot with its attachments, the answer form and the answers, the create form, the
tally, the searchable archive and the counts per period. For the committee's members and the
ballots' senders (`access.py`): anonymous visitors are sent to sign in, anyone else signed in
meets the 403 page. Each view parses input, calls one service or selector, and renders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.ballots.access import (
    may_use_ballots,
    member_candidates,
    readable_ballots,
    sees_names,
    sender_agency_ids,
)
from motcua.ballots.models import Ballot, BallotAnswer, BallotAttachment
from motcua.ballots.rules import ADOPTED_WHEN_AGREE_OVER
from motcua.ballots.selectors import (
    answers_shown,
    archive,
    countdown,
    sent_counts,
    to_answer,
)
from motcua.ballots.services import (
    ballot_answer,
    ballot_close,
    ballot_create,
    ballot_decide,
    ballot_send,
    ballot_tally,
)
from motcua.core.downloads import upload_response
from motcua.core.errors import MotcuaError, NotFound, PermissionDenied, ValidationFailed
from motcua.directory.models import Agency, User
from motcua.pages import gated_page

app_name = "ballots"
PAGE_SIZE = 50


ballots_required = gated_page(
    may=may_use_ballots,
    refused=gettext_lazy("Trang này dành cho thành viên UBND và lãnh đạo các cơ quan lấy ý kiến."),
    forbidden_template="ballots/forbidden.html",
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _ballot_for(request: HttpRequest, pk: int) -> Ballot:
    ballot = readable_ballots(_user(request)).select_related("agency", "created_by").filter(pk=pk)
    found = ballot.first()
    if found is None:
        raise NotFound(_("Không có phiếu lấy ý kiến này."))
    return found


def _moment(raw: str) -> datetime | None:
    """A `datetime-local` input (`2026-12-31T17:00`) or `dd/mm/yyyy hh:mm`, local time."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        if "/" in raw:
            parsed = datetime.strptime(raw, "%d/%m/%Y %H:%M")
        else:
            parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            _("Hạn trả lời “%(value)s” không hợp lệ: nhập theo dạng dd/mm/yyyy hh:mm.")
            % {"value": raw[:32]},
            fields={"deadline": "invalid"},
        ) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


# ---------------------------------------------------------------- the member's list


@require_GET
@ballots_required
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    user = _user(request)
    pending = [
        {"ballot": ballot, "left": countdown(ballot.deadline, now=now)}
        for ballot in to_answer(user, now=now)[:100]
    ]
    mine = (
        Ballot.objects.filter(agency_id__in=sender_agency_ids(user))
        .exclude(state=Ballot.State.DECIDED)
        .select_related("agency")
        .order_by("-created_at")[:50]
        if sender_agency_ids(user)
        else []
    )
    return render(
        request,
        "ballots/home.html",
        {"pending": pending, "mine": mine, "sender": bool(sender_agency_ids(user))},
    )


# ---------------------------------------------------------------- create


def _sender_agencies(request: HttpRequest) -> list[Agency]:
    return list(
        Agency.objects.filter(id__in=sender_agency_ids(_user(request))).order_by("code")[:300]
    )


@require_http_methods(["GET", "POST"])
@ballots_required
def new(request: HttpRequest) -> HttpResponse:
    if not sender_agency_ids(_user(request)):
        raise PermissionDenied(_("Chỉ quản trị hoặc lãnh đạo cơ quan mới tạo phiếu lấy ý kiến."))
    candidates = list(member_candidates()[:500])
    context: dict[str, Any] = {
        "agencies": _sender_agencies(request),
        "candidates": candidates,
        "form": request.POST,
        "chosen": {int(v) for v in request.POST.getlist("thanh_vien") if v.isdigit()},
    }
    if request.method == "POST":
        code = request.POST.get("co_quan", "").strip()[:64]
        agency = Agency.objects.filter(code=code).first() if code else None
        try:
            if agency is None:
                raise ValidationFailed(_("Chọn cơ quan soạn thảo."), fields={"co_quan": "required"})
            ballot = ballot_create(
                actor=_user(request),
                agency=agency,
                number=request.POST.get("so_phieu", ""),
                title=request.POST.get("trich_yeu", ""),
                summary=request.POST.get("tom_tat", ""),
                deadline=_moment(request.POST.get("han", "")),
                members=[u for u in candidates if u.pk in context["chosen"]],
                files=request.FILES.getlist("tep"),
            )
        except PermissionDenied:
            raise
        except MotcuaError as error:
            context["error"] = error.message
            return render(request, "ballots/new.html", context, status=400)
        return HttpResponseRedirect(reverse("ballots:ballot", args=[ballot.pk]))
    return render(request, "ballots/new.html", context)


# ---------------------------------------------------------------- the ballot


def _ballot_page(
    request: HttpRequest, ballot: Ballot, *, error: str = "", status: int = 200
) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    member = ballot.members.filter(user=user).first()
    answers = list(answers_shown(ballot))
    mine = next((a for a in answers if member is not None and a.member_id == member.pk), None)
    context = {
        "ballot": ballot,
        "attachments": ballot.attachments.all(),
        "members": ballot.members.select_related("user"),
        "answers": answers,
        "names": sees_names(user, ballot),
        "sender": ballot.agency_id in sender_agency_ids(user),
        "member": member,
        "mine": mine,
        "may_answer": member is not None
        and mine is None
        and ballot.state == Ballot.State.OPEN
        and ballot.deadline > now,
        "left": countdown(ballot.deadline, now=now),
        "choices": BallotAnswer.Choice.choices,
        "decisions": Ballot.Decision.choices,
        "error": error,
        "form": request.POST if error else {},
    }
    return render(request, "ballots/ballot.html", context, status=status)


@require_GET
@ballots_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _ballot_page(request, _ballot_for(request, pk))


def _posted(
    request: HttpRequest, pk: int, act: Callable[[Ballot], Any], *, to: str = "ballots:ballot"
) -> HttpResponse:
    ballot = _ballot_for(request, pk)
    try:
        act(ballot)
    except PermissionDenied:
        raise
    except MotcuaError as error:
        return _ballot_page(request, _ballot_for(request, pk), error=error.message, status=400)
    return HttpResponseRedirect(reverse(to, args=[pk]))


@require_POST
@ballots_required
def send(request: HttpRequest, pk: int) -> HttpResponse:
    return _posted(request, pk, lambda b: ballot_send(actor=_user(request), ballot=b))


@require_POST
@ballots_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _posted(
        request,
        pk,
        lambda b: ballot_answer(
            actor=_user(request),
            ballot=b,
            choice=request.POST.get("y_kien", ""),
            comment=request.POST.get("gop_y", ""),
        ),
    )


@require_POST
@ballots_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _posted(
        request, pk, lambda b: ballot_close(actor=_user(request), ballot=b), to="ballots:tally"
    )


@require_POST
@ballots_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _posted(
        request,
        pk,
        lambda b: ballot_decide(
            actor=_user(request),
            ballot=b,
            decision=request.POST.get("quyet_dinh", ""),
            note=request.POST.get("ghi_chu", ""),
        ),
        to="ballots:tally",
    )


@require_GET
@ballots_required
def tally(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _ballot_for(request, pk)
    sender = ballot.agency_id in sender_agency_ids(_user(request))
    if not sender and ballot.state in (Ballot.State.DRAFT, Ballot.State.OPEN):
        raise PermissionDenied(_("Kết quả được công bố khi kết thúc lấy ý kiến."))
    figures = ballot_tally(ballot)
    context = {
        "ballot": ballot,
        "tally": figures,
        "share": f"{ADOPTED_WHEN_AGREE_OVER.numerator}/{ADOPTED_WHEN_AGREE_OVER.denominator}",
        "sender": sender,
        "decisions": Ballot.Decision.choices,
        "names": sees_names(_user(request), ballot),
        "answers": answers_shown(ballot),
    }
    return render(request, "ballots/tally.html", context)


@require_GET
@ballots_required
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = BallotAttachment.objects.filter(pk=pk).first()
    if found is None or not readable_ballots(_user(request)).filter(pk=found.ballot_id).exists():
        raise NotFound(_("Không có tài liệu này."))
    return upload_response(
        found.file.open("rb"), content_type=found.content_type, filename=found.name
    )


# ---------------------------------------------------------------- archive and counts


@require_GET
@ballots_required
def archive_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    page = Paginator(archive(_user(request), query), PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(request, "ballots/archive.html", {"page": page, "q": query})


@require_GET
@ballots_required
def counts(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    raw = request.GET.get("nam", "").strip()
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year
    ballots = (
        Ballot.objects.all()
        if user.is_superuser
        else Ballot.objects.filter(agency_id__in=sender_agency_ids(user))
    )
    figures = sent_counts(year=year, ballots=ballots)
    context = {
        "figures": figures,
        "months": list(enumerate(figures.months, start=1)),
        "quarters": list(enumerate(figures.quarters, start=1)),
        "year": year,
    }
    return render(request, "ballots/counts.html", context)


urlpatterns = [
    path("", home, name="home"),
    path("moi/", new, name="new"),
    path("luu-tru/", archive_page, name="archive"),
    path("thong-ke/", counts, name="counts"),
    path("tep/<int:pk>/", attachment, name="attachment"),
    path("<int:pk>/", detail, name="ballot"),
    path("<int:pk>/gui/", send, name="send"),
    path("<int:pk>/tra-loi/", answer, name="answer"),
    path("<int:pk>/ket-thuc/", close, name="close"),
    path("<int:pk>/quyet-dinh/", decide, name="decide"),
    path("<int:pk>/ket-qua/", tally, name="tally"),
]
