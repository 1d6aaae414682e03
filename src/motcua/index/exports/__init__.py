"""The index's tables, built once and shown three ways: on the page, as XLSX, as PDF.

`rows` reads through the engine (§7, §8) — `index_report`, `kpi_lines`, `trend`,
`agency_scores` — and returns plain rows with Vietnamese names; `xlsx` (`*_xlsx`) and `pdf`
(`index_report_pdf`) turn those rows into files, and `labels` names them.
"""

from __future__ import annotations

from motcua.index.exports.labels import attachment_name, period_text
from motcua.index.exports.pdf import PDF_CONTENT_TYPE, index_report_pdf
from motcua.index.exports.rows import (
    KPI_ROWS,
    NO_DOSSIERS,
    AgencyScore,
    GroupLine,
    IndexReport,
    IndicatorLine,
    KpiLine,
    MonthScore,
    Ranked,
    agency_scores,
    band_label,
    index_report,
    kpi_lines,
    month_periods,
    names_of,
    ranked,
    report_from,
    trend,
    without_dossiers,
)
from motcua.index.exports.xlsx import (
    FORMATS,
    HEADER_FILL,
    HEADER_FONT,
    INDICATOR_COLUMNS,
    XLSX_CONTENT_TYPE,
    XlsxColumn,
    index_report_xlsx,
    scores_xlsx,
)

__all__ = [
    "FORMATS",
    "HEADER_FILL",
    "HEADER_FONT",
    "INDICATOR_COLUMNS",
    "KPI_ROWS",
    "NO_DOSSIERS",
    "PDF_CONTENT_TYPE",
    "XLSX_CONTENT_TYPE",
    "AgencyScore",
    "GroupLine",
    "IndexReport",
    "IndicatorLine",
    "KpiLine",
    "MonthScore",
    "Ranked",
    "XlsxColumn",
    "agency_scores",
    "attachment_name",
    "band_label",
    "index_report",
    "index_report_pdf",
    "index_report_xlsx",
    "kpi_lines",
    "month_periods",
    "names_of",
    "period_text",
    "ranked",
    "report_from",
    "scores_xlsx",
    "trend",
    "without_dossiers",
]
