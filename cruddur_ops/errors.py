"""The single exception root of cruddur-ops.

Every *expected* failure (bad input, missing configuration, a refused plan, an AWS or database
error that an operator can act on) is an :class:`OpsError`. The task layer prints it as one
``error:`` line plus an optional ``hint:`` line and exits with :attr:`OpsError.exit_code`.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES_PRESENT = 2  # only with --detailed-exitcode / --exit-code on plan-like commands
EXIT_INTERRUPTED = 130


class OpsError(Exception):
    """An expected failure with a one-line message and an optional actionable hint."""

    def __init__(self, message: str, hint: str | None = None, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class ConfigError(OpsError):
    """A setting is missing or invalid."""


class CredentialsError(OpsError):
    """AWS credentials are missing, expired or rejected."""


class AwsError(OpsError):
    """An AWS API call failed for a reason the operator can act on."""


class DatabaseError(OpsError):
    """A database operation failed (connection, SQL, lock timeout)."""


class RefusedError(OpsError):
    """A safety rule refused to proceed (delete cap, stale plan, missing confirmation)."""
