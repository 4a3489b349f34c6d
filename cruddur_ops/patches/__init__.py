"""Every change cruddur-ops makes to the internals of botocore, invoke and the interpreter.

Each module patches one thing and says what it changes, why, the upstream issue and the tests
that hold it. They are applied where their object is made (``aws.session`` / ``aws.client``,
``sync.s3client``, the task namespace, the CLI start-up); each asks :func:`enabled` first.

| module | changes | for |
|---|---|---|
| botocore_loader | ``Loader.list_available_services`` | no scan of ~420 service folders per client |
| botocore_model_cache | ``JSONFileLoader._load_file`` | botocore's JSON parsed once, then read back |
| botocore_tls | ``URLLib3Session._setup_ssl_cert`` | the CA bundle read once per SSL context |
| botocore_listing_timestamps | the S3 client's response parser | listings' ``LastModified`` left unparsed |
| botocore_expect_continue | the S3 client's ``before-call`` | small PUTs without ``Expect: 100-continue`` |
| invoke_optional_positional | ``ParseMachine.complete_context`` | ``inv env.render`` with or without a NAME |
| cli_process | invoke's bytecode switch, gc thresholds, exit | CLI start-up and exit time |

``CRUDDUR_OPS_PATCHES=off`` (also false/0/no/none) turns them all off: botocore, invoke and the
interpreter then run as shipped. Everything keeps working, more slowly, except that
``inv env.render`` needs a NAME (stock invoke cannot omit a positional argument). Use it to tell
our code from upstream's when something looks wrong; CI runs the integration suite that way
(``nox -s integration_unpatched``).
"""

from __future__ import annotations

import os

from ..cache_home import OFF_VALUES

SETTING = "CRUDDUR_OPS_PATCHES"


def enabled() -> bool:
    """False when ``CRUDDUR_OPS_PATCHES`` says off; anything else (or unset) means on.

    Read at each use, not at import, so it holds for whatever the process sets before the
    patched object is made.
    """
    return os.environ.get(SETTING, "").strip().lower() not in OFF_VALUES
