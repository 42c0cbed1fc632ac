"""Action comparisons: numeric when both sides are finite numbers, text otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stonechat.domain.action_compare import compares, number
from stonechat.domain.actions import OPERATORS


@pytest.mark.parametrize(
    ("operator", "value", "other", "expected"),
    [
        ("gt", "31", "30", True),
        ("gt", "30", "30", False),
        ("ge", "30", "30", True),
        ("lt", "9", "10", True),  # numeric: as text "9" > "10"
        ("le", "10.0", "10", True),
        ("eq", "1.0", "1", True),
        ("eq", " 1e3 ", "1000", True),
        ("ne", "1.0", "1", False),
        ("gt", "-0.5", "-1", True),
        ("eq", "on", "on", True),
        ("eq", "ON", "on", False),
        ("ne", "on", "off", True),
        ("eq", "1", "one", False),
        ("ne", "1", "one", True),
        ("contains", "temperature high", "high", True),
        ("contains", "1234", "23", True),  # always text, also for numbers
        ("contains", "1234", "5", False),
        ("gt", "abc", "30", False),  # orderings need two numbers
        ("lt", "abc", "abd", False),
        ("ge", "30", "thirty", False),
        ("any", "whatever", None, True),
        ("any", "", "x", True),
    ],
)
def test_compares(operator: str, value: str, other: str | None, expected: bool) -> None:
    assert compares(operator, value, other) is expected


@pytest.mark.parametrize("operator", [o for o in OPERATORS if o != "any"])
def test_nothing_to_compare_with_is_false(operator: str) -> None:
    assert compares(operator, "1", None) is False


@pytest.mark.parametrize(
    "text", ["nan", "NaN", "inf", "-Infinity", "1e999", "-1e400", "1_000", "0x10", "١٢", "", " "]
)
def test_not_numbers(text: str) -> None:
    assert number(text) is None


def test_not_numbers_compare_as_text() -> None:
    assert compares("eq", "nan", "nan") is True  # the same text, not NaN != NaN
    assert compares("gt", "1e999", "1") is False  # infinity is not a number here
    assert compares("eq", "1_000", "1000") is False
    huge = "9" * 10_000
    assert compares("gt", huge, "1") is False  # too long to read as a number
    assert compares("eq", huge, huge) is True


def test_numbers() -> None:
    assert number("42") == 42.0
    assert number("-.5") == -0.5
    assert number("+3.") == 3.0
    assert number("1e308") == 1e308


def test_unknown_operator_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown operator"):
        compares("between", "1", "2")


@given(st.sampled_from(OPERATORS), st.text(), st.none() | st.text())
def test_never_raises(operator: str, value: str, other: str | None) -> None:
    assert isinstance(compares(operator, value, other), bool)


@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
)
def test_numeric_agrees_with_floats(a: float, b: float) -> None:
    left, right = repr(a), repr(b)
    assert compares("lt", left, right) is (a < b)
    assert compares("eq", left, right) is (a == b)
    assert compares("ge", left, right) is (a >= b)


@given(st.text())
def test_eq_and_ne_are_opposites(text: str) -> None:
    assert compares("eq", text, "5") is not compares("ne", text, "5")
