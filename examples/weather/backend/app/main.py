"""Stand-in for the FastAPI forecasting service: standard library only, Redis spoken directly (RESP)."""
import json
import os
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse


def redis(*args: str) -> bytes:
    url = urlparse(os.environ["REDIS_URL"])
    command = f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)
    with socket.create_connection((url.hostname, url.port or 6379), timeout=2) as s:
        s.sendall(command.encode())
        return s.recv(1024)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            if self.path == "/health":
                ok = redis("PING").startswith(b"+PONG")
                self.reply(200 if ok else 503, {"status": "ok" if ok else "degraded", "cache": ok})
            elif self.path.startswith("/forecast"):
                hits = redis("INCR", "forecast:hits").strip().lstrip(b":").decode()
                self.reply(200, {"service": "backend", "path": self.path, "forecast": "sunny", "hits": int(hits)})
            else:
                self.reply(404, {"error": "not found", "path": self.path})
        except OSError as e:
            self.reply(503, {"status": "cache unreachable", "error": str(e)})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()


if __name__ == "__main__":
    main()
