"""Real-browser fixtures: Debian's Chromium driven by Playwright, never a downloaded browser.

A missing /usr/bin/chromium fails the tests (with how to install it) instead of skipping them:
a journey that cannot be checked is not a journey that works.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make beside
# it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium package "
            "(run scripts/install.sh as root, or `apt-get install chromium`).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def viewport_width() -> int:
    return 1280


@pytest.fixture
def page(browser, viewport_width: int) -> Iterator:
    context = browser.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": viewport_width, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page, viewport_width: int):
    """`screenshot("name")` saves a full-page PNG under $MOTCUA_SCREENSHOTS, when it is set,
    so a person can look at the pages the journey went through."""
    folder = os.environ.get("MOTCUA_SCREENSHOTS", "")

    def take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{folder}/{name}-{viewport_width}.png", full_page=True)

    return take


@pytest.fixture
def mobile_page(browser) -> Iterator:
    """A 360 px phone: the width the portal must work at."""
    context = browser.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


PASSWORD = "matkhau-thu-nghiem"  # tests.factories.UserFactory's password


def sign_in(page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    submit(page, page.locator("button[type=submit]"))
    second_factor_pass(page, username)


def submit(page, button) -> None:
    """Clicks a form's button and returns once the page the form leads to has loaded. Waiting
    for the navigation, not for the network to stay idle: "networkidle" sits out another half
    second of quiet after the page has loaded."""
    with page.expect_navigation():
        button.click()


def totp_code(secret: str, *, after_step: int = 0) -> str:
    """The authenticator app's code now, or the next step's when this one was used already
    (the server accepts a step either side of its own, each once); waits if both were."""
    import pyotp

    from motcua.portal.second_factor import STEP_SECONDS

    step = max(int(time.time()) // STEP_SECONDS, after_step + 1)
    while step > int(time.time()) // STEP_SECONDS + 1:
        time.sleep(1)
    return pyotp.TOTP(secret, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def second_factor_pass(page, username: str) -> None:
    """Approvers, leaders and administrators are asked for the code after the password
    (portal.second_factor): enrol from the secret the page shows, or type the code of the
    secret enrolled earlier, as the person's phone would."""
    if "/dang-nhap/ma-xac-thuc/" not in page.url:
        return
    from motcua.portal.models import SecondFactor

    shown = page.get_by_test_id("totp-secret")
    if shown.count():
        code = totp_code(shown.inner_text().strip())
    else:
        factor = SecondFactor.objects.get(user__username=username)
        code = totp_code(factor.secret, after_step=factor.last_step)
    page.fill("#id_code", code)
    submit(page, page.locator("button[type=submit]"))


@pytest.fixture
def signed_in():
    """`signed_in(page, live_server, username)` signs in through the staff sign-in page."""
    return sign_in


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_FAILING = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """Run axe-core in the page as it stands; return its serious and critical violations."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (scripts/install.sh does).", pytrace=False)
    # A check begun while a navigation is still under way would read a document being replaced.
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's debugging protocol, which the page's
        # Content-Security-Policy does not govern; an injected <script> tag would be refused.
        page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in AXE_FAILING
    ]


@pytest.fixture
def accessible():
    """`accessible(page)` fails the test when axe-core finds a serious or critical violation."""

    def check(page) -> None:
        violations = axe_violations(page)
        assert violations == [], f"{page.url}: {violations}"

    return check
