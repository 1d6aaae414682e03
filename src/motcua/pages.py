"""What every server-rendered page of the project does the same way."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from motcua.core.errors import MotcuaError

View = Callable[..., HttpResponse]


def signed_in_page(error_template: str) -> Callable[[View], View]:
    """Signed-in only; a refusal or bad input raised as `MotcuaError` becomes `error_template`
    with its Vietnamese message and status, never a 500."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
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
