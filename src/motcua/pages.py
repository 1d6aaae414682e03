"""What every server-rendered page of the project does the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from motcua.core.errors import MotcuaError, NotFound, PermissionDenied, ValidationFailed

View = Callable[..., HttpResponseBase]


def signed_in_page(error_template: str) -> Callable[[View], View]:
    """Signed-in only; a refusal or bad input raised as `MotcuaError` becomes `error_template`
    with its Vietnamese message and status, never a 500."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return view(request, *args, **kwargs)
            except MotcuaError as error:
                return render(
                    request,
                    error_template,
                    {"message": error.message, "status": error.status},
                    status=error.status,
                )

        return login_required(wrapper)

    return decorate


class PageForm(forms.Form):
    """A form of a server-rendered page, which shows one error at a time: the first."""

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return ""


def gated_page(
    *, may: Callable[[Any], bool], refused: Any, forbidden_template: str
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A page for the users `may` admits: anonymous visitors go to sign in, anyone else gets
    `forbidden_template` with `refused` (403; a lazy translation, read per request), as does a
    `PermissionDenied` raised inside;
    a `NotFound` is a 404 that does not say whether the thing exists."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not may(request.user):
                return render(request, forbidden_template, {"message": str(refused)}, status=403)
            try:
                return view(request, **kwargs)
            except PermissionDenied as error:
                return render(request, forbidden_template, {"message": error.message}, status=403)
            except NotFound as error:
                raise Http404(error.message) from error

        return wrapper

    return decorate


def day_param(
    params: QueryDict, name: str, *, label: str | None = None, required: bool = True
) -> date | None:
    """A day from a form: `YYYY-MM-DD` (a date input) or `dd/mm/yyyy` (typed); empty is None
    unless `required`. Errors name `label` ("ngày" when none is given) and the field."""
    label = label or _("ngày")
    raw = params.get(name, "").strip()
    if not raw:
        if required:
            raise ValidationFailed(
                _("Nhập %(label)s.") % {"label": label}, fields={name: "required"}
            )
        return None
    try:
        if "/" in raw:
            day, month, year = (int(part) for part in raw.split("/"))
            return date(year, month, day)
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            _("%(label)s “%(value)s” không hợp lệ: nhập theo dạng dd/mm/yyyy.")
            % {"label": label.capitalize(), "value": raw[:32]},
            fields={name: "invalid"},
        ) from None
