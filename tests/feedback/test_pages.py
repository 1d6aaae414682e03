"""The petition pages: the citizen's form, list, detail and rating; the officers' queue and
petition page; the public list — who reaches them, what they show, what they cost."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.core.worktime import TZ
from motcua.dossiers.models import State
from motcua.feedback.models import Petition, PetitionState
from motcua.feedback.selectors import Calendars, deadline_mark
from motcua.feedback.services import petition_answer, petition_rate
from tests.feedback.conftest import T0

pytestmark = pytest.mark.django_db
ANSWER = "Sở đã tiếp thu ý kiến và chấn chỉnh việc hẹn trả kết quả tại bộ phận một cửa."


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


# --- the citizen ---------------------------------------------------------------------------


def test_the_form_needs_a_sign_in(client):
    response = client.get("/phan-anh/gui/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")


def test_the_header_links_to_the_form(client):
    assert 'href="/phan-anh/gui/"' in client.get("/").content.decode()


def test_a_citizen_sends_a_petition(client, citizen, agency):
    client.force_login(citizen)
    assert client.get("/phan-anh/gui/").status_code == 200
    response = client.post(
        "/phan-anh/gui/",
        {
            "kind": "recommendation",
            "agency": agency.code,
            "subject": "Bổ sung chỗ ngồi chờ",
            "content": "Đề nghị bố trí thêm ghế chờ tại bộ phận một cửa vào buổi sáng.",
            "publish_consent": "on",
        },
    )
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/phan-anh/cua-toi/{petition.reference}/"
    assert (petition.kind, petition.publish_consent, petition.citizen) == (
        "recommendation",
        True,
        citizen,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Bổ sung chỗ ngồi chờ" in page
    assert "Đã tiếp nhận, đang xử lý" in page


def test_bad_input_is_a_vietnamese_message_and_nothing_is_written(client, citizen, agency):
    client.force_login(citizen)
    response = client.post(
        "/phan-anh/gui/",
        {"kind": "reflection", "agency": agency.code, "subject": "Chậm", "content": "ngắn"},
    )
    assert response.status_code == 400
    assert "Tiêu đề phải có ít nhất 5 ký tự." in response.content.decode()
    assert Petition.objects.count() == 0


def test_a_numbered_dossier_asked_for_by_its_reference_is_chosen_by_its_code(
    client, walker, agency
):
    dossier = walker.dossier_in(State.RECEIVED)
    assert dossier.code and dossier.public_code == dossier.code != dossier.reference
    client.force_login(walker.citizen)

    response = client.get(f"/phan-anh/gui/?ho_so={dossier.reference}")

    form = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{dossier.code}" selected>' in form
    assert f'<option value="{agency.code}" selected>' in form


def test_from_a_dossier_page_the_form_knows_the_dossier(client, walker, agency):
    dossier = walker.create(at=T0)
    client.force_login(walker.citizen)
    detail = client.get(f"/ho-so-cua-toi/{dossier.public_code}/").content.decode()
    assert f'href="/phan-anh/gui/?ho_so={dossier.public_code}"' in detail
    form = client.get(f"/phan-anh/gui/?ho_so={dossier.public_code}").content.decode()
    assert f'<option value="{dossier.public_code}" selected>' in form
    assert f'<option value="{agency.code}" selected>' in form


def test_someone_elses_dossier_is_not_offered(client, walker, other_citizen):
    dossier = walker.create(at=T0)
    client.force_login(other_citizen)
    assert client.get(f"/phan-anh/gui/?ho_so={dossier.public_code}").status_code == 404


def test_my_petitions_are_mine_only(client, submit, citizen, other_citizen):
    mine = submit(subject="Phản ánh của tôi đây")
    theirs = submit(actor=other_citizen, subject="Phản ánh của người khác")
    client.force_login(citizen)
    listing = client.get("/phan-anh/cua-toi/").content.decode()
    assert "Phản ánh của tôi đây" in listing
    assert "Phản ánh của người khác" not in listing
    assert client.get(f"/phan-anh/cua-toi/{mine.reference}/").status_code == 200
    assert client.get(f"/phan-anh/cua-toi/{theirs.reference}/").status_code == 404
    assert (
        client.post(
            f"/phan-anh/cua-toi/{theirs.reference}/danh-gia/", {"rating": "satisfied"}
        ).status_code
        == 404
    )


def test_the_answer_is_shown_and_rated_once(client, submit, citizen, reception):
    petition = submit()
    petition_answer(actor=reception, petition=petition, answer=ANSWER, at=T0 + timedelta(days=1))
    client.force_login(citizen)
    page = client.get(f"/phan-anh/cua-toi/{petition.reference}/").content.decode()
    assert ANSWER in page
    assert 'name="rating"' in page
    response = client.post(
        f"/phan-anh/cua-toi/{petition.reference}/danh-gia/", {"rating": "satisfied"}
    )
    assert response.status_code == 302
    assert Petition.objects.get().rating == "satisfied"
    page = client.get(f"/phan-anh/cua-toi/{petition.reference}/").content.decode()
    assert 'name="rating"' not in page
    again = client.post(
        f"/phan-anh/cua-toi/{petition.reference}/danh-gia/", {"rating": "unsatisfied"}
    )
    assert again.status_code == 409
    assert Petition.objects.get().rating == "satisfied"


# --- the public page -----------------------------------------------------------------------


def test_the_public_page_lists_consented_answers_without_personal_data(
    client, submit, citizen, reception, walker
):
    citizen.full_name = "Lê Thị Công Khai"
    citizen.save(update_fields=["full_name"])
    dossier = walker.create(at=T0)
    shown = submit(
        subject="Niêm yết thủ tục chưa đầy đủ",
        content="Tôi là Lê Thị Công Khai, số định danh 001090000001, ở 12 Lê Lợi.",
        publish_consent=True,
        dossier=dossier,
    )
    private = submit(subject="Không muốn công khai", at=T0 + timedelta(hours=1))
    waiting = submit(subject="Chưa trả lời", publish_consent=True, at=T0 + timedelta(hours=2))
    unreviewed = submit(
        subject="Đồng ý nhưng cán bộ chưa công khai",
        publish_consent=True,
        at=T0 + timedelta(hours=3),
    )
    petition_answer(
        actor=reception, petition=shown, answer=ANSWER, publish=True, at=T0 + timedelta(days=1)
    )
    for petition in (private, unreviewed):
        petition_answer(
            actor=reception,
            petition=petition,
            answer=f"{ANSWER} Chuyển bà Lê Thị Công Khai.",
            at=T0 + timedelta(days=1),
        )
    body = client.get("/phan-anh/cong-khai/").content.decode()
    assert "Niêm yết thủ tục chưa đầy đủ" in body
    assert ANSWER in body
    assert "02/03/2026" in body and "03/03/2026" in body
    assert "Sở Tư pháp thử nghiệm" in body
    assert body.count('<div class="petition-answer">') == 1
    for secret in (
        "Không muốn công khai",
        "Chưa trả lời",
        "Đồng ý nhưng cán bộ chưa công khai",
        "Chuyển bà",
        "Lê Thị Công Khai",
        "001090000001",
        "12 Lê Lợi",
        shown.reference,
        dossier.public_code,
        citizen.username,
    ):
        assert secret not in body, secret
    assert waiting.state == PetitionState.RECEIVED


# --- the officers --------------------------------------------------------------------------


def test_deadline_marks_in_working_time(submit):
    petition = submit()  # due Monday 16/03/2026 17:00
    calendars = Calendars()
    assert deadline_mark(petition, at(2026, 3, 13, 16, 0), calendars)["key"] == "on_time"
    assert deadline_mark(petition, at(2026, 3, 13, 17, 0), calendars)["key"] == "due_soon"
    # Saturday: the weekend does not count, one working day is left.
    assert deadline_mark(petition, at(2026, 3, 14, 10, 0), calendars) == {
        "key": "due_soon",
        "label": "Sắp đến hạn (còn dưới 1 ngày làm việc)",
    }
    assert deadline_mark(petition, at(2026, 3, 16, 17, 1), calendars) == {
        "key": "overdue",
        "label": "Quá hạn",
    }


def test_the_queue_is_for_officers_only(client, citizen, admin_only):
    assert client.get("/mot-cua/phan-anh/").status_code == 302  # to the sign-in
    for user in (citizen, admin_only):
        client.force_login(user)
        response = client.get("/mot-cua/phan-anh/")
        assert response.status_code == 403
        assert "Trang này dành cho cán bộ xử lý phản ánh, kiến nghị" in response.content.decode()


def test_the_queue_sorts_by_deadline_with_marks(client, submit, reception, other_reception):
    now = timezone.now()
    overdue = submit(at=now - timedelta(days=30), subject="Quá hạn từ lâu")
    fresh = submit(at=now - timedelta(minutes=5), subject="Vừa gửi hôm nay")
    client.force_login(reception)
    body = client.get("/mot-cua/phan-anh/").content.decode()
    assert body.index(overdue.reference) < body.index(fresh.reference)
    assert "Quá hạn</span>" in body and "Trong hạn</span>" in body
    client.force_login(other_reception)
    other = client.get("/mot-cua/phan-anh/").content.decode()
    assert overdue.reference not in other
    assert client.get(f"/mot-cua/phan-anh/{overdue.reference}/").status_code == 404


def test_an_officer_answers_from_the_petition_page(client, submit, reception, citizen):
    petition = submit()
    client.force_login(reception)
    page = client.get(f"/mot-cua/phan-anh/{petition.reference}/")
    assert page.status_code == 200
    assert citizen.full_name in page.content.decode()  # the officer sees who wrote
    assert (
        AuditEvent.objects.filter(action="petition.read", object_id=str(petition.pk)).count() == 1
    )
    bad = client.post(f"/mot-cua/phan-anh/{petition.reference}/tra-loi/", {"answer": "Đã xem"})
    assert bad.status_code == 400
    assert "Nội dung trả lời phải có ít nhất 20 ký tự." in bad.content.decode()
    ok = client.post(f"/mot-cua/phan-anh/{petition.reference}/tra-loi/", {"answer": ANSWER})
    assert ok.status_code == 302
    fresh = Petition.objects.get()
    assert (fresh.state, fresh.answer, fresh.answered_by) == ("answered", ANSWER, reception)
    twice = client.post(
        f"/mot-cua/phan-anh/{petition.reference}/tu-choi/", {"reason": "Không thuộc thẩm quyền."}
    )
    assert twice.status_code == 409
    assert Petition.objects.get().state == "answered"


def test_the_history_names_officers_by_name_and_the_sender_by_role(
    client, submit, reception, citizen
):
    reception.full_name = "Lê Thu Hà"
    reception.save(update_fields=["full_name"])
    petition = submit(publish_consent=True)
    petition_answer(actor=reception, petition=petition, answer=ANSWER, at=T0 + timedelta(days=1))
    petition_rate(actor=citizen, petition=petition, rating="satisfied", at=T0 + timedelta(days=2))
    client.force_login(reception)

    body = client.get(f"/mot-cua/phan-anh/{petition.reference}/").content.decode()

    actors = re.findall(r'<span data-testid="event-actor">([^<]*)</span>', body)
    assert actors == ["Công dân", "Lê Thu Hà", "Công dân"]
    assert citizen.username == citizen.personal_id == "001090000001"
    assert "001090000001" not in body


def test_an_answer_refused_by_validation_is_still_an_audited_read(client, submit, reception):
    petition = submit()
    client.force_login(reception)
    before = Petition.objects.values().get()

    answer = client.post(f"/mot-cua/phan-anh/{petition.reference}/tra-loi/", {"answer": "Ngắn"})
    reason = client.post(f"/mot-cua/phan-anh/{petition.reference}/tu-choi/", {"reason": ""})

    assert (answer.status_code, reason.status_code) == (400, 400)
    assert petition.content in answer.content.decode()
    assert "Hãy ghi lý do." in reason.content.decode()
    reads = AuditEvent.objects.filter(action="petition.read").order_by("id")
    assert [(r.actor, r.object_id) for r in reads] == [(reception, str(petition.pk))] * 2
    assert Petition.objects.values().get() == before


def test_a_late_second_reply_shows_the_page_again_as_an_audited_read(
    client, submit, reception, specialist
):
    petition = submit()
    petition_answer(actor=specialist, petition=petition, answer=ANSWER, at=T0 + timedelta(days=1))
    before = Petition.objects.values().get()
    client.force_login(reception)

    response = client.post(
        f"/mot-cua/phan-anh/{petition.reference}/tu-choi/", {"reason": "Không thuộc thẩm quyền."}
    )

    assert response.status_code == 409
    read = AuditEvent.objects.get(action="petition.read")
    assert (read.actor, read.object_id) == (reception, str(petition.pk))
    assert Petition.objects.values().get() == before


def test_a_refused_officer_reads_nothing(client, submit, other_reception):
    petition = submit()
    client.force_login(other_reception)

    for url, data in (
        (f"/mot-cua/phan-anh/{petition.reference}/", None),
        (f"/mot-cua/phan-anh/{petition.reference}/tra-loi/", {"answer": "Ngắn"}),
    ):
        response = client.post(url, data) if data else client.get(url)
        assert response.status_code == 404
    assert AuditEvent.objects.filter(action="petition.read").count() == 0


def test_the_officer_publishes_a_consented_answer_from_the_page(client, submit, reception):
    petition = submit(subject="Niêm yết thủ tục chưa đầy đủ", publish_consent=True)
    client.force_login(reception)
    page = client.get(f"/mot-cua/phan-anh/{petition.reference}/").content.decode()
    assert 'name="publish"' in page
    assert "Công khai câu trả lời" in page

    response = client.post(
        f"/mot-cua/phan-anh/{petition.reference}/tra-loi/", {"answer": ANSWER, "publish": "on"}
    )

    assert response.status_code == 302
    fresh = Petition.objects.get()
    assert (fresh.state, fresh.answer_published) == ("answered", True)
    page = client.get(f"/mot-cua/phan-anh/{petition.reference}/").content.decode()
    assert '<dd data-testid="publication">Câu trả lời đã được công khai</dd>' in page
    public = client.get("/phan-anh/cong-khai/").content.decode()
    assert "Niêm yết thủ tục chưa đầy đủ" in public and ANSWER in public


def test_a_consented_answer_sent_without_the_tick_is_not_published(client, submit, reception):
    petition = submit(subject="Niêm yết thủ tục chưa đầy đủ", publish_consent=True)
    client.force_login(reception)

    response = client.post(f"/mot-cua/phan-anh/{petition.reference}/tra-loi/", {"answer": ANSWER})

    assert response.status_code == 302
    assert Petition.objects.get().answer_published is False
    assert "Niêm yết thủ tục chưa đầy đủ" not in client.get("/phan-anh/cong-khai/").content.decode()


def test_without_consent_there_is_no_tick_and_a_forced_one_changes_nothing(
    client, submit, reception
):
    petition = submit(publish_consent=False)
    client.force_login(reception)
    assert (
        'name="publish"'
        not in client.get(f"/mot-cua/phan-anh/{petition.reference}/").content.decode()
    )
    before = Petition.objects.values().get()

    response = client.post(
        f"/mot-cua/phan-anh/{petition.reference}/tra-loi/", {"answer": ANSWER, "publish": "on"}
    )

    assert response.status_code == 400
    assert (
        "Người gửi không đồng ý công khai; câu trả lời không thể được công khai."
        in response.content.decode()
    )
    assert Petition.objects.values().get() == before


def test_an_officer_rejects_from_the_petition_page(client, submit, specialist):
    petition = submit()
    client.force_login(specialist)
    response = client.post(
        f"/mot-cua/phan-anh/{petition.reference}/tu-choi/",
        {"reason": "Thuộc thẩm quyền của UBND phường; đề nghị gửi UBND phường."},
    )
    assert response.status_code == 302
    assert Petition.objects.get().state == "rejected"


def test_another_agencys_officer_cannot_answer_through_the_page(client, submit, other_reception):
    petition = submit()
    client.force_login(other_reception)
    response = client.post(f"/mot-cua/phan-anh/{petition.reference}/tra-loi/", {"answer": ANSWER})
    assert response.status_code == 404
    assert Petition.objects.get().state == "received"


# --- query bounds --------------------------------------------------------------------------

FEW, MANY = 2, 25


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/mot-cua/phan-anh/", "reception"),
        ("/mot-cua/phan-anh/?da_xu_ly=1", "reception"),
        ("/phan-anh/cua-toi/", "citizen"),
        ("/phan-anh/cong-khai/", None),
        ("/phan-anh/gui/", "citizen"),
    ],
)
def test_pages_cost_the_same_with_more_petitions(
    request, client, submit, reception, citizen, url, who
):
    if who:
        client.force_login(request.getfixturevalue(who))

    def add(n: int, start: int) -> None:
        for i in range(n):
            petition = submit(at=T0 + timedelta(hours=start + i), publish_consent=True)
            if i % 2:
                petition_answer(
                    actor=reception,
                    petition=petition,
                    answer=ANSWER,
                    publish=True,
                    at=petition.created_at + timedelta(days=1),
                )
                petition_rate(
                    actor=citizen,
                    petition=petition,
                    rating="satisfied",
                    at=petition.created_at + timedelta(days=2),
                )

    add(FEW, 0)
    few = count_queries(client, url)
    add(MANY, 100)
    many = count_queries(client, url)
    assert few == many
    assert many <= 12
