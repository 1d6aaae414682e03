#!/usr/bin/env python
"""How much a citizen types to apply online: for the five demo procedures with the most
dossiers, the fields of the e-form, those prefilled, and those left to type.

    .venv/bin/python bench/form_typing.py                # prints the Markdown table
    .venv/bin/python bench/form_typing.py --write        # also writes bench/results/form_typing.md

Computed, not hard-coded: the e-forms are the demo's files (`demo/data/eforms/`), the
ranking is the demo's dossier weights (`demo.services.POPULAR`; ties in catalog order, the
draw being weighted by procedure), and the prefill is the portal's own `known_values` — the
function the application page calls — fed with:

- the registry's record of Nguyễn Văn An (046085001234, the demo citizen), through the
  configured population-registry adapter, and — where the form asks about a child's parents —
  the record of the spouse it links to him (Trần Thị Bình), as the application page asks;
- his account (personal ID, e-mail, phone, as the demo creates it);
- one earlier dossier of the same procedure, in which he answered the required fields only
  (the least an earlier submission holds).

- the form's declared defaults (source "default").

"To type" counts the required fields left empty: the minimum typing for a complete
application. "% saved" = prefilled / (prefilled + to type). The column "without an earlier
dossier" repeats the prefill with an empty data store.

Two more tables (issue 16), with "% fewer" = 1 − typed ÷ the fields the form holds:

- a citizen signed in with VNeID: the account as the VNeID sign-in makes it (personal ID and
  name, no e-mail or phone), the registry's record, and a data store holding his earlier
  dossiers of all five procedures, every field answered;
- a business applicant, for the demo's business procedures (the e-forms with an enterprise-code
  field): the same VNeID citizen files for Công ty TNHH Du lịch Sông Hương (3300215487); he types
  the code, and the business registry (`business_registry()`) fills what it holds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

import django  # noqa: E402

django.setup()

from motcua.catalog.eforms import Field, eform_fields, eform_of  # noqa: E402
from motcua.catalog.models import Procedure  # noqa: E402
from motcua.demo.eforms import EFORMS  # noqa: E402
from motcua.demo.services import CATALOG, POPULAR  # noqa: E402
from motcua.directory.models import User  # noqa: E402
from motcua.integration.business import business_registry  # noqa: E402
from motcua.integration.registry import population_registry  # noqa: E402
from motcua.portal.eforms import (  # noqa: E402
    ENTERPRISE_CODE,
    PARTNER_ID,
    PARTNER_NAME,
    answers_about,
    known_values,
    needs_spouse,
    partner_lookup,
    registry_spouse,
)

CITIZEN = {
    "personal_id": "046085001234",
    "email": "nguyenvanan@example.vn",
    "phone": "0905123456",
}
VNEID_ACCOUNT = {"personal_id": "046085001234", "full_name": "Nguyễn Văn An"}
ENTERPRISE_CODE_TYPED = "3300215487"
# The marriage partner the citizen names by personal ID and full name (both counted as typed).
PARTNER_TYPED = ("045171005002", "Lê Minh Quỳnh")
RESULT = ROOT / "bench" / "results" / "form_typing.md"


def _sample(field: Field) -> object:
    """Any legal answer: the store only needs the earlier dossier to have answered it."""
    schema = field.schema
    if "enum" in schema:
        return schema["enum"][0]
    return {"boolean": True, "integer": 1, "number": 1}.get(schema.get("type", ""), "đã khai")


def top_procedures(count: int) -> list[dict]:
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))["procedures"]
    order = {p["code"]: i for i, p in enumerate(catalog)}
    ranked = sorted(catalog, key=lambda p: (-POPULAR.get(p["code"], 1), order[p["code"]]))
    return ranked[:count]


def _eform(record: dict) -> dict:
    path = EFORMS / f"{record['code']}.json"
    return eform_of(
        Procedure(
            code=record["code"],
            name=record["name"],
            eform=json.loads(path.read_text(encoding="utf-8")) if path.exists() else None,
        )
    )


def _partner(fields: list[Field], user: User) -> object:
    """The registry's record of the partner, where the form names one, as the apply page
    finds it from the ID and name typed."""
    abouts = {f.about for f in fields}
    if PARTNER_ID not in abouts or PARTNER_NAME not in abouts:
        return None
    found = partner_lookup(*PARTNER_TYPED, user=user)
    if found.person is None:
        raise SystemExit(f"the registry has no record of the partner {PARTNER_TYPED}")
    return found.person


def _typed(fields: list[Field], known: dict, partner: object) -> list[str]:
    """Required fields with no known value, and the partner's ID typed for the look-up."""
    return [
        f.name
        for f in fields
        if (f.required and f.name not in known) or (partner and f.about == PARTNER_ID)
    ]


