"""The shop API (needs fastapi and uvicorn from requirements.txt)."""
import os

from fastapi import FastAPI

app = FastAPI(root_path="")


@app.get("/healthz")
def health() -> dict:
    return {"status": "ok"}


@app.get("/api/products")
def products() -> list:
    return [{"id": 1, "name": "mug", "currency": os.environ.get("CURRENCY", "EUR")}]
