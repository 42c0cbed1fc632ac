"""Templates of action outputs: Jinja2 in a sandbox, with bounded output and work.

A template sees ``value``, ``feed`` (``feed.name``, ``feed.key`` ...), ``feeds['group.key']``
(the last point of another feed: ``.value``, ``.created_at``), ``user`` (``user.username``)
and ``created_at``. A name the context lacks is an error, not an empty string
(``StrictUndefined``): ``{{ feed.unit | default('') }}`` and ``is defined`` still work.

The sandbox (Jinja2's immutable one) refuses internals such as ``''.__class__`` and changes
of lists and dicts. On top of it every render is bounded: loop iterations and calls together
(``MAX_STEPS``), wall time (``MAX_SECONDS``, checked at each step), ``range()`` length, and
the size of every string or list built by ``*``, ``+``, ``~``, ``%``, ``**``, size-taking
filters and string methods (``MAX_OUTPUT``), as well as the output itself.
"""

from __future__ import annotations

import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.environment import Template
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from stonechat.actions.errors import TemplateProblem
from stonechat.domain.errors import Invalid

MAX_OUTPUT = 100_000  # characters of one rendered template, and of any value built on the way
MAX_STEPS = 10_000  # loop iterations plus calls in one render
MAX_RANGE = 10_000
MAX_SECONDS = 1.0
MAX_POWER_BITS = 4_096  # the largest integer ``**`` may build
MAX_FORMAT_NUMBER = 5  # digits of a width or precision in a format string (below 100,000)
CONTEXT_NAMES = frozenset({"value", "feed", "feeds", "user", "created_at"})

_STEP_FILTER = "_stonechat_steps"
_CONCAT_FILTER = "_stonechat_concat"
_PERCENT_SPEC = re.compile(r"%[-+ #0]*(\*|\d*)(?:\.(\*|\d*))?")
_NUMBER = re.compile(r"\d+")


class UnknownFeed(TemplateProblem):
    """``feeds['key']`` names a feed the context does not hold."""


class Feeds(Mapping[str, Mapping[str, Any]]):
    """``feeds`` in a template: the last points of other feeds, by key. A missing key is an
    error that names the feed (a plain dict would give a vague undefined)."""

    def __init__(self, feeds: Mapping[str, Mapping[str, Any]]) -> None:
        self._feeds = dict(feeds)

    def __getitem__(self, key: str) -> Mapping[str, Any]:
        try:
            return self._feeds[key]
        except KeyError:
            raise UnknownFeed(f"unknown feed {key!r} in feeds[...]") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._feeds)

    def __len__(self) -> int:
        return len(self._feeds)


def template_context(
    value: Any,
    feed: Mapping[str, Any],
    feeds: Mapping[str, Mapping[str, Any]],
    user: Mapping[str, Any],
    created_at: str,
) -> dict[str, Any]:
    """The variables a template sees. ``feed`` and ``user`` are plain JSON-like mappings
    (the feed's and user's public fields); ``feeds`` maps a key (``group.key`` or ``key``)
    to that feed's last point (``{"value": ..., "created_at": ...}``)."""
    return {
        "value": value,
        "feed": dict(feed),
        "feeds": Feeds(feeds),
        "user": dict(user),
        "created_at": created_at,
    }


def check_template(text: str, field: str) -> None:
    """Raise ``Invalid("<field>: <problem>")`` when ``text`` does not compile or uses a
    variable no template has; run when an action is saved."""
    try:
        template_ast = _environment().parse(text)
        _environment().compile(text)
    except TemplateSyntaxError as error:
        raise Invalid(f"{field}: {error.message} (line {error.lineno})") from None
    except TemplateError as error:
        raise Invalid(f"{field}: {error}") from None
    unknown = meta.find_undeclared_variables(template_ast) - CONTEXT_NAMES
    unknown -= set(_environment().globals)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise Invalid(
            f"{field}: unknown variable {names}; known: {', '.join(sorted(CONTEXT_NAMES))}"
        )


def referenced_feeds(text: str) -> set[str]:
    """The keys a template names as ``feeds['key']`` or ``feeds.key``, so that the caller
    loads only those feeds' last points. Empty for a template that does not compile."""
    try:
        template_ast = _environment().parse(text)
    except TemplateError:
        return set()
    keys: set[str] = set()
    for item in template_ast.find_all(nodes.Getitem):
        if _is_feeds(item.node) and isinstance(item.arg, nodes.Const):
            keys.add(str(item.arg.value))
    for attribute in template_ast.find_all(nodes.Getattr):
        if _is_feeds(attribute.node):
            keys.add(attribute.attr)
    return keys


