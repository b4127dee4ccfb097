"""Django's command line, for development (`python manage.py makemigrations`, `shell`, ...)."""
import os
import sys

from django.core.management import execute_from_command_line

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
execute_from_command_line(sys.argv)
