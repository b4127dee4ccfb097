"""A proxy in front of moto that counts AWS calls and injects faults, for the apply tests.

Usage: proxy.py PORT UPSTREAM_PORT (both on 127.0.0.1).
Control: POST /__proxy/reset clears the counts and the fault; POST /__proxy/fault with
{"at": K, "forward": bool} makes the K-th mutating call from now fail with HTTP 500, and every
mutating call after it too (an apply cut off there). With "forward" the K-th call still reaches
moto first (it happened, but the answer was lost); with "once" only the K-th call fails, as a
throttled or 5xx call does, and its retry goes through. GET /__proxy/stats gives the counts.
"""
import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UPSTREAM = int(sys.argv[1]), int(sys.argv[2])
lock = threading.Lock()
state = {"calls": [], "fault": None, "mutating": 0}
READS = ("Describe", "List", "Get")


def operation(method, path, headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if body and b"Action=" in body:
        form = urllib.parse.parse_qs(body.decode())
        return form.get("Action", ["?"])[0]
    # EFS is a REST API: the method says whether it changes anything.
    return f"{method} {path.split('?')[0]}"


def is_mutating(op):
    if " " in op:
        return not op.startswith("GET ")
    return not op.startswith(READS)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def control(self, body):
        with lock:
            if self.path == "/__proxy/reset":
                state.update(calls=[], fault=None, mutating=0)
            elif self.path == "/__proxy/fault":
                state["fault"] = json.loads(body or b"null")
                state["mutating"] = 0
            stats = {
                "calls": len(state["calls"]),
                "mutating": sum(1 for c in state["calls"] if is_mutating(c)),
                "operations": state["calls"],
            }
        self.reply(200, json.dumps(stats).encode(), [("Content-Type", "application/json")])

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/__proxy/"):
            return self.control(body)
        op = operation(self.command, self.path, self.headers, body)
        forward, fail = True, False
        with lock:
            fault = state["fault"]
            if is_mutating(op):
                state["mutating"] += 1
                if fault and fault.get("once"):
                    # A transient error (throttling, 5xx): that one call fails, its retry goes through.
                    fail = forward = state["mutating"] != fault["at"]
                    fail = not fail
                elif fault and state["mutating"] >= fault["at"]:
                    fail = True
                    forward = fault.get("forward") and state["mutating"] == fault["at"]
            if forward:
                state["calls"].append(op)
        status, headers, data = 500, [], b""
        if forward:
            conn = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
            hop = {"host", "content-length", "connection", "transfer-encoding"}
            conn.request(self.command, self.path, body, {k: v for k, v in self.headers.items() if k.lower() not in hop})
            resp = conn.getresponse()
            status, data = resp.status, resp.read()
            headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in hop]
            conn.close()
        if fail:
            return self.reply(500, b"injected fault", [("Content-Type", "text/plain")])
        self.reply(status, data, headers)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print("ready", flush=True)
server.serve_forever()
