#!/usr/bin/env python3
"""A deliberately wrong "Kibana" for the proxy's integration tests.

Answers GET /api/fleet/agents/setup and GET /api/cases/tags of the embedded
contract the way Kibana does (hapi's `application/json; charset=utf-8` plus
`elastic-api-version`), and departs from the contract on demand: the request
header `x-plant` names the defect. /echo (not in the contract) answers the
request's method, target and headers as JSON. /bytes answers `x-size` bytes of
a fixed pattern (pattern_bytes), framed by Content-Length, chunked (x-plant:
chunked) or cut in the middle (x-plant: drop); x-plant reset (head and part of the
body, then a TCP reset), garbage (bytes that are not HTTP) and hang (head, a few body
bytes, then silence for 5 s) break GET /api/fleet/agents/setup; /upload answers the size and
SHA-256 of the request body (Content-Length or chunked), as does any POST with
`x-plant: upload`; `x-plant: refuse-early` answers 413 without reading the body
and closes. Prints "port N" on stdout once
it listens on 127.0.0.1 (port 0 = any free port), serves until killed.
"""
import gzip
import hashlib
import json
import socket
import socketserver
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SETUP_OK = {"isReady": True, "missing_requirements": [], "missing_optional_features": []}

PLANTED = {
    # plant -> (status, content type, body object)
    "type": (200, "application/json; charset=utf-8", {**SETUP_OK, "isReady": "yes"}),
    "missing": (200, "application/json; charset=utf-8", {"isReady": True}),
    "status": (418, "application/json; charset=utf-8", SETUP_OK),
    "ctype": (200, "text/plain; charset=utf-8", SETUP_OK),
    "extra": (200, "application/json; charset=utf-8", {**SETUP_OK, "surprise": 1}),
}


BLOCK = bytes((i * 31 + 7) % 256 for i in range(65536))


