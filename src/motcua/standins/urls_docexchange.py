"""The document-management service's stand-in (`standins/docexchange.py`), under /van-ban/."""

from django.urls import path

from motcua.standins import docexchange

urlpatterns = [
    path("van-ban/nhan/", docexchange.receive, name="docexchange-receive"),
    path("van-ban/da-nhan/", docexchange.received, name="docexchange-received"),
    path("van-ban/khoa/", docexchange.public_key, name="docexchange-key"),
    path("van-ban/gui/", docexchange.send, name="docexchange-send"),
]
