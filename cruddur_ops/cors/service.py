"""The ``cors.apply`` flow up to the plan: origins from SSM → current rules and variables → plan.

Shared by ``inv cors.apply`` and the CORS step of ``inv workspace.init``. Every origin is
validated before anything is read from the bucket, so a refused origin changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .apply import read_rules, read_variables
from .origins import read_origins
from .plan import CorsPlan, plan_cors


def prepare(*, s3: Any, ssm: Any, lam: Any, bucket: str, function: str, parameters: Sequence[str],
            sess: Any = None) -> CorsPlan:
    stored = read_origins(ssm, parameters, sess)
    return plan_cors(
        bucket=bucket,
        stored=stored,
        current_rules=read_rules(s3, bucket, sess),
        function=function,
        function_variables=read_variables(lam, function, sess) if function else None,
    )
