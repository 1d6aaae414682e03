"""The VNeID stand-in: django-oauth-toolkit's OpenID Connect provider with the claims the
portal reads, and the sign-in page of the identity app.

A person here is a Django user named by their personal ID; their claims are the population
registry's (the same file the demo's registry uses), so what the portal learns from the ID
token is what VNeID would tell it: the 12-digit personal ID, the name, the birth date, the sex.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from oauth2_provider.oauth2_validators import OAuth2Validator

from motcua.integration.registry import LocalRegistry
from motcua.standins.keys import DEMO_PASSCODE


class VneidValidator(OAuth2Validator):
    # personal_id travels with `openid` itself: it is who the person is.
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "personal_id": "openid",
        "name": "profile",
        "birthdate": "profile",
        "gender": "profile",
    }

    def get_additional_claims(self, request: Any) -> dict[str, str]:
        number = request.user.username
        person = LocalRegistry().lookup(number)
        claims = {"personal_id": number}
        if person is not None:
            claims |= {
                "name": person.full_name,
                "birthdate": person.birth_date.isoformat(),
                "gender": "male" if person.sex == "nam" else "female",
            }
        return claims


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label="Số định danh cá nhân",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autofocus": True, "inputmode": "numeric", "autocomplete": "username"}
        ),
    )
    password = forms.CharField(
        label="Mật khẩu",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "Số định danh cá nhân hoặc mật khẩu không đúng.",
        "inactive": "Tài khoản định danh này đã bị khoá.",
    }


class SignInView(auth_views.LoginView):
    template_name = "standins/vneid_sign_in.html"
    authentication_form = SignInForm
    extra_context = {"demo_passcode": DEMO_PASSCODE}
