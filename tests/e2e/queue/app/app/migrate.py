"""Queue test migration: waits up to 60 s for PostgreSQL, then creates the jobs table if missing."""
import os
import sys
import time

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id         bigserial PRIMARY KEY,
    payload    jsonb,
    status     text NOT NULL DEFAULT 'queued',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
)
"""


def main() -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=3)
            break
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                sys.exit(f"migrate: postgres unreachable: {exc}")
            time.sleep(2)
    with conn:
        conn.execute(SCHEMA)
    print("migrate: jobs table ready", flush=True)


if __name__ == "__main__":
    main()
