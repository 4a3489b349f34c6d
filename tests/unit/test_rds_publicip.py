"""The public-IP lookup, offline: an injected fetcher and a local fake HTTP service."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from cruddur_ops.errors import OpsError, RefusedError
from cruddur_ops.network.publicip import (
    ResolvedIp,
    http_fetch,
    lookup_public_ip,
    parse_urls,
    resolve_workspace_ip,
)


class FakeIpService:
    """``GET /<path>`` answers with the body registered for that path (404 otherwise)."""

    def __init__(self) -> None:
        self.answers: dict[str, str] = {}
        self.delays: dict[str, float] = {}  # seconds to wait before answering that path
        self.requests: list[str] = []
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the stdlib names the method
                service.requests.append(self.path)
                time.sleep(service.delays.get(self.path, 0.0))
                body = service.answers.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_service() -> Iterator[FakeIpService]:
    service = FakeIpService()
    try:
        yield service
    finally:
        service.close()


def test_first_service_answering_a_public_address_wins(fake_service: FakeIpService) -> None:
    fake_service.answers["/ok"] = "8.8.4.4\n"
    result = lookup_public_ip([fake_service.url("/ok")], fetch=http_fetch, timeout=2)
    assert result.host.cidr == "8.8.4.4/32"
    assert result.source == f"lookup {fake_service.url('/ok')}"


def test_failing_and_lying_services_are_skipped(fake_service: FakeIpService) -> None:
    fake_service.answers["/private"] = "10.0.0.7"
    fake_service.answers["/garbage"] = "<html>rate limited</html>"
    fake_service.answers["/good"] = "8.8.4.4"
    urls = [fake_service.url(p) for p in ("/missing", "/private", "/garbage", "/good")]
    result = lookup_public_ip(urls, timeout=2)
    assert result.host.address == "8.8.4.4"
    assert fake_service.requests == ["/missing", "/private", "/garbage", "/good"]


def test_every_service_failing_lists_each_problem(fake_service: FakeIpService) -> None:
    fake_service.answers["/loopback"] = "127.0.0.1"
    closed = "http://127.0.0.1:9/"  # discard port: connection refused
    with pytest.raises(OpsError) as caught:
        lookup_public_ip(
            [fake_service.url("/loopback"), closed, fake_service.url("/nothing")], timeout=2
        )
    message = caught.value.message
    assert "could not find this workspace's public IP" in message
    assert "loopback" in message and "127.0.0.1:9" in message and "404" in message
    assert "--ip" in (caught.value.hint or "")


def test_a_slow_service_times_out_and_the_next_is_used(fake_service: FakeIpService) -> None:
    # The slow service would answer a valid address, but only after the timeout: the lookup must
    # give up on it (through the real HTTP fetcher) and take the next service's answer.
    fake_service.answers["/slow"] = "1.1.1.1"
    fake_service.delays["/slow"] = 2.0
    fake_service.answers["/fast"] = "8.8.8.8"
    result = lookup_public_ip([fake_service.url("/slow"), fake_service.url("/fast")], timeout=0.3)
    assert result.host.address == "8.8.8.8"
    assert fake_service.requests == ["/slow", "/fast"]


def test_ipv6_answers_need_ipv6() -> None:
    with pytest.raises(OpsError, match="--ipv6"):
        lookup_public_ip(["v6"], fetch=lambda url, t: "2001:4860:4860::8844")
    result = lookup_public_ip(["v6"], fetch=lambda url, t: "2001:4860:4860::8844", allow_ipv6=True)
    assert result.host.cidr.endswith("/128")


def test_no_urls_is_an_error() -> None:
    with pytest.raises(OpsError, match="no IP lookup services"):
        lookup_public_ip([])


def _never() -> ResolvedIp:
    raise AssertionError("the lookup must not run when an address was given")


def test_flag_beats_variables_which_beat_the_lookup() -> None:
    variables = {"GITPOD_IP": "8.8.8.8", "WORKSPACE_IP": "1.1.1.1"}
    assert (
        resolve_workspace_ip(explicit="8.8.4.4", variables=variables, lookup=_never).source
        == "--ip"
    )
    from_env = resolve_workspace_ip(explicit=None, variables=variables, lookup=_never)
    assert (from_env.host.address, from_env.source) == ("8.8.8.8", "GITPOD_IP")
    only_workspace = resolve_workspace_ip(
        explicit=None, variables={"GITPOD_IP": None, "WORKSPACE_IP": "1.1.1.1"}, lookup=_never
    )
    assert only_workspace.source == "WORKSPACE_IP"
    looked_up = resolve_workspace_ip(
        explicit=None,
        variables={},
        lookup=lambda: lookup_public_ip(["x"], fetch=lambda u, t: "9.9.9.9"),
    )
    assert looked_up.source == "lookup x"


def test_an_invalid_variable_is_an_error_not_a_fallthrough() -> None:
    with pytest.raises(RefusedError, match=r"refusing GITPOD_IP 192\.168\.0\.4"):
        resolve_workspace_ip(explicit=None, variables={"GITPOD_IP": "192.168.0.4"}, lookup=_never)


def test_parse_urls() -> None:
    assert parse_urls(None, ("a",)) == ("a",)
    assert parse_urls("", ("a",)) == ("a",)
    assert parse_urls("http://x/ip, http://y/ip  http://z", ()) == (
        "http://x/ip",
        "http://y/ip",
        "http://z",
    )
