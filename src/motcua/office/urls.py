"""Back-office pages: the counter's and the processing officers' routes, joined here."""

from motcua.office import views_counter, views_processing

app_name = "office"
urlpatterns = [*views_counter.urlpatterns, *views_processing.urlpatterns]
