"""The shop API: products and orders in PostgreSQL, new orders queued on a Redis list for app.worker.

Env: DATABASE_URL (postgres://user:password@host:5432/db, from a secret), REDIS_URL (redis://host:6379).
The gateway forwards /api without stripping it, so the routes carry the prefix themselves.
"""
import os

import psycopg
import redis
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from psycopg.rows import dict_row
from pydantic import BaseModel, Field

DATABASE_URL = os.environ["DATABASE_URL"]
ORDER_QUEUE = "shop:orders"  # app.worker pops from the same list

# Short timeouts everywhere so /healthz answers within the health check's 3 s when a dependency is down.
cache = redis.Redis.from_url(
    os.environ["REDIS_URL"], socket_connect_timeout=2, socket_timeout=2, decode_responses=True
)


def connect() -> psycopg.Connection:
    # A connection per request: nothing to go stale when PostgreSQL restarts, and traffic here is tiny.
    # As a context manager it commits on success and rolls back on error.
    return psycopg.connect(DATABASE_URL, connect_timeout=2, row_factory=dict_row)


app = FastAPI(title="shop-api")


@app.exception_handler(psycopg.OperationalError)
@app.exception_handler(redis.RedisError)
def dependency_down(_request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": f"dependency unavailable: {type(exc).__name__}"}, status_code=503)


@app.get("/healthz")
def healthz() -> JSONResponse:
    checks = {}
    try:
        with connect() as conn:
            conn.execute("SELECT 1")
        checks["postgres"] = True
    except psycopg.Error:
        checks["postgres"] = False
    try:
        checks["redis"] = bool(cache.ping())
    except redis.RedisError:
        checks["redis"] = False
    ok = all(checks.values())
    return JSONResponse({"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503)


@app.get("/api/products")
def products() -> list[dict]:
    with connect() as conn:
        return conn.execute(
            "SELECT id, sku, name, price_cents, currency FROM products ORDER BY id"
        ).fetchall()


class NewOrder(BaseModel):
    product_id: int
    quantity: int = Field(gt=0, le=1000)


ORDER_COLUMNS = "id, product_id, quantity, status, created_at, updated_at"


@app.post("/api/orders", status_code=201)
def create_order(order: NewOrder) -> dict:
    with connect() as conn:
        if conn.execute("SELECT 1 FROM products WHERE id = %s", (order.product_id,)).fetchone() is None:
            raise HTTPException(status_code=404, detail="no such product")
        row = conn.execute(
            f"INSERT INTO orders (product_id, quantity) VALUES (%s, %s) RETURNING {ORDER_COLUMNS}",
            (order.product_id, order.quantity),
        ).fetchone()
    # Queued only after the commit above, so the worker never sees an id it cannot find yet.
    try:
        cache.rpush(ORDER_QUEUE, row["id"])
    except redis.RedisError:
        # Nobody would ever process it: take the order back rather than leave it pending forever.
        with connect() as conn:
            conn.execute("DELETE FROM orders WHERE id = %s", (row["id"],))
        raise
    return row


@app.get("/api/orders/{order_id}")
def get_order(order_id: int) -> dict:
    with connect() as conn:
        row = conn.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE id = %s", (order_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="no such order")
    return row
