"""Read the CA bundle once per SSL context, not once per HTTPS connection.

botocore gives urllib3 the CA bundle's path for every connection pool it uses
(``URLLib3Session._setup_ssl_cert``), and urllib3 loads that file into the pool's shared
SSLContext for every new connection (``ssl_wrap_socket``): certifi's 230 KB bundle is parsed
again each time, ~28 ms of CPU under OpenSSL 3 (urllib3 issue 3623, botocore issue 3171,
CPython issue 95031). The sync opens a connection per listing range and per upload worker, so
sixteen parallel uploads paid ~0.45 s of CPU for it (measured in benchmarks/ANALYSIS.md).

``load_ca_bundle_once`` makes the first HTTPS connection of each SSLContext load the bundle and
the later ones go without the path. Verification is unchanged: the same bundle (botocore's
``verify`` / ``AWS_CA_BUNDLE`` / ``ca_bundle`` resolution), certificates required, host names
checked. Plain-HTTP endpoints (emulators) load nothing, as before. A proxy's own TLS settings are
not touched. Where botocore's internals are not what this expects, or verification is off, the
client is left exactly as botocore made it.

Upstream: urllib3#3623 and boto/botocore#3171 (the bundle loaded per connection), CPython
gh-95031 (OpenSSL 3 made each load ~5 x slower).
Tests: tests/unit/test_botocore_tls.py (trustme certificates: one load for many connections, and
a certificate from another CA or for another host still refused on every connection);
test_patches_switch.py (off).
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

from . import enabled


def load_ca_bundle_once(client: Any) -> bool:
    """Apply to a botocore client right after it is created; True when applied."""
    if not enabled():
        return False
    from botocore.httpsession import URLLib3Session, get_cert_path

    http = getattr(getattr(client, "_endpoint", None), "http_session", None)
    if type(http) is not URLLib3Session:  # a subclass (another library's) may work differently
        return False
    verify = getattr(http, "_verify", None)
    set_up_cert = getattr(http, "_setup_ssl_cert", None)
    if not verify or set_up_cert is None:
        return False  # verification off: no bundle is loaded anyway
    bundle = get_cert_path(verify)
    if not isinstance(bundle, str) or not os.path.isfile(bundle):
        return False  # a CA directory, or a missing file: botocore's own handling and errors
    holding: weakref.WeakSet[Any] = weakref.WeakSet()  # contexts that already hold the bundle
    lock = threading.Lock()

    def set_up_cert_once(pool: Any, url: str, verify: Any) -> None:
        set_up_cert(pool, url, verify)
        context = getattr(pool, "conn_kw", {}).get("ssl_context")
        if getattr(pool, "ca_certs", None) != bundle or context is None:
            return
        with lock:
            if context not in holding:
                context.load_verify_locations(cafile=bundle)
                holding.add(context)
        # set only once the context holds the bundle: no connection ever verifies against less
        pool.ca_certs = None

    patched: Any = http  # an instance attribute over the method, this client only
    patched._setup_ssl_cert = set_up_cert_once
    return True
