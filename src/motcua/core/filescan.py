"""What an uploaded file may not carry: active content in a PDF, and HTML in any file.

A citizen's PDF is opened by officers in a browser or a PDF reader. One that runs
JavaScript, launches a program, opens embedded files or XFA forms, or is at the same time an
HTML page (a polyglot a browser may render as a page) is refused whole; nothing is stripped,
because an officer must see the paper exactly as the applicant sent it.

The check reads bytes, without a PDF library (pypdf is a test dependency only): every PDF
name outside stream data is read with its `#xx` escapes decoded (`/J#61vaScript` is
`/JavaScript`), and object streams (`/Type /ObjStm`, where PDF 1.5 files keep most
dictionaries) are inflated, up to a budget, and read the same way. Image and page-content
streams are not read for names: their bytes are pixels and drawing operators, and a
three-letter name like `/JS` turns up in them by chance. A name hidden in a stream compressed
by a filter other than Flate is not seen; such object streams are refused as unreadable.
"""

from __future__ import annotations

import re
import zlib

# Names of dictionaries and actions that make a PDF do something when opened or clicked.
# `/OpenAction` alone only sets the first page shown; it is active when its action is one
# of these, which are refused wherever they are.
ACTIVE_PDF_NAMES = frozenset(
    {
        "JavaScript",
        "JS",
        "AA",
        "Launch",
        "EmbeddedFile",
        "EmbeddedFiles",
        "RichMedia",
        "XFA",
        "SubmitForm",
        "ImportData",
    }
)
HTML_WINDOW = 16 * 1024
HTML_MARKERS = re.compile(
    rb"<\s*(?:html|head|body|script|iframe|svg|object|embed|meta|!doctype\s+html)[\s>/]",
    re.IGNORECASE,
)
_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_INFLATE_BUDGET = 64 * 1024 * 1024


class UnreadablePdf(Exception):
    """An object stream the scan cannot open, so it cannot vouch for the file."""


def html_marker(data: bytes) -> bool:
    """True when the first kilobytes hold an HTML tag a browser would render."""
    return HTML_MARKERS.search(data[:HTML_WINDOW]) is not None


def _names(chunk: bytes) -> set[str]:
    found = set()
    for match in _NAME.finditer(chunk):
        raw = _HEX.sub(lambda hexed: bytes([int(hexed.group(1), 16)]), match.group(1))
        found.add(raw.decode("latin-1"))
    return found


def pdf_active_names(data: bytes) -> set[str]:
    """The active names the PDF holds (empty for a passive document). Raises
    `UnreadablePdf` for an object stream it cannot inflate."""
    outside = []
    budget = _INFLATE_BUDGET
    found: set[str] = set()
    position = 0
    for stream in _STREAM.finditer(data):
        dictionary = data[max(position, stream.start() - 1024) : stream.start()]
        outside.append(data[position : stream.start()])
        position = stream.end()
        heads = list(_OBJECT.finditer(dictionary))
        header = _names(dictionary[heads[-1].end() :] if heads else dictionary)
        if "ObjStm" not in header:
            continue
        if "FlateDecode" not in header:
            raise UnreadablePdf
        inflater = zlib.decompressobj()
        try:
            body = inflater.decompress(stream.group(1), budget)
        except zlib.error as error:
            raise UnreadablePdf from error
        budget -= len(body)
        if budget <= 0:
            raise UnreadablePdf
        found |= _names(body)
    outside.append(data[position:])
    for chunk in outside:
        found |= _names(chunk)
    # Names long enough never to turn up in pixels by chance are looked for in every byte,
    # stream data included, so no trick with the stream boundaries hides them: a JavaScript
    # action must say `/S /JavaScript`.
    found |= {name for name in _names(data) if len(name) >= 6}
    return found & ACTIVE_PDF_NAMES
