"""Catalog writes: the `import-catalog` contract (domain.md §9) and the default workflow."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.catalog.bulk import rows_insert, rows_update
from motcua.catalog.eforms import eform_problems
from motcua.catalog.fees import fee_lines_problems
from motcua.catalog.models import (
    FeeLine,
    Procedure,
    Publication,
    RequiredDocument,
    Sector,
    WorkflowStep,
)
from motcua.core.audit import audit_record
from motcua.core.errors import ValidationFailed
from motcua.core.text import search_fold
from motcua.core.worktime import parse_duration
from motcua.directory.models import Agency, Division, Role

# Given to a procedure that arrives without an internal workflow, so that its dossiers can be
# processed at once; the admin refines it per procedure.
DEFAULT_WORKFLOW = (
    ("Thẩm định hồ sơ", Role.SPECIALIST, 70),
    ("Phê duyệt kết quả", Role.APPROVER, 30),
)


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The largest amount a fee line's BigIntegerField holds.
_MAX_AMOUNT = 2**63 - 1


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


@dataclass
class ImportReport:
    agencies_created: int = 0
    agencies_updated: int = 0
    procedures_created: int = 0
    procedures_updated: int = 0


class CatalogErrors(ValidationFailed):
    """Every problem of a rejected file, each with its location (`procedures[3].time_limit`)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__(
            _("Tệp danh mục có %(n)d lỗi; không có dữ liệu nào được ghi.") % {"n": len(problems)},
            code="invalid_catalog",
            fields=dict(problems),
        )


def division_code_normal(code: str) -> str:
    """Province codes are two digits, commune codes five (as `vietnam-provinces` numbers them)."""
    code = code.strip()
    if code.isdigit():
        return code.zfill(2) if len(code) <= 2 else code.zfill(5)
    return code


class _Checker:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, where: str, why: str) -> None:
        self.problems.append((where, why))

    def text(
        self, record: dict, key: str, where: str, *, max_length: int, required: bool = True
    ) -> str:
        value = record.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(f"{where}.{key}", _("phải là chuỗi ký tự không rỗng"))
            return ""
        # Checked here so that a bad value is reported, not cut or refused by the database
        # (PostgreSQL refuses a NUL in text).
        if "\x00" in value:
            self.fail(f"{where}.{key}", _("chứa ký tự NUL"))
            return ""
        if len(value.strip()) > max_length:
            self.fail(f"{where}.{key}", _("dài quá %(n)d ký tự") % {"n": max_length})
            return ""
        return value.strip()

    def boolean(self, record: dict, key: str, where: str) -> bool:
        value = record.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"{where}.{key}", _("phải là true hoặc false"))
            return False
        return value

    def items(self, record: dict, key: str, where: str) -> list:
        value = record.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"{where}.{key}", _("phải là một danh sách"))
            return []
        return value

    def day(self, record: dict, key: str, where: str, *, required: bool = True) -> date | None:
        value = record.get(key)
        if value is None and not required:
            return None
        # `date.fromisoformat` also takes `2025-W39-5` and `20250926`; the contract does not.
        if isinstance(value, str) and _ISO_DAY.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(f"{where}.{key}", _("phải là ngày dạng YYYY-MM-DD"))
        return None


