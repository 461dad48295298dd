import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "apps-python-example-not-a-secret")

DEBUG = False

ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = []

MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "site_admin.urls"

WSGI_APPLICATION = "site_admin.wsgi.application"

TEMPLATES = []

DATABASES = {}

USE_TZ = True

# Paths are answered as requested: no redirect to add a trailing slash.
APPEND_SLASH = False
