"""The one-stop counter: queue, walk-ins, completeness check, receipt, digitisation, return.

Every page is for reception officers (cán bộ một cửa) only, and a dossier page only for those
holding reception in the dossier's agency: nobody signed in goes to the login page, anyone
else meets the 403 page. A view parses the input with a form, calls one service, and renders;
a refusal from a service (`MotcuaError`, Vietnamese message) re-renders the page with the
message and the error's 4xx status, and nothing is written.
"""

from django.urls import URLPattern, path

# Modules, not their views: a view named like its module would hide the module.
from motcua.office.counter import check as _check
from motcua.office.counter import digitize as _digitize
from motcua.office.counter import handover as _handover
from motcua.office.counter import home as _home
from motcua.office.counter import walk_in as _walk_in

urlpatterns: list[URLPattern] = [
    path("", _home.home, name="counter_home"),
    path("tiep-nhan/moi/", _walk_in.walk_in, name="counter_walkin"),
    path("ho-so/<str:code>/kiem-tra/", _check.check, name="counter_check"),
    path("ho-so/<str:code>/so-hoa/", _digitize.digitize, name="counter_digitize"),
    path("ho-so/<str:code>/tra-ket-qua/", _handover.return_result, name="counter_return"),
    path(
        "ho-so/<str:code>/tai-lieu/<int:document_id>/",
        _handover.document_file,
        name="counter_document",
    ),
]
