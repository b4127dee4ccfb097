"""The `migrate` job: waits up to 60 s for the database, then applies Django's migrations."""
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402 (needs django.setup() first)
from django.db import connection  # noqa: E402

from config.health import ping_database  # noqa: E402

# The job may start while MySQL is still initialising its data directory, or restarting.
deadline = time.monotonic() + 60
while True:
    try:
        ping_database()
        break
    except Exception as error:
        if time.monotonic() > deadline:
            sys.exit(f"migrate: database unreachable after 60s: {error}")
        print(f"migrate: waiting for the database ({error})", flush=True)
        time.sleep(1)

call_command("migrate", interactive=False)
print(f"migrations applied to {connection.settings_dict['NAME']} as {connection.settings_dict['USER']}")