def catalog_validate(data: Any) -> tuple[list[dict], list[dict]]:
    """Check the whole file; raise `CatalogErrors` listing every problem with its location."""
    check = _Checker()
    if not isinstance(data, dict):
        raise CatalogErrors([("$", _("tệp phải là một đối tượng JSON"))])
    agencies = check.items(data, "agencies", "$")
    procedures = check.items(data, "procedures", "$")
    known_agencies = set(Agency.objects.values_list("code", flat=True))
    known_divisions = set(Division.objects.values_list("code", flat=True))
    seen: dict[str, int] = {}
    # The parent each agency record names (by record index), and by code for the first record
    # of each code — what the tree will look like after the import.
    named_parents: dict[int, str] = {}
    parents: dict[str, str | None] = {}
    for index, record in enumerate(agencies):
        where = f"agencies[{index}]"
        if not isinstance(record, dict):
            check.fail(where, _("phải là một đối tượng"))
            continue
        code = check.text(record, "code", where, max_length=_max_length(Agency, "code"))
        check.text(record, "name", where, max_length=_max_length(Agency, "name"))
        if record.get("level") not in Agency.Level.values:
            check.fail(f"{where}.level", _("phải là một trong: ") + ", ".join(Agency.Level.values))
        first = False
        if code in seen:
            check.fail(
                f"{where}.code",
                _("mã '%(code)s' trùng với agencies[%(i)d]") % {"code": code, "i": seen[code]},
            )
        elif code:
            seen[code] = index
            first = True
        parent = record.get("parent")
        if parent is not None and (not isinstance(parent, str) or not parent.strip()):
            check.fail(f"{where}.parent", _("phải là mã cơ quan hoặc null"))
            parent = None
        if parent is not None:
            named_parents[index] = parent
        if first:
            parents[code] = parent
        division = record.get("division_code")
        if division is not None and (
            not isinstance(division, str) or division_code_normal(division) not in known_divisions
        ):
            check.fail(
                f"{where}.division_code",
                _("không có đơn vị hành chính mã '%(code)s'") % {"code": division},
            )
    all_agencies = known_agencies | set(seen)
    for index, parent in named_parents.items():
        if parent not in all_agencies:
            check.fail(
                f"agencies[{index}].parent",
                _("không có cơ quan cấp trên mã '%(code)s'") % {"code": parent},
            )
    # Agencies the file does not mention keep their parent, so a cycle may run through them.
    links: dict[str, str | None] = dict(
        Agency.objects.filter(parent__isnull=False).values_list("code", "parent__code")
    )
    links.update(parents)
    for code, index in seen.items():
        # Only the agencies on the loop are blamed, not those hanging below it.
        current, steps = links.get(code), 0
        while current is not None and current != code and steps <= len(links):
            current, steps = links.get(current), steps + 1
        if current == code:
            check.fail(f"agencies[{index}].parent", _("cây cơ quan bị vòng lặp"))

    seen_procedures: dict[str, int] = {}
    for index, record in enumerate(procedures):
        where = f"procedures[{index}]"
        if not isinstance(record, dict):
            check.fail(where, _("phải là một đối tượng"))
            continue
        code = check.text(record, "code", where, max_length=_max_length(Procedure, "code"))
        if code in seen_procedures:
            check.fail(
                f"{where}.code",
                _("mã '%(code)s' trùng với procedures[%(i)d]")
                % {"code": code, "i": seen_procedures[code]},
            )
        elif code:
            seen_procedures[code] = index
        check.text(record, "name", where, max_length=_max_length(Procedure, "name"))
        check.text(record, "sector", where, max_length=_max_length(Sector, "name"))
        if record.get("level") not in Procedure.Level.values:
            check.fail(
                f"{where}.level", _("phải là một trong: ") + ", ".join(Procedure.Level.values)
            )
        limit = record.get("time_limit")
        if limit is not None:
            try:
                parse_duration(limit if isinstance(limit, str) else "")
            except ValidationFailed:
                check.fail(
                    f"{where}.time_limit",
                    _("'%(v)s' không hợp lệ: phải là 'N d' hoặc 'N h'") % {"v": limit},
                )
        if record.get("online", "none") not in Procedure.Online.values:
            check.fail(f"{where}.online", _("phải là full, partial hoặc none"))
        check.boolean(record, "accepts_online_payment", where)
        check.boolean(record, "registry_connected", where)
        legal_basis = record.get("legal_basis")
        if legal_basis is not None and (not isinstance(legal_basis, str) or "\x00" in legal_basis):
            check.fail(f"{where}.legal_basis", _("phải là chuỗi ký tự"))
        # Optional: absent keeps the e-form in force, null removes it.
        if record.get("eform") is not None:
            for at, why in eform_problems(record["eform"]):
                check.fail(f"{where}.eform.{at}" if at else f"{where}.eform", why)
        fees = check.items(record, "fees", where)
        for i, fee in enumerate(fees):
            fee_where = f"{where}.fees[{i}]"
            if not isinstance(fee, dict):
                check.fail(fee_where, _("phải là một đối tượng"))
                continue
            check.text(fee, "name", fee_where, max_length=_max_length(FeeLine, "name"))
            amount = fee.get("amount")
            if (
                not isinstance(amount, int)
                or isinstance(amount, bool)
                or not 0 <= amount <= _MAX_AMOUNT
            ):
                check.fail(f"{fee_where}.amount", _("phải là số nguyên đồng, không âm"))
            # Optional (alternatives and channels, catalog.fees): absent means always added.
            for key in ("group", "condition"):
                if fee.get(key) not in (None, ""):
                    check.text(
                        fee, key, fee_where, max_length=_max_length(FeeLine, key), required=False
                    )
            if fee.get("channel") not in (None, *FeeLine.Channel.values):
                check.fail(f"{fee_where}.channel", _("phải là online, direct hoặc để trống"))
        if all(isinstance(fee, dict) for fee in fees):
            for line, key, why in fee_lines_problems(fees):
                check.fail(f"{where}.fees" if line is None else f"{where}.fees[{line}].{key}", why)
        handled_by = check.items(record, "agencies", where)
        if not handled_by:
            check.fail(f"{where}.agencies", _("phải có ít nhất một cơ quan thực hiện"))
        for i, agency in enumerate(handled_by):
            if not isinstance(agency, str) or agency not in all_agencies:
                check.fail(
                    f"{where}.agencies[{i}]", _("không có cơ quan mã '%(code)s'") % {"code": agency}
                )
        for i, doc in enumerate(check.items(record, "required_documents", where)):
            doc_where = f"{where}.required_documents[{i}]"
            if not isinstance(doc, dict):
                check.fail(doc_where, _("phải là một đối tượng"))
                continue
            check.text(doc, "name", doc_where, max_length=_max_length(RequiredDocument, "name"))
            check.boolean(doc, "optional", doc_where)
            accepts = doc.get("accepts_results_of", [])
            if not isinstance(accepts, list) or not all(
                isinstance(c, str) and c.strip() and len(c) <= _max_length(Procedure, "code")
                for c in accepts
            ):
                check.fail(
                    f"{doc_where}.accepts_results_of",
                    _('phải là danh sách mã thủ tục, ví dụ ["1.001193"]'),
                )
        for i, pub in enumerate(check.items(record, "publications", where)):
            pub_where = f"{where}.publications[{i}]"
            if not isinstance(pub, dict):
                check.fail(pub_where, _("phải là một đối tượng"))
                continue
            if pub.get("kind") not in Publication.Kind.values:
                check.fail(f"{pub_where}.kind", _("phải là new hoặc amended"))
            check.text(pub, "decision", pub_where, max_length=_max_length(Publication, "decision"))
            decided = check.day(pub, "decided_on", pub_where)
            public = check.day(pub, "public_on", pub_where, required=False)
            if decided and public and public < decided:
                check.fail(f"{pub_where}.public_on", _("không được trước ngày quyết định"))
    if check.problems:
        raise CatalogErrors(check.problems)
    return agencies, procedures


