"""A counting reverse proxy in front of the emulator: every tool talks to it, so requests are
counted the same way for all of them (no per-tool hooks, no reliance on a tool's own logging).

Bodies are passed through byte for byte (aws-chunked / STREAMING-AWS4-HMAC-SHA256-PAYLOAD
included: the encoding lives inside the HTTP body, so it survives untouched). HTTP-level
``Transfer-Encoding: chunked`` is de-chunked and re-sent with a Content-Length, which does not
change the payload. ``Expect: 100-continue`` is answered by http.server itself (HTTP/1.1) and
not forwarded. Classification works for path-style and virtual-host addressing.

With ``latency_s`` the proxy stands in for the network between a workspace and S3: moto on the
loopback answers with no round trip at all, which favours tools that send their requests one
after another. Each request then waits one round trip before it is forwarded, and each new
connection waits one more for the TCP handshake (two with TLS: TLS 1.3 adds one). Connections
wait in their own handler threads, so parallel requests overlap their round trips as they
would on a real network. Bandwidth is not limited.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade",
     "expect", "trailer"}
)
CLOUDFRONT_INVALIDATION = re.compile(r"^/\d{4}-\d{2}-\d{2}/distribution/[^/]+/invalidation$")
XML_PATH = re.compile(rb"<Path>(.*?)</Path>", re.S)
XML_KEY = re.compile(rb"<Key>", re.S)

# Request kinds, in the column order of the report.
KINDS = (
    "LIST", "HEAD", "GET", "PUT", "PART", "MPU", "COPY", "DELETE", "DELETE_BATCH",
    "INVALIDATION", "OTHER",
)


@dataclass
class Counts:
    """What one timed run sent to the emulator."""

    by_kind: Counter[str] = field(default_factory=Counter)
    by_method: Counter[str] = field(default_factory=Counter)
    bytes_up: int = 0  # payload bytes of object PUTs and part uploads (decoded aws-chunked size)
    wire_bytes_up: int = 0  # request body bytes as sent (aws-chunked framing included)
    objects_written: int = 0  # PutObject + CompleteMultipartUpload + CopyObject
    keys_deleted: int = 0  # DeleteObject + keys inside DeleteObjects batches
    invalidation_paths: list[str] = field(default_factory=list)
    errors: Counter[int] = field(default_factory=Counter)  # HTTP status >= 400
    connections: int = 0  # TCP connections the tool opened to the endpoint

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


@dataclass(frozen=True)
class Exchange:
    """One request as the proxy saw it, on the system's monotonic clock (time.monotonic(), the
    clock the harness reads around a tool's process)."""

    arrived: float  # the request line was read
    answered: float  # the emulator's answer is about to go back (the simulated round trip included)
    kind: str
    method: str
    path: str


RELEASE_FOLDER = "_cruddur-ops"  # cruddur-ops's release prefix (SYNC_RELEASE_PREFIX default)


def classify(method: str, path: str, host: str, headers: dict[str, str]) -> str:
    """Map one S3/CloudFront request to a report kind (path-style or virtual-host style)."""
    split = urlsplit(path)
    query = parse_qs(split.query, keep_blank_values=True)
    if CLOUDFRONT_INVALIDATION.match(split.path) and method == "POST":
        return "INVALIDATION"
    if split.path.startswith("/20") and "/distribution" in split.path:
        return "OTHER"  # other CloudFront calls
    parts = [p for p in split.path.split("/") if p]
    hostname = host.split(":")[0]
    virtual_host = not re.fullmatch(r"[\d.]+|localhost|\[.*\]", hostname) and "." in hostname
    has_key = len(parts) >= (1 if virtual_host else 2)
    key_parts = parts if virtual_host else parts[1:]
    if has_key and key_parts[0] == RELEASE_FOLDER:
        return "OTHER"  # cruddur-ops's release records, pointer, lock and content copies: not site objects
    if method == "GET":
        if not has_key:
            if "list-type" in query or not query or {"prefix", "marker", "delimiter",
                                                     "max-keys", "encoding-type"} & query.keys():
                return "LIST"
            return "OTHER"  # ?location, ?versioning, ?acl ...
        return "GET" if "uploadId" not in query else "OTHER"
    if method == "HEAD":
        return "HEAD"
    if method == "PUT":
        if not has_key:
            return "OTHER"  # CreateBucket, bucket policy ...
        if "uploadId" in query:
            return "PART"
        if "x-amz-copy-source" in headers:
            return "COPY"
        if query.keys() & {"acl", "tagging", "retention", "legal-hold"}:
            return "OTHER"
        return "PUT"
    if method == "POST":
        if "delete" in query:
            return "DELETE_BATCH"
        if "uploads" in query or "uploadId" in query:
            return "MPU"
        return "OTHER"
    if method == "DELETE":
        return "DELETE" if has_key and "uploadId" not in query else "OTHER"
    return "OTHER"


