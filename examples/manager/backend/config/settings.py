"""Settings of the manager backend, all from the environment that stack.toml gives the container."""
import os
from urllib.parse import unquote, urlsplit

import pymysql
from django.core.exceptions import ImproperlyConfigured

# Django's MySQL backend imports MySQLdb (mysqlclient, a C extension); PyMySQL answers in its place.
pymysql.install_as_MySQLdb()


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} is not set")
    return value


SECRET_KEY = required("DJANGO_SECRET_KEY")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",") if h.strip()]

# DATABASE_URL: mysql://user:password@host:port/name, the password percent-encoded if need be.
_db = urlsplit(required("DATABASE_URL"))
if _db.scheme != "mysql":
    raise ImproperlyConfigured(f"DATABASE_URL must be a mysql:// URL, not {_db.scheme}://")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": unquote(_db.path.lstrip("/")),
        "USER": unquote(_db.username or ""),
        "PASSWORD": unquote(_db.password or ""),
        "HOST": _db.hostname,
        "PORT": _db.port or 3306,
        # A new connection per request: nothing stale survives a database restart.
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            "charset": "utf8mb4",
            # A request fails fast when the database is down; one stuck on a hung database is ended by
            # gunicorn's --timeout (config/health.py uses short read timeouts of its own).
            "connect_timeout": 2,
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
        },
    }
}

INSTALLED_APPS = ["rest_framework", "items"]
MIDDLEWARE = [
    # First, so probes get an answer whatever Host header they send (see config/health.py).
    "config.health.health_middleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",  # also where ALLOWED_HOSTS is enforced
]
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False  # /api/items is the route; a redirect would turn a POST into a GET
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # An API without sessions: no session authentication, so no CSRF check on POST.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,  # django.contrib.auth is not installed
    # `"key": value` with a space after the colon, as json.dumps writes it (and as clients may grep).
    "COMPACT_JSON": False,
}

# Errors to the container's log (by default Django mails them to ADMINS when DEBUG is off); Django's
# 4xx warnings are left out, gunicorn's access log has those requests already.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
