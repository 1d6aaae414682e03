"""The demo's e-forms: one JSON file per procedure (named by its national code) under
`data/eforms/`, published through the catalog service so they are checked like any other."""

from __future__ import annotations

import json
from pathlib import Path

from motcua.catalog.models import Procedure
from motcua.catalog.services import procedure_eform_set

EFORMS = Path(__file__).parent / "data" / "eforms"


def demo_eforms_load(*, actor=None) -> int:
    """Publish every e-form whose procedure is in the catalog; the number published."""
    by_code = {p.code: p for p in Procedure.objects.filter(code__in=_codes())}
    for code, procedure in sorted(by_code.items()):
        eform = json.loads((EFORMS / f"{code}.json").read_text(encoding="utf-8"))
        procedure_eform_set(actor=actor, procedure=procedure, eform=eform)
    return len(by_code)


def _codes() -> list[str]:
    return [path.stem for path in EFORMS.glob("*.json")]
