"""Stand-in for `manage.py migrate`: waits for the database, then reports the schema applied."""
import os
import socket
import sys
import time
from urllib.parse import urlparse

url = urlparse(os.environ["DATABASE_URL"])
deadline = time.monotonic() + 60
while True:
    try:
        socket.create_connection((url.hostname, url.port or 3306), timeout=2).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"database {url.hostname} unreachable")
        time.sleep(1)
print(f"migrations applied to {url.path.lstrip('/')} as {url.username}")
