"""The forecasting service: FastAPI on uvicorn, counting forecasts served in Redis.

The seed serves a trained model from MODEL_PATH; this example answers with a fixed forecast so that the
stack runs without the model file, and keeps the seed's contract: GET /health (503 while Redis is
unreachable) and GET /forecast behind the gateway's `/api` (prefix stripped).
"""
import os

import redis
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI(title="weather backend")
# Short timeouts: a health check must answer within its own timeout even when Redis hangs.
cache = redis.Redis.from_url(
    os.environ["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2
)


@app.get("/health")
def health() -> JSONResponse:
    try:
        cache.ping()
    except redis.RedisError:
        return JSONResponse({"status": "degraded", "cache": False}, status_code=503)
    return JSONResponse({"status": "ok", "cache": True})


@app.get("/forecast")
def forecast(request: Request) -> JSONResponse:
    try:
        hits = cache.incr("forecast:hits")
    except redis.RedisError as e:
        return JSONResponse({"status": "cache unreachable", "error": str(e)}, status_code=503)
    return JSONResponse(
        {"service": "backend", "path": request.url.path, "forecast": "sunny", "hits": hits}
    )


def main() -> None:
    uvicorn.run(
        app,
        host="0.0.0.0",
        port=int(os.environ.get("PORT", "8000")),
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
    )


if __name__ == "__main__":
    main()
