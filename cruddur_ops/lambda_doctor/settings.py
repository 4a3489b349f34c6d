"""`inv lambda.doctor` settings, resolved once from the layered :class:`~cruddur_ops.config.Settings`
(invoke config section ``cruddur.lambda``).

Flags reach these through ``Settings.flags``: ``FUNCTION``, ``SECRET_ID`` (--secret-id) and
``DB_SG`` (--db-sg) are the flags alone (the function's own environment names its secret; a
DB_SG_ID variable is checked against the db stack, a --db-sg is taken as given); ``DB_STACK_NAME``
(--stack). Empty means unset.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..network.settings import db_stack


@dataclass(frozen=True)
class DoctorSettings:
    function: str
    secret_id: str  # "" = the one the function's environment names
    db_sg: str  # --db-sg; "" = find the database's group
    db_sg_configured: str | None  # DB_SG_ID
    db_stack: str  # the db stack holding the database's group


def doctor_settings(settings: Settings) -> DoctorSettings:
    return DoctorSettings(
        function=str(settings.flags.get("FUNCTION") or ""),
        secret_id=str(settings.flags.get("SECRET_ID") or ""),
        db_sg=str(settings.flags.get("DB_SG") or ""),
        db_sg_configured=settings.get("DB_SG_ID"),
        db_stack=db_stack(settings.get("DB_STACK_NAME")),
    )
