"""The CA bundle is read once per SSL context, and HTTPS verification is exactly as strict.

A local HTTPS server on 127.0.0.1 with throwaway certificates (trustme) answers every request
with an empty S3 listing and closes the connection, so each request is a new TLS connection.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
from botocore.exceptions import SSLError

from cruddur_ops import aws
from cruddur_ops.patches.botocore_tls import load_ca_bundle_once

EMPTY_LISTING = (b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult '
                 b'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><KeyCount>0</KeyCount>'
                 b"<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>")


class Listing(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(EMPTY_LISTING)))
        self.end_headers()
        self.wfile.write(EMPTY_LISTING)

    def log_message(self, *args: object) -> None:
        pass


def https_server(cert: trustme.LeafCert) -> tuple[ThreadingHTTPServer, str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Listing)
    server.daemon_threads = True
    # handshakes in the handler threads, so a failing one does not hold up the accept loop
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, f"https://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trusted(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """AWS_CA_BUNDLE names a file holding ``ca``: the SDK's own way to trust a private CA.
    (Credentials, config files and AWS_ENDPOINT_URL: the autouse fixture in conftest.)"""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("AWS_CA_BUNDLE", str(bundle))
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)  # the client's endpoint is the test server
    return bundle


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every CA file loaded into any SSLContext from here on."""
    seen: list[str] = []
    original = ssl.SSLContext.load_verify_locations

    def counting(self: ssl.SSLContext, cafile: Any = None, *args: Any, **kwargs: Any) -> None:
        seen.append(str(cafile))
        original(self, cafile, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    return seen


@pytest.fixture
def server(ca: trustme.CA) -> Iterator[str]:
    srv, url = https_server(ca.issue_cert("127.0.0.1"))
    yield url
    srv.shutdown()


def s3_client(endpoint: str) -> Any:
    return aws.client("s3", aws.AwsTarget(region="us-east-1", endpoint_url=endpoint), max_attempts=1,
                      max_pool_connections=8)


def list_in_parallel(s3: Any, times: int) -> None:
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: s3.list_objects_v2(Bucket="b"), range(times)))
    assert all(page["KeyCount"] == 0 for page in pages)


def test_the_bundle_is_read_once_for_many_connections(trusted: Path, loads: list[str], server: str) -> None:
    s3 = s3_client(server)
    list_in_parallel(s3, 24)  # 24 requests, 24 TLS connections, 8 at a time
    assert loads == [str(trusted)]


def test_without_it_botocore_reads_the_bundle_for_every_connection(trusted: Path, loads: list[str],
                                                                   server: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The cost being removed (urllib3 issue 3623): the same client set-up, unpatched."""
    monkeypatch.setattr("cruddur_ops.patches.botocore_tls.load_ca_bundle_once", lambda client: False)
    s3 = s3_client(server)
    list_in_parallel(s3, 12)
    assert loads == [str(trusted)] * 12


def test_a_certificate_from_another_ca_is_still_refused(trusted: Path, loads: list[str]) -> None:
    srv, url = https_server(trustme.CA().issue_cert("127.0.0.1"))
    try:
        s3 = s3_client(url)
        for _ in range(3):  # the first connection, and the ones after the bundle is in place
            with pytest.raises(SSLError, match="CERTIFICATE_VERIFY_FAILED"):
                s3.list_objects_v2(Bucket="b")
    finally:
        srv.shutdown()
    assert loads == [str(trusted)]


def test_a_certificate_for_another_host_is_still_refused(ca: trustme.CA, trusted: Path) -> None:
    srv, url = https_server(ca.issue_cert("cdn.example.com"))
    try:
        s3 = s3_client(url)
        for _ in range(2):
            with pytest.raises(SSLError):
                s3.list_objects_v2(Bucket="b")
    finally:
        srv.shutdown()


def test_plain_http_loads_nothing(trusted: Path, loads: list[str]) -> None:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Listing)
    threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
    try:
        list_in_parallel(s3_client(f"http://127.0.0.1:{srv.server_address[1]}"), 4)
    finally:
        srv.shutdown()
    assert loads == []


def test_clients_it_does_not_know_are_left_alone(trusted: Path) -> None:
    sess = aws.session(aws.AwsTarget(region="us-east-1"))
    unverified = sess.create_client("s3", verify=False)
    assert load_ca_bundle_once(unverified) is False
    assert load_ca_bundle_once(object()) is False
    verified = sess.create_client("s3")
    assert load_ca_bundle_once(verified) is True