# Procedure fields an import writes; `eform` only when the record names it (absent keeps the
# e-form in force, null removes it).
_IMPORTED_FIELDS = [
    "name",
    "name_folded",
    "sector",
    "level",
    "time_limit",
    "online",
    "accepts_online_payment",
    "registry_connected",
    "legal_basis",
]
# Rows per statement where a statement names rows by id, well under every database's limit
# of parameters.
_CHUNK = 900


def catalog_import(*, actor, data: Any) -> ImportReport:
    """Upsert agencies and procedures by code, all or nothing.

    Set-based: what a file touches is read in a few queries whatever its size, and written
    in statements executed for many rows (`catalog.bulk`), never a query per procedure. A
    procedure's documents, fees and publications become the file's (those that already equal
    it are left as they are), its agencies become the file's, and a new one gets the default
    workflow.
    """
    agencies, procedures = catalog_validate(data)
    report = ImportReport()
    with transaction.atomic():
        by_code = _agencies_upsert(agencies, report)
        sectors = _sectors_for(procedures)
        existing = {p.code: p for p in Procedure.objects.all()}
        created: list[Procedure] = []
        changed: dict[bool, list[Procedure]] = {True: [], False: []}  # by "names an e-form"
        imported: list[tuple[dict, Procedure]] = []
        for record in procedures:
            code = record["code"].strip()
            procedure = existing.get(code)
            if procedure is None:
                procedure = Procedure(code=code)
                created.append(procedure)
                _procedure_fill(procedure, record, sectors)
            else:
                before = _values(procedure)
                _procedure_fill(procedure, record, sectors)
                if _values(procedure) != before:
                    changed["eform" in record].append(procedure)
            imported.append((record, procedure))
        rows_insert(
            Procedure,
            ["code", *_IMPORTED_FIELDS, "eform", "is_active"],
            ([p.code, *(getattr(p, f) for f in _INSERTED), p.eform, True] for p in created),
        )
        if created:
            ids = dict(Procedure.objects.values_list("code", "pk"))
            for procedure in created:
                procedure.pk = ids[procedure.code]
        rows_update(Procedure, [*_IMPORTED_FIELDS, "eform"], changed[True])
        rows_update(Procedure, _IMPORTED_FIELDS, changed[False])
        _agencies_link(imported, by_code)
        _children_replace(imported, existing={p.pk for p in existing.values()})
        rows_insert(
            WorkflowStep,
            ["procedure", "position", "name", "role", "share_percent"],
            (
                [procedure.pk, i, name, role, share]
                for procedure in created
                for i, (name, role, share) in enumerate(DEFAULT_WORKFLOW, start=1)
            ),
        )
        report.procedures_created = len(created)
        report.procedures_updated = len(procedures) - len(created)
        audit_record(
            actor=actor,
            action="catalog.import",
            object_type="catalog",
            data={"agencies": len(agencies), "procedures": len(procedures), **report.__dict__},
        )
    return report


