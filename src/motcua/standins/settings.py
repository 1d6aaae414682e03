"""Settings of the stand-in services' process (motcua.standins): never motcua's own.

Everything comes from the environment `make run` and the tests set: MOTCUA_VAR_DIR (the
database `standins.sqlite3`, the secret key and the provider's signing key), MOTCUA_STANDINS_URL
(where it is reached; the issuer is its `/vneid/o`), MOTCUA_VNEID_CLIENT_ID /
MOTCUA_VNEID_CLIENT_SECRET and MOTCUA_VNEID_REDIRECT_URI (the portal, its one registered client).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from motcua.standins.keys import secret_load, signing_key_load

VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", Path.cwd() / "var"))
STANDINS_URL = os.environ.get("MOTCUA_STANDINS_URL", "http://127.0.0.1:8002").rstrip("/")

DEBUG = False
SECRET_KEY = secret_load(VAR_DIR / "standins_secret_key")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", urlsplit(STANDINS_URL).hostname or ""]
ROOT_URLCONF = "motcua.standins.urls"
WSGI_APPLICATION = "motcua.standins.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "vi"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # First: its templates (the Vietnamese consent page) override the provider's.
    "motcua.standins",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "standins.sqlite3"),
        "OPTIONS": {"timeout": 20},
    }
}
# Its own cookie name: on 127.0.0.1 the portal's and the provider's cookies would otherwise
# share one name across the two ports and sign each other out.
SESSION_COOKIE_NAME = "vneid_demo_session"
CSRF_COOKIE_NAME = "vneid_demo_csrftoken"
LOGIN_URL = "vneid-sign-in"
# The demo people's one passcode is hashed once at set-up; a slow hasher would only slow that.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

MOTCUA_REGISTRY_FILE = os.environ.get("MOTCUA_REGISTRY_FILE", "")
VNEID_ISSUER = f"{STANDINS_URL}/vneid/o"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": VNEID_ISSUER,
    "OIDC_RSA_PRIVATE_KEY": signing_key_load(VAR_DIR / "standins_oidc_key.pem"),
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "Định danh", "profile": "Họ tên, ngày sinh, giới tính"},
    "OAUTH2_VALIDATOR_CLASS": "motcua.standins.vneid.VneidValidator",
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": int(os.environ.get("MOTCUA_STANDINS_CODE_SECONDS", "60")),
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
