"""A tiny HTTP proxy in front of the emulator that records request headers.

It proves what the toolkit *sends* (e.g. that ``X-Amz-Security-Token`` carries the session token
instead of being dropped, the journal's bug), and can answer with a canned AWS error to exercise
failure paths the emulator cannot produce (an expired token).
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class CannedResponse:
    status: int
    body: bytes
    content_type: str = "application/x-amz-json-1.1"


@dataclass
class RecordingProxy:
    upstream: str
    requests: list[dict[str, str]] = field(default_factory=list)
    canned: CannedResponse | None = None
    # (method, path, upstream body) -> the body to answer with: adds a field the emulator drops
    rewrite: Callable[[str, str, bytes], bytes] | None = None
    _server: ThreadingHTTPServer | None = None

    @property
    def endpoint_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RecordingProxy:
        proxy = self
        upstream = urlsplit(self.upstream)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                # headers by lower-case name, plus the request line as ":method" and ":path"
                proxy.requests.append({**{k.lower(): v for k, v in self.headers.items()},
                                       ":method": self.command, ":path": self.path})
                if proxy.canned is not None:
                    self.send_response(proxy.canned.status)
                    self.send_header("Content-Type", proxy.canned.content_type)
                    self.send_header("Content-Length", str(len(proxy.canned.body)))
                    self.end_headers()
                    self.wfile.write(proxy.canned.body)
                    return
                conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["Host"] = upstream.netloc
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if proxy.rewrite is not None:
                    data = proxy.rewrite(self.command, self.path, data)
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@contextmanager
def recording(upstream: str) -> Iterator[RecordingProxy]:
    """A started proxy in front of ``upstream``, stopped on the way out."""
    proxy = RecordingProxy(upstream=upstream).start()
    try:
        yield proxy
    finally:
        proxy.stop()
