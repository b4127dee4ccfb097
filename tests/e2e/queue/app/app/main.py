"""Queue test API: jobs stored in PostgreSQL, their ids published on a durable RabbitMQ queue.

Env: DATABASE_URL (postgres://…), RABBITMQ_URL (amqp://user:password@host:5672/), JOB_QUEUE.
Routes keep the /api prefix: the gateway does not strip it.
"""
import os
import threading

import pika
import psycopg
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pika.exceptions import AMQPConnectionError, AMQPError
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from pydantic import BaseModel

DATABASE_URL = os.environ["DATABASE_URL"]
QUEUE = os.environ.get("JOB_QUEUE", "jobs")
COLUMNS = "id, payload, status, created_at, updated_at"
# pika lets some socket errors through unwrapped, e.g. socket.gaierror when the broker's name does not
# resolve, which is what Docker's DNS answers while the broker container is stopped.
BROKER_ERRORS = (AMQPError, OSError)


def connect() -> psycopg.Connection:
    # A connection per request: nothing goes stale when PostgreSQL restarts. Commits on leaving `with`.
    return psycopg.connect(DATABASE_URL, connect_timeout=2, row_factory=dict_row)


class Broker:
    """One shared AMQP connection, rebuilt after any failure.

    pika's BlockingConnection is not thread-safe and FastAPI runs sync routes on a thread pool, hence the
    lock. A dead connection is often only noticed on use, so each operation gets one retry on a fresh one.
    """

    def __init__(self, url: str) -> None:
        self.params = pika.URLParameters(url)
        self.params.connection_attempts = 1
        self.params.socket_timeout = 2
        self.params.stack_timeout = 3  # bounds the whole connection handshake, so /health stays fast
        self.lock = threading.Lock()
        self.conn = None
        self.channel = None

    def _open(self):
        if self.conn is None or self.conn.is_closed:
            self.conn = pika.BlockingConnection(self.params)
            self.channel = self.conn.channel()
            self.channel.queue_declare(QUEUE, durable=True)
            self.channel.confirm_delivery()  # basic_publish then raises unless the broker took the message
        return self.channel

    def _drop(self) -> None:
        try:
            if self.conn is not None and self.conn.is_open:
                self.conn.close()
        except BROKER_ERRORS:
            pass
        self.conn = self.channel = None

    def run(self, operation):
        with self.lock:
            try:
                return operation(self._open())
            except BROKER_ERRORS:
                self._drop()
            try:
                return operation(self._open())
            except BROKER_ERRORS as exc:
                self._drop()
                if isinstance(exc, AMQPError):
                    raise
                raise AMQPConnectionError(repr(exc)) from exc

    def publish(self, body: str) -> None:
        props = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)
        self.run(lambda ch: ch.basic_publish(exchange="", routing_key=QUEUE, body=body, properties=props))

    def ping(self) -> None:
        # Reads from the socket: notices a broker that went away, and answers its heartbeats.
        self.run(lambda ch: ch.connection.process_data_events(time_limit=0))


broker = Broker(os.environ["RABBITMQ_URL"])
app = FastAPI(title="queue-api")


@app.exception_handler(psycopg.OperationalError)
@app.exception_handler(AMQPError)
def dependency_down(_request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": f"dependency unavailable: {type(exc).__name__}"}, status_code=503)


# /health for the container's health check; /api/health is the same check seen through the gateway,
# which only forwards /api.
@app.get("/health")
@app.get("/api/health")
def health() -> JSONResponse:
    checks = {}
    try:
        with connect() as conn:
            conn.execute("SELECT 1")
        checks["postgres"] = True
    except psycopg.Error:
        checks["postgres"] = False
    try:
        broker.ping()
        checks["rabbitmq"] = True
    except AMQPError:
        checks["rabbitmq"] = False
    ok = all(checks.values())
    return JSONResponse({"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503)


class NewJob(BaseModel):
    payload: object = None  # any JSON value, stored as jsonb


@app.post("/api/jobs", status_code=201)
def create_job(job: NewJob) -> dict:
    with connect() as conn:
        row = conn.execute(
            f"INSERT INTO jobs (payload) VALUES (%s) RETURNING {COLUMNS}", (Jsonb(job.payload),)
        ).fetchone()
    # Published after the commit, so the worker never receives an id it cannot see yet.
    try:
        broker.publish(str(row["id"]))
    except AMQPError:
        # Never delivered: remove the job rather than leave it queued forever.
        with connect() as conn:
            conn.execute("DELETE FROM jobs WHERE id = %s", (row["id"],))
        raise
    return row


@app.get("/api/jobs/{job_id}")
def get_job(job_id: int) -> dict:
    with connect() as conn:
        row = conn.execute(f"SELECT {COLUMNS} FROM jobs WHERE id = %s", (job_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="no such job")
    return row
