"""What a new server worker loads before its first request, so that no visitor waits for it:
measured on the officer queue at 1,000,000 dossiers, a worker's first request took 230–450 ms
against 30 ms for the next — the holiday calendar (the `holidays` package imports every
country to find Vietnam's), the templates compiled on first use and the translations."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from django.conf import settings
from django.template import TemplateSyntaxError
from django.template.loader import get_template
from django.template.utils import get_app_template_dirs
from django.urls import get_resolver
from django.utils import translation

from motcua.core.worktime import vn_holidays

log = logging.getLogger(__name__)


def warm(*, today: date | None = None) -> int:
    """Load the URLconf, this year's holidays and those of the years next to it, the
    interface's translations and every template the apps ship (into the cached loader).
    Returns the number of templates compiled; one that does not compile is logged and left
    to fail where it is used, as it would have."""
    get_resolver().url_patterns  # noqa: B018 - the import is the point
    year = (today or date.today()).year
    for each in (year - 1, year, year + 1):
        vn_holidays(each)
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("Trang chủ")
    compiled = 0
    for folder in get_app_template_dirs("templates"):
        for path in sorted(Path(folder).rglob("*.html")):
            name = path.relative_to(folder).as_posix()
            try:
                get_template(name)
            except TemplateSyntaxError:
                log.warning("template %s does not compile", name, exc_info=True)
                continue
            compiled += 1
    return compiled
