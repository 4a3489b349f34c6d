"""ListObjectsV2 answers keep their timestamps as strings, on the sync's S3 client only.

botocore parses every ``LastModified`` of a listing with dateutil, which costs more than the
request itself (~0.3 s per 1,000 keys); the sync never reads a timestamp. The AWS CLI's s3
commands make the same trade (``timestamp_parser`` = identity, awscli/customizations/scalarparse).

botocore only offers that trade session-wide (``ResponseParserFactory.set_parser_defaults`` on
the session's one factory), which would reach every client built from the session after it: the
CloudFormation and CloudFront ones too, whose timestamps the code does read. Here one client's
endpoint gets a factory of its own that leaves timestamps unparsed for ListObjectsV2 outputs
alone; every other answer of that client (HeadObject, errors) is parsed as botocore parses it.
Where botocore's internals are not what this expects, the client is left as botocore made it.

Upstream: boto/botocore#3063 (open) makes botocore's timestamp parsing itself faster.
Tests: tests/unit/test_botocore_listing_timestamps.py (the listing's strings, HeadObject's and the
other clients' datetimes, from one session); test_patches_switch.py (off).
"""

from __future__ import annotations

from typing import Any

from . import enabled

UNPARSED_OUTPUTS = frozenset({"ListObjectsV2Output"})


def _unparsed(value: str) -> str:
    return value


class _ParserByOutput:
    """A response parser that picks botocore's parser, or one without timestamp parsing, by the
    output shape it is asked to parse."""

    def __init__(self, protocol: str, parsed: Any, unparsed: Any) -> None:
        self._protocol = protocol
        self._parsed = parsed
        self._unparsed = unparsed

    def parse(self, response: dict[str, Any], shape: Any) -> Any:
        keep_strings = shape is not None and shape.name in UNPARSED_OUTPUTS
        factory = self._unparsed if keep_strings else self._parsed
        return factory.create_parser(self._protocol).parse(response, shape)


class _ListingParserFactory:
    def __init__(self, parsed: Any) -> None:
        from botocore.parsers import ResponseParserFactory

        self._parsed = parsed
        self._unparsed = ResponseParserFactory()
        self._unparsed.set_parser_defaults(timestamp_parser=_unparsed)

    def create_parser(self, protocol_name: str) -> _ParserByOutput:
        return _ParserByOutput(protocol_name, self._parsed, self._unparsed)


def skip_listing_timestamp_parsing(s3: Any) -> bool:
    """Apply to an S3 client right after it is created; True when applied."""
    if not enabled():
        return False
    from botocore.endpoint import Endpoint
    from botocore.parsers import ResponseParserFactory

    endpoint = getattr(s3, "_endpoint", None)
    factory = getattr(endpoint, "_response_parser_factory", None)
    if type(endpoint) is not Endpoint or type(factory) is not ResponseParserFactory:
        return False  # another library's endpoint or factory may work differently
    patched: Any = endpoint  # an instance attribute: this client's endpoint only
    patched._response_parser_factory = _ListingParserFactory(factory)
    return True
