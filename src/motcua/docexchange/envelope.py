"""Official documents as signed envelopes, modelled on the national electronic-document format
(edXML, QCVN 102:2016): the header names the sending organ, the recipients, the document's
number and notation (số, ký hiệu), its date, type (loại văn bản), subject (trích yếu) and
signer, and — for an answer — the document it answers (`ResponseFor`); the attachments carry
their SHA-256. The whole envelope is signed: an Ed25519 JWS (joserfc, as the national sync)
with a detached payload, over the C14N 2.0 form of the envelope without its `Signature`.

This is a model of edXML, not its schema: the element names follow it, the signature does
not (edXML uses XMLDSig). Pure Python — no Django, no models — so that the stand-in document
management service builds and reads the very same envelopes.

Reading refuses before any write, each with a stable code: `too_large`, `forbidden_markup` (a
DOCTYPE or an entity declaration: no XML bomb, no external entity ever reaches the parser),
`malformed`, `incomplete`, `bad_attachment`, `unknown_sender`, `bad_signature`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
CONTENT_TYPE = "application/xml"
MAX_ENVELOPE_BYTES = 8 * 1024 * 1024
_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ATTLIST|ELEMENT)", re.IGNORECASE)

ET.register_namespace("edXML", NS)


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


class EnvelopeRefused(Exception):
    """The envelope is not one we accept; `code` is stable, `message` says why (Vietnamese)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Letter:
    envelope_id: str
    sender_code: str
    sender_name: str
    recipients: tuple[str, ...]
    number: int
    notation: str
    issued_on: date
    doc_type: str
    subject: str
    signer_name: str
    signer_position: str = ""
    # The document this one answers: its organ and its "number/notation".
    response_organ: str = ""
    response_code: str = ""
    attachments: tuple[Attachment, ...] = field(default=())

    @property
    def code(self) -> str:
        """Số, ký hiệu: "12/UBND-VP"."""
        return f"{self.number}/{self.notation}"


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    child = ET.SubElement(parent, _q(name))
    child.text = value
    return child


def _tree(letter: Letter) -> ET.Element:
    root = ET.Element(_q("edXMLEnvelope"))
    header = ET.SubElement(root, _q("edXMLHeader"))
    message = ET.SubElement(header, _q("MessageHeader"))
    sender = ET.SubElement(message, _q("From"))
    _text(sender, "OrganId", letter.sender_code)
    _text(sender, "OrganName", letter.sender_name)
    for code in letter.recipients:
        _text(ET.SubElement(message, _q("To")), "OrganId", code)
    _text(message, "DocumentId", letter.envelope_id)
    numbering = ET.SubElement(message, _q("Code"))
    _text(numbering, "CodeNumber", str(letter.number))
    _text(numbering, "CodeNotation", letter.notation)
    promulgation = ET.SubElement(message, _q("PromulgationInfo"))
    _text(promulgation, "PromulgationDate", letter.issued_on.isoformat())
    _text(ET.SubElement(message, _q("DocumentType")), "TypeName", letter.doc_type)
    _text(message, "Subject", letter.subject)
    signer = ET.SubElement(message, _q("SignerInfo"))
    _text(signer, "FullName", letter.signer_name)
    _text(signer, "Position", letter.signer_position)
    if letter.response_code:
        answers = ET.SubElement(message, _q("ResponseFor"))
        _text(answers, "OrganId", letter.response_organ)
        _text(answers, "Code", letter.response_code)
    encoded = ET.SubElement(root, _q("AttachmentEncoded"))
    for attachment in letter.attachments:
        item = ET.SubElement(encoded, _q("Attachment"))
        _text(item, "ContentId", attachment.name)
        _text(item, "ContentType", attachment.content_type)
        _text(item, "Sha256", attachment.sha256)
        _text(item, "Value", base64.b64encode(attachment.data).decode("ascii"))
    return root


