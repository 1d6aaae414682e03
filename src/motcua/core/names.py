"""A person's (or an organisation's) name as typed at the counter, on the portal or in an
e-form: one rule everywhere, so the same name is stored the same way and a name cannot hide.

- NFC: "Nguyễn" typed with combining marks and "Nguyễn" typed precomposed are one name (the
  search key, the registry comparison and the receipt all see the same characters);
- runs of whitespace (tabs and line breaks included) become one space;
- control, format, private-use and surrogate characters (Unicode Cc, Cf, Co, Cs: zero-width
  spaces and joiners, the right-to-left override and the other bidirectional controls
  U+202A–U+202E, U+2066–U+2069) are refused, not stripped: a name that reads differently
  from what it holds is not silently rewritten, the officer retypes it;
- a name needs at least one letter.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed

HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})
NAME_MAX = 255


def _hidden(character: str) -> bool:
    return unicodedata.category(character) in HIDDEN_CATEGORIES


def person_name_clean(value: str, *, field: str = "applicant_name") -> str:
    """The name, NFC and single-spaced; `ValidationFailed` (Vietnamese, under `field`) when it
    is empty, holds a hidden character, has no letter or is too long."""
    typed = unicodedata.normalize("NFC", value or "")
    name = " ".join(typed.split())
    if not name:
        raise ValidationFailed(_("Phải nhập họ và tên."), fields={field: "required"})
    # Looked for before the spaces are collapsed: `split` also takes the C0 separators
    # U+001C–U+001F for whitespace. Tabs and line breaks from a pasted form are only spaces.
    if any(_hidden(character) and character not in "\t\n\r" for character in typed):
        raise ValidationFailed(
            _(
                "Họ và tên có ký tự ẩn hoặc ký tự điều khiển (ví dụ ký tự độ rộng bằng 0, "
                "ký tự đảo chiều văn bản). Hãy gõ lại họ và tên, không dán từ nơi khác."
            ),
            fields={field: "hidden_characters"},
        )
    if not any(character.isalpha() for character in name):
        raise ValidationFailed(
            _("Họ và tên phải có ít nhất một chữ cái."), fields={field: "no_letters"}
        )
    if len(name) > NAME_MAX:
        raise ValidationFailed(
            _("Họ và tên dài quá %(max)d ký tự.") % {"max": NAME_MAX}, fields={field: "too_long"}
        )
    return name
