"""The RAG API (needs fastapi and uvicorn from requirements.txt)."""
import os

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health() -> dict:
    return {"status": "ok", "environment": os.environ.get("ENVIRONMENT", "development")}
