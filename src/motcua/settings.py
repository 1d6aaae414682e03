"""One settings module, driven by the environment (domain.md §11)."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", Path.cwd() / "var"))


def secret_key_load(path: Path) -> str:
    """The key kept in `path`, made on first start (random, readable by the owner only).

    A key in the source would be public: anyone could forge sessions and recompute the
    lockout hashes. Written to a private temporary file and hard-linked into place, so two
    processes starting at once (test workers, web and worker) end up with one complete key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = secrets.token_urlsafe(50)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, fresh.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won; its key is the one
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable secret key; delete it to make a new one")
    return key


DEBUG = os.environ.get("MOTCUA_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("MOTCUA_SECRET_KEY", "") or secret_key_load(VAR_DIR / "secret_key")

# Cookies over HTTPS only when the site is served over HTTPS (MOTCUA_HTTPS=1); off by default
# so http://127.0.0.1:8000 keeps working for the demo.
MOTCUA_HTTPS = os.environ.get("MOTCUA_HTTPS", "0") == "1"
SESSION_COOKIE_SECURE = MOTCUA_HTTPS
CSRF_COOKIE_SECURE = MOTCUA_HTTPS
SESSION_COOKIE_HTTPONLY = True
# Behind our own reverse proxy, its X-Forwarded-Proto says whether the client used HTTPS and
# its X-Forwarded-For entry is the client's address (core.http.client_ip). Never trusted
# otherwise: any client can send these headers.
MOTCUA_BEHIND_PROXY = os.environ.get("MOTCUA_BEHIND_PROXY", "0") == "1"
if MOTCUA_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("MOTCUA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
MOTCUA_MODE = os.environ.get("MOTCUA_MODE", "province")
if MOTCUA_MODE not in {"province", "national"}:
    raise RuntimeError("MOTCUA_MODE must be 'province' or 'national'")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "motcua.core",
    "motcua.directory",
    "motcua.catalog",
    "motcua.dossiers",
    "motcua.index",
    "motcua.integration",
    "motcua.office",
    "motcua.portal",
    "motcua.notifications",
    "motcua.payments",
    "motcua.esign",
    "motcua.feedback",
    "motcua.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "motcua.notifications.context_processors.unread_notifications",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'motcua.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take the write lock up front, so two concurrent receptions
        # queue instead of failing with "database is locked" when both try to upgrade a read.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["CONN_MAX_AGE"] = 0
        # A file, not shared-cache memory, so that threaded tests meet real WAL locking.
        config["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    return dict(config)


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "directory.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "/dang-nhap/"
LOGIN_REDIRECT_URL = "portal:landing"  # each role to its own start page
LOGOUT_REDIRECT_URL = "/"

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "MOTCUA_TASKS_BACKEND", "django_tasks_db.backend.DatabaseBackend"
        ),
    }
}

EMAIL_BACKEND = os.environ.get(
    "MOTCUA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("MOTCUA_FROM_EMAIL", "motcua@localhost")

MOTCUA_REGISTRY_BACKEND = os.environ.get(
    "MOTCUA_REGISTRY_BACKEND", "motcua.integration.registry.LocalRegistry"
)
MOTCUA_REGISTRY_FILE = os.environ.get("MOTCUA_REGISTRY_FILE", "")
MOTCUA_PUBLIC_URL = os.environ.get("MOTCUA_PUBLIC_URL", "http://127.0.0.1:8000")
# Working days an agency has to answer a petition (feedback.services.petition_due_at).
MOTCUA_PETITION_ANSWER_DAYS = int(os.environ.get("MOTCUA_PETITION_ANSWER_DAYS", "10"))
MOTCUA_MAX_UPLOAD_BYTES = int(os.environ.get("MOTCUA_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))

# Payment gateways (docs/howto/payments.md). The sandbox takes anyone's "payment" at face
# value, so it runs only in the demo (DEBUG) or when asked for, and outside DEBUG its secret
# must come from the environment.
MOTCUA_PAYMENT_GATEWAYS: dict[str, dict[str, Any]] = {}
if DEBUG or os.environ.get("MOTCUA_PAYMENT_SANDBOX", "0") == "1":
    MOTCUA_PAYMENT_GATEWAYS["sandbox"] = {
        "class": "motcua.payments.sandbox.SandboxGateway",
        "secret": os.environ.get("MOTCUA_SANDBOX_SECRET", "")
        or ("motcua-demo-sandbox-secret" if DEBUG else ""),
        "timeout_minutes": int(os.environ.get("MOTCUA_SANDBOX_TIMEOUT_MINUTES", "15")),
        "mode": os.environ.get("MOTCUA_SANDBOX_MODE", "normal"),
        "ipn_url": os.environ.get("MOTCUA_SANDBOX_IPN_URL", ""),
    }
MOTCUA_PAYMENT_DEFAULT_GATEWAY = os.environ.get("MOTCUA_PAYMENT_GATEWAY", "sandbox")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MOTCUA_LOG_LEVEL", "INFO")},
}
