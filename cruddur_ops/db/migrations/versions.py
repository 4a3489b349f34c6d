"""Migration versions: the digits before ``_`` in ``16812294605993273_add_bio_column.py``.

The bootcamp generator wrote ``str(time.time()).replace(".", "")``: 10 digits of epoch seconds
followed by however many fraction digits the float happened to print, so names are 16 *or* 17
digits long. Compared as integers, a 16-digit name written later sorts *before* an older 17-digit
one (the old scripts silently skipped such files). Here a version is compared as the decimal
number ``seconds.fraction``, which is the time the generator meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ...errors import ConfigError

SECONDS_DIGITS = 10  # epoch seconds stay 10 digits until the year 2286
FRACTION_DIGITS = 7  # what `db.new` writes: 10 + 7 = 17 digits, like the newer old files
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True, order=False)
class Version:
    """A migration timestamp as written in a file name (kept verbatim as the ledger key)."""

    digits: str
    key: Decimal = field(compare=False, repr=False)

    @classmethod
    def parse(cls, digits: str) -> Version:
        if not _DIGITS.match(digits) or len(digits) < SECONDS_DIGITS:
            raise ConfigError(
                f"{digits!r} is not a migration timestamp",
                hint="migration names start with at least 10 digits of epoch seconds, "
                "e.g. 16812294605993273_add_bio_column.py",
            )
        seconds, fraction = digits[:SECONDS_DIGITS], digits[SECONDS_DIGITS:]
        return cls(digits=digits, key=Decimal(f"{seconds}.{fraction or '0'}"))

    def __lt__(self, other: Version) -> bool:
        return (self.key, self.digits) < (other.key, other.digits)

    def __le__(self, other: Version) -> bool:
        return (self.key, self.digits) <= (other.key, other.digits)

    def __gt__(self, other: Version) -> bool:
        return (self.key, self.digits) > (other.key, other.digits)

    def __ge__(self, other: Version) -> bool:
        return (self.key, self.digits) >= (other.key, other.digits)

    def __str__(self) -> str:
        return self.digits


def parse_pointer(raw: str | None) -> Decimal | None:
    """The old ``schema_information.last_successful_run`` as a point in time (None = nothing).

    The old migrate stored the file's digits (``16844665640237772``); an earlier revision stored
    the run time as a float string (``1684466564.0237772``). ``''``, ``'0'`` and NULL mean
    "nothing applied yet". Anything else is not something we can safely interpret.
    """
    text = (raw or "").strip()
    if text in {"", "0"}:
        return None
    if _DIGITS.match(text):
        return Version.parse(text).key
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise ConfigError(
            f"schema_information.last_successful_run holds {text!r}, which is not a migration timestamp",
            hint="fix the row by hand (the digits of the last applied migration file, or '0') and re-run",
        )
    return value


def new_version(now_ns: int, existing: list[Version]) -> Version:
    """A fixed-width (17 digit) version for ``now``, strictly after every existing version.

    Fixed width keeps ``ls`` order equal to time order from now on; "strictly after" protects
    against a clock behind the newest file (a file from a colleague's skewed machine).
    """
    step = Decimal(1).scaleb(-FRACTION_DIGITS)
    candidate = Decimal(now_ns).scaleb(-9).quantize(step, rounding="ROUND_FLOOR")
    newest = max((v.key for v in existing), default=None)
    if newest is not None and candidate <= newest:
        candidate = newest.quantize(step, rounding="ROUND_FLOOR") + step
    seconds, _, fraction = f"{candidate:.{FRACTION_DIGITS}f}".partition(".")
    return Version.parse(seconds.zfill(SECONDS_DIGITS) + fraction)
