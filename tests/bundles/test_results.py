"""Results together: the applicant's tracking page lists each returned part's results through
the portal's own download of a dossier's file; when the last part ends (returned, or
refused / withdrawn), one `bundle.notify` message in that change's transaction and one
notification for the bundle — none before."""

from __future__ import annotations

from datetime import datetime

from django.core.files.base import ContentFile

from motcua.core.models import OutboxMessage
from motcua.core.outbox import outbox_deliver_pending
from motcua.core.worktime import TZ
from motcua.demo.bundles import BIRTH_ANSWERS, _Clock, bundle_demo_apply, bundle_demo_play
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.notifications.models import Notification

MONDAY = datetime(2026, 11, 16, 8, 0, tzinfo=TZ)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _apply(world):
    application = bundle_demo_apply(
        bundle=world.birth, applicant=world.citizen, answers=BIRTH_ANSWERS, at=MONDAY
    )
    parts = [p.dossier for p in application.parts.order_by("member__position")]
    return application, parts


def _done_messages() -> int:
    return OutboxMessage.objects.filter(topic="bundle.notify").count()


def _bundle_notifications() -> list[tuple[str, str]]:
    return list(Notification.objects.filter(action="bundle_done").values_list("title", "link"))


def _result(dossier: Dossier, name: str) -> DossierDocument:
    document = DossierDocument(
        dossier=dossier,
        kind=DossierDocument.Kind.RESULT,
        name=name,
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        created_at=MONDAY,
    )
    document.file.save(name, ContentFile(PDF), save=False)
    document.save()
    return document


def test_one_notification_after_the_last_part_is_returned_none_before(world):
    application, (birth, residence, card) = _apply(world)
    clock = _Clock(MONDAY)

    bundle_demo_play(birth, State.RETURNED, clock)
    bundle_demo_play(Dossier.objects.get(pk=residence.pk), State.RETURNED, clock)
    outbox_deliver_pending()
    assert _done_messages() == 0
    assert _bundle_notifications() == []

    bundle_demo_play(Dossier.objects.get(pk=card.pk), State.RETURNED, clock)
    outbox_deliver_pending()
    outbox_deliver_pending()  # delivered again: still told once

    assert _done_messages() == 1
    assert _bundle_notifications() == [
        (
            f"Hồ sơ liên thông {application.code} đã có đủ kết quả",
            f"/lien-thong/tra-cuu/{application.code}/",
        )
    ]
    notification = Notification.objects.get(action="bundle_done")
    assert notification.user == world.citizen
    assert notification.body.splitlines()[1:4] == [
        "1. Đăng ký khai sinh: Đã trả kết quả",
        f"2. {residence.procedure.name}: Đã trả kết quả",
        f"3. {card.procedure.name}: Đã trả kết quả",
    ]


def test_a_refusal_that_withdraws_the_others_tells_once(world):
    application, (birth, _residence, _card) = _apply(world)

    bundle_demo_play(birth, State.REFUSED, _Clock(MONDAY), reason="Giấy chứng sinh không hợp lệ.")
    outbox_deliver_pending()

    assert sorted(Dossier.objects.values_list("state", flat=True)) == [
        State.REFUSED,
        State.WITHDRAWN,
        State.WITHDRAWN,
    ]
    assert _done_messages() == 1
    assert [title for title, _link in _bundle_notifications()] == [
        f"Hồ sơ liên thông {application.code} đã có đủ kết quả"
    ]


def test_the_applicant_downloads_each_returned_parts_result_from_the_bundle_page(world, client):
    application, (birth, residence, _card) = _apply(world)
    birth = bundle_demo_play(birth, State.RETURNED, _Clock(MONDAY))
    extract = _result(birth, "trich-luc-khai-sinh.pdf")
    # A result of a part not returned yet is not listed.
    _result(residence, "du-thao.pdf")
    url = f"/lien-thong/tra-cuu/{application.code}/"

    client.force_login(world.citizen)
    page = client.get(url).content.decode()
    download = client.get(f"/ho-so-cua-toi/{birth.public_code}/tai-lieu/{extract.pk}/")
    client.force_login(world.other_citizen)
    stranger = client.get(url).content.decode()

    assert page.count('data-testid="part-results"') == 1
    assert f'href="/ho-so-cua-toi/{birth.public_code}/tai-lieu/{extract.pk}/"' in page
    assert "du-thao.pdf" not in page
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert 'data-testid="part-results"' not in stranger