def _canonical(root: ET.Element) -> bytes:
    """C14N 2.0 of the envelope with its Signature element left out."""
    header = root.find(_q("edXMLHeader"))
    signature = header.find(_q("Signature")) if header is not None else None
    if header is not None and signature is not None:
        header.remove(signature)
    try:
        return ET.canonicalize(ET.tostring(root, encoding="unicode")).encode("utf-8")
    finally:
        if header is not None and signature is not None:
            header.append(signature)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def envelope_build(letter: Letter, *, key: OKPKey) -> bytes:
    """The signed envelope of `letter` (UTF-8 XML)."""
    root = _tree(letter)
    payload = _canonical(root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # RFC 9864 renames "EdDSA"; the sync uses it too
        token = jws.serialize_compact(
            {"alg": "EdDSA", "kid": letter.sender_code}, payload, key, algorithms=["EdDSA"]
        )
    head, _body, signature = token.split(".")
    header = root.find(_q("edXMLHeader"))
    assert header is not None
    _text(header, "Signature", f"{head}..{signature}")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _required(parent: ET.Element | None, path: str) -> str:
    node = parent.find(path, {"e": NS}) if parent is not None else None
    value = (node.text or "").strip() if node is not None else ""
    if not value:
        raise EnvelopeRefused(
            "incomplete", f"Phong bì văn bản thiếu trường bắt buộc {path.replace('e:', '')}."
        )
    return value


def _optional(parent: ET.Element | None, path: str) -> str:
    node = parent.find(path, {"e": NS}) if parent is not None else None
    return (node.text or "").strip() if node is not None else ""


def envelope_parse(body: bytes) -> tuple[Letter, str, bytes]:
    """The letter, its detached signature and the bytes it signs, from an envelope's raw bytes;
    unverified. Refuses what is too large, any DTD, a malformed or incomplete envelope and an
    attachment whose content does not match its hash."""
    if len(body) > MAX_ENVELOPE_BYTES:
        raise EnvelopeRefused(
            "too_large",
            f"Phong bì văn bản vượt quá {MAX_ENVELOPE_BYTES // (1024 * 1024)} MiB.",
        )
    if _FORBIDDEN.search(body):
        raise EnvelopeRefused(
            "forbidden_markup",
            "Phong bì văn bản không được chứa khai báo DOCTYPE hay thực thể (ENTITY).",
        )
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise EnvelopeRefused(
            "malformed", f"Phong bì văn bản không phải XML hợp lệ: {error}."
        ) from None
    if root.tag != _q("edXMLEnvelope"):
        raise EnvelopeRefused("malformed", "Phần tử gốc phải là edXML:edXMLEnvelope.")
    header = root.find(_q("edXMLHeader"))
    message = header.find(_q("MessageHeader")) if header is not None else None
    if message is None:
        raise EnvelopeRefused("incomplete", "Phong bì văn bản thiếu MessageHeader.")
    number_text = _required(message, "e:Code/e:CodeNumber")
    if not number_text.isdigit() or len(number_text) > 9:
        raise EnvelopeRefused("incomplete", "Số văn bản phải là số nguyên dương.")
    try:
        issued_on = date.fromisoformat(_required(message, "e:PromulgationInfo/e:PromulgationDate"))
    except ValueError:
        raise EnvelopeRefused("incomplete", "Ngày ban hành phải có dạng YYYY-MM-DD.") from None
    recipients = tuple(
        (node.text or "").strip() for node in message.findall("e:To/e:OrganId", {"e": NS})
    )
    if not recipients or not all(recipients):
        raise EnvelopeRefused("incomplete", "Phong bì văn bản phải có ít nhất một nơi nhận.")
    attachments = []
    for item in root.findall("e:AttachmentEncoded/e:Attachment", {"e": NS}):
        name = _required(item, "e:ContentId")
        try:
            data = base64.b64decode(_optional(item, "e:Value"), validate=True)
        except (binascii.Error, ValueError):
            raise EnvelopeRefused(
                "bad_attachment", f"Tệp đính kèm {name} không giải mã được."
            ) from None
        attachment = Attachment(name=name, content_type=_required(item, "e:ContentType"), data=data)
        if attachment.sha256 != _required(item, "e:Sha256").lower():
            raise EnvelopeRefused(
                "bad_attachment", f"Mã băm của tệp đính kèm {name} không khớp nội dung."
            )
        attachments.append(attachment)
    letter = Letter(
        envelope_id=_required(message, "e:DocumentId"),
        sender_code=_required(message, "e:From/e:OrganId"),
        sender_name=_optional(message, "e:From/e:OrganName"),
        recipients=recipients,
        number=int(number_text),
        notation=_required(message, "e:Code/e:CodeNotation"),
        issued_on=issued_on,
        doc_type=_required(message, "e:DocumentType/e:TypeName"),
        subject=_required(message, "e:Subject"),
        signer_name=_required(message, "e:SignerInfo/e:FullName"),
        signer_position=_optional(message, "e:SignerInfo/e:Position"),
        response_organ=_optional(message, "e:ResponseFor/e:OrganId"),
        response_code=_optional(message, "e:ResponseFor/e:Code"),
        attachments=tuple(attachments),
    )
    signature = _optional(header, "e:Signature")
    if not signature:
        raise EnvelopeRefused("bad_signature", "Phong bì văn bản không có chữ ký.")
    return letter, signature, _canonical(root)


def signature_verify(signature: str, signed: bytes, key: OKPKey) -> bool:
    parts = signature.split(".")
    if len(parts) != 3 or parts[1] != "":
        return False
    token = f"{parts[0]}.{_b64url(signed)}.{parts[2]}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            jws.deserialize_compact(token, key, algorithms=["EdDSA"])
    except (JoseError, ValueError, TypeError):
        return False
    return True


def envelope_read(body: bytes, *, key_for: Callable[[str], OKPKey | None]) -> Letter:
    """The verified letter: `key_for(sender_code)` is the sender's registered public key (None:
    the sender is unknown)."""
    letter, signature, signed = envelope_parse(body)
    key = key_for(letter.sender_code)
    if key is None:
        raise EnvelopeRefused(
            "unknown_sender",
            f"Cơ quan gửi {letter.sender_code} chưa được đăng ký trao đổi văn bản.",
        )
    if not signature_verify(signature, signed, key):
        raise EnvelopeRefused("bad_signature", "Chữ ký của phong bì văn bản không hợp lệ.")
    return letter


def public_key_load(pem: str | bytes) -> OKPKey:
    key = OKPKey.import_key(pem if isinstance(pem, bytes) else pem.encode())
    if key.as_dict().get("crv") != "Ed25519":
        raise ValueError("not an Ed25519 key")
    return key
