"""A loopback HTTP proxy in front of an S3 server, for tests: it records every
request (to check signatures with botocore) and injects faults.

Faults, drawn per request from a seeded RNG (deterministic for a given
request order) or forced for the next N requests:
  error       answer 503 SlowDown (or 500 InternalError) without forwarding
  slow        wait `slow_seconds` before forwarding (past the client's stall timeout)
  drop        close the connection without an answer, without forwarding
  lose_reply  forward (the server applies it), then close without an answer
  truncate    forward, then send the headers and only half of the body
  reset       forward, then reset the connection (RST) mid-body

The Host header is forwarded unchanged: it is part of the SigV4 signature.
Binds 127.0.0.1 only; stops with the test.
"""
import http.client
import http.server
import random
import select
import socket
import struct
import threading
import time
from urllib.parse import urlsplit

FAULTS = ("error", "slow", "drop", "lose_reply", "truncate", "reset")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection", "te",
              "upgrade"}


class Recorded:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path          # raw request target, as sent
        self.headers = headers    # list of (name, value) as received
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class S3FaultProxy:
    def __init__(self, upstream, seed=1, rates=None, slow_seconds=3.0, record=False):
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port
        self.rng = random.Random(seed)
        self.rates = dict(rates or {})
        self.slow_seconds = slow_seconds
        self.record = record
        self.recorded = []
        self.forced = []          # faults (or None) for the next requests, in order
        self.only_methods = None  # faults hit only these methods (forced ones too)
        self.enabled = True
        self.counts = {f: 0 for f in FAULTS}
        self.requests = 0
        self.connections = 0      # client TCP connections accepted
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with proxy.lock:
                    proxy.connections += 1

            def handle_one(self):
                proxy._handle(self)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_one

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # aborted connections are the point

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def force(self, *faults):
        with self.lock:
            self.forced.extend(faults)

    def _pick_fault(self, method):
        with self.lock:
            self.requests += 1
            if not self.enabled:
                return None
            if self.only_methods is not None and method not in self.only_methods:
                return None
            if self.forced:
                fault = self.forced.pop(0)
            else:
                fault = None
                x = self.rng.random()
                for name in FAULTS:
                    x -= self.rates.get(name, 0.0)
                    if x < 0:
                        fault = name
                        break
            if fault:
                self.counts[fault] += 1
            return fault

    def _handle(self, h):
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        headers = [(k, v) for k, v in h.headers.items()]
        if self.record:
            with self.lock:
                self.recorded.append(Recorded(h.command, h.path, headers, body))
        fault = self._pick_fault(h.command)
        if fault == "error":
            code, name = (503, "SlowDown") if self.rng.random() < 0.5 else (500, "InternalError")
            xml = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{name}</Code>'
                   f"<Message>injected by the test proxy</Message></Error>").encode()
            h.send_response(code)
            h.send_header("Content-Type", "application/xml")
            h.send_header("Content-Length", str(len(xml) if h.command != "HEAD" else 0))
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(xml)
            return
        if fault == "drop":
            self._abort(h, reset=False)
            return
        if fault == "slow":
            time.sleep(self.slow_seconds)
            if self._client_gone(h):
                # The client gave up: do not forward a stale duplicate that
                # could land after the client's successful retry.
                self._abort(h, reset=False)
                return
        status, reason, resp_headers, resp_body = self._forward(h.command, h.path, headers, body)
        if fault == "lose_reply":
            self._abort(h, reset=False)
            return
        h.send_response(status, reason)
        for k, v in resp_headers:
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                h.send_header(k, v)
        if h.command == "HEAD":
            cl = dict((k.lower(), v) for k, v in resp_headers).get("content-length", "0")
            h.send_header("Content-Length", cl)
            h.end_headers()
            return
        h.send_header("Content-Length", str(len(resp_body)))
        h.end_headers()
        if fault in ("truncate", "reset") and len(resp_body) >= 2:
            h.wfile.write(resp_body[: len(resp_body) // 2])
            h.wfile.flush()
            self._abort(h, reset=(fault == "reset"))
            return
        h.wfile.write(resp_body)

    def _forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers:
                if k.lower() not in HOP_BY_HOP:
                    conn.putheader(k, v)
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.reason, resp.getheaders(), data
        finally:
            conn.close()

    @staticmethod
    def _client_gone(h):
        try:
            readable, _, _ = select.select([h.connection], [], [], 0)
            return bool(readable) and h.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    @staticmethod
    def _abort(h, reset):
        h.close_connection = True
        try:
            if reset:
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            h.connection.close()
        except OSError:
            pass
