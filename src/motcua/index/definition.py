"""The index definition (domain.md §7) as data, and its validation.

Each indicator names the source metrics of its numerator and denominator; `engine.py`
computes those metrics and evaluates any version of the definition against them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

# Source metrics the engine knows how to compute (counters and catalog/publication metrics).
SOURCE_METRICS = {
    # dossiers, by the day they were received
    "received",
    "received_online",
    "received_online_offer",
    "received_online_offer_online",
    "synced",
    "digitized",
    "reused",
    "registry_used",
    "with_fee",
    "with_fee_paid_online",
    # dossiers, by the day they were finished
    "finished",
    "finished_on_time",
    "e_result",
    "e_result_to_store",
    # ratings, by the day they were given
    "rated",
    "rated_satisfied",
    # online payments, by the day they were confirmed
    "payments_online",
    "payments_online_amount",
    # petitions, by their answer deadline and by the day the answer was rated
    # (kept by `feedback.metrics`; zero — so not applicable — where there are none)
    "petitions_due",
    "petitions_due_answered",
    "petition_answers_rated",
    "petition_answers_satisfied",
    # catalog
    "procedures",
    "procedures_complete",
    "procedures_online",
    "procedures_registry",
    "publications_new",
    "publications_new_on_time",
    "publications_amended",
    "publications_amended_on_time",
}


def _ind(key, name, max_, num, den, full_at=1.0) -> dict[str, Any]:
    return {
        "key": key,
        "name": name,
        "max": max_,
        "full_at": full_at,
        "numerator": num,
        "denominator": den,
    }


DEFAULT_SPEC: dict[str, Any] = {
    "bands": [["xuat_sac", 90], ["tot", 80], ["kha", 70], ["trung_binh", 50], ["yeu", 0]],
    "groups": [
        {
            "key": "transparency",
            "name": "Công khai, minh bạch",
            "max": 18,
            "indicators": [
                _ind(
                    "publish_on_time",
                    "Công bố TTHC mới đúng hạn",
                    6,
                    "publications_new_on_time",
                    "publications_new",
                ),
                _ind(
                    "update_on_time",
                    "Cập nhật TTHC sửa đổi đúng hạn",
                    4,
                    "publications_amended_on_time",
                    "publications_amended",
                ),
                _ind(
                    "content_full",
                    "TTHC công khai đầy đủ nội dung",
                    2,
                    "procedures_complete",
                    "procedures",
                ),
                _ind("synced", "Hồ sơ đồng bộ lên Cổng DVC quốc gia", 6, "synced", "received"),
            ],
        },
        {
            "key": "progress",
            "name": "Tiến độ giải quyết",
            "max": 20,
            "indicators": [
                _ind("on_time", "Hồ sơ giải quyết đúng hạn", 20, "finished_on_time", "finished"),
            ],
        },
        {
            "key": "online",
            "name": "Dịch vụ công trực tuyến",
            "max": 12,
            "indicators": [
                _ind(
                    "online_procedures",
                    "TTHC cung cấp trực tuyến",
                    4,
                    "procedures_online",
                    "procedures",
                ),
                _ind(
                    "online_dossiers",
                    "Hồ sơ nộp trực tuyến",
                    8,
                    "received_online_offer_online",
                    "received_online_offer",
                ),
            ],
        },
        {
            "key": "payment",
            "name": "Thanh toán trực tuyến",
            "max": 10,
            "indicators": [
                _ind(
                    "paid_online",
                    "Hồ sơ thanh toán trực tuyến",
                    10,
                    "with_fee_paid_online",
                    "with_fee",
                ),
            ],
        },
        {
            "key": "satisfaction",
            "name": "Mức độ hài lòng",
            "max": 18,
            "indicators": [
                _ind("satisfied", "Đánh giá hài lòng", 6, "rated_satisfied", "rated", 0.9),
                _ind(
                    "petitions_on_time",
                    "Phản ánh, kiến nghị xử lý đúng hạn",
                    6,
                    "petitions_due_answered",
                    "petitions_due",
                ),
                _ind(
                    "petitions_satisfied",
                    "Phản ánh, kiến nghị được đánh giá hài lòng",
                    6,
                    "petition_answers_satisfied",
                    "petition_answers_rated",
                ),
            ],
        },
        {
            "key": "digitization",
            "name": "Số hóa hồ sơ",
            "max": 22,
            "indicators": [
                _ind("e_results", "Hồ sơ có kết quả điện tử", 8, "e_result", "finished"),
                _ind("digitized", "Hồ sơ được số hóa", 4, "digitized", "received"),
                _ind("reused", "Hồ sơ tái sử dụng dữ liệu", 2, "reused", "received", 0.8),
                _ind(
                    "results_to_store",
                    "Kết quả điện tử vào kho dữ liệu",
                    4,
                    "e_result_to_store",
                    "e_result",
                ),
                _ind(
                    "registry_dossiers",
                    "Hồ sơ khai thác CSDL dân cư",
                    2,
                    "registry_used",
                    "received",
                ),
                _ind(
                    "registry_procedures",
                    "TTHC kết nối CSDL dân cư",
                    2,
                    "procedures_registry",
                    "procedures",
                ),
            ],
        },
    ],
}
DEFAULT_VALID_FROM = date(2000, 1, 1)


def definition_problems(spec: Any) -> list[str]:
    """Vietnamese descriptions of what is wrong with a definition; empty when it is sound."""
    problems: list[str] = []
    if not isinstance(spec, dict) or not isinstance(spec.get("groups"), list):
        return ["Định nghĩa phải là đối tượng có danh sách 'groups'."]
    bands = spec.get("bands")
    if (
        not isinstance(bands, list)
        or not bands
        or not all(
            isinstance(b, list)
            and len(b) == 2
            and isinstance(b[0], str)
            and isinstance(b[1], int | float)
            for b in bands
        )
    ):
        problems.append("'bands' phải là danh sách [tên, ngưỡng].")
    elif [b[1] for b in bands] != sorted((b[1] for b in bands), reverse=True):
        problems.append("Các ngưỡng xếp loại phải giảm dần.")
    keys: set[str] = set()
    for group in spec["groups"]:
        if not isinstance(group, dict) or not isinstance(group.get("indicators"), list):
            problems.append("Mỗi nhóm phải có 'key', 'max' và danh sách 'indicators'.")
            continue
        total = 0.0
        for indicator in group["indicators"]:
            key = indicator.get("key") if isinstance(indicator, dict) else None
            if not key or key in keys:
                problems.append(f"Chỉ tiêu '{key}' thiếu mã hoặc trùng mã.")
                continue
            keys.add(key)
            for side in ("numerator", "denominator"):
                if indicator.get(side) not in SOURCE_METRICS:
                    problems.append(
                        f"Chỉ tiêu '{key}': '{indicator.get(side)}' không phải "
                        "số liệu nguồn hợp lệ."
                    )
            full_at = indicator.get("full_at", 1)
            if not isinstance(full_at, int | float) or not 0 < full_at <= 1:
                problems.append(f"Chỉ tiêu '{key}': full_at phải trong (0, 1].")
            if not isinstance(indicator.get("max"), int | float) or indicator["max"] < 0:
                problems.append(f"Chỉ tiêu '{key}': điểm tối đa không hợp lệ.")
            else:
                total += indicator["max"]
        if group.get("max") != total:
            problems.append(
                f"Nhóm '{group.get('key')}': điểm tối đa {group.get('max')} khác "
                f"tổng các chỉ tiêu {total:g}."
            )
    return problems
