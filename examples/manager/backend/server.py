"""Stand-in for the Django REST backend: the same routes and health contract, standard library only."""
import json
import os
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse


def database_reachable() -> bool:
    url = urlparse(os.environ.get("DATABASE_URL", ""))
    try:
        with socket.create_connection((url.hostname, url.port or 3306), timeout=2):
            return True
    except (OSError, TypeError):
        return False


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/api/health":
            ok = database_reachable()
            self.reply(200 if ok else 503, {"status": "ok" if ok else "degraded", "database": ok})
        elif self.path.startswith("/api/"):
            self.reply(200, {"service": "backend", "path": self.path, "items": ["alpha", "beta"]})
        else:
            self.reply(404, {"error": "not found", "path": self.path})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