def measure(record: dict) -> dict:
    eform = _eform(record)
    fields = eform_fields(eform)
    person = population_registry().lookup(CITIZEN["personal_id"])
    user = User(username=CITIZEN["personal_id"], **CITIZEN)
    spouse = registry_spouse(user, person) if needs_spouse(fields) else None
    partner = _partner(fields, user)
    # Read back as the data store reads any earlier dossier: by whose data each field holds.
    earlier = answers_about(fields, {f.name: _sample(f) for f in fields if f.required})
    common = {"person": person, "user": user, "spouse": spouse, "partner": partner}
    known = known_values(fields, store=earlier, **common)  # type: ignore[arg-type]
    known_alone = known_values(fields, store={}, **common)  # type: ignore[arg-type]
    to_type = _typed(fields, known, partner)
    prefilled = len(known)
    return {
        "code": record["code"],
        "name": record["name"],
        "weight": POPULAR.get(record["code"], 1),
        "fields": len(fields),
        "required": sum(1 for f in fields if f.required),
        "prefilled": prefilled,
        "by_source": {
            kind: sum(1 for k in known.values() if k.kind == kind)
            for kind in ("registry", "user", "store", "default")
        },
        "prefilled_alone": len(known_alone),
        "to_type": len(to_type),
        "to_type_names": to_type,
        "saved": prefilled / (prefilled + len(to_type)) if prefilled + len(to_type) else 0.0,
        "generic": bool(eform.get("generic")),
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| procedure | fields | prefilled (registry / account / earlier dossier / default) | "
        "prefilled without an earlier dossier | to type | % saved |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        s = r["by_source"]
        name = f"{r['code']} {r['name']}" + (" (generic form)" if r["generic"] else "")
        lines.append(
            f"| {name} | {r['fields']} | {r['prefilled']} ({s['registry']} / {s['user']} / "
            f"{s['store']} / {s['default']}) | {r['prefilled_alone']} | {r['to_type']} | "
            f"{r['saved'] * 100:.1f} % |"
        )
    total_pre = sum(r["prefilled"] for r in rows)
    total_type = sum(r["to_type"] for r in rows)
    lines.append(
        f"| **all five** | {sum(r['fields'] for r in rows)} | {total_pre} | "
        f"{sum(r['prefilled_alone'] for r in rows)} | {total_type} | "
        f"{total_pre / (total_pre + total_type) * 100:.1f} % |"
    )
    return "\n".join(lines)


def business_procedures() -> list[dict]:
    """The demo's procedures whose e-form asks for an enterprise code, commonest first."""
    ranked = top_procedures(10_000)
    return [r for r in ranked if any(f.about == ENTERPRISE_CODE for f in eform_fields(_eform(r)))]


def populated_store(records: list[dict]) -> dict:
    """Every answer of earlier dossiers of these procedures, each field answered."""
    store: dict = {}
    for record in records:
        fields = eform_fields(_eform(record))
        for about, value in answers_about(fields, {f.name: _sample(f) for f in fields}).items():
            store.setdefault(about, value)
    return store


def measure_signed_in(record: dict, store: dict, *, business: bool) -> dict:
    """Fields typed by the VNeID citizen (and, for a business, after typing the code)."""
    eform = _eform(record)
    fields = eform_fields(eform)
    person = population_registry().lookup(VNEID_ACCOUNT["personal_id"])
    user = User(username=VNEID_ACCOUNT["personal_id"], **VNEID_ACCOUNT)
    enterprise = business_registry().lookup(ENTERPRISE_CODE_TYPED) if business else None
    spouse = registry_spouse(user, person) if needs_spouse(fields) else None
    partner = _partner(fields, user)
    known = known_values(
        fields,
        person=person,
        user=user,
        store=store,
        enterprise=enterprise,
        spouse=spouse,
        partner=partner,  # type: ignore[arg-type]
    )
    typed = _typed(fields, known, partner)
    return {
        "code": record["code"],
        "name": record["name"],
        "fields": len(fields),
        "prefilled": len(known),
        "by_source": {
            kind: sum(1 for k in known.values() if k.kind == kind)
            for kind in ("registry", "user", "store", "default", "business")
        },
        "typed": len(typed),
        "typed_names": typed,
    }


def table_signed_in(rows: list[dict], *, business: bool) -> str:
    sources = "registry / account / earlier dossiers / default" + (
        " / business registry" if business else ""
    )
    lines = [
        f"| procedure | fields | prefilled ({sources}) | typed | % fewer than the fields |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        s = r["by_source"]
        split = f"{s['registry']} / {s['user']} / {s['store']} / {s['default']}" + (
            f" / {s['business']}" if business else ""
        )
        lines.append(
            f"| {r['code']} {r['name']} | {r['fields']} | {r['prefilled']} ({split}) | "
            f"{r['typed']} | {(1 - r['typed'] / r['fields']) * 100:.1f} % |"
        )
    fields = sum(r["fields"] for r in rows)
    typed = sum(r["typed"] for r in rows)
    lines.append(
        f"| **all {len(rows)}** | {fields} | {sum(r['prefilled'] for r in rows)} | {typed} | "
        f"{(1 - typed / fields) * 100:.1f} % |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--write", action="store_true", help=f"write {RESULT.relative_to(ROOT)}")
    args = parser.parse_args()
    rows = [measure(r) for r in top_procedures(args.top)]
    body = table(rows)
    typed = "\n".join(f"- {r['code']}: {', '.join(r['to_type_names']) or '—'}" for r in rows)
    top = top_procedures(args.top)
    store = populated_store(top)
    vneid_rows = [measure_signed_in(r, store, business=False) for r in top]
    vneid = table_signed_in(vneid_rows, business=False)
    vneid_typed = "\n".join(f"- {r['code']}: {', '.join(r['typed_names'])}" for r in vneid_rows)
    firms = [measure_signed_in(r, store, business=True) for r in business_procedures()[: args.top]]
    firm = table_signed_in(firms, business=True)
    firm_typed = "\n".join(f"- {r['code']}: {', '.join(r['typed_names'])}" for r in firms)
    print(body)
    print()
    print(typed)
    print()
    print(vneid)
    print()
    print(vneid_typed)
    print()
    print(firm)
    print()
    print(firm_typed)
    if args.write:
        RESULT.write_text(
            "# Typing needed to apply online (five most common demo procedures)\n\n"
            "Command: `.venv/bin/python bench/form_typing.py --write`\n\n"
            "A citizen known to the population registry (Nguyễn Văn An, 046085001234) with "
            "one earlier dossier of the same procedure, in which he answered the required "
            "fields only. Ranking by the demo's dossier weights (`demo.services.POPULAR`, ties "
            "in catalog order). Prefill is the portal's `known_values`, as on the application "
            "page. *To type* = required fields with no known value; *% saved* = prefilled ÷ "
            "(prefilled + to type).\n\n"
            f"{body}\n\n"
            "Fields still typed, per procedure (what is new in this application):\n\n"
            f"{typed}\n\n"
            "## A citizen signed in with VNeID\n\n"
            "The account as the VNeID sign-in makes it (personal ID and name; no e-mail or "
            "phone), the registry's record (with the people it links to him: parents, wife — "
            "whose own record fills a birth registration's mother), a data store holding "
            "earlier dossiers of all five procedures with every field answered, and the "
            "forms' declared defaults. *Typed* = required fields with no known value; "
            "*% fewer* = 1 − typed ÷ fields. Goal (issue 16): ≥ 80 % fewer.\n\n"
            f"{vneid}\n\n"
            "The marriage partner is nobody the registry links to him: he types her full name "
            f"and personal ID ({PARTNER_TYPED[1]}, {PARTNER_TYPED[0]}; both counted as typed), "
            "and her registry record fills the rest.\n\n"
            "Fields still typed (what neither the registry nor his earlier dossiers can "
            "know: the new child, the document to certify, the partner who she is, the "
            "household he moves into, his choices):\n\n"
            f"{vneid_typed}\n\n"
            "## A business applicant\n\n"
            "The same VNeID citizen files for Công ty TNHH Du lịch Sông Hương: he types the "
            f"enterprise code {ENTERPRISE_CODE_TYPED} (counted as typed) and the business "
            "registry fills the organisation's name, head-office address, legal representative "
            "and the title. The demo's procedures whose e-form asks for an enterprise code "
            "(all of equal weight in the demo, so in catalog order). Goal: ≥ 60 % fewer.\n\n"
            f"{firm}\n\n"
            "Fields still typed (what the registries cannot know):\n\n"
            f"{firm_typed}\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