def render(text: str, context: Mapping[str, Any]) -> str:
    """Render ``text`` with ``context`` (from ``template_context``). Raises
    ``TemplateProblem`` with a message for the run: an unknown variable or feed, a refused
    operation, or a bound passed. Synchronous and bounded by ``MAX_SECONDS``."""
    try:
        template = _compiled(text)
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"{error.message} (line {error.lineno})") from None
    except TemplateError as error:
        raise TemplateProblem(str(error)) from None
    budget = _Budget()
    token = _BUDGET.set(budget)
    parts: list[str] = []
    size = 0
    try:
        for part in template.generate(dict(context)):
            size += len(part)
            if size > MAX_OUTPUT:
                raise TemplateProblem(f"output longer than {MAX_OUTPUT} characters")
            parts.append(part)
    except TemplateProblem:
        raise
    except TemplateError as error:  # undefined, security, runtime errors of Jinja
        raise TemplateProblem(str(error)) from None
    except RecursionError:
        raise TemplateProblem("too deeply nested (recursive macro?)") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as error:
        raise TemplateProblem(f"{type(error).__name__}: {error}") from None
    finally:
        _BUDGET.reset(token)
    return "".join(parts)


# Bounds ---------------------------------------------------------------------------------


class _Budget:
    __slots__ = ("deadline", "steps")

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateProblem(f"more than {MAX_STEPS} loop iterations and calls")
        if self.steps % 64 == 0 and time.monotonic() > self.deadline:
            raise TemplateProblem(f"rendering took longer than {MAX_SECONDS} s")


_BUDGET: ContextVar[_Budget | None] = ContextVar("stonechat_template_budget", default=None)


def _step() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.step()


def _weight(value: Any, limit: int = MAX_OUTPUT) -> int:
    """About how many characters ``value`` takes when shown; stops counting past ``limit``."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, Mapping):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set | frozenset):
        total = len(value)
        for item in value:
            total += _weight(item, limit - total)
            if total > limit:
                break
        return total
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 1
    return 1


def _bounded(value: Any) -> Any:
    if _weight(value) > MAX_OUTPUT:
        raise TemplateProblem(f"a value longer than {MAX_OUTPUT} characters")
    return value


def _check_percent_format(text: Any) -> None:
    """``%`` formatting: widths and precisions are literal and below 100,000."""
    if not isinstance(text, str):
        return
    for match in _PERCENT_SPEC.finditer(text):
        for number in match.groups():
            if number == "*":
                raise TemplateProblem("'*' widths are not allowed in templates")
            if number and len(number) > MAX_FORMAT_NUMBER:
                raise TemplateProblem("a format width or precision too large")


def _check_brace_format(text: str) -> None:
    """``str.format``: the same for the format specs of its fields."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as error:
        raise TemplateProblem(f"bad format string: {error}") from None
    for _, _, spec, _ in fields:
        if spec and "{" in spec:
            raise TemplateProblem("nested format specs are not allowed in templates")
        if spec and any(len(n) > MAX_FORMAT_NUMBER for n in _NUMBER.findall(spec)):
            raise TemplateProblem("a format width or precision too large")


def _check_size_arg(name: str, size: Any, limit: int = MAX_OUTPUT) -> None:
    if isinstance(size, int) and abs(size) > limit:
        raise TemplateProblem(f"{name} larger than {limit}")


