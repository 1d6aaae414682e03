"""The reads of the document exchange: the clerk's queue of letters nobody matched, and a
dossier's letters both ways."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.core.errors import NotFound
from motcua.directory.models import User
from motcua.directory.selectors import user_roles
from motcua.docexchange.envelope import Attachment, envelope_parse
from motcua.docexchange.models import OfficialDocument, Peer
from motcua.docexchange.services import ISSUABLE, STAFF_ROLES


def unmatched_letters(actor: User | None) -> QuerySet[OfficialDocument]:
    agencies = {agency for agency, role in user_roles(actor) if role in STAFF_ROLES}
    return (
        OfficialDocument.objects.filter(
            direction=OfficialDocument.Direction.IN,
            status=OfficialDocument.Status.UNMATCHED,
            agency_id__in=agencies,
        )
        .select_related("agency")
        .order_by("created_at", "pk")
    )


def letter_attachment(actor: User | None, document_id: int, index: int) -> Attachment:
    """One file of a letter, read back from its stored envelope (checked against its hash
    when it was received or built), for the staff of the agency the letter belongs to — the
    one it was sent to, or the one that sent it. Anyone else, and a number the letter does
    not have, meet the same 'not found'."""
    agencies = {agency for agency, role in user_roles(actor) if role in STAFF_ROLES}
    document = OfficialDocument.objects.filter(pk=document_id, agency_id__in=agencies).first()
    missing = NotFound(_("Không tìm thấy tệp đính kèm này của văn bản."))
    if document is None or not 0 <= index < len(document.attachments):
        raise missing
    letter, _signature, _signed = envelope_parse(bytes(document.envelope))
    if index >= len(letter.attachments):
        raise missing
    return letter.attachments[index]


def dossier_letters(dossier_id: int) -> list[OfficialDocument]:
    return list(
        OfficialDocument.objects.filter(dossier_id=dossier_id)
        .defer("envelope")
        .order_by("created_at", "pk")
    )


def peers_active() -> list[Peer]:
    return list(Peer.objects.filter(active=True).order_by("name"))


def dossier_letters_context(dossier_id: int) -> dict:
    """What the office's dossier page shows of the exchange: the letters both ways, the organs
    one can write to and the kinds of letter one may issue."""
    return {
        "official_letters": dossier_letters(dossier_id),
        "letter_peers": peers_active(),
        "letter_kinds": [(kind.value, kind.label) for kind in ISSUABLE],
    }
