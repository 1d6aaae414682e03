"""The stand-ins' WSGI application (gunicorn motcua.standins.wsgi, scripts/run.sh)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "motcua.standins.settings"
application = get_wsgi_application()
