"""Serving as production does: settings that refuse to start half-configured, static files
with hashed names and a year's cache, the favicon, Vietnamese error pages without debug
details."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.template import loader
from django.templatetags.static import static
from django.test import Client
from django.views.defaults import server_error

PRODUCTION = {
    "MOTCUA_SECRET_KEY": "k" * 20 + "-0123456789abcdefghijklmnopqrstuvwxyz",
    "MOTCUA_ALLOWED_HOSTS": "dichvucong.hue.gov.vn",
    "MOTCUA_PUBLIC_URL": "https://dichvucong.hue.gov.vn",
}
SHOW = (
    "from django.conf import settings as s; print(s.MOTCUA_PUBLIC_URL, s.ALLOWED_HOSTS, "
    "s.CSRF_TRUSTED_ORIGINS, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
)


def start(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """`django.setup()` in a fresh interpreter with only `environ` (and the basics) set."""
    env = {
        "PATH": "/usr/bin:/bin",
        "MOTCUA_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
        **environ,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_starts_with_its_three_settings(tmp_path):
    result = start(tmp_path, **PRODUCTION, MOTCUA_HTTPS="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == (
        "https://dichvucong.hue.gov.vn ['dichvucong.hue.gov.vn'] "
        "['https://dichvucong.hue.gov.vn'] True 31536000"
    )
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("missing", "said"),
    [
        ("MOTCUA_SECRET_KEY", "MOTCUA_SECRET_KEY (at least 50 random characters)"),
        ("MOTCUA_ALLOWED_HOSTS", "MOTCUA_ALLOWED_HOSTS (the host names people use"),
        ("MOTCUA_PUBLIC_URL", "MOTCUA_PUBLIC_URL (the address people reach"),
    ],
)
def test_production_refuses_to_start_without_each(tmp_path, missing, said):
    environ = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = start(tmp_path, **environ)

    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: motcua runs in production")
    assert said in last
    assert last.endswith("For the local demo set MOTCUA_DEMO=1 (make run does).")


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:8000",
        "http://localhost",
        "https://127.0.1.1/",
        "http://[::1]:8000",
        "ftp://x.vn",
        "dichvucong.hue.gov.vn",
    ],
)
def test_production_refuses_a_local_or_malformed_public_address(tmp_path, address):
    result = start(tmp_path, **{**PRODUCTION, "MOTCUA_PUBLIC_URL": address})

    assert result.returncode == 1
    assert "MOTCUA_PUBLIC_URL" in result.stderr.strip().splitlines()[-1]


def test_a_short_secret_key_is_refused(tmp_path):
    result = start(tmp_path, **{**PRODUCTION, "MOTCUA_SECRET_KEY": "short"})

    assert result.returncode == 1
    assert "MOTCUA_SECRET_KEY" in result.stderr


def test_the_demo_needs_none_of_them(tmp_path):
    result = start(tmp_path, MOTCUA_DEMO="1", MOTCUA_PORT="8123")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == (
        "http://127.0.0.1:8123 ['127.0.0.1', 'localhost', '[::1]'] "
        "['http://127.0.0.1:8123'] False 31536000"  # HSTS without DEBUG, sent on HTTPS only
    )
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_csrf_trusted_origins_can_be_given(tmp_path):
    result = start(
        tmp_path,
        **PRODUCTION,
        MOTCUA_CSRF_TRUSTED_ORIGINS="https://dichvucong.hue.gov.vn,https://dvc.hue.gov.vn",
    )

    assert "['https://dichvucong.hue.gov.vn', 'https://dvc.hue.gov.vn']" in result.stdout


def test_the_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "MOTCUA_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
        **PRODUCTION,
        "MOTCUA_HTTPS": "1",
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "motcua"),
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (1 silenced).\n"


@pytest.fixture
def collected(tmp_path_factory) -> Path:
    """The static files as `make run` collects them: hashed, compressed."""
    root = tmp_path_factory.mktemp("static")
    env = {
        **os.environ,
        "MOTCUA_DEMO": "1",
        "MOTCUA_STATIC_ROOT": str(root),
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
    }
    subprocess.run(
        [str(Path(sys.executable).parent / "motcua"), "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=120,
    )
    return root


@pytest.mark.django_db
def test_static_files_have_hashed_names_and_a_years_cache(collected, settings):
    manifest = (collected / "staticfiles.json").read_text()
    assert '"motcua/favicon.svg": "motcua/favicon.' in manifest
    assert '"admin/css/base.css": "admin/css/base.' in manifest
    settings.STATIC_ROOT = collected
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.DEBUG = False
    # A new client builds its handler, and WhiteNoise indexes STATIC_ROOT then.
    client = Client()
    hashed = static("admin/css/base.css")

    response = client.get(hashed, headers={"Accept-Encoding": "gzip"})

    assert hashed.startswith("/static/admin/css/base.") and hashed != "/static/admin/css/base.css"
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"].startswith("text/css")
    plain = client.get("/static/admin/css/base.css")
    assert plain.status_code == 200
    assert "immutable" not in plain["Cache-Control"]


@pytest.mark.django_db
def test_favicon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/motcua/favicon.ico"
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/motcua/favicon.svg" type="image/svg+xml">' in page


@pytest.mark.django_db
def test_the_404_page_is_vietnamese_and_shows_no_debug_details(client):
    response = client.get("/khong-co-trang-nay/001090000001/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Không tìm thấy trang</h1>" in page
    assert "Tra cứu thủ tục hành chính" in page
    assert "Page not found" not in page
    assert "urlpatterns" not in page
    assert "001090000001" not in page


def test_the_500_page_needs_no_request_or_database():
    page = loader.get_template("500.html").render()

    assert "<h1>Hệ thống đang gặp sự cố</h1>" in page
    assert 'lang="vi"' in page


def test_an_error_answers_with_the_500_page(rf):
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "<h1>Hệ thống đang gặp sự cố</h1>" in response.content.decode()


def test_a_worker_freezes_what_it_loaded_before_its_first_request():
    """gunicorn's `post_worker_init`: the URLconf imported, then everything loaded so far
    kept out of the garbage collector's full collections (their pauses set the p95)."""
    import gc

    from motcua.core import gunicorn_conf

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        gunicorn_conf.post_worker_init(None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_a_worker_compiles_the_templates_and_reads_the_holidays_before_its_first_request():
    """`core.warmup.warm`, run by `post_worker_init`: what a worker's first requests paid
    (230–450 ms against 30 ms for the next on the officer queue) is paid before them."""
    from datetime import date

    from django.template import engines

    from motcua.core.warmup import warm
    from motcua.core.worktime import vn_holidays

    cached = engines["django"].engine.template_loaders[0]
    cached.reset()
    vn_holidays.cache_clear()

    compiled = warm(today=date(2031, 3, 1))

    assert "office/processing_queue.html" in cached.get_template_cache
    assert "index/indicator.html" in cached.get_template_cache
    assert compiled == len(cached.get_template_cache) > 150
    assert vn_holidays.cache_info().currsize == 3
    vn_holidays(2030), vn_holidays(2031), vn_holidays(2032)
    assert vn_holidays.cache_info().hits == 3
