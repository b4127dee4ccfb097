"""A tiny RAG-flavoured API on Redis: store documents, find the ones that mention a word.

Env: REDIS_HOST / REDIS_PORT (the Redis resource) and ENVIRONMENT. OPENAI_API_KEY (a secret) may be
set too; this example has no model to call, so it never reads it, and it must never be logged.
"""
import os
import re

import redis
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

ENVIRONMENT = os.environ.get("ENVIRONMENT", "development")

# Short timeouts so /health answers quickly (well within the health check's timeout) when Redis is down;
# redis-py reconnects by itself on the next command once Redis is back.
store = redis.Redis(
    host=os.environ.get("REDIS_HOST", "localhost"),
    port=int(os.environ.get("REDIS_PORT", "6379")),
    socket_connect_timeout=2,
    socket_timeout=2,
    decode_responses=True,
)

DOC_IDS = "rag:docs"  # set of document ids
DOC_KEY = "rag:doc:{}"  # one string per document
QUERY_COUNT = "rag:queries"

app = FastAPI(title="rag-api")


@app.exception_handler(redis.RedisError)
def redis_down(_request, exc: redis.RedisError) -> JSONResponse:
    return JSONResponse({"detail": f"redis unavailable: {type(exc).__name__}"}, status_code=503)


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


@app.get("/health")
def health() -> JSONResponse:
    try:
        ok = bool(store.ping())
    except redis.RedisError:
        ok = False
    body = {"status": "ok" if ok else "degraded", "environment": ENVIRONMENT, "redis": ok}
    return JSONResponse(body, status_code=200 if ok else 503)


class Document(BaseModel):
    id: str = Field(min_length=1, max_length=200)
    text: str


@app.post("/documents", status_code=201)
def add_document(doc: Document) -> dict:
    # One round trip, applied atomically: the id never shows up without its text.
    with store.pipeline(transaction=True) as pipe:
        pipe.set(DOC_KEY.format(doc.id), doc.text).sadd(DOC_IDS, doc.id).execute()
    return {"id": doc.id, "words": len(words(doc.text))}


@app.get("/query")
def query(q: str) -> dict:
    wanted = words(q)
    if not wanted:
        raise HTTPException(status_code=422, detail="q must contain a word")
    count = store.incr(QUERY_COUNT)
    # A plain scan is enough for an example; a real service would keep an index (or embeddings).
    ids = sorted(store.smembers(DOC_IDS))
    texts = store.mget([DOC_KEY.format(i) for i in ids]) if ids else []
    hits = [i for i, text in zip(ids, texts) if text is not None and wanted <= words(text)]
    return {"q": q, "ids": hits, "queries": count}