# The imported fields as attributes (the sector by its id).
_INSERTED = [f if f != "sector" else "sector_id" for f in _IMPORTED_FIELDS]


def _values(procedure: Procedure) -> tuple:
    return (*(getattr(procedure, f) for f in _INSERTED), procedure.eform)


def _agencies_upsert(agencies: list[dict], report: ImportReport) -> dict[str, Agency]:
    """Every agency by code after the file's are written; parents are set once all exist,
    since a child may come before its parent."""
    by_code = {a.code: a for a in Agency.objects.all()}
    divisions = dict(Division.objects.values_list("code", "id"))
    created: list[Agency] = []
    updated: list[Agency] = []
    for record in agencies:
        division = record.get("division_code")
        code = record["code"].strip()
        agency = by_code.get(code)
        if agency is None:
            agency = by_code[code] = Agency(code=code)
            created.append(agency)
        else:
            updated.append(agency)
        agency.name = record["name"].strip()
        agency.level = record["level"]
        agency.division_id = divisions[division_code_normal(division)] if division else None
    Agency.objects.bulk_create(created)
    rows_update(Agency, ["name", "level", "division"], updated)
    report.agencies_created, report.agencies_updated = len(created), len(updated)
    moved = []
    for record in agencies:
        parent = record.get("parent")
        agency = by_code[record["code"].strip()]
        parent_id = by_code[parent].pk if parent else None
        if agency.parent_id != parent_id:
            agency.parent_id = parent_id
            moved.append(agency)
    rows_update(Agency, ["parent"], moved)
    return by_code


def _sectors_for(procedures: list[dict]) -> dict[str, Sector]:
    sectors = {s.name: s for s in Sector.objects.all()}
    names = dict.fromkeys(r["sector"].strip() for r in procedures)
    missing = [Sector(name=name) for name in names if name not in sectors]
    Sector.objects.bulk_create(missing)
    sectors.update((s.name, s) for s in missing)
    return sectors


def _procedure_fill(procedure: Procedure, record: dict, sectors: dict[str, Sector]) -> None:
    procedure.name = record["name"].strip()
    # `Procedure.save` derives the search key; bulk writes do not call it.
    procedure.name_folded = search_fold(procedure.name)
    procedure.sector_id = sectors[record["sector"].strip()].pk
    procedure.level = record["level"]
    procedure.time_limit = (
        parse_duration(record["time_limit"]).text if record.get("time_limit") else None
    )
    procedure.online = record.get("online", Procedure.Online.NONE)
    procedure.accepts_online_payment = record.get("accepts_online_payment", False)
    procedure.registry_connected = record.get("registry_connected", False)
    procedure.legal_basis = (record.get("legal_basis") or "").strip()
    if "eform" in record:
        procedure.eform = record["eform"]


def _delete_ids(queryset, field: str, ids: list[int]) -> None:
    # Through the ORM's delete, so that what points at a row (a dossier's file at a required
    # document) lets go of it as the model says (SET_NULL).
    for start in range(0, len(ids), _CHUNK):
        queryset.filter(**{f"{field}__in": ids[start : start + _CHUNK]}).delete()


