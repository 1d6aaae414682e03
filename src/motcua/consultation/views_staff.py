"""The drafting agency's pages under `/gop-y/quan-ly/`: prepare a draft with its sections,
publish it with a deadline, moderate and answer the comments, close it; enter a procedure's
cost parameters; make a simplification plan and add its procedures. Managers only
(`access.py`): anonymous visitors are sent to sign in, anyone else signed in meets the 403
page, another agency's managers a 404 for what they may not read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.catalog.models import Procedure
from motcua.consultation.access import (
    is_manager,
    managed_agency_ids,
    managed_drafts,
    managed_plans,
    procedure_cost_check,
)
from motcua.consultation.cost import ENTERED, RANGES, catalog_fees
from motcua.consultation.models import Comment, CostParameters, Draft, SimplificationPlan
from motcua.consultation.selectors import draft_with_all_comments
from motcua.consultation.services import (
    comment_answer,
    comment_moderate,
    cost_parameters_set,
    draft_close,
    draft_create,
    draft_publish,
    plan_create,
    plan_item_add,
)
from motcua.core.errors import MotcuaError, NotFound, PermissionDenied, ValidationFailed
from motcua.directory.models import Agency, User
from motcua.pages import day_param, gated_page

SECTION_SLOTS = 6
# Form field names of the model's parameters (Vietnamese, as the other pages' forms).
PARAM_FIELDS = {
    "hours": "so_gio",
    "hourly_cost": "chi_phi_gio",
    "fees": "phi",
    "other_costs": "chi_phi_khac",
    "frequency": "so_lan",
    "subjects": "so_doi_tuong",
}

manager_required = gated_page(
    may=is_manager,
    refused=gettext_lazy("Trang này dành cho lãnh đạo cơ quan chủ trì soạn thảo."),
    forbidden_template="consultation/forbidden.html",
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _agency(request: HttpRequest) -> Agency:
    code = request.POST.get("co_quan", "").strip()[:64]
    agency = Agency.objects.filter(code=code).first() if code else None
    if agency is None:
        raise ValidationFailed(
            _("Không có cơ quan mã “%(code)s”.") % {"code": code}, fields={"agency": "unknown"}
        )
    return agency


def _choices(request: HttpRequest) -> list[Agency]:
    ids = managed_agency_ids(_user(request))
    return list(Agency.objects.filter(id__in=ids).order_by("code")[:300])


def _draft_for(request: HttpRequest, pk: int) -> Draft:
    draft = managed_drafts(_user(request)).select_related("agency").filter(pk=pk).first()
    if draft is None:
        raise NotFound(_("Không có dự thảo này."))
    return draft


def _comment_for(request: HttpRequest, pk: int) -> Comment:
    comment = (
        Comment.objects.select_related("section__draft")
        .filter(pk=pk, section__draft__in=managed_drafts(_user(request)))
        .first()
    )
    if comment is None:
        raise NotFound(_("Không có ý kiến này."))
    return comment


def _fail(request: HttpRequest, error: MotcuaError, page: Any) -> HttpResponse:
    if isinstance(error, PermissionDenied | NotFound):
        raise error
    return page(error=error.message, status=error.status)


# ---------------------------------------------------------------- drafts


@require_GET
@manager_required
def home(request: HttpRequest) -> HttpResponse:
    drafts = managed_drafts(_user(request)).select_related("agency").order_by("-created_at")
    return render(
        request,
        "consultation/staff_home.html",
        {
            "drafts": drafts[:200],
            "plans": managed_plans(_user(request)).select_related("agency")[:100],
        },
    )


@require_http_methods(["GET", "POST"])
@manager_required
def draft_new(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "choices": _choices(request),
        "form": request.POST,
        "slots": [
            (
                n,
                request.POST.get(f"phan_{n}_tieu_de", ""),
                request.POST.get(f"phan_{n}_noi_dung", ""),
            )
            for n in range(1, SECTION_SLOTS + 1)
        ],
    }
    if request.method == "POST":
        try:
            draft = draft_create(
                actor=_user(request),
                agency=_agency(request),
                title=request.POST.get("ten", ""),
                summary=request.POST.get("tom_tat", ""),
                sections=[
                    (
                        request.POST.get(f"phan_{n}_tieu_de", ""),
                        request.POST.get(f"phan_{n}_noi_dung", ""),
                    )
                    for n in range(1, SECTION_SLOTS + 1)
                ],
                moderation_first=request.POST.get("kiem_duyet_truoc") == "on",
            )
        except ValidationFailed as error:
            context["error"] = error.message
            return render(request, "consultation/draft_new.html", context, status=400)
        return HttpResponseRedirect(reverse("consultation:staff_draft", args=[draft.pk]))
    return render(request, "consultation/draft_new.html", context)


def _staff_draft_page(request: HttpRequest, draft: Draft, *, error: str = "", status: int = 200):
    return render(
        request,
        "consultation/staff_draft.html",
        {
            "draft": draft,
            "sections": draft_with_all_comments(draft),
            "dispositions": Comment.Disposition.choices,
            "today": timezone.localdate(),
            "error": error,
            "form": request.POST if error else {},
        },
        status=status,
    )


@require_GET
@manager_required
def staff_draft(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_draft_page(request, _draft_for(request, pk))


@require_POST
@manager_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _draft_for(request, pk)
    try:
        draft_publish(
            actor=_user(request),
            draft=draft,
            deadline=day_param(request.POST, "han", required=False),
        )
    except MotcuaError as error:
        return _fail(request, error, lambda **kw: _staff_draft_page(request, draft, **kw))
    return HttpResponseRedirect(reverse("consultation:staff_draft", args=[draft.pk]))


@require_POST
@manager_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _draft_for(request, pk)
    try:
        draft_close(actor=_user(request), draft=draft)
    except MotcuaError as error:
        return _fail(request, error, lambda **kw: _staff_draft_page(request, draft, **kw))
    return HttpResponseRedirect(reverse("consultation:summary", args=[draft.pk]))


@require_POST
@manager_required
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    draft = comment.section.draft
    try:
        comment_moderate(
            actor=_user(request),
            comment=comment,
            approve=request.POST.get("hanh_dong") == "cong_khai",
            reason=request.POST.get("ly_do", ""),
        )
    except MotcuaError as error:
        return _fail(request, error, lambda **kw: _staff_draft_page(request, draft, **kw))
    url = reverse("consultation:staff_draft", args=[draft.pk])
    return HttpResponseRedirect(f"{url}#y-kien-{comment.pk}")


@require_POST
@manager_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    draft = comment.section.draft
    try:
        comment_answer(
            actor=_user(request),
            comment=comment,
            disposition=request.POST.get("tiep_thu", ""),
            answer=request.POST.get("giai_trinh", ""),
        )
    except MotcuaError as error:
        return _fail(request, error, lambda **kw: _staff_draft_page(request, draft, **kw))
    url = reverse("consultation:staff_draft", args=[draft.pk])
    return HttpResponseRedirect(f"{url}#y-kien-{comment.pk}")


# ---------------------------------------------------------------- cost and plans


def _params(post: QueryDict, prefix: str = "") -> dict[str, str]:
    return {
        field: post.get(f"{prefix}{name}", "")
        for field, name in PARAM_FIELDS.items()
        if prefix or field in ENTERED
    }


def _procedure(code: str) -> Procedure:
    procedure = Procedure.objects.filter(code=code.strip()[:64], is_active=True).first()
    if procedure is None:
        raise NotFound(_("Không có thủ tục mã “%(code)s”.") % {"code": code.strip()[:64]})
    return procedure


@require_http_methods(["GET", "POST"])
@manager_required
def cost_edit(request: HttpRequest, code: str) -> HttpResponse:
    procedure = _procedure(code)
    procedure_cost_check(_user(request), procedure)
    row = CostParameters.objects.filter(procedure=procedure).first()
    current = {PARAM_FIELDS[f]: str(getattr(row, f)) for f in ENTERED} if row is not None else {}
    context: dict[str, Any] = {
        "procedure": procedure,
        "fees": catalog_fees(procedure),
        "fields": [(PARAM_FIELDS[f], RANGES[f]) for f in ENTERED],
        "form": request.POST if request.method == "POST" else current,
    }
    if request.method == "POST":
        try:
            cost_parameters_set(
                actor=_user(request), procedure=procedure, values=_params(request.POST)
            )
        except ValidationFailed as error:
            context.update(error=error.message, bad=next(iter(error.fields), ""))
            return render(request, "consultation/cost_edit.html", context, status=400)
        return HttpResponseRedirect(reverse("consultation:cost", args=[procedure.code]))
    return render(request, "consultation/cost_edit.html", context)


@require_http_methods(["GET", "POST"])
@manager_required
def plan_new(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"choices": _choices(request), "form": request.POST}
    if request.method == "POST":
        raw = request.POST.get("nam", "").strip()
        try:
            plan = plan_create(
                actor=_user(request),
                agency=_agency(request),
                title=request.POST.get("ten", ""),
                year=int(raw) if raw.isdigit() and len(raw) == 4 else None,
            )
        except ValidationFailed as error:
            context["error"] = error.message
            return render(request, "consultation/plan_new.html", context, status=400)
        return HttpResponseRedirect(reverse("consultation:staff_plan", args=[plan.pk]))
    return render(request, "consultation/plan_new.html", context)


def _plan_for(request: HttpRequest, pk: int) -> SimplificationPlan:
    plan = managed_plans(_user(request)).select_related("agency").filter(pk=pk).first()
    if plan is None:
        raise NotFound(_("Không có phương án này."))
    return plan


def _staff_plan_page(
    request: HttpRequest, plan: SimplificationPlan, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "consultation/staff_plan.html",
        {
            "plan": plan,
            "items": plan.items.select_related("procedure"),
            "fields": [(name, RANGES[f]) for f, name in PARAM_FIELDS.items()],
            "error": error,
            "form": request.POST if error else {},
        },
        status=status,
    )


@require_GET
@manager_required
def staff_plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_plan_page(request, _plan_for(request, pk))


@require_POST
@manager_required
def plan_item(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk)
    try:
        code = request.POST.get("ma_thu_tuc", "").strip()[:64]
        procedure = Procedure.objects.filter(code=code, is_active=True).first()
        if procedure is None:
            raise ValidationFailed(
                _("Không có thủ tục mã “%(code)s”.") % {"code": code},
                fields={"procedure": "unknown"},
            )
        plan_item_add(
            actor=_user(request),
            plan=plan,
            procedure=procedure,
            measure=request.POST.get("noi_dung", ""),
            before=_params(request.POST, "truoc_"),
            after=_params(request.POST, "sau_"),
        )
    except MotcuaError as error:
        return _fail(request, error, lambda **kw: _staff_plan_page(request, plan, **kw))
    return HttpResponseRedirect(reverse("consultation:staff_plan", args=[plan.pk]))
