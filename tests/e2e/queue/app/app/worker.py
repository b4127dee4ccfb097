"""Queue test worker: consumes job ids from the durable queue and marks the jobs done.

Manual acks: a message is acknowledged only once PostgreSQL has the new status, so nothing is lost if
either side goes away; redelivery is harmless because the update only moves 'queued' jobs.
"""
import logging
import os
import signal
import sys
import time

import pika
import psycopg
from pika.exceptions import AMQPError

QUEUE = os.environ.get("JOB_QUEUE", "jobs")
log = logging.getLogger("worker")


def finish(job_id: int) -> bool:
    # A connection per message: no stale connection to recover after a PostgreSQL restart.
    with psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=3) as conn:
        cur = conn.execute(
            "UPDATE jobs SET status = 'done', updated_at = now() WHERE id = %s AND status = 'queued'", (job_id,)
        )
        return cur.rowcount == 1


def on_message(channel, method, _properties, body: bytes) -> None:
    try:
        job_id = int(body)
    except ValueError:
        log.error("dropping malformed message %r", body)
        channel.basic_ack(method.delivery_tag)
        return
    try:
        done = finish(job_id)
    except psycopg.Error as exc:
        # Put it back, after a pause that keeps the connection's heartbeats going (not time.sleep).
        log.warning("job %s: postgres unavailable (%s), requeueing", job_id, type(exc).__name__)
        channel.connection.sleep(3)
        channel.basic_nack(method.delivery_tag, requeue=True)
        return
    log.info("job %s %s", job_id, "done" if done else "was not queued (already done or unknown)")
    channel.basic_ack(method.delivery_tag)


def consume() -> None:
    params = pika.URLParameters(os.environ["RABBITMQ_URL"])
    params.connection_attempts = 1
    params.heartbeat = 30
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        channel.queue_declare(QUEUE, durable=True)
        channel.basic_qos(prefetch_count=1)  # one job at a time; the rest stay in the queue for others
        channel.basic_consume(QUEUE, on_message, auto_ack=False)
        log.info("consuming %s", QUEUE)
        channel.start_consuming()
    finally:
        if connection.is_open:
            connection.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("pika").setLevel(logging.WARNING)  # pika logs every connection step at INFO
    # As PID 1 the process would ignore SIGTERM; exit promptly on `docker stop` instead.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    backoff = 1
    while True:
        started = time.monotonic()
        try:
            consume()
        # OSError too: pika lets some socket errors through unwrapped (socket.gaierror while Docker's DNS
        # does not know the stopped broker's name).
        except (AMQPError, OSError) as exc:
            log.warning("rabbitmq: %r", exc)  # repr: several pika errors have an empty str()
        # A connection that lived a while resets the backoff; repeated quick failures slow down to 10 s.
        backoff = 1 if time.monotonic() - started > 60 else min(backoff * 2, 10)
        log.info("reconnecting in %ss", backoff)
        time.sleep(backoff)


if __name__ == "__main__":
    main()
