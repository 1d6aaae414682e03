"""The envelope: built and read back field for field; every tamper refused with its code."""

from __future__ import annotations

import base64
import hashlib
from datetime import date

import pytest
from joserfc.jwk import OKPKey

from motcua.docexchange.envelope import (
    MAX_ENVELOPE_BYTES,
    Attachment,
    EnvelopeRefused,
    envelope_build,
    envelope_read,
)
from tests.docexchange.conftest import PEER_CODE, a_letter

KEY = OKPKey.generate_key("Ed25519")
PUBLIC = OKPKey.import_key(KEY.as_pem(private=False))
PDF = b"%PDF-1.4 letter body"


def _keys(code: str) -> OKPKey | None:
    return PUBLIC if code == PEER_CODE else None


def _envelope(**changes) -> bytes:
    return envelope_build(a_letter(**changes), key=KEY)


def _refused(body: bytes) -> str:
    with pytest.raises(EnvelopeRefused) as refused:
        envelope_read(body, key_for=_keys)
    return refused.value.code


def test_round_trip_keeps_every_field():
    letter = a_letter(
        recipients=("000.00.11.H99", "000.00.20.H46"),
        response_organ="000.00.11.H99",
        response_code="7/CV-000.00.11.H99",
        attachments=(Attachment(name="tra-loi.pdf", content_type="application/pdf", data=PDF),),
    )

    read = envelope_read(envelope_build(letter, key=KEY), key_for=_keys)

    assert read == letter
    assert read.code == "45/STP-VP"
    assert read.issued_on == date(2026, 3, 4)
    assert read.attachments[0].sha256 == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            b"Tr\xe1\xba\xa3 l\xe1\xbb\x9di xin \xc3\xbd ki\xe1\xba\xbfn",
            b"Tr\xe1\xba\xa3 l\xe1\xbb\x9di xin \xc3\xbd ki\xe1\xba\xbfm",
        ),
        (b"<edXML:CodeNumber>45<", b"<edXML:CodeNumber>46<"),
        (b"000.00.11.H99", b"000.00.12.H99"),
        (b"2026-03-04", b"2026-03-05"),
    ],
    ids=["subject", "number", "recipient", "date"],
)
def test_a_changed_header_breaks_the_signature(old, new):
    body = _envelope()
    assert old in body

    assert _refused(body.replace(old, new)) == "bad_signature"


def test_a_changed_attachment_is_refused_by_its_hash():
    body = _envelope(attachments=(Attachment("a.pdf", "application/pdf", PDF),))
    encoded = base64.b64encode(PDF)

    assert _refused(body.replace(encoded, base64.b64encode(PDF + b"x"))) == "bad_attachment"


def test_a_rehashed_attachment_still_breaks_the_signature():
    body = _envelope(attachments=(Attachment("a.pdf", "application/pdf", PDF),))
    other = PDF + b"x"
    body = body.replace(base64.b64encode(PDF), base64.b64encode(other)).replace(
        hashlib.sha256(PDF).hexdigest().encode(), hashlib.sha256(other).hexdigest().encode()
    )

    assert _refused(body) == "bad_signature"


def test_signed_by_another_key_is_refused():
    body = envelope_build(a_letter(), key=OKPKey.generate_key("Ed25519"))

    assert _refused(body) == "bad_signature"


def test_without_signature_is_refused():
    body = _envelope()
    start = body.index(b"<edXML:Signature>")
    end = body.index(b"</edXML:Signature>") + len(b"</edXML:Signature>")

    assert _refused(body[:start] + body[end:]) == "bad_signature"


def test_an_unknown_sender_is_refused():
    assert _refused(_envelope(sender_code="999.99.99.X00")) == "unknown_sender"


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"<?xml version='1.0'?><a><b></a>",
        b"<root/>",
        b"",
    ],
    ids=["text", "unclosed", "other-root", "empty"],
)
def test_malformed_xml_is_refused(body):
    assert _refused(body) == "malformed"


def test_an_incomplete_envelope_names_the_missing_field():
    body = (
        _envelope()
        .replace(b"<edXML:Subject>", b"<edXML:Subjekt>")
        .replace(b"</edXML:Subject>", b"</edXML:Subjekt>")
    )

    with pytest.raises(EnvelopeRefused) as refused:
        envelope_read(body, key_for=_keys)

    assert refused.value.code == "incomplete"
    assert "Subject" in refused.value.message


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>'
)
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'


@pytest.mark.parametrize("body", [BOMB, EXTERNAL, b"<!doctype r><r/>"], ids=["bomb", "xxe", "dtd"])
def test_dtds_and_entities_never_reach_the_parser(body):
    assert _refused(body) == "forbidden_markup"


def test_an_oversized_envelope_is_refused_before_parsing():
    assert _refused(b"<" + b"a" * MAX_ENVELOPE_BYTES) == "too_large"
