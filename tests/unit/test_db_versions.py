"""Migration versions compare as seconds.fraction, not as integers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cruddur_ops.db.migrations.versions import Version, new_version, parse_pointer
from cruddur_ops.errors import ConfigError


def test_sixteen_digit_name_written_later_sorts_after_older_seventeen_digit_name() -> None:
    older = Version.parse("16812294605993273")  # 1681229460.5993273
    later = Version.parse("1690000000123456")  # 1690000000.123456 — later, but a smaller integer
    assert int(later.digits) < int(older.digits)  # the old scripts' comparison gets it wrong
    assert older < later
    assert sorted([later, older]) == [older, later]


def test_fraction_digits_compare_as_a_decimal_fraction() -> None:
    assert Version.parse("16812294605").key == Decimal("1681229460.5")
    assert Version.parse("1681229460599327") < Version.parse("16812294605993273")
    assert Version.parse("16812294605") > Version.parse("1681229460499999")


@pytest.mark.parametrize("bad", ["", "123", "12a4567890123", "-1681229460"])
def test_non_timestamps_are_rejected(bad: str) -> None:
    with pytest.raises(ConfigError):
        Version.parse(bad)


def test_new_version_is_17_digits_and_after_every_existing_one() -> None:
    now_ns = 1_795_917_942_210_620_412
    version = new_version(now_ns, [Version.parse("16844665640237772")])
    assert version.digits == "17959179422106204"
    assert len(version.digits) == 17


def test_new_version_moves_past_a_file_from_the_future() -> None:
    future = Version.parse("1999999999123")  # 1999999999.123
    version = new_version(1_700_000_000_000_000_000, [future])
    assert version > future
    assert len(version.digits) == 17
    assert version.digits == "19999999991230001"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("0", None), (" 0 ", None),
     ("16844665640237772", Decimal("1684466564.0237772")),
     ("1684466564.0237772", Decimal("1684466564.0237772"))],
)
def test_old_pointer_values(raw: str | None, expected: Decimal | None) -> None:
    assert parse_pointer(raw) == expected


def test_garbage_pointer_is_an_error_not_a_guess() -> None:
    with pytest.raises(ConfigError, match="schema_information"):
        parse_pointer("yesterday")
