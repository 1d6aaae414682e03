"""The ballot pages: who reaches them, the answer form's refusals shown in Vietnamese with
nothing written, the tally, the archive, the counts and the attachments' download."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from motcua.ballots.models import Ballot
from motcua.ballots.services import ballot_answer
from motcua.directory.models import User
from tests.ballots.conftest import Committee, draft_pdf

pytestmark = pytest.mark.django_db


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _answers(ballot: Ballot) -> list[tuple[str, str]]:
    return list(ballot.answers.values_list("member__user__username", "choice"))


@pytest.mark.parametrize("page", ["", "moi/", "luu-tru/", "thong-ke/"])
def test_anonymous_visitors_are_sent_to_sign_in(committee: Committee, page: str):
    response = _client(None).get(f"/phieu-y-kien/{page}")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=/phieu-y-kien/")


def test_anonymous_answer_is_sent_to_sign_in_and_nothing_written(committee: Committee):
    ballot = committee.ballot()
    response = _client(None).post(f"/phieu-y-kien/{ballot.pk}/tra-loi/", {"y_kien": "agree"})
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")
    assert _answers(ballot) == []


@pytest.mark.parametrize("who", ["citizen", "specialist"])
def test_citizens_and_other_staff_meet_403(committee: Committee, who: str):
    response = _client(getattr(committee, who)).get("/phieu-y-kien/")
    assert response.status_code == 403


def test_a_member_answers_then_a_second_answer_is_refused(committee: Committee):
    ballot = committee.ballot()
    member = _client(committee.members[0])
    home = member.get("/phieu-y-kien/")
    assert ballot.number in home.content.decode()
    assert "còn 2 ngày 23 giờ" in home.content.decode() or "còn 3 ngày" in home.content.decode()

    done = member.post(
        f"/phieu-y-kien/{ballot.pk}/tra-loi/", {"y_kien": "agree", "gop_y": "Nhất trí."}
    )
    assert done.status_code == 302
    again = member.post(f"/phieu-y-kien/{ballot.pk}/tra-loi/", {"y_kien": "disagree"})

    assert again.status_code == 400
    assert "mỗi thành viên chỉ trả lời một lần" in again.content.decode()
    assert _answers(ballot) == [("thanhvien0", "agree")]
    assert ballot.number not in member.get("/phieu-y-kien/").content.decode().split("mine")[0]


def test_an_answer_after_the_deadline_shows_the_message(committee: Committee):
    now = timezone.now()
    ballot = committee.ballot(at=now - timedelta(days=2), deadline=now + timedelta(hours=1))
    Ballot.objects.filter(pk=ballot.pk).update(deadline=now - timedelta(minutes=5))

    response = _client(committee.members[1]).post(
        f"/phieu-y-kien/{ballot.pk}/tra-loi/", {"y_kien": "agree"}
    )

    assert response.status_code == 400
    assert "Đã hết hạn trả lời phiếu 12/PLYK-UBND" in response.content.decode()
    assert _answers(ballot) == []


def test_a_non_member_cannot_see_or_answer(committee: Committee):
    ballot = committee.ballot()
    outsider = _client(committee.outsider)
    assert outsider.get(f"/phieu-y-kien/{ballot.pk}/").status_code == 404
    assert (
        outsider.post(f"/phieu-y-kien/{ballot.pk}/tra-loi/", {"y_kien": "agree"}).status_code == 404
    )
    assert _answers(ballot) == []


def test_a_member_without_the_second_factor_meets_403(committee: Committee):
    ballot = committee.ballot(members=[*committee.members, committee.unverified])
    response = _client(committee.unverified).post(
        f"/phieu-y-kien/{ballot.pk}/tra-loi/", {"y_kien": "agree"}
    )
    assert response.status_code == 403
    assert "xác thực hai lớp" in response.content.decode()
    assert _answers(ballot) == []


def test_names_are_shown_to_the_creator_comments_to_the_members(committee: Committee):
    ballot = committee.ballot()
    ballot_answer(
        actor=committee.members[0], ballot=ballot, choice="comment", comment="Bổ sung Điều 5."
    )
    creator = _client(committee.sender).get(f"/phieu-y-kien/{ballot.pk}/").content.decode()
    member = _client(committee.members[1]).get(f"/phieu-y-kien/{ballot.pk}/").content.decode()
    assert "Trần Thị An" in creator and "Bổ sung Điều 5." in creator
    assert "Bổ sung Điều 5." in member
    assert "Trần Thị An" not in member


def test_create_send_close_decide_through_the_pages(committee: Committee):
    sender = _client(committee.sender)
    deadline = timezone.localtime(timezone.now() + timedelta(days=2))
    created = sender.post(
        "/phieu-y-kien/moi/",
        {
            "co_quan": committee.province.code,
            "so_phieu": "20/PLYK-UBND",
            "trich_yeu": "Dự thảo quyết định về giá dịch vụ",
            "tom_tat": "Giá dịch vụ trông giữ xe.",
            "han": f"{deadline:%Y-%m-%dT%H:%M}",
            "thanh_vien": [str(u.pk) for u in committee.members[:3]],
            "tep": draft_pdf(),
        },
    )
    assert created.status_code == 302
    ballot = Ballot.objects.get(number="20/PLYK-UBND")
    assert ballot.members.count() == 3
    assert sender.post(f"/phieu-y-kien/{ballot.pk}/gui/").status_code == 302
    for member in committee.members[:2]:
        _client(member).post(f"/phieu-y-kien/{ballot.pk}/tra-loi/", {"y_kien": "agree"})
    closed = sender.post(f"/phieu-y-kien/{ballot.pk}/ket-thuc/")
    assert closed["Location"] == f"/phieu-y-kien/{ballot.pk}/ket-qua/"
    tally = sender.get(closed["Location"]).content.decode()
    assert 'data-testid="agree">2<' in tally and 'data-testid="no-answer">1<' in tally
    assert "Được thông qua" in tally
    sender.post(
        f"/phieu-y-kien/{ballot.pk}/quyet-dinh/",
        {"quyet_dinh": "issued", "ghi_chu": "Ban hành Quyết định 45/QĐ-UBND."},
    )
    ballot.refresh_from_db()
    assert (ballot.state, ballot.decision) == ("decided", "issued")


def test_a_member_cannot_send_or_close(committee: Committee):
    ballot = committee.ballot(send=False)
    member = _client(committee.members[0])
    assert member.post(f"/phieu-y-kien/{ballot.pk}/gui/").status_code == 403
    # An approver sends no ballots at all: the create form is not theirs.
    assert _client(committee.members[1]).get("/phieu-y-kien/moi/").status_code == 403
    ballot.refresh_from_db()
    assert ballot.state == "draft"


def test_the_attachment_is_a_download_for_readers_only(committee: Committee):
    ballot = committee.ballot()
    attachment = ballot.attachments.get()
    response = _client(committee.members[0]).get(f"/phieu-y-kien/tep/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _client(committee.outsider).get(f"/phieu-y-kien/tep/{attachment.pk}/").status_code == 404


def test_archive_and_counts_pages(committee: Committee, django_assert_max_num_queries):
    for i in range(5):
        committee.ballot(number=f"{30 + i}/PLYK-UBND", title=f"Dự thảo số {i} về đất đai")
    sender = _client(committee.sender)
    with django_assert_max_num_queries(12):
        found = sender.get("/phieu-y-kien/luu-tru/", {"q": "DAT DAI"}).content.decode()
    assert 'data-testid="found">5 phiếu<' in found
    year = timezone.localdate().year
    counts = sender.get("/phieu-y-kien/thong-ke/", {"nam": str(year)}).content.decode()
    assert 'data-testid="year-total">5<' in counts


def test_a_member_past_the_deadline_is_told_and_offered_no_form(committee: Committee):
    now = timezone.now()
    ballot = committee.ballot(at=now - timedelta(days=2), deadline=now + timedelta(hours=1))
    Ballot.objects.filter(pk=ballot.pk).update(deadline=now - timedelta(minutes=5))
    page = _client(committee.members[0]).get(f"/phieu-y-kien/{ballot.pk}/").content.decode()
    assert 'data-testid="too-late"' in page
    assert "Gửi ý kiến" not in page


def test_the_running_tally_is_the_senders_alone(committee: Committee):
    ballot = committee.ballot()
    assert (
        _client(committee.members[0]).get(f"/phieu-y-kien/{ballot.pk}/ket-qua/").status_code == 403
    )
    assert _client(committee.sender).get(f"/phieu-y-kien/{ballot.pk}/ket-qua/").status_code == 200


def test_the_members_list_costs_a_fixed_number_of_queries(
    committee: Committee, django_assert_max_num_queries
):
    for i in range(6):
        committee.ballot(number=f"{40 + i}/PLYK-UBND")
    member = _client(committee.members[0])
    member.get("/phieu-y-kien/")  # session and caches warmed
    with django_assert_max_num_queries(8):
        page = member.get("/phieu-y-kien/").content.decode()
    assert page.count("/PLYK-UBND</a>") == 6
