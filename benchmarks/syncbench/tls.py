"""HTTPS for a benchmark run: a throwaway CA (trustme) signs the counting proxy's certificate,
and every tool trusts a bundle holding certifi's public roots plus that CA. The bundle is as big
as the one a tool reads against real S3, so per-connection certificate handling costs what it
costs there."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tls:
    server_context: ssl.SSLContext  # for the proxy's listening socket
    ca_bundle: Path  # what every client is told to trust


def make_tls(workdir: Path) -> Tls:
    import certifi
    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    bundle = workdir / "tls" / "ca-bundle.pem"
    bundle.parent.mkdir(parents=True, exist_ok=True)
    bundle.write_bytes(Path(certifi.where()).read_bytes().rstrip(b"\n") + b"\n" + ca.cert_pem.bytes())
    return Tls(context, bundle)
