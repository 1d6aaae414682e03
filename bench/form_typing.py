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
  configured population-registry adapter;
- his account (personal ID, e-mail, phone, as the demo creates it);
- one earlier dossier of the same procedure, in which he answered the required fields only
  (the least an earlier submission holds).

"To type" counts the required fields left empty: the minimum typing for a complete
application. "% saved" = prefilled / (prefilled + to type). The column "without an earlier
dossier" repeats the prefill with an empty data store.
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
from motcua.integration.registry import population_registry  # noqa: E402
from motcua.portal.eforms import answers_about, known_values  # noqa: E402

CITIZEN = {
    "personal_id": "046085001234",
    "email": "nguyenvanan@example.vn",
    "phone": "0905123456",
}
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


def measure(record: dict) -> dict:
    path = EFORMS / f"{record['code']}.json"
    eform = eform_of(
        Procedure(
            code=record["code"],
            name=record["name"],
            eform=json.loads(path.read_text(encoding="utf-8")) if path.exists() else None,
        )
    )
    fields = eform_fields(eform)
    person = population_registry().lookup(CITIZEN["personal_id"])
    user = User(username=CITIZEN["personal_id"], **CITIZEN)
    # Read back as the data store reads any earlier dossier: by whose data each field holds.
    earlier = answers_about(fields, {f.name: _sample(f) for f in fields if f.required})
    known = known_values(fields, person=person, user=user, store=earlier)
    known_alone = known_values(fields, person=person, user=user, store={})
    to_type = [f.name for f in fields if f.required and f.name not in known]
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
            for kind in ("registry", "user", "store")
        },
        "prefilled_alone": len(known_alone),
        "to_type": len(to_type),
        "to_type_names": to_type,
        "saved": prefilled / (prefilled + len(to_type)) if prefilled + len(to_type) else 0.0,
        "generic": bool(eform.get("generic")),
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| procedure | fields | prefilled (registry / account / earlier dossier) | "
        "prefilled without an earlier dossier | to type | % saved |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        s = r["by_source"]
        name = f"{r['code']} {r['name']}" + (" (generic form)" if r["generic"] else "")
        lines.append(
            f"| {name} | {r['fields']} | {r['prefilled']} ({s['registry']} / {s['user']} / "
            f"{s['store']}) | {r['prefilled_alone']} | {r['to_type']} | "
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--write", action="store_true", help=f"write {RESULT.relative_to(ROOT)}")
    args = parser.parse_args()
    rows = [measure(r) for r in top_procedures(args.top)]
    body = table(rows)
    typed = "\n".join(f"- {r['code']}: {', '.join(r['to_type_names']) or '—'}" for r in rows)
    print(body)
    print()
    print(typed)
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
            f"{typed}\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