class CountingProxy:
    """Threaded HTTP/1.1 reverse proxy to ``upstream`` (host, port) that counts requests; with
    ``tls`` (a server-side context) clients talk HTTPS to it, and it talks HTTP to upstream;
    ``latency_s`` is the simulated network round trip (see the module docstring)."""

    def __init__(self, upstream_host: str, upstream_port: int, tls: ssl.SSLContext | None = None,
                 latency_s: float = 0.0) -> None:
        if latency_s < 0:
            raise ValueError("latency_s must be 0 or more")
        self.upstream = (upstream_host, upstream_port)
        self.latency_s = latency_s
        self.handshake_round_trips = 2 if tls else 1
        self._lock = threading.Lock()
        self._counts = Counts()
        self.timeline: list[Exchange] | None = None  # set to [] to record each request's timing
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.scheme = "https" if tls else "http"
        if tls:
            # handshakes in the handler threads: one slow client must not hold up the accept loop
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True,
                                                  do_handshake_on_connect=False)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="counting-proxy")

    @property
    def endpoint_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> CountingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def take(self) -> Counts:
        """Return the counts since the last call and start a fresh tally."""
        with self._lock:
            counts, self._counts = self._counts, Counts()
        return counts

    def _wait_round_trips(self, count: int) -> None:
        if self.latency_s:
            time.sleep(self.latency_s * count)

    def _record(self, kind: str, method: str, body: bytes, headers: dict[str, str],
                status: int, arrived: float) -> None:
        with self._lock:
            if self.timeline is not None:
                self.timeline.append(Exchange(arrived, time.monotonic(), kind, method, headers[":path"]))
            c = self._counts
            c.by_kind[kind] += 1
            c.by_method[method] += 1
            if status >= 400:
                c.errors[status] += 1
                return
            if kind in ("PUT", "PART"):
                decoded = headers.get("x-amz-decoded-content-length")
                c.bytes_up += int(decoded) if decoded else len(body)
                c.wire_bytes_up += len(body)
            if kind in ("PUT", "COPY") or (kind == "MPU" and "uploadId=" in headers[":path"]):
                c.objects_written += 1
            if kind == "DELETE":
                c.keys_deleted += 1
            elif kind == "DELETE_BATCH":
                c.keys_deleted += len(XML_KEY.findall(body))
            elif kind == "INVALIDATION":
                c.invalidation_paths.extend(
                    unquote(p.decode("utf-8", "replace")) for p in XML_PATH.findall(body))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self
        local = threading.local()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, and 100-continue handled by http.server

            def log_message(self, format: str, *args: object) -> None:
                pass  # silence: thousands of requests per run

            def setup(self) -> None:
                super().setup()
                # The answer goes out as two writes, the head and then the body. With Nagle's
                # algorithm on, the body waited for the client to acknowledge the head, and a
                # client on a kept-alive connection delays that acknowledgement by up to 40 ms:
                # every answer with a body cost a tool up to 40 ms more than the emulator took.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with proxy._lock:
                    proxy._counts.connections += 1
                proxy._wait_round_trips(proxy.handshake_round_trips)

            def _read_body(self) -> bytes:
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    chunks = []
                    while True:
                        size_line = self.rfile.readline()
                        size = int(size_line.split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass  # trailers
                            break
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    return b"".join(chunks)
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _upstream(self, fresh: bool = False) -> http.client.HTTPConnection:
                conn = getattr(local, "conn", None)
                if conn is None or fresh:
                    if conn is not None:
                        conn.close()
                    conn = http.client.HTTPConnection(*proxy.upstream, timeout=600)
                    local.conn = conn
                return conn

            def _send_upstream(self, body: bytes) -> tuple[http.client.HTTPResponse, bytes]:
                for attempt in (0, 1):
                    conn = self._upstream(fresh=attempt > 0)
                    try:
                        conn.putrequest(self.command, self.path, skip_host=True,
                                        skip_accept_encoding=True)
                        for name, value in self.headers.items():
                            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                                conn.putheader(name, value)
                        if body or self.command in ("PUT", "POST"):
                            conn.putheader("Content-Length", str(len(body)))
                        conn.endheaders(body or None)
                        response = conn.getresponse()
                        data = response.read()
                        return response, data
                    except (ConnectionError, http.client.HTTPException):
                        # a kept-alive upstream connection closed under us: retry once, fresh
                        if attempt:
                            raise
                raise AssertionError("unreachable")

            def _forward(self) -> None:
                arrived = time.monotonic()
                body = self._read_body()
                proxy._wait_round_trips(1)
                response, data = self._send_upstream(body)
                # Count before replying: once the client has its answer it may exit, and the
                # harness takes the tally right after — a late count would land in the next run.
                headers = {k.lower(): v for k, v in self.headers.items()}
                headers[":path"] = self.path
                kind = classify(self.command, self.path, self.headers.get("Host", ""), headers)
                proxy._record(kind, self.command, body, headers, response.status, arrived)
                self.send_response_only(response.status, response.reason)
                for name, value in response.getheaders():
                    lower = name.lower()
                    if lower in HOP_BY_HOP or (lower == "content-length"
                                               and self.command != "HEAD"):
                        continue
                    self.send_header(name, value)
                if self.command != "HEAD":
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD" and data:
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        return Handler
