"""A listing stub: an S3 endpoint that only answers ListObjectsV2, HeadObject (no metadata),
GetObject with NoSuchKey, and the trivial bucket probes from an in-memory manifest — so `inv frontend.plan` can be timed at 100,000 files
without uploading 100,000 objects into an emulator that lists ~1,700 objects/s.

Anything else is answered 501 and recorded in ``unexpected`` (the report says so).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

LIST_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">')


class ListingStub:
    def __init__(self, bucket: str, objects: Sequence[tuple[str, int, str]]) -> None:
        """``objects``: (key, size, md5 hex) — sorted here, as S3 lists in key order."""
        self.bucket = bucket
        self.objects = sorted(objects)
        self.requests = 0
        self.heads = 0
        self.unexpected: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ListingStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def page(self, query: dict[str, list[str]]) -> str:
        prefix = query.get("prefix", [""])[0]
        max_keys = min(int(query.get("max-keys", ["1000"])[0]), 1000)
        after = query.get("continuation-token", query.get("start-after", [""]))[0]
        start = bisect.bisect_right(self.objects, (after, 1 << 62, "")) if after else 0
        chunk: list[str] = []
        index = start
        while index < len(self.objects) and len(chunk) < max_keys:
            key, size, md5 = self.objects[index]
            index += 1
            if key.startswith(prefix):
                chunk.append(f"<Contents><Key>{escape(key)}</Key>"
                             "<LastModified>2026-01-01T00:00:00.000Z</LastModified>"
                             f"<ETag>&quot;{md5}&quot;</ETag><Size>{size}</Size>"
                             "<StorageClass>STANDARD</StorageClass></Contents>")
        truncated = index < len(self.objects)
        parts = [LIST_HEAD, f"<Name>{self.bucket}</Name><Prefix>{escape(prefix)}</Prefix>",
                 f"<KeyCount>{len(chunk)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
                 f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>", *chunk]
        if truncated:
            token = escape(self.objects[index - 1][0])  # the last key listed: start-after semantics
            parts.append(f"<NextContinuationToken>{token}</NextContinuationToken>")
        parts.append("</ListBucketResult>")
        return "".join(parts)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _reply(self, status: int, body: str = "") -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _head_object(self, key: str) -> None:
                from urllib.parse import unquote

                key = unquote(key)
                index = bisect.bisect_left(stub.objects, (key, -1, ""))
                if index < len(stub.objects) and stub.objects[index][0] == key:
                    _, size, md5 = stub.objects[index]
                    self.send_response(200)
                    self.send_header("ETag", f'"{md5}"')
                    self.send_header("Content-Length", str(size))
                    self.send_header("Last-Modified", "Thu, 01 Jan 2026 00:00:00 GMT")
                    self.end_headers()  # no x-amz-meta-md5chksum: uploaded by another tool
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with stub._lock:
                    stub.requests += 1
                split = urlsplit(self.path)
                query = parse_qs(split.query, keep_blank_values=True)
                parts = [p for p in split.path.split("/") if p]
                if self.command == "GET" and parts == [stub.bucket] and "list-type" in query:
                    self._reply(200, stub.page(query))
                elif self.command == "HEAD" and parts == [stub.bucket]:
                    self._reply(200)
                elif self.command == "HEAD" and len(parts) > 1 and parts[0] == stub.bucket:
                    stub.heads += 1  # the planner asks for metadata when the ETag can't decide
                    self._head_object("/".join(parts[1:]))
                elif self.command == "GET" and len(parts) > 1 and parts[0] == stub.bucket:
                    # object bodies are not kept: the sync's release pointer of a bucket that has
                    # no releases yet (GET _cruddur-ops/live.json), answered as S3 would
                    self._reply(404, "<Error><Code>NoSuchKey</Code>"
                                "<Message>The specified key does not exist.</Message></Error>")
                elif self.command == "GET" and parts == [stub.bucket] and "location" in query:
                    self._reply(200, '<?xml version="1.0" encoding="UTF-8"?><LocationConstraint '
                                'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>')
                else:
                    with stub._lock:
                        stub.unexpected.append(f"{self.command} {self.path}")
                    self._reply(501, "<Error><Code>NotImplemented</Code>"
                                "<Message>listing stub</Message></Error>")

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _handle

        return Handler
