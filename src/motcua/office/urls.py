"""Back-office pages: the counter's and the processing officers' routes, joined here."""

from motcua.office import counter, processing

app_name = "office"
urlpatterns = [*counter.urlpatterns, *processing.urlpatterns]
