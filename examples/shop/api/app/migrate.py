"""The migration job: waits for PostgreSQL, creates the schema and seeds products. Safe to run again."""
import os
import sys
import time

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id          serial PRIMARY KEY,
    sku         text NOT NULL UNIQUE,
    name        text NOT NULL,
    price_cents integer NOT NULL CHECK (price_cents >= 0),
    currency    text NOT NULL DEFAULT 'EUR'
);
CREATE TABLE IF NOT EXISTS orders (
    id         bigserial PRIMARY KEY,
    product_id integer NOT NULL REFERENCES products (id),
    quantity   integer NOT NULL CHECK (quantity > 0),
    status     text NOT NULL DEFAULT 'pending',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""

PRODUCTS = [("MUG-01", "Mug", 1200), ("TEE-01", "T-shirt", 2500), ("CAP-01", "Cap", 1800)]


def wait_for_db(url: str, deadline_s: float = 60) -> psycopg.Connection:
    # The job may start while PostgreSQL is still initialising its data directory (or restarting).
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return psycopg.connect(url, connect_timeout=3)
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                sys.exit(f"migrate: postgres unreachable after {deadline_s:.0f}s: {exc}")
            print("migrate: waiting for postgres", flush=True)
            time.sleep(2)


def main() -> None:
    with wait_for_db(os.environ["DATABASE_URL"]) as conn:
        # One migration at a time even if the job is started twice (CREATE ... IF NOT EXISTS can race).
        conn.execute("SELECT pg_advisory_xact_lock(4242)")
        conn.execute(SCHEMA)
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s) ON CONFLICT (sku) DO NOTHING",
                PRODUCTS,
            )
    print("migrate: schema ready, products seeded", flush=True)


if __name__ == "__main__":
    main()