def pattern_pieces(size):
    """The first `size` bytes of BLOCK repeated, in pieces (tests rebuild it the same way)."""
    left = size
    while left > 0:
        n = min(left, len(BLOCK))
        yield BLOCK[:n]
        left -= n


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, content_type, body_bytes, extra=()):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("elastic-api-version", "2023-10-31")
        self.send_header("kbn-name", "wrong-upstream")
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body_bytes)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body_bytes)

    def do_HEAD(self):
        self.do_GET()

    def read_body_hashed(self):
        """(size, sha256, whether the bytes are pattern_pieces(size)) of the request body."""
        digest = hashlib.sha256()
        size = 0
        self.is_pattern = True

        def take(part, at):
            digest.update(part)
            if self.is_pattern:
                offset = at % len(BLOCK)
                expected = (BLOCK[offset:] + BLOCK * (len(part) // len(BLOCK) + 1))[:len(part)]
                self.is_pattern = part == expected
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            while True:
                line = self.rfile.readline()
                n = int(line.split(b";")[0].strip(), 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                left = n
                while left > 0:
                    part = self.rfile.read(min(left, 1 << 20))
                    if not part:
                        raise ConnectionError("body cut short")
                    take(part, size + n - left)
                    left -= len(part)
                size += n
                self.rfile.readline()
        else:
            left = int(self.headers.get("content-length") or 0)
            while left > 0:
                part = self.rfile.read(min(left, 1 << 20))
                if not part:
                    raise ConnectionError("body cut short")
                take(part, size)
                size += len(part)
                left -= len(part)
        return size, digest.hexdigest()

    def do_PUT(self):
        self.do_POST()

    def do_POST(self):
        plant = self.headers.get("x-plant", "")
        if plant == "refuse-early":
            # Answers at once without reading the body, then closes (as a server refusing a
            # payload does): the proxy must pass the answer on and stop sending.
            self.close_connection = True
            return self.send_json(413, "application/json; charset=utf-8", json.dumps(
                {"statusCode": 413, "error": "Request Entity Too Large",
                 "message": "Payload content length greater than maximum allowed: 1048576"}).encode(),
                [("connection", "close")])
        if self.path.split("?", 1)[0].endswith("/upload") or plant == "upload":
            try:
                size, digest = self.read_body_hashed()
            except (ConnectionError, ValueError) as e:
                print("upload cut short:", e, flush=True)
                self.close_connection = True
                return
            answer = {"size": size, "sha256": digest, "isPattern": self.is_pattern,
                      "transferEncoding": self.headers.get("transfer-encoding", ""),
                      "contentLength": self.headers.get("content-length", "")}
            return self.send_json(200, "application/json", json.dumps(answer).encode())
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        self.do_GET(body)

    def send_bytes(self, plant):
        size = int(self.headers.get("x-size", "0"))
        self.send_response(200)
        self.send_header("content-type", "application/octet-stream")
        if plant == "chunked":
            self.send_header("transfer-encoding", "chunked")
        else:
            self.send_header("content-length", str(size))
        self.end_headers()
        if self.command == "HEAD":
            return
        sent = 0
        for piece in pattern_pieces(size):
            if plant == "drop" and sent >= size // 2:
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if plant == "chunked":
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
            sent += len(piece)
        if plant == "chunked":
            self.wfile.write(b"0\r\n\r\n")

    def do_GET(self, body=b""):
        path = self.path.split("?", 1)[0]
        plant = self.headers.get("x-plant", "")
        if path.endswith("/bytes"):
            return self.send_bytes(plant)
        if path == "/echo" or path.endswith("/echo"):
            answer = {"method": self.command, "target": self.path,
                      "headers": [[k, v] for k, v in self.headers.items()], "bodySize": len(body)}
            return self.send_json(200, "application/json", json.dumps(answer).encode())
        if path.endswith("/api/cases/tags"):
            return self.send_json(200, "application/json; charset=utf-8", json.dumps(["a", "b"]).encode())
        if not path.endswith("/api/fleet/agents/setup"):
            return self.send_json(404, "application/json; charset=utf-8",
                                  json.dumps({"statusCode": 404, "error": "Not Found", "message": "Not Found"}).encode())
        if plant in PLANTED:
            status, ctype, obj = PLANTED[plant]
            return self.send_json(status, ctype, json.dumps(obj).encode())
        if plant == "gzip" or plant == "gzip-type":
            obj = SETUP_OK if plant == "gzip" else {**SETUP_OK, "isReady": "yes"}
            data = gzip.compress(json.dumps(obj).encode())
            return self.send_json(200, "application/json; charset=utf-8", data,
                                  [("content-encoding", "gzip"), ("vary", "accept-encoding")])
        if plant == "slow":
            time.sleep(3)
        if plant == "big":
            obj = {**SETUP_OK, "package_verification_key_id": "k" * 200000}
            return self.send_json(200, "application/json; charset=utf-8", json.dumps(obj).encode())
        if plant == "drop":
            self.send_response(200)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", "5000")
            self.end_headers()
            self.wfile.write(b'{"isReady": true, "missing_requirements": [')
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if plant == "reset":
            # Head and part of the body, then a TCP reset (SO_LINGER 0), not a clean close.
            self.send_response(200)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", "5000")
            self.end_headers()
            self.wfile.write(b'{"isReady": true, "missing_requirements": [')
            self.wfile.flush()
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if plant == "garbage":
            # Bytes that are not HTTP at all, then a close.
            self.wfile.write(b"\x00\x01 this is not HTTP \xff\xfe\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
            return
        if plant == "hang":
            # A complete head, a few body bytes, then nothing for longer than the proxy waits.
            self.send_response(200)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", "5000")
            self.end_headers()
            self.wfile.write(b'{"isReady": true')
            self.wfile.flush()
            time.sleep(5)
            self.close_connection = True
            return
        if plant == "chunked":
            data = json.dumps(SETUP_OK).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("elastic-api-version", "2023-10-31")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), 7):
                part = data[i:i + 7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        return self.send_json(200, "application/json; charset=utf-8", json.dumps(SETUP_OK).encode())


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
