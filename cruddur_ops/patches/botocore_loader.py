"""botocore's data loader, without a scan of every service it ships on each new client.

Before it loads a service model, ``Loader.load_service_model`` asks ``list_available_services``
whether the service exists, and that lists and stats every folder under ``botocore/data``
(~420 services: ~900 ``listdir`` and ~2,700 ``stat`` calls, twice per process: for the model
and for the endpoint rules). That was 0.055 s of every fresh process that creates a client,
about a tenth of a no-change ``inv frontend.sync`` (measured in benchmarks/ANALYSIS.md).

Here ``name in list_available_services(...)`` looks in the requested service's folder only,
through botocore's own ``list_api_versions``. Iterating the result still lists every service,
for the "known services" of an ``UnknownServiceError`` and ``Session.get_available_services()``.
Everything else, including search paths (``AWS_DATA_PATH``, ``~/.aws/models``) and extras, is
botocore's own code.

Its files are read through botocore_model_cache (parsed once, then read back).

Upstream: boto/botocore#3687 (open) drops the same call from client creation.
Tests: tests/unit/test_botocore_loader.py (botocore's own loader as the baseline: same models,
same service list, same UnknownServiceError, AWS_DATA_PATH first); test_patches_switch.py (off).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader

from . import enabled
from .botocore_model_cache import CachedJSONFileLoader


class _ServiceNames:
    """The answer to "which services have ``type_name`` data?", checked one name at a time."""

    def __init__(self, loader: DirectServiceLoader, type_name: str) -> None:
        self._loader = loader
        self._type_name = type_name
        self._all: list[str] | None = None

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or not name or os.sep in name or name.startswith("."):
            return False
        try:
            return bool(self._loader.list_api_versions(name, self._type_name))
        except DataNotFoundError:
            return False

    def _listing(self) -> list[str]:
        if self._all is None:
            self._all = self._loader.scan_services(self._type_name)
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._listing())

    def __len__(self) -> int:
        return len(self._listing())


class DirectServiceLoader(Loader):
    def list_available_services(self, type_name: str) -> Any:
        return _ServiceNames(self, type_name)

    def scan_services(self, type_name: str) -> list[str]:
        """botocore's full listing (sorted names)."""
        return list(super().list_available_services(type_name))


def install(session: Any, *, model_cache: Path | None = None) -> None:
    """Give a botocore session this loader, with the search paths botocore would use.

    ``model_cache``: the folder of parsed data files (see botocore_model_cache); None = none.
    With the patches off, botocore's own loader stays (and no model cache is used).
    """
    if not enabled():
        return
    data_path = session.get_config_variable("data_path")
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep)] if data_path else []
    file_loader = CachedJSONFileLoader(model_cache) if model_cache else None
    session.register_component("data_loader", DirectServiceLoader(extra_search_paths=paths,
                                                                  file_loader=file_loader))
