"""Read queries behind the leaders' drill-down pages: why an indicator lost points
(`indicators`), the story of a dossier step by step (`story`), each officer's share of the
delays (`officers`; one officer's page: `officer_page`), and the early warnings
(`early_warnings`); `timing` holds the working time and periods they share, `walk` the steps
read from events or from a dossier's step window.

Everything here reads; nothing writes (`index.steps` stores the closed steps the officer
lines read).
"""

from __future__ import annotations

from motcua.index.drilldown.early_warnings import (
    WARNING_HORIZON,
    WARNINGS_LIMIT,
    AgencyGroup,
    HolderGroup,
    WarningRow,
    warnings_for,
)
from motcua.index.drilldown.indicators import (
    CATALOG_METRICS,
    CATALOG_NUMERATORS,
    DOSSIER_METRICS,
    MISSING_TEXT,
    PUBLICATION_KINDS,
    DossierMetric,
    IndicatorView,
    LatePublication,
    LostDossier,
    LostDossierList,
    LostProcedure,
    indicator_find,
    indicator_view,
    late_publications,
    lost_dossier_rows,
    lost_dossiers,
    lost_procedure_rows,
    lost_procedures,
)
from motcua.index.drilldown.officer_page import (
    DelayedDossiers,
    OfficerPeriod,
    OfficerSteps,
    officer_period,
)
from motcua.index.drilldown.officers import (
    OfficerLine,
    count_delayed,
    officer_lines,
    officer_lines_in_period,
    steps_in_period,
)
from motcua.index.drilldown.story import (
    ENTER_STEP,
    LEAVE_WORKFLOW,
    Pause,
    Segment,
    Story,
    dossier_is_late,
    dossier_lateness,
    dossier_story,
    dossier_walk,
    segments_of,
    with_history,
)
from motcua.index.drilldown.timing import Calendars, period_parse, working_text

__all__ = [
    "CATALOG_METRICS",
    "CATALOG_NUMERATORS",
    "DOSSIER_METRICS",
    "ENTER_STEP",
    "LEAVE_WORKFLOW",
    "MISSING_TEXT",
    "PUBLICATION_KINDS",
    "WARNINGS_LIMIT",
    "WARNING_HORIZON",
    "AgencyGroup",
    "Calendars",
    "DelayedDossiers",
    "DossierMetric",
    "HolderGroup",
    "IndicatorView",
    "LatePublication",
    "LostDossier",
    "LostDossierList",
    "LostProcedure",
    "OfficerLine",
    "OfficerPeriod",
    "OfficerSteps",
    "Pause",
    "Segment",
    "Story",
    "WarningRow",
    "count_delayed",
    "dossier_is_late",
    "dossier_lateness",
    "dossier_story",
    "dossier_walk",
    "indicator_find",
    "indicator_view",
    "late_publications",
    "lost_dossier_rows",
    "lost_dossiers",
    "lost_procedure_rows",
    "lost_procedures",
    "officer_lines",
    "officer_lines_in_period",
    "officer_period",
    "period_parse",
    "segments_of",
    "steps_in_period",
    "warnings_for",
    "with_history",
    "working_text",
]
