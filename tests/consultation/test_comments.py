"""Comments: markup cleaned (scripts with their content), oversized text refused, anonymous
senders need a contact and are held, the deadline closes the form, a held or rejected comment
is never public, and each address is rate-limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.consultation.checks import RATE_LIMIT, TEXT_MAX, TooManyComments, plain_text
from motcua.consultation.models import Comment, Draft
from motcua.consultation.services import comment_moderate, comment_submit
from motcua.core.errors import Conflict, ValidationFailed
from tests.consultation.conftest import first_section
from tests.factories import CitizenFactory

ANON = {"name": "Trần Thị Mai", "contact": "0905 123 456"}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("<script>alert(document.cookie)</script>Điều 1 nên rõ hơn", "Điều 1 nên rõ hơn"),
        ("Điều 1 <SCRIPT src=//x.vn/a.js></SCRIPT>nên rõ", "Điều 1 nên rõ"),
        ("<b>Đề nghị</b> bỏ <a href='javascript:alert(1)'>khoản 2</a>", "Đề nghị bỏ khoản 2"),
        ("<img src=x onerror=alert(1)>Tán thành", "Tán thành"),
        ("<style>body{display:none}</style>Tán thành", "Tán thành"),
        ("Dòng một\n\n\n\nDòng hai", "Dòng một\n\nDòng hai"),
        ("Chữ\x00 ẩn", "Chữ ẩn"),
        ("Điều 3 < Điều 4", "Điều 3 < Điều 4"),
    ],
)
def test_markup_is_cleaned_to_plain_text(typed, kept):
    assert plain_text(typed, field="text", label="nội dung", limit=TEXT_MAX) == kept


def test_a_comment_with_a_script_is_stored_and_shown_as_plain_text(p, client):
    draft = p.draft()
    section = first_section(draft)

    response = client.post(
        f"/gop-y/du-thao/{draft.pk}/gop-y/",
        {
            "phan": section.pk,
            "noi_dung": '<script>alert("x")</script><b>Tán thành</b> dự thảo',
            "ho_ten": "Trần Thị Mai",
            "lien_he": "mai@example.vn",
        },
    )

    assert response.status_code == 302
    (comment,) = Comment.objects.all()
    assert comment.text == "Tán thành dự thảo"
    assert (comment.state, comment.contact) == (Comment.State.PENDING, "mai@example.vn")


def test_a_comment_that_is_only_markup_is_refused(p):
    section = first_section(p.draft())

    with pytest.raises(ValidationFailed) as refused:
        comment_submit(actor=p.citizen, section=section, text="<script>alert(1)</script><br>")

    assert refused.value.fields == {"text": "required"}
    assert Comment.objects.count() == 0


def test_the_longest_comment_is_taken_and_one_more_character_refused(p, client):
    draft = p.draft()
    section = first_section(draft)
    comment_submit(actor=p.citizen, section=section, text="a" * TEXT_MAX)
    client.force_login(p.citizen)

    response = client.post(
        f"/gop-y/du-thao/{draft.pk}/gop-y/", {"phan": section.pk, "noi_dung": "a" * (TEXT_MAX + 1)}
    )

    assert response.status_code == 400
    assert "Nội dung góp ý dài quá 5.000 ký tự (hiện có 5.001 ký tự)." in response.content.decode()
    assert Comment.objects.count() == 1


def test_a_huge_post_is_refused_before_it_is_parsed(p):
    section = first_section(p.draft())

    with pytest.raises(ValidationFailed) as refused:
        comment_submit(actor=p.citizen, section=section, text="<b>" * 100_000)

    assert refused.value.fields == {"text": "too_long"}


@pytest.mark.parametrize(
    ("name", "contact", "field", "why"),
    [
        ("Trần Thị Mai", "", "contact", "required"),
        ("Trần Thị Mai", "mai@", "contact", "invalid"),
        ("Trần Thị Mai", "12345", "contact", "invalid"),
        ("", "0905123456", "name", "required"),
    ],
)
def test_an_anonymous_comment_needs_a_name_and_a_contact(p, name, contact, field, why):
    section = first_section(p.draft())

    with pytest.raises(ValidationFailed) as refused:
        comment_submit(actor=None, section=section, text="Tán thành", name=name, contact=contact)

    assert refused.value.fields == {field: why}
    assert Comment.objects.count() == 0


def test_the_anonymous_form_without_contact_says_why_and_keeps_what_was_typed(p, client):
    draft = p.draft()

    response = client.post(
        f"/gop-y/du-thao/{draft.pk}/gop-y/",
        {"phan": first_section(draft).pk, "noi_dung": "Tán thành dự thảo", "ho_ten": "Mai"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "cần thư điện tử hoặc số điện thoại" in page
    assert "Tán thành dự thảo</textarea>" in page
    assert Comment.objects.count() == 0


def test_a_comment_after_the_deadline_is_refused(p, client):
    draft = p.draft()
    yesterday = timezone.localdate() - timedelta(days=1)
    Draft.objects.filter(pk=draft.pk).update(deadline=yesterday)

    with pytest.raises(Conflict) as refused:
        comment_submit(actor=p.citizen, section=first_section(draft), text="Tán thành")

    assert refused.value.message == (
        f"Dự thảo này không còn nhận góp ý (hạn góp ý: {yesterday:%d/%m/%Y})."
    )
    assert Comment.objects.count() == 0
    client.force_login(p.citizen)
    response = client.post(
        f"/gop-y/du-thao/{draft.pk}/gop-y/", {"phan": first_section(draft).pk, "noi_dung": "Có"}
    )
    assert response.status_code == 409
    assert Comment.objects.count() == 0


def test_the_deadline_day_itself_still_takes_comments(p):
    draft = p.draft(deadline=timezone.localdate())

    comment = comment_submit(actor=p.citizen, section=first_section(draft), text="Tán thành")

    assert comment.state == Comment.State.PUBLISHED


def test_a_section_of_another_draft_is_refused(p, client):
    mine, other = p.draft(), p.draft()

    response = client.post(
        f"/gop-y/du-thao/{mine.pk}/gop-y/",
        {
            "phan": first_section(other).pk,
            "noi_dung": "Có",
            **{"ho_ten": "An", "lien_he": "0905123456"},
        },
    )

    assert response.status_code == 400
    assert Comment.objects.count() == 0


def test_a_held_or_rejected_comment_is_not_public_until_approved(p, client):
    draft = p.draft()
    section = first_section(draft)
    held = comment_submit(actor=None, section=section, text="Ý kiến chờ duyệt", **ANON)
    rejected = comment_submit(actor=None, section=section, text="Quảng cáo dịch vụ", **ANON)
    comment_moderate(actor=p.approver, comment=rejected, approve=False, reason="Quảng cáo")
    mine = comment_submit(actor=p.citizen, section=section, text="Ý kiến công khai")

    page = client.get(f"/gop-y/du-thao/{draft.pk}/").content.decode()

    assert (held.state, mine.state) == (Comment.State.PENDING, Comment.State.PUBLISHED)
    assert "Ý kiến công khai" in page
    assert "Ý kiến chờ duyệt" not in page
    assert "Quảng cáo dịch vụ" not in page
    assert "0905123456" not in page
    comment_moderate(actor=p.approver, comment=held, approve=True)
    assert "Ý kiến chờ duyệt" in client.get(f"/gop-y/du-thao/{draft.pk}/").content.decode()


def test_moderation_first_holds_signed_in_comments_too(p):
    draft = p.draft(moderation_first=True)

    comment = comment_submit(actor=p.citizen, section=first_section(draft), text="Tán thành")

    assert comment.state == Comment.State.PENDING
    assert (comment.name, comment.author_id) == ("Nguyễn V. A.", p.citizen.pk)


def test_a_signed_in_commenter_is_published_by_initials_never_by_personal_id(p, client):
    draft = p.draft()
    nameless = CitizenFactory(username="001090000777", personal_id="001090000777", full_name="")
    named = comment_submit(actor=p.citizen, section=first_section(draft), text="Tán thành")
    bare = comment_submit(actor=nameless, section=first_section(draft), text="Đồng ý")
    for comment in (named, bare):
        if comment.state == Comment.State.PENDING:
            comment_moderate(actor=p.approver, comment=comment, approve=True)

    page = client.get(f"/gop-y/du-thao/{draft.pk}/").content.decode()

    assert (named.name, bare.name) == ("Nguyễn V. A.", "Người góp ý")
    assert "Nguyễn V. A." in page and "Người góp ý" in page
    assert "Nguyễn Văn An" not in page
    assert "001090000777" not in page and p.citizen.personal_id not in page


def test_a_rejection_needs_a_reason(p):
    comment = comment_submit(actor=None, section=first_section(p.draft()), text="Có", **ANON)

    with pytest.raises(ValidationFailed) as refused:
        comment_moderate(actor=p.approver, comment=comment, approve=False, reason="  ")

    assert refused.value.fields == {"reason": "required"}
    comment.refresh_from_db()
    assert comment.state == Comment.State.PENDING


def test_each_address_sends_a_few_comments_per_window(p, client):
    draft = p.draft()
    data = {
        "phan": first_section(draft).pk,
        "noi_dung": "Tán thành",
        "ho_ten": "An",
        "lien_he": "0905123456",
    }
    for _ in range(RATE_LIMIT):
        assert client.post(f"/gop-y/du-thao/{draft.pk}/gop-y/", data).status_code == 302

    response = client.post(f"/gop-y/du-thao/{draft.pk}/gop-y/", data)

    assert response.status_code == 429
    assert Comment.objects.count() == RATE_LIMIT
    with pytest.raises(TooManyComments):
        comment_submit(
            actor=None, section=first_section(draft), text="x", address="127.0.0.1", **ANON
        )
    comment_submit(actor=None, section=first_section(draft), text="x", address="10.0.0.9", **ANON)
