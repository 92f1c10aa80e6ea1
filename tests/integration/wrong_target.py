#!/usr/bin/env python3
"""A deliberately wrong implementation of tests/integration/data/widgets.yaml for `specgate test`.

Planted defects, one per operation (the rest answers within the contract):
  getWidget     wrong schema: "name" is a number
  listWidgets   undeclared status: 418 to a valid request (400 without `limit`, as declared)
  createWidget  accepts an invalid request: 201 to any body
  updateWidget  refuses a valid request: 400 to any body
  getHealth     missing required response header X-Request-Id
  getVersion    correct
  deleteWidget  correct (204)
Prints "port N" on stdout once it listens on 127.0.0.1 (port 0 = any free port), serves until killed.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, obj=None, headers=()):
        data = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        if obj is not None:
            self.send_header("content-type", "application/json")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def route(self):
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        m = self.command
        if path == "/widgets" and m == "GET":
            if "limit" not in query:
                return self.answer(400, {"message": "limit is required"})
            return self.answer(418, [])
        if path == "/widgets" and m == "POST":
            return self.answer(201, {"id": "w1", "name": "gizmo"})
        if path.startswith("/widgets/") and m == "GET":
            return self.answer(200, {"id": "w1", "name": 42})
        if path.startswith("/widgets/") and m == "PUT":
            return self.answer(400, {"message": "this server is stricter than its contract"})
        if path.startswith("/widgets/") and m == "DELETE":
            return self.answer(204)
        if path == "/health" and m == "GET":
            return self.answer(200, {"status": "ok"})
        if path == "/version" and m == "GET":
            return self.answer(200, {"version": "1.0"})
        return self.answer(404, {"message": "not found"})

    do_GET = do_POST = do_PUT = do_DELETE = route


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = Server(("127.0.0.1", port), Handler)
    print("port", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
