"""A citizen applying online over real HTTP, as a browser does: sign in (CSRF cookie and
field), open the procedure's form (which carries the one-time start token, `phieu`), post it
with the declaration and a PDF, and follow where the server sends them.

A submission is kept with what was posted, so it can be posted again exactly as a browser's
"resend" would after a connection dropped.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import requests

from tests.faults.test_kill import PROVINCE

PROCEDURE = f"1.{PROVINCE}0001"
AGENCY = f"000.00.01.H{PROVINCE}"
DONE = re.compile(r"/nop-ho-so/([^/]+)/da-nop/$")
# The smallest well-formed PDF: the upload check reads the content, not the name.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
TIMEOUT = 30
PASSWORD = "mat-khau-thu-nghiem"


def citizen_id(province: str, number: int) -> str:
    # The network driver's walker signs its dossiers as 0{province}090{seed:06d}: citizen
    # number n is the walker of seed n, so the dossiers it plays carry this account's email.
    return f"0{province}090{number:06d}"


class Unanswered(Exception):
    """The connection failed or closed before any answer came back."""


class Refused(Exception):
    """An answer other than the page or the redirect a working server gives."""

    def __init__(self, answer: requests.Response):
        super().__init__(f"{answer.status_code}: {answer.text[:300]}")
        self.status = answer.status_code
        self.retry_after = answer.headers.get("Retry-After", "")
        self.text = answer.text


@dataclass
class Submission:
    citizen: Citizen
    token: str
    csrf: str
    # Where the server sent the citizen: the reference of the dossier, "" while unanswered.
    reference: str = ""
    statuses: list[int] = field(default_factory=list)

    def post(self) -> str:
        """Post the form; the dossier's reference from the redirect to its confirmation."""
        citizen = self.citizen
        try:
            answer = citizen.session.post(
                f"{citizen.base}/thu-tuc/{PROCEDURE}/nop/",
                data={
                    "csrfmiddlewaretoken": self.csrf,
                    "phieu": self.token,
                    "co_quan": AGENCY,
                    "applicant_full_name": citizen.name,
                    "applicant_personal_id": citizen.personal_id,
                    "applicant_birth_date": "1990-02-01",
                    "applicant_sex": "nam",
                    "applicant_address": "1 Lê Lợi, phường Thuận Hóa, Huế",
                    "applicant_phone": "0905123456",
                    "applicant_email": citizen.email,
                    "hanh_dong": "nop",
                },
                files={"tep_1": ("to-khai.pdf", PDF, "application/pdf")},
                headers={"Referer": f"{citizen.base}/thu-tuc/{PROCEDURE}/nop/"},
                allow_redirects=False,
                timeout=TIMEOUT,
            )
        except requests.ConnectionError as error:
            raise Unanswered(str(error)) from error
        self.statuses.append(answer.status_code)
        found = DONE.search(answer.headers.get("Location", ""))
        if answer.status_code != 302 or found is None:
            raise Refused(answer)
        self.reference = found.group(1)
        return self.reference


class Citizen:
    def __init__(self, base: str, number: int):
        self.base = base
        self.number = number
        self.personal_id = citizen_id(PROVINCE, number)
        self.name = f"Nguyễn Văn Thử {number}"
        self.email = f"cong-dan-{number}@example.test"
        self.session = requests.Session()
        self.signed_in = False

    def sign_in(self) -> None:
        """`signed_in` says it worked (run in a thread by `sign_in_all`)."""
        page = self.session.get(f"{self.base}/dang-nhap/", timeout=TIMEOUT)
        answer = self.session.post(
            f"{self.base}/dang-nhap/",
            data={
                "csrfmiddlewaretoken": _field(page.text, "csrfmiddlewaretoken"),
                "username": self.personal_id,
                "password": PASSWORD,
                "next": "",
            },
            headers={"Referer": f"{self.base}/dang-nhap/"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert answer.status_code == 302, (answer.status_code, answer.text[:500])
        self.signed_in = True

    def open_form(self) -> Submission:
        """The procedure's form page, with its one-time token."""
        try:
            page = self.session.get(f"{self.base}/thu-tuc/{PROCEDURE}/nop/", timeout=TIMEOUT)
        except requests.ConnectionError as error:
            raise Unanswered(str(error)) from error
        if page.status_code != 200:
            raise Refused(page)
        return Submission(
            citizen=self,
            token=_field(page.text, "phieu"),
            csrf=_field(page.text, "csrfmiddlewaretoken"),
        )


def sign_in_all(citizens: list[Citizen]) -> None:
    """Side by side: each password hash takes a second."""
    threads = [threading.Thread(target=citizen.sign_in) for citizen in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [c.signed_in for c in citizens] == [True] * len(citizens)


def _field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found is not None, f"no {name} on the page"
    return found.group(1)


def assert_one_dossier_each(state: dict, submissions: list[Submission]) -> None:
    """Every submission is one submitted dossier, the one its redirect named, and there is no
    other; none is half-written; the counters equal a rebuild; every event chain verifies.
    `state` is tests/faults/state.py's."""
    dossiers = state["dossiers"]
    assert len({s.reference for s in submissions}) == len(submissions)
    assert sorted(dossiers) == sorted(s.reference for s in submissions)
    assert state["start_tokens"] == {s.token: s.reference for s in submissions}
    # Each dossier submitted, with one event per version (the creation is version 0).
    assert {st for _, st, _, _ in dossiers.values()} == {"submitted"}
    assert [ref for ref, (_, _, version, events) in dossiers.items() if events != version + 1] == []
    assert state["counters_check"] == 0
    assert state["audit_verify"] == 0