class _Guard(NodeTransformer):
    """Rewrites a parsed template so that loops count steps and ``~`` checks sizes."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        if node.recursive:
            raise TemplateSyntaxError("recursive loops are not allowed", node.lineno)
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _STEP_FILTER, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        items = nodes.List(list(node.nodes), lineno=node.lineno)
        return nodes.Filter(items, _CONCAT_FILTER, [], [], None, None, lineno=node.lineno)


def _stepping(items: Iterable[Any]) -> Iterator[Any]:
    for item in items:
        _step()
        yield item


def _concat(items: list[Any]) -> str:
    return str(_bounded("".join(str(item) for item in items)))


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "+", "%", "**"})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        guarded: nodes.Template = _Guard().visit(tree)
        return guarded

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _step()
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if (
                    isinstance(count, int)
                    and not isinstance(sequence, int | float)
                    and _weight(sequence) * max(count, 0) > MAX_OUTPUT
                ):
                    raise TemplateProblem(f"a value longer than {MAX_OUTPUT} characters")
        elif operator == "**":
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and abs(left) > 1
                and abs(left).bit_length() * right > MAX_POWER_BITS
            ):
                raise TemplateProblem("a power too large")
        elif operator == "%":
            _check_percent_format(left)
        elif (
            operator == "+"
            and not isinstance(left, int | float)
            and _weight(left) + _weight(right) > MAX_OUTPUT
        ):
            raise TemplateProblem(f"a value longer than {MAX_OUTPUT} characters")
        return _bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _step()
        target = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str):
            _check_str_method(owner, getattr(target, "__name__", ""), args, kwargs)
        return _bounded(super().call(__context, __obj, *args, **kwargs))


def _check_str_method(
    text: str, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    if method in {"center", "ljust", "rjust", "zfill"} and args:
        _check_size_arg("a width", args[0])
    elif method == "expandtabs":
        _check_size_arg("a tab size", args[0] if args else kwargs.get("tabsize", 8), 100)
    elif method == "replace" and len(args) >= 2:
        grows = text.count(str(args[0])) * len(str(args[1]))
        if len(text) + grows > MAX_OUTPUT:
            raise TemplateProblem(f"a value longer than {MAX_OUTPUT} characters")
    elif method == "join" and args:
        items = list(args[0]) if not isinstance(args[0], str) else args[0]
        if _weight(items) + len(text) * len(items) > MAX_OUTPUT:
            raise TemplateProblem(f"a value longer than {MAX_OUTPUT} characters")
    elif method in {"format", "format_map"}:
        _check_brace_format(text)


def _guard_filter(
    filters: dict[str, Callable[..., Any]], name: str, check: Callable[..., None]
) -> None:
    """Wrap filter ``name``: ``check(value, *args, **kwargs)`` first, the result bounded."""
    original = filters[name]
    offset = 1 if hasattr(original, "jinja_pass_arg") else 0  # pass_context and the like

    def guarded(*args: Any, **kwargs: Any) -> Any:
        check(*args[offset:], **kwargs)
        return _bounded(original(*args, **kwargs))

    if offset:
        guarded.jinja_pass_arg = original.jinja_pass_arg  # type: ignore[attr-defined]
    filters[name] = guarded


def _size_check(keyword: str, limit: int = MAX_OUTPUT) -> Callable[..., None]:
    """A check of a filter's first argument after the value (or its ``keyword``)."""

    def check(value: Any, *args: Any, **kwargs: Any) -> None:
        _check_size_arg(keyword, args[0] if args else kwargs.get(keyword), limit)

    return check


def _no_check(value: Any, *args: Any, **kwargs: Any) -> None:
    return None


def _format_filter_check(value: Any, *args: Any, **kwargs: Any) -> None:
    _check_percent_format(value)


def _replace_filter_check(value: Any, *args: Any, **kwargs: Any) -> None:
    if len(args) >= 2:
        text, old, new = str(value), str(args[0]), str(args[1])
        if len(text) + text.count(old) * len(new) > MAX_OUTPUT:
            raise TemplateProblem(f"a value longer than {MAX_OUTPUT} characters")


def _safe_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateProblem(f"range() longer than {MAX_RANGE}")
    return numbers


def _make_environment() -> _Environment:
    environment = _Environment(
        autoescape=False,  # the outputs are text (mail, JSON, form), not HTML
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        cache_size=0,  # compiled templates are cached by ``_compiled``
    )
    environment.globals = {
        "range": _safe_range,
        "dict": dict,
        "namespace": environment.globals["namespace"],
    }
    filters = environment.filters
    filters[_STEP_FILTER] = _stepping
    filters[_CONCAT_FILTER] = _concat
    _guard_filter(filters, "center", _size_check("width"))
    _guard_filter(filters, "indent", _size_check("width", 1_000))
    _guard_filter(filters, "wordwrap", _size_check("width"))
    _guard_filter(filters, "batch", _size_check("linecount", MAX_RANGE))
    _guard_filter(filters, "slice", _size_check("slices", MAX_RANGE))
    _guard_filter(filters, "tojson", _size_check("indent", 100))
    _guard_filter(filters, "format", _format_filter_check)
    _guard_filter(filters, "replace", _replace_filter_check)
    for name in ("join", "string", "pprint", "list", "urlize", "truncate", "unique", "sort"):
        _guard_filter(filters, name, _no_check)
    return environment


def _is_feeds(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "feeds"


@lru_cache(maxsize=1)
def _environment() -> _Environment:
    return _make_environment()


@lru_cache(maxsize=512)
def _compiled(text: str) -> Template:
    return _environment().from_string(text)
