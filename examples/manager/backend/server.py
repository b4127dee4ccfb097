"""Serves the Django app with gunicorn on 0.0.0.0:8000 (the image runs `python server.py`)."""
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# exec rather than a child process: gunicorn takes this process's place, so it receives the container's
# stop signal itself and shuts its workers down gracefully.
os.execv(
    sys.executable,
    [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", "0.0.0.0:8000",
        "--workers", os.environ.get("WEB_CONCURRENCY", "2"),
        "--timeout", "30",
        # Workers' heartbeat files: the root filesystem may be read-only, /tmp is the writable place.
        "--worker-tmp-dir", "/tmp",
        "--access-logfile", "-",
    ],
)
