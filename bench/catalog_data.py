"""A large, realistic catalog for the search and import-catalog benchmarks: the demo
catalog's agencies, and N procedures named the way published procedures are — a verb phrase
and an object from the demo's names, often a qualifier (for whom, where, in which case) —
so that words repeat across names as they do in a real catalog (`đăng ký`, `cấp`, `giấy`
start thousands of names). Deterministic for a seed."""

from __future__ import annotations

import json
import random
from pathlib import Path

DEMO_CATALOG = Path(__file__).resolve().parents[1] / "src/motcua/demo/data/catalog.json"

ACTIONS = [
    "Đăng ký",
    "Cấp",
    "Cấp lại",
    "Cấp đổi",
    "Gia hạn",
    "Điều chỉnh",
    "Thu hồi",
    "Xác nhận",
    "Chứng thực",
    "Công nhận",
    "Thẩm định",
    "Phê duyệt",
    "Giải quyết",
    "Hỗ trợ",
    "Xóa đăng ký",
]
QUALIFIERS = [
    "cho công dân Việt Nam",
    "có yếu tố nước ngoài",
    "cho người nước ngoài cư trú tại Việt Nam",
    "tại cấp xã",
    "tại cấp tỉnh",
    "lưu động",
    "trong trường hợp bị mất, hư hỏng",
    "đối với hộ kinh doanh",
    "đối với doanh nghiệp nhỏ và vừa",
    "theo yêu cầu",
    "cho tổ chức",
    "lần đầu",
    "khi có thay đổi thông tin",
    "cho cơ sở y tế tư nhân",
    "thuộc thẩm quyền của Sở",
]


def demo_catalog() -> dict:
    return json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))


def _objects(names: list[str]) -> list[str]:
    """What the demo's procedures act on: each name without its leading verb phrase."""
    objects = set()
    for name in names:
        words = name.split()
        for action in sorted(ACTIONS, key=len, reverse=True):
            if name.lower().startswith(action.lower() + " "):
                words = name[len(action) + 1 :].split()
                break
        # Long names cut to their first clause: a catalog's objects are short phrases.
        objects.add(" ".join(words[:8]).rstrip(",;"))
    return sorted(objects)


def generate(procedures: int, *, seed: int = 2026, edition: int = 1) -> dict:
    """The demo's agencies and `procedures` procedures with documents, fees and a publication
    each, valid for `import-catalog` (domain.md §9). Another `edition` changes every
    procedure's name, fee and first document, as a catalog republished after a decree would."""
    rng = random.Random(seed)
    demo = demo_catalog()
    templates = demo["procedures"]
    objects = _objects([p["name"] for p in templates])
    records = []
    for n in range(procedures):
        template = templates[n % len(templates)]
        thing = rng.choice(objects)
        name = f"{rng.choice(ACTIONS)} {thing[0].lower()}{thing[1:]}"
        if rng.random() < 0.6:
            name = f"{name} {rng.choice(QUALIFIERS)}"
        # The demo's own names stay in, so the well-known ones have their real neighbours.
        if n < len(templates):
            name = template["name"]
        if edition > 1:
            name = f"{name} (sửa đổi lần {edition})"
        records.append(
            {
                # Generated codes in a series of their own (9.), beside the demo's real ones.
                "code": template["code"] if n < len(templates) else f"9.{n:06d}",
                "name": name,
                "sector": template["sector"],
                "level": template["level"],
                "time_limit": template.get("time_limit"),
                "online": template.get("online", "none"),
                "fees": [
                    {"name": "Lệ phí", "amount": rng.choice([0, 5000, 20000, 100000]) + edition}
                ],
                "accepts_online_payment": template.get("accepts_online_payment", False),
                "registry_connected": template.get("registry_connected", False),
                "agencies": template["agencies"],
                "required_documents": [
                    {"name": f"Tờ khai theo mẫu số {edition:02d}", "optional": False},
                    {"name": "Giấy tờ chứng minh nhân thân", "optional": False},
                    {"name": "Văn bản ủy quyền", "optional": True},
                ],
                "legal_basis": template.get("legal_basis", ""),
                "publications": [
                    {
                        "kind": "new",
                        "decision": f"Quyết định số {100 + n % 900}/QĐ-UBND",
                        "decided_on": "2025-09-26",
                        "public_on": "2025-09-30",
                    }
                ],
            }
        )
    return {"agencies": demo["agencies"], "procedures": records}
