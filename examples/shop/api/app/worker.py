"""The background worker: takes order ids off the Redis list app.main fills and marks the orders done.

Env: REDIS_URL, DATABASE_URL. Survives Redis or PostgreSQL going away: it backs off and retries, and an id
popped while PostgreSQL is down goes back to the head of the list instead of being lost.
"""
import logging
import os
import signal
import sys
import time

import psycopg
import redis

ORDER_QUEUE = "shop:orders"  # the list app.main pushes to
POP_TIMEOUT_S = 5

log = logging.getLogger("worker")

# The socket timeout must outlast BLPOP's own wait, or every idle wait would end in a TimeoutError.
cache = redis.Redis.from_url(
    os.environ["REDIS_URL"], socket_connect_timeout=3, socket_timeout=POP_TIMEOUT_S + 5, decode_responses=True
)


def complete(order_id: int) -> bool:
    # A connection per job keeps the worker free of stale connections after a PostgreSQL restart.
    with psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=3) as conn:
        cur = conn.execute(
            "UPDATE orders SET status = 'done', updated_at = now() WHERE id = %s AND status = 'pending'",
            (order_id,),
        )
        return cur.rowcount == 1


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "info").upper(), format="%(asctime)s %(name)s %(message)s")
    # As PID 1 the process would ignore SIGTERM; exit promptly on `docker stop` instead.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("waiting for orders on %s", ORDER_QUEUE)
    backoff = 1
    while True:
        order_id = None
        try:
            popped = cache.blpop([ORDER_QUEUE], timeout=POP_TIMEOUT_S)
            if popped is None:
                continue
            order_id = int(popped[1])
            if complete(order_id):
                log.info("order %s done", order_id)
            else:
                log.warning("order %s not found or not pending, skipped", order_id)
            backoff = 1
        except ValueError:
            log.error("dropping malformed queue entry %r", popped[1])
        except (redis.RedisError, psycopg.Error) as exc:
            log.warning("%s: %s; retrying in %ss", type(exc).__name__, exc, backoff)
            if order_id is not None:
                try:
                    cache.lpush(ORDER_QUEUE, order_id)  # back to the head: it is next once things recover
                except redis.RedisError:
                    log.error("order %s could not be requeued", order_id)
            time.sleep(backoff)
            backoff = min(backoff * 2, 10)


if __name__ == "__main__":
    main()
