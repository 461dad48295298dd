"""WSGI config for the admin service: exposes the WSGI callable as `application`."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_admin.settings")

application = get_wsgi_application()
