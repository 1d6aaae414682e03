"""Leaders' pages: each module owns its routes; this file only joins them."""

from motcua.index import (
    views_dashboard,
    views_drilldown,
    views_filing,
    views_operations,
    views_report,
)

app_name = "index"
urlpatterns = [
    *views_dashboard.urlpatterns,
    *views_drilldown.urlpatterns,
    *views_report.urlpatterns,
    *views_filing.urlpatterns,
    *views_operations.urlpatterns,
]
