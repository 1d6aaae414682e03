"""VNeID sign-in (§12): an OpenID Connect client on Authlib.

Authorization code flow with PKCE (S256), `state` and `nonce` kept in the session; the ID
token's signature checked against the provider's JWKS (fetched again when a token names a key
it does not hold: the provider rotated its keys), its issuer, audience, expiry and nonce
checked; the provider found by discovery from the issuer URL. Everything about the provider
comes from the environment (settings.MOTCUA_VNEID; docs/howto/vneid.md): VNeID in production,
the stand-in provider (motcua.standins) in the demo and the tests.

`identity_from_claims` turns the checked claims into the `Identity` the account service
trusts; each failure on the way is a `VneidFailure` with the plain Vietnamese sentence the
sign-in page shows and a code for the audit log (never the person's data).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from joserfc.errors import JoseError

from motcua.core.errors import ValidationFailed
from motcua.core.ids import personal_id_parse

logger = logging.getLogger(__name__)


class VneidFailure(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Identity:
    """Who VNeID says signed in: the personal ID always; the rest when the scopes gave it."""

    personal_id: str
    full_name: str
    birth_date: date | None
    sex: str  # "nam" | "nữ" | ""


def vneid_enabled() -> bool:
    config = settings.MOTCUA_VNEID
    return bool(config["issuer"] and config["client_id"])


@lru_cache(maxsize=4)
def _client(issuer: str, client_id: str, client_secret: str, scopes: str, timeout: float) -> Any:
    # One client per configuration and process: it keeps the discovery document and the
    # JWKS between sign-ins instead of fetching them for each person.
    app: DjangoOAuth2App = OAuth().register(
        name="vneid",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": scopes,
            "code_challenge_method": "S256",
            "default_timeout": timeout,
        },
    )
    return app


def vneid_client() -> Any:
    config: dict[str, Any] = settings.MOTCUA_VNEID
    return _client(
        config["issuer"],
        config["client_id"],
        config["client_secret"],
        config["scopes"],
        float(config["timeout"]),
    )


def _unreachable() -> VneidFailure:
    return VneidFailure(
        "unreachable",
        _("Hiện không kết nối được với VNeID. Vui lòng thử lại sau ít phút."),
    )


def vneid_redirect(request: HttpRequest, redirect_uri: str) -> HttpResponse:
    """The redirect to the provider's authorization page (state, nonce, PKCE in the session)."""
    try:
        return vneid_client().authorize_redirect(request, redirect_uri)
    except (requests.RequestException, ValueError, KeyError) as error:
        logger.warning("vneid: provider metadata unavailable (%s)", type(error).__name__)
        raise _unreachable() from error


def vneid_identity(request: HttpRequest) -> Identity:
    """The identity in the provider's answer on the callback, every check passed."""
    error = request.GET.get("error")
    if error == "access_denied":
        raise VneidFailure(
            "denied",
            _(
                "Bạn đã không đồng ý chia sẻ thông tin định danh với Cổng dịch vụ công, nên "
                "chưa đăng nhập được. Bạn có thể đăng nhập lại bằng VNeID bất cứ lúc nào."
            ),
        )
    if error:
        raise VneidFailure(
            "provider_error", _("VNeID từ chối yêu cầu đăng nhập. Vui lòng thử lại.")
        )
    try:
        token = vneid_client().authorize_access_token(request)
    except MismatchingStateError as failure:
        raise VneidFailure(
            "bad_state",
            _(
                "Phiên đăng nhập VNeID không hợp lệ hoặc đã hết hạn. Vui lòng bấm “Đăng nhập "
                "bằng VNeID” lại từ trang này."
            ),
        ) from failure
    except OAuthError as failure:  # the token endpoint: an expired or already used code
        raise VneidFailure(
            "bad_code",
            _("Mã xác thực của VNeID đã hết hạn hoặc đã được dùng. Vui lòng đăng nhập lại."),
        ) from failure
    except requests.RequestException as failure:
        raise _unreachable() from failure
    except (JoseError, ValueError) as failure:  # signature, issuer, audience, expiry, nonce
        logger.warning("vneid: ID token refused (%s)", type(failure).__name__)
        raise VneidFailure(
            "bad_token",
            _("Không xác minh được thông tin đăng nhập do VNeID gửi về. Vui lòng thử lại."),
        ) from failure
    claims = token.get("userinfo")
    if not claims:
        raise VneidFailure(
            "bad_token",
            _("Không xác minh được thông tin đăng nhập do VNeID gửi về. Vui lòng thử lại."),
        )
    return identity_from_claims(claims)


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    config: dict[str, Any] = settings.MOTCUA_VNEID
    names: dict[str, str] = config["claims"]
    number = str(claims.get(names["personal_id"]) or "").strip()
    birth = _birth_date(claims.get(names["birthdate"]))
    try:
        parsed = personal_id_parse(number, birth_date=birth)
    except ValidationFailed as failure:
        raise VneidFailure(
            "bad_personal_id",
            _(
                "Tài khoản VNeID không cho biết số định danh cá nhân hợp lệ, nên không đăng "
                "nhập được. Vui lòng liên hệ bộ phận một cửa."
            ),
        ) from failure
    gender = str(claims.get(names["gender"]) or "").lower()
    return Identity(
        personal_id=parsed.number,
        full_name=str(claims.get(names["name"]) or "").strip(),
        birth_date=birth,
        sex={"male": "nam", "nam": "nam", "female": "nữ", "nữ": "nữ"}.get(gender, ""),
    )


def _birth_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
