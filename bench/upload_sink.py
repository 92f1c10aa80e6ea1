#!/usr/bin/env python3
"""The upload benchmark's upstream: reads each request body to its end (Content-Length or chunked),
discards it and answers 200 with the byte count. bench/upload_sink.py PORT; serves until killed."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_exactly(self, n):
        while n > 0:
            part = self.rfile.read(min(n, 1 << 20))
            if not part:
                raise ConnectionError("body cut short")
            n -= len(part)

    def do_POST(self):
        size = 0
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            while True:
                n = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                self.read_exactly(n)
                self.rfile.readline()
                size += n
        else:
            size = int(self.headers.get("content-length") or 0)
            self.read_exactly(size)
        body = b'{"size":%d}' % size
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_POST


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