def _agencies_link(imported: list[tuple[dict, Procedure]], by_code: dict[str, Agency]) -> None:
    """Each procedure handled by exactly the file's agencies: the links it lacks are added,
    the others removed, the rest left alone (as `agencies.set` does, in bulk)."""
    link = Procedure.agencies.through
    wanted = {
        (procedure.pk, by_code[code].pk)
        for record, procedure in imported
        for code in record.get("agencies", [])
    }
    ids = {procedure.pk for _record, procedure in imported}
    current = {
        (procedure_id, agency_id): pk
        for pk, procedure_id, agency_id in link.objects.values_list(
            "pk", "procedure_id", "agency_id"
        )
        if procedure_id in ids
    }
    _delete_ids(link.objects, "pk", [pk for pair, pk in current.items() if pair not in wanted])
    rows_insert(link, ["procedure", "agency"], sorted(wanted - current.keys()))


# What a child row holds, as the import writes it (the procedure apart). Documents are also
# compared on the fields the import does not set (`form`, `template`): the import writes their
# defaults, so a document the admin has refined is replaced, as it always was.
_DOCUMENT = ["position", "name", "form", "optional", "template", "accepts_results_of"]
_FEE = ["name", "amount", "group", "condition", "channel"]
_PUBLICATION = ["kind", "decision", "decided_on", "public_on"]


def _children_replace(imported: list[tuple[dict, Procedure]], *, existing: set[int]) -> None:
    """The documents, fees and publications of every imported procedure become the file's.
    A procedure's rows of one kind that already equal the file's are left alone (so a
    re-import of an unchanged catalog writes none); the others are deleted and inserted."""
    wanted: dict[type, dict[int, list[list]]] = {RequiredDocument: {}, FeeLine: {}, Publication: {}}
    for record, procedure in imported:
        wanted[RequiredDocument][procedure.pk] = [
            [
                i,
                d["name"].strip(),
                RequiredDocument.Form.ANY,
                d.get("optional", False),
                "",
                [c.strip() for c in d.get("accepts_results_of") or []],
            ]
            for i, d in enumerate(record.get("required_documents") or [], start=1)
        ]
        wanted[FeeLine][procedure.pk] = [
            [
                f["name"].strip(),
                f["amount"],
                (f.get("group") or "").strip(),
                (f.get("condition") or "").strip(),
                f.get("channel") or "",
            ]
            for f in record.get("fees") or []
        ]
        wanted[Publication][procedure.pk] = [
            [
                p["kind"],
                p["decision"].strip(),
                date.fromisoformat(p["decided_on"]),
                date.fromisoformat(p["public_on"]) if p.get("public_on") else None,
            ]
            for p in record.get("publications") or []
        ]
    for model, fields in (
        (RequiredDocument, _DOCUMENT),
        (FeeLine, _FEE),
        (Publication, _PUBLICATION),
    ):
        by_procedure = wanted[model]
        current: dict[int, list[list]] = {}
        if existing:
            for row in model.objects.order_by("procedure_id", "id").values_list(
                "procedure_id", *fields
            ):
                if row[0] in by_procedure:
                    current.setdefault(row[0], []).append(list(row[1:]))
        # A procedure new in this file has no rows; one already there whose rows differ
        # from the file's gets new ones.
        replaced = [pk for pk in by_procedure if current.get(pk, []) != by_procedure[pk]]
        _delete_ids(model.objects, "procedure_id", [pk for pk in replaced if pk in current])
        rows_insert(
            model,
            ["procedure", *fields],
            ([pk, *row] for pk in replaced for row in by_procedure[pk]),
        )


def procedure_add_default_workflow(*, procedure: Procedure) -> None:
    if procedure.steps.exists():
        return
    WorkflowStep.objects.bulk_create(
        WorkflowStep(procedure=procedure, position=i, name=name, role=role, share_percent=share)
        for i, (name, role, share) in enumerate(DEFAULT_WORKFLOW, start=1)
    )


def procedure_eform_set(*, actor, procedure: Procedure, eform: dict | None) -> Procedure:
    """Publish (or with None withdraw) a procedure's e-form, checked like an imported one."""
    if eform is not None:
        problems = eform_problems(eform)
        if problems:
            raise CatalogErrors(
                [
                    (f"{procedure.code}.eform.{at}" if at else f"{procedure.code}.eform", why)
                    for at, why in problems
                ]
            )
    with transaction.atomic():
        procedure.eform = eform
        procedure.save(update_fields=["eform"])
        audit_record(
            actor=actor,
            action="catalog.eform_set",
            object_type="procedure",
            object_id=procedure.code,
            data={"fields": len(eform["schema"]["properties"]) if eform else 0},
        )
    return procedure
