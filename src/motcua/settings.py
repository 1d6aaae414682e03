"""One settings module, driven by the environment (domain.md §11)."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

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
# The demo (`make run`): DEBUG off as in production, but on this machine's own address with a
# generated secret key. Anything else with DEBUG off is production and must say where it runs.
MOTCUA_DEMO = os.environ.get("MOTCUA_DEMO", "0") == "1"
PRODUCTION = not DEBUG and not MOTCUA_DEMO
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"}


def _csv(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def production_problems(environ: Mapping[str, str]) -> list[str]:
    """What a production start lacks, each said so that the operator knows what to set.

    A document signed with a wrong link cannot be corrected afterwards (the QR codes in
    receipts and e-results are built from MOTCUA_PUBLIC_URL), and a generated key on each
    machine logs everyone out whenever a request meets another machine."""
    problems = []
    if len(environ.get("MOTCUA_SECRET_KEY", "")) < 50:
        problems.append("MOTCUA_SECRET_KEY (at least 50 random characters)")
    if not [h for h in environ.get("MOTCUA_ALLOWED_HOSTS", "").split(",") if h.strip()]:
        problems.append("MOTCUA_ALLOWED_HOSTS (the host names people use, comma-separated)")
    public = urlsplit(environ.get("MOTCUA_PUBLIC_URL", "").strip())
    if public.scheme not in ("http", "https") or not public.hostname:
        problems.append(
            "MOTCUA_PUBLIC_URL (the address people reach, e.g. https://dichvucong.hue.gov.vn)"
        )
    elif public.hostname in LOCAL_HOSTS or public.hostname.startswith("127."):
        problems.append(
            f"MOTCUA_PUBLIC_URL is a local address ({public.hostname}): QR codes and links in "
            "documents would point at the reader's own machine"
        )
    return problems


if PRODUCTION and (_missing := production_problems(os.environ)):
    raise ImproperlyConfigured(
        "motcua runs in production mode (MOTCUA_DEBUG and MOTCUA_DEMO are off) and needs: "
        + "; ".join(_missing)
        + ". For the local demo set MOTCUA_DEMO=1 (make run does)."
    )

SECRET_KEY = os.environ.get("MOTCUA_SECRET_KEY", "") or secret_key_load(VAR_DIR / "secret_key")
ALLOWED_HOSTS = _csv("MOTCUA_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# Where people reach this system: every link and QR code that leaves a request (letters,
# signed results, emails) is built from it by core.http.public_url.
MOTCUA_PUBLIC_URL = os.environ.get("MOTCUA_PUBLIC_URL", "").strip().rstrip("/") or (
    f"http://127.0.0.1:{os.environ.get('MOTCUA_PORT', '8000')}"
)

# Cookies over HTTPS only and the redirect to HTTPS when the site is served over HTTPS
# (MOTCUA_HTTPS=1); off by default so the demo on http://127.0.0.1:8000 keeps working.
MOTCUA_HTTPS = os.environ.get("MOTCUA_HTTPS", "0") == "1"
SESSION_COOKIE_SECURE = MOTCUA_HTTPS
CSRF_COOKIE_SECURE = MOTCUA_HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = os.environ.get("MOTCUA_SSL_REDIRECT", "1" if MOTCUA_HTTPS else "0") == "1"
# Probes and scrapers on the machine itself speak plain HTTP to the app server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
# HSTS whenever DEBUG is off: Django sends the header only on requests that came over HTTPS
# (directly or, behind our proxy, by its X-Forwarded-Proto), so the demo on plain http is
# unaffected and a production served over HTTPS always pins it.
SECURE_HSTS_SECONDS = int(os.environ.get("MOTCUA_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("MOTCUA_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
SECURE_HSTS_PRELOAD = os.environ.get("MOTCUA_HSTS_PRELOAD", "0") == "1"
CSRF_TRUSTED_ORIGINS = _csv(
    "MOTCUA_CSRF_TRUSTED_ORIGINS",
    "{0.scheme}://{0.netloc}".format(urlsplit(MOTCUA_PUBLIC_URL)),
)
# Behind our own reverse proxy, its X-Forwarded-Proto says whether the client used HTTPS and
# its X-Forwarded-For entry is the client's address (core.http.client_ip). Never trusted
# otherwise: any client can send these headers.
MOTCUA_BEHIND_PROXY = os.environ.get("MOTCUA_BEHIND_PROXY", "0") == "1"
if MOTCUA_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Preloading is a commitment of the whole registrable domain (a province's gov.vn domain
# serves other sites), so it stays the operator's explicit choice (MOTCUA_HSTS_PRELOAD=1).
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Covering indexes (`include=`) are PostgreSQL's; SQLite builds the same index on its keys.
SILENCED_SYSTEM_CHECKS.append("models.W040")
MOTCUA_MODE = os.environ.get("MOTCUA_MODE", "province")
if MOTCUA_MODE not in {"province", "national"}:
    raise RuntimeError("MOTCUA_MODE must be 'province' or 'national'")
# The national connection (domain.md §12.1, docs/howto/national-sync.md): this province's
# 2-digit code, the national instance's base URL and the Ed25519 key written by `sync-keygen`.
MOTCUA_PROVINCE_CODE = os.environ.get("MOTCUA_PROVINCE_CODE", "")
MOTCUA_NATIONAL_URL = os.environ.get("MOTCUA_NATIONAL_URL", "")
MOTCUA_SYNC_KEY_FILE = os.environ.get("MOTCUA_SYNC_KEY_FILE", "")

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
    "motcua.counters",
    "motcua.dossiers",
    "motcua.index",
    "motcua.integration",
    "motcua.office",
    "motcua.portal",
    "motcua.notifications",
    "motcua.payments",
    "motcua.esign",
    "motcua.feedback",
    "motcua.reform",
    "motcua.ballots",
    "motcua.consultation",
    "motcua.bundles",
    "motcua.messaging",
    "motcua.docexchange",
    "motcua.sync",
    "motcua.national",
    "motcua.demo",
]

MIDDLEWARE = [
    # First, so that every log line of the request carries its id and the latency covers all.
    "motcua.core.logs.RequestLogMiddleware",
    # "database is locked" past the busy timeout: a 503 with Retry-After, not a 500.
    "motcua.core.http.DatabaseBusyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every page (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Static files with hashed names and long cache headers, before sessions touch anything.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "motcua.core.routers.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Scripts only from our own origin or carrying the request's nonce (`request.csp_nonce`), so an
# injected <script> does not run; no framing, no <base> elsewhere (plugins stay on 'self' from
# default-src: object-src 'none' would stop browsers showing our PDF letters). Styles allow
# inline: many templates carry their own <style> and style="" attributes, and a style cannot
# run code. `form-action` is left out on purpose: the pay button's form is answered with a
# redirect to the payment gateway's own site, which browsers would check against it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}

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
    # A kept connection is checked before a request reuses it: after a PostgreSQL restart or
    # failover the next request opens a new one instead of failing on the dead one.
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    return _engine(dict(config))


def _engine(config: dict[str, Any]) -> dict[str, Any]:
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with psycopg's C loader for moments (core/postgresql/base.py).
        config["ENGINE"] = "motcua.core.postgresql"
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
# Behind pgbouncer in transaction pooling (docs/deploy.md) a server-side cursor would outlive
# the transaction its connection was lent for.
if os.environ.get("MOTCUA_DB_TRANSACTION_POOLING", "0") == "1":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A read replica (several machines, docs/deploy.md): the leaders' dashboard, the index API and
# exports read from it (core.routers); every write and every read after a write stays on the
# primary.
if DATABASE_REPLICA_URL := os.environ.get("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = {
        **_engine(
            dict(
                dj_database_url.parse(
                    DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True
                )
            )
        ),
        "TEST": {"MIRROR": "default"},
    }
MOTCUA_READ_REPLICA = "replica" in DATABASES
DATABASE_ROUTERS = ["motcua.core.routers.ReplicaRouter"]
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
# `motcua collectstatic` (make run, scripts/install.sh) writes hashed, compressed copies here;
# WhiteNoise serves them with a year's cache, since a changed file gets a new name.
STATIC_ROOT = Path(os.environ.get("MOTCUA_STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

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

# Without a mail server configured nothing is sent and the log gets the Message-ID and a masked
# recipient only (core.mail), never a citizen's address or a notification's text.
EMAIL_BACKEND = os.environ.get("MOTCUA_EMAIL_BACKEND", "motcua.core.mail.RedactedLogBackend")
DEFAULT_FROM_EMAIL = os.environ.get("MOTCUA_FROM_EMAIL", "motcua@localhost")

MOTCUA_REGISTRY_BACKEND = os.environ.get(
    "MOTCUA_REGISTRY_BACKEND", "motcua.integration.registry.LocalRegistry"
)
MOTCUA_REGISTRY_FILE = os.environ.get("MOTCUA_REGISTRY_FILE", "")
# The registries over HTTP (motcua.integration.registry_http, docs/howto/registries.md): where
# they answer, the bearer token, and how long a person at the counter waits before being told
# to type the particulars (timeouts, retries within a budget, a breaker that stops asking).
MOTCUA_REGISTRY_URL = os.environ.get("MOTCUA_REGISTRY_URL", "")
MOTCUA_REGISTRY_TOKEN = os.environ.get("MOTCUA_REGISTRY_TOKEN", "")
MOTCUA_REGISTRY_CONNECT_TIMEOUT = float(os.environ.get("MOTCUA_REGISTRY_CONNECT_TIMEOUT", "2"))
MOTCUA_REGISTRY_READ_TIMEOUT = float(os.environ.get("MOTCUA_REGISTRY_READ_TIMEOUT", "5"))
MOTCUA_REGISTRY_BUDGET = float(os.environ.get("MOTCUA_REGISTRY_BUDGET", "8"))
MOTCUA_REGISTRY_RETRIES = int(os.environ.get("MOTCUA_REGISTRY_RETRIES", "2"))
MOTCUA_REGISTRY_BREAKER_FAILURES = int(os.environ.get("MOTCUA_REGISTRY_BREAKER_FAILURES", "5"))
MOTCUA_REGISTRY_BREAKER_COOLDOWN = float(os.environ.get("MOTCUA_REGISTRY_BREAKER_COOLDOWN", "30"))
# A citizen's look-ups of a marriage partner in the population registry, per day (apply page).
MOTCUA_PARTNER_LOOKUPS_PER_DAY = int(os.environ.get("MOTCUA_PARTNER_LOOKUPS_PER_DAY", "20"))
MOTCUA_BUSINESS_REGISTRY_BACKEND = os.environ.get(
    "MOTCUA_BUSINESS_REGISTRY_BACKEND", "motcua.integration.business.LocalBusinessRegistry"
)
MOTCUA_BUSINESS_REGISTRY_FILE = os.environ.get("MOTCUA_BUSINESS_REGISTRY_FILE", "")
MOTCUA_BUSINESS_REGISTRY_URL = os.environ.get("MOTCUA_BUSINESS_REGISTRY_URL", "")
MOTCUA_BUSINESS_REGISTRY_TOKEN = os.environ.get("MOTCUA_BUSINESS_REGISTRY_TOKEN", "")
# VNeID sign-in (§12, docs/howto/vneid.md): an OpenID Connect provider known only from the
# environment — its issuer URL (discovery, JWKS), this portal's client id and secret, the
# scopes and the names of the claims that carry the person's data. No issuer: no VNeID button.
# The demo's stand-in provider shares a secret generated per installation.
_vneid_issuer = os.environ.get("MOTCUA_VNEID_ISSUER", "").strip().rstrip("/")
MOTCUA_VNEID = {
    "issuer": _vneid_issuer,
    "client_id": os.environ.get("MOTCUA_VNEID_CLIENT_ID", ""),
    "client_secret": os.environ.get("MOTCUA_VNEID_CLIENT_SECRET", "")
    or (secret_key_load(VAR_DIR / "vneid_client_secret") if MOTCUA_DEMO and _vneid_issuer else ""),
    "scopes": os.environ.get("MOTCUA_VNEID_SCOPES", "openid profile"),
    "timeout": float(os.environ.get("MOTCUA_VNEID_TIMEOUT", "10")),
    "claims": {
        meaning: os.environ.get(f"MOTCUA_VNEID_CLAIM_{meaning.upper()}", default)
        for meaning, default in (
            ("personal_id", "personal_id"),
            ("name", "name"),
            ("birthdate", "birthdate"),
            ("gender", "gender"),
        )
    },
}
# Procedures whose result is an electronic certified copy of an original scanned at the counter
# (esign.certified_copy; docs/howto/certified-copies.md): the national catalog's codes.
MOTCUA_CERTIFIED_COPY_PROCEDURES = [
    code.strip()
    for code in os.environ.get("MOTCUA_CERTIFIED_COPY_PROCEDURES", "2.000815").split(",")
    if code.strip()
]
# Working days an agency has to answer a petition (feedback.services.petition_due_at).
MOTCUA_PETITION_ANSWER_DAYS = int(os.environ.get("MOTCUA_PETITION_ANSWER_DAYS", "10"))
MOTCUA_MAX_UPLOAD_BYTES = int(os.environ.get("MOTCUA_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
# The messaging channel (a Zalo-Official-Account-like platform; motcua.messaging,
# docs/howto/messaging.md): the platform's send-message API, the app's id and secret (the
# webhook's HMAC-SHA256 key), the official account's token. Without the URL, the secret and the
# token the channel is off. `make run` points it at the stand-in.
MOTCUA_MESSAGING: dict[str, Any] = {
    "api_url": os.environ.get("MOTCUA_MESSAGING_API_URL", "").rstrip("/"),
    "media_url": os.environ.get("MOTCUA_MESSAGING_MEDIA_URL", ""),
    "app_id": os.environ.get("MOTCUA_MESSAGING_APP_ID", "motcua-demo-oa"),
    "app_secret": os.environ.get("MOTCUA_MESSAGING_APP_SECRET", ""),
    "oa_token": os.environ.get("MOTCUA_MESSAGING_OA_TOKEN", ""),
    "oa_name": os.environ.get("MOTCUA_MESSAGING_OA_NAME", "Dịch vụ công"),
    "petition_agency": os.environ.get("MOTCUA_MESSAGING_PETITION_AGENCY", ""),
    "timeout": float(os.environ.get("MOTCUA_MESSAGING_TIMEOUT", "5")),
    "window_seconds": int(os.environ.get("MOTCUA_MESSAGING_WINDOW_SECONDS", "300")),
    "max_body_bytes": int(os.environ.get("MOTCUA_MESSAGING_MAX_BODY_BYTES", "65536")),
    "code_minutes": int(os.environ.get("MOTCUA_MESSAGING_CODE_MINUTES", "10")),
    "commands_per_minute": int(os.environ.get("MOTCUA_MESSAGING_PER_MINUTE", "10")),
    "commands_per_day": int(os.environ.get("MOTCUA_MESSAGING_PER_DAY", "200")),
    "link_failures_per_hour": int(os.environ.get("MOTCUA_MESSAGING_LINK_FAILURES", "5")),
    "petitions_per_day": int(os.environ.get("MOTCUA_MESSAGING_PETITIONS_PER_DAY", "3")),
}
# The document-management service (hệ thống quản lý văn bản) official letters go to and come
# from (docs/howto/document-exchange.md); without a URL, issued letters are held in the outbox.
MOTCUA_DOCEXCHANGE: dict[str, Any] = {
    "url": os.environ.get("MOTCUA_DOCEXCHANGE_URL", "").rstrip("/"),
    "timeout": float(os.environ.get("MOTCUA_DOCEXCHANGE_TIMEOUT", "10")),
}

# Payment gateways (docs/howto/payments.md). The sandbox takes anyone's "payment" at face
# value, so it exists only when asked for (MOTCUA_PAYMENT_SANDBOX=1, which `make run` sets),
# and its secret is this installation's own: generated once into the var folder (mode 600) for
# the demo and development, given in the environment anywhere else. A secret written in the
# source would let anyone sign a "paid" notification.
MOTCUA_PAYMENT_GATEWAYS: dict[str, dict[str, Any]] = {}
if os.environ.get("MOTCUA_PAYMENT_SANDBOX", "0") == "1":
    _sandbox_secret = os.environ.get("MOTCUA_SANDBOX_SECRET", "")
    if not _sandbox_secret and PRODUCTION:
        raise ImproperlyConfigured(
            "MOTCUA_PAYMENT_SANDBOX=1 outside the demo needs MOTCUA_SANDBOX_SECRET (at least 32 "
            "random characters); production should not run the sandbox at all."
        )
    MOTCUA_PAYMENT_GATEWAYS["sandbox"] = {
        "class": "motcua.payments.sandbox.SandboxGateway",
        "secret": _sandbox_secret or secret_key_load(VAR_DIR / "sandbox_secret"),
        "timeout_minutes": int(os.environ.get("MOTCUA_SANDBOX_TIMEOUT_MINUTES", "15")),
        "mode": os.environ.get("MOTCUA_SANDBOX_MODE", "normal"),
        "ipn_url": os.environ.get("MOTCUA_SANDBOX_IPN_URL", ""),
    }
MOTCUA_PAYMENT_DEFAULT_GATEWAY = os.environ.get("MOTCUA_PAYMENT_GATEWAY", "sandbox")

# One JSON object per line with the request's id (core.logs), never personal data (§10);
# MOTCUA_LOG_FORMAT=text for reading on a terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "motcua.core.logs.JsonFormatter"},
        "text": {"()": "motcua.core.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("MOTCUA_LOG_FORMAT", "json"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("MOTCUA_LOG_LEVEL", "INFO")},
    # The request line is ours (core.logs); Django's own repeats the path, which may carry a
    # personal ID.
    "loggers": {"django.request": {"level": "ERROR"}, "django.server": {"level": "ERROR"}},
}

# The JSON API's rate limits (docs/howto/api.md): requests per fixed window of
# MOTCUA_API_RATE_WINDOW seconds, per token (or signed-in person) and per address for anonymous
# callers; counted in Django's cache.
MOTCUA_API_RATE_WINDOW = int(os.environ.get("MOTCUA_API_RATE_WINDOW", "60"))
MOTCUA_API_RATE_ANONYMOUS = int(os.environ.get("MOTCUA_API_RATE_ANONYMOUS", "120"))
MOTCUA_API_RATE_AUTHENTICATED = int(os.environ.get("MOTCUA_API_RATE_AUTHENTICATED", "600"))

# /metrics (core.metrics): from this machine without a token, from anywhere with
# `Authorization: Bearer <MOTCUA_METRICS_TOKEN>`.
MOTCUA_METRICS_TOKEN = os.environ.get("MOTCUA_METRICS_TOKEN", "")
# /healthz reports the worker and the outbox as "stale" past these ages (seconds).
MOTCUA_HEALTH_WORKER_MAX_AGE = int(os.environ.get("MOTCUA_HEALTH_WORKER_MAX_AGE", "300"))
MOTCUA_HEALTH_OUTBOX_MAX_AGE = int(os.environ.get("MOTCUA_HEALTH_OUTBOX_MAX_AGE", "900"))
