"""Templates of action outputs: the variables, save-time checks, the sandbox, the bounds."""

from __future__ import annotations

import time
from typing import Any

import pytest

from stonechat.actions.errors import TemplateProblem
from stonechat.actions.templates import (
    MAX_OUTPUT,
    check_template,
    referenced_feeds,
    render,
    template_context,
)
from stonechat.domain.errors import Invalid


def context(value: Any = "31.5") -> dict[str, Any]:
    return template_context(
        value,
        feed={"name": "Kitchen temperature", "key": "kitchen.temp", "unit_symbol": "C"},
        feeds={"garden.humidity": {"value": "64", "created_at": "2026-03-01T06:59:00Z"}},
        user={"username": "ann"},
        created_at="2026-03-01T07:00:00Z",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ value }}", "31.5"),
        ("{{ feed.name }} ({{ feed.key }})", "Kitchen temperature (kitchen.temp)"),
        ("{{ feeds['garden.humidity'].value }}%", "64%"),
        ("{{ user.username }} at {{ created_at }}", "ann at 2026-03-01T07:00:00Z"),
        ("{{ value | float > 30 }}", "True"),
        ("{{ '%.0f' | format(value | float) }}", "32"),
        ("{{ feed.unit | default('?') }} {{ feed.unit is defined }}", "? False"),
        (
            '{"v": {{ value | tojson }}, "who": {{ user.username | tojson }}}',
            '{"v": "31.5", "who": "ann"}',
        ),
        ("{% for k in feeds %}{{ k }}{% endfor %}", "garden.humidity"),
        ("{{ '<b>' }}", "<b>"),  # text, not HTML: no escaping
        ("{{ value ~ feed.unit_symbol }}", "31.5C"),
        ("line\n", "line\n"),
    ],
)
def test_the_context_variables(text: str, expected: str) -> None:
    check_template(text, "outputs[0].body")
    assert render(text, context()) == expected


def test_an_unknown_feed_is_explained() -> None:
    with pytest.raises(TemplateProblem, match=r"unknown feed 'house\.door' in feeds"):
        render("{{ feeds['house.door'].value }}", context())
    with pytest.raises(TemplateProblem, match=r"unknown feed 'door'"):
        render("{{ feeds.door.value }}", context())


def test_an_undefined_name_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(TemplateProblem, match="'vlaue' is undefined"):
        render("{{ vlaue }}", context())
    with pytest.raises(TemplateProblem, match="has no attribute 'unit'"):
        render("{{ feed.unit }}", context())


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{{ value ", "outputs[1].subject: unexpected end of template"),
        ("{% if value %}yes", "outputs[1].subject: Unexpected end of template"),
        ("{{ value | nosuchfilter }}", "outputs[1].subject: No filter named 'nosuchfilter'"),
        ("{{ valeu }}", "outputs[1].subject: unknown variable valeu"),
        ("{% for x in [1] recursive %}{% endfor %}", "recursive loops are not allowed"),
    ],
)
def test_check_template_names_the_field(text: str, problem: str) -> None:
    with pytest.raises(Invalid) as error:
        check_template(text, "outputs[1].subject")
    assert error.value.message.startswith("outputs[1].subject: ")
    assert problem in error.value.message


@pytest.mark.parametrize(
    "text",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ value.__class__.__init__.__globals__ }}",
        "{{ feed.items.__self__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ self.__init__.__globals__ }}",
        "{{ ({}).update(a=1) }}",
        "{{ [].append(1) }}",
        "{{ lipsum(10000) }}",
    ],
)
def test_sandbox_escapes_are_refused(text: str) -> None:
    with pytest.raises(TemplateProblem):
        render(text, context())


@pytest.mark.parametrize(
    "text",
    [
        "{{ 'x' * 1000000 }}",
        "{{ ['x'] * 1000000 }}",
        "{% set a = 'x' * 60000 %}{{ a ~ a }}",
        "{% set a = 'x' * 60000 %}{{ a + a }}",
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% for i in range(9000) %}{{ 'twenty characters...' }}{% endfor %}",
        "{{ 'x' | center(1000000000) }}",
        "{{ 'x'.ljust(1000000000) }}",
        "{{ '{:>1000000000}'.format(1) }}",
        "{{ '{:{}}'.format(1, 1000000000) }}",
        "{{ '%*d' % (1000000000, 1) }}",
        "{{ '%1000000000d' | format(1) }}",
        "{{ ('a' * 50000) | replace('a', 'bbb') }}",
        "{{ ('a' * 50000).replace('a', 'bbb') }}",
        "{{ [1] | batch(1000000000, 0) | list }}",
        "{{ 2 ** 1000000 }}",
    ],
)
def test_output_and_values_are_bounded(text: str) -> None:
    with pytest.raises(TemplateProblem, match=r"longer than|larger than|too large|not allowed"):
        render(text, context())


@pytest.mark.parametrize(
    "text",
    [
        "{% for i in range(100000) %}{% endfor %}",
        "{% for i in range(5000) %}{% for j in range(5000) %}{% endfor %}{% endfor %}",
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
        "{{ f(40) }}",
    ],
)
def test_work_is_bounded(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateProblem, match=r"range\(\) longer|more than 10000"):
        render(text, context())
    assert time.monotonic() - started < 2


def test_slow_work_stops_at_the_time_bound() -> None:
    text = (
        "{% set a = ['x'] * 9000 %}"
        "{% for i in range(9000) %}{{ (a | sort | join)[:0] }}{% endfor %}"
    )
    started = time.monotonic()
    with pytest.raises(TemplateProblem, match="rendering took longer than"):
        render(text, context())
    assert time.monotonic() - started < 3


def test_output_just_under_the_bound_renders() -> None:
    assert len(render(f"{{{{ 'x' * {MAX_OUTPUT} }}}}", context())) == MAX_OUTPUT
    with pytest.raises(TemplateProblem, match="output longer than"):
        render("{{ 'x' * 60000 }}{{ 'y' * 60000 }}", context())


def test_referenced_feeds() -> None:
    text = "{{ feeds['garden.humidity'].value }} {{ feeds.door.value }} {{ feeds[value] }}"
    assert referenced_feeds(text) == {"garden.humidity", "door"}
    assert referenced_feeds("{{ value") == set()
