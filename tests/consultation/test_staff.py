"""The drafting agency's actions: who may (the agency's leaders, approvers and admins, and those
above), who may not (anonymous visitors, citizens, another role of the agency, another
agency's leaders) — refused with nothing changed —, and the rules of publishing, answering and
closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.consultation.models import Comment, Draft, PlanItem, SimplificationPlan
from motcua.consultation.services import (
    comment_answer,
    comment_moderate,
    comment_submit,
    draft_close,
    draft_create,
    draft_publish,
    plan_create,
    plan_item_add,
)
from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from tests.consultation.conftest import first_section
from tests.consultation.test_cost import GOOD

ANON = {"name": "Trần Thị Mai", "contact": "mai@example.vn"}
DENIED = ["citizen", "reception", "outsider"]


def _snapshot() -> tuple:
    return (
        list(Draft.objects.values_list("pk", "status", "deadline", "closed_at").order_by("pk")),
        list(Comment.objects.values_list("pk", "state", "disposition", "answer").order_by("pk")),
        SimplificationPlan.objects.count(),
        PlanItem.objects.count(),
    )


def _past(draft: Draft) -> None:
    Draft.objects.filter(pk=draft.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    draft.refresh_from_db()


@pytest.mark.parametrize("who", DENIED)
def test_staff_actions_are_refused_to_everyone_else_and_change_nothing(p, who):
    actor = getattr(p, who)
    draft = p.draft()
    comment = comment_submit(actor=None, section=first_section(draft), text="Có", **ANON)
    unpublished = draft_create(
        actor=p.approver, agency=p.justice, title="Dự thảo khác", sections=[("Điều 1", "Nội dung")]
    )
    plan = plan_create(actor=p.approver, agency=p.justice, title="Phương án", year=2026)
    before = _snapshot()
    attempts = [
        lambda: draft_create(actor=actor, agency=p.justice, title="X", sections=[("A", "B")]),
        lambda: draft_publish(
            actor=actor, draft=unpublished, deadline=timezone.localdate() + timedelta(days=5)
        ),
        lambda: comment_moderate(actor=actor, comment=comment, approve=True),
        lambda: comment_answer(
            actor=actor, comment=comment, disposition="accepted", answer="Tiếp thu"
        ),
        lambda: draft_close(actor=actor, draft=draft),
        lambda: plan_create(actor=actor, agency=p.justice, title="P", year=2026),
        lambda: plan_item_add(
            actor=actor, plan=plan, procedure=p.procedure, measure="M", before=GOOD, after=GOOD
        ),
    ]

    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()

    assert _snapshot() == before


STAFF_POSTS = [
    ("draft_new", lambda d, c: "/gop-y/quan-ly/du-thao/moi/"),
    ("publish", lambda d, c: f"/gop-y/quan-ly/du-thao/{d.pk}/cong-bo/"),
    ("close", lambda d, c: f"/gop-y/quan-ly/du-thao/{d.pk}/dong/"),
    ("moderate", lambda d, c: f"/gop-y/quan-ly/y-kien/{c.pk}/kiem-duyet/"),
    ("answer", lambda d, c: f"/gop-y/quan-ly/y-kien/{c.pk}/giai-trinh/"),
    ("plan_new", lambda d, c: "/gop-y/quan-ly/phuong-an/moi/"),
]


@pytest.mark.parametrize(("name", "url"), STAFF_POSTS, ids=[n for n, _ in STAFF_POSTS])
@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("citizen", 403), ("reception", 403), ("outsider", None)],
)
def test_the_staff_pages_refuse_by_kind(p, client, name, url, who, status):
    draft = p.draft()
    comment = comment_submit(actor=None, section=first_section(draft), text="Có", **ANON)
    if who != "anonymous":
        client.force_login(getattr(p, who))
    before = _snapshot()

    response = client.post(
        url(draft, comment),
        {
            "co_quan": p.justice.code,
            "ten": "X",
            "nam": "2026",
            "phan_1_tieu_de": "A",
            "phan_1_noi_dung": "B",
            "hanh_dong": "cong_khai",
            "tiep_thu": "accepted",
            "giai_trinh": "Có",
            "han": "2099-01-01",
        },
    )

    # Another agency's leader: 403 where an agency is named, 404 for a draft they cannot read.
    expected = status or (403 if name in ("draft_new", "plan_new") else 404)
    assert response.status_code == expected
    if status == 302:
        assert response["Location"].startswith("/dang-nhap/?next=")
    assert _snapshot() == before


def test_the_province_leader_manages_the_departments_drafts(p):
    draft = p.draft()
    comment = comment_submit(actor=None, section=first_section(draft), text="Có", **ANON)

    comment_moderate(actor=p.leader, comment=comment, approve=True)

    comment.refresh_from_db()
    assert comment.state == Comment.State.PUBLISHED


def test_a_deadline_in_the_past_or_beyond_a_year_is_refused(p):
    draft = draft_create(
        actor=p.approver, agency=p.justice, title="Dự thảo", sections=[("Điều 1", "Nội dung")]
    )
    today = timezone.localdate()
    for bad in (today - timedelta(days=1), today + timedelta(days=366), None):
        with pytest.raises(ValidationFailed):
            draft_publish(actor=p.approver, draft=draft, deadline=bad)
    draft.refresh_from_db()
    assert (draft.status, draft.deadline) == (Draft.Status.DRAFT, None)


def test_a_draft_being_prepared_is_not_public(p, client):
    draft = draft_create(
        actor=p.approver, agency=p.justice, title="Dự thảo", sections=[("Điều 1", "Nội dung")]
    )

    assert client.get(f"/gop-y/du-thao/{draft.pk}/").status_code == 404


def test_only_a_published_comment_is_answered_with_a_known_disposition(p):
    draft = p.draft()
    held = comment_submit(actor=None, section=first_section(draft), text="Có", **ANON)
    public = comment_submit(actor=p.citizen, section=first_section(draft), text="Có")

    with pytest.raises(Conflict):
        comment_answer(actor=p.approver, comment=held, disposition="accepted", answer="Tiếp thu")
    with pytest.raises(ValidationFailed) as refused:
        comment_answer(actor=p.approver, comment=public, disposition="maybe", answer="Tiếp thu")
    assert refused.value.fields == {"disposition": "invalid"}
    with pytest.raises(ValidationFailed) as refused:
        comment_answer(actor=p.approver, comment=public, disposition="partly", answer="<p></p>")
    assert refused.value.fields == {"answer": "required"}


def test_closing_waits_for_the_deadline_and_for_every_comment_to_be_handled(p):
    draft = p.draft()
    held = comment_submit(actor=None, section=first_section(draft), text="Có", **ANON)
    with pytest.raises(Conflict) as early:
        draft_close(actor=p.approver, draft=draft)
    assert "chỉ đóng sau ngày đó" in early.value.message
    _past(draft)

    with pytest.raises(Conflict) as waiting:
        draft_close(actor=p.approver, draft=draft)
    assert waiting.value.message == (
        "Còn 1 ý kiến chờ kiểm duyệt và 0 ý kiến chưa giải trình; xử lý hết trước khi đóng."
    )
    comment_moderate(actor=p.approver, comment=held, approve=True)
    comment_answer(actor=p.approver, comment=held, disposition="not_accepted", answer="Vì sao")

    draft_close(actor=p.approver, draft=draft)

    draft.refresh_from_db()
    assert draft.status == Draft.Status.CLOSED
    with pytest.raises(Conflict):
        comment_answer(actor=p.approver, comment=held, disposition="accepted", answer="Đổi")


def test_the_summary_counts_per_section_and_shows_each_disposition(p, client):
    draft = p.draft()
    one, two = draft.sections.order_by("position")
    a = comment_submit(actor=p.citizen, section=one, text="Ý kiến A")
    b = comment_submit(actor=p.other_citizen, section=one, text="Ý kiến B")
    c = comment_submit(actor=None, section=two, text="Ý kiến C", **ANON)
    d = comment_submit(actor=None, section=two, text="Ý kiến D", **ANON)
    comment_moderate(actor=p.approver, comment=c, approve=True)
    comment_moderate(actor=p.approver, comment=d, approve=False, reason="Trùng lặp")
    comment_answer(actor=p.approver, comment=a, disposition="accepted", answer="Đã sửa Điều 1")
    comment_answer(actor=p.approver, comment=b, disposition="partly", answer="Sửa một phần")
    comment_answer(actor=p.approver, comment=c, disposition="not_accepted", answer="Giữ nguyên")
    before_close = client.get(f"/gop-y/du-thao/{draft.pk}/tong-hop/").content.decode()
    _past(draft)
    draft_close(actor=p.approver, draft=draft)

    page = client.get(f"/gop-y/du-thao/{draft.pk}/tong-hop/").content.decode()

    assert "Báo cáo tổng hợp được công khai khi" in before_close
    assert 'Điều 1. Phạm vi</td><td class="num">2</td><td class="num">2</td>' in page
    assert 'Điều 2. Thời hạn</td><td class="num">2</td><td class="num">1</td>' in page
    assert "<strong>Tiếp thu:</strong> Đã sửa Điều 1" in page
    assert "<strong>Tiếp thu một phần:</strong> Sửa một phần" in page
    assert "<strong>Không tiếp thu:</strong> Giữ nguyên" in page
    assert "Ý kiến D" not in page


def test_the_staff_flow_through_the_pages(p, client):
    client.force_login(p.approver)
    response = client.post(
        "/gop-y/quan-ly/du-thao/moi/",
        {
            "co_quan": p.justice.code,
            "ten": "Dự thảo Quy chế một cửa",
            "phan_1_tieu_de": "Điều 1",
            "phan_1_noi_dung": "Phạm vi <script>x()</script>áp dụng",
            "phan_2_tieu_de": "",
            "phan_2_noi_dung": "",
        },
    )
    draft = Draft.objects.get()
    assert response["Location"] == f"/gop-y/quan-ly/du-thao/{draft.pk}/"
    assert list(draft.sections.values_list("title", "body")) == [("Điều 1", "Phạm vi áp dụng")]
    day = timezone.localdate() + timedelta(days=10)

    client.post(f"/gop-y/quan-ly/du-thao/{draft.pk}/cong-bo/", {"han": f"{day:%d/%m/%Y}"})

    draft.refresh_from_db()
    assert (draft.status, draft.deadline) == (Draft.Status.OPEN, day)
    refused = client.post(f"/gop-y/quan-ly/du-thao/{draft.pk}/dong/")
    assert refused.status_code == 409
