"""The options of ``stonechat serve``, generated from the fields of ``Settings``.

Each field (but the internal ones) is ``--field-name``, with the field's description as its
help and the field's default shown; a boolean has the two flags its metadata names
(``--bans/--no-bans``). Only options given on the command line reach ``Settings``, so an
option not given leaves its ``STONECHAT_*`` variable, then the field's default, in force.

typer builds a command from a function's signature: the signature here is made from the
fields, so a new field is a new option with nothing else to write.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo

from stonechat.config import Settings, is_internal


def _plain(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _option_type(name: str, annotation: Any) -> Any:
    """The type typer parses an option as: a Literal becomes a choice (an Enum)."""
    kind = _plain(annotation)
    if typing.get_origin(kind) is typing.Literal:
        choices = [str(choice) for choice in typing.get_args(kind)]
        return enum.Enum(name, {choice: choice for choice in choices}, type=str)
    if kind is SecretStr:  # a secret is given as a string
        return str
    if kind in (bool, int, float, str, Path):
        return kind
    raise TypeError(f"no command-line type for the setting {name} ({annotation!r})")


def _flags(name: str, field: FieldInfo) -> str:
    dashed = name.replace("_", "-")
    extra = field.json_schema_extra
    if _plain(field.annotation) is bool:
        if isinstance(extra, dict) and isinstance(extra.get("flags"), str):
            return str(extra["flags"])
        return f"--{dashed}/--no-{dashed}"
    return f"--{dashed}"


def _parameter(name: str, field: FieldInfo) -> inspect.Parameter:
    kind = _option_type(name, field.annotation)
    default = None if field.is_required() else field.default
    secret = isinstance(default, SecretStr)
    if isinstance(default, str) and isinstance(kind, type) and issubclass(kind, enum.Enum):
        default = kind(default)
    option = typer.Option(
        _flags(name, field),
        help=field.description or "",
        show_default=default is not None and not secret,
    )
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=None if secret else default,
        annotation=Annotated[kind if default is not None else kind | None, option],
    )


def setting_names() -> list[str]:
    """The settings that are options: every field but the internal ones."""
    return [name for name in Settings.model_fields if not is_internal(name)]


def given_settings(ctx: typer.Context) -> Settings:
    """``Settings`` from the options given on the command line, over ``STONECHAT_*``
    variables, over the defaults. A bad value (either way) ends the command with a message."""
    given: dict[str, Any] = {}
    for name, value in ctx.params.items():
        source = ctx.get_parameter_source(name)
        if source is not None and source.name == "COMMANDLINE":
            given[name] = value.value if isinstance(value, enum.Enum) else value
    try:
        return Settings(**given)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'settings'}: {e['msg']}"
            for e in error.errors()
        )
        typer.echo(f"error: invalid setting: {problems}", err=True)
        raise typer.Exit(2) from None


def add_settings_command(app: typer.Typer, name: str, run: Callable[[Settings], None]) -> None:
    """Add command ``name`` to ``app``: every setting an option; it calls ``run(settings)``
    (whose docstring is the command's help)."""

    def command(ctx: typer.Context, **_options: Any) -> None:
        run(given_settings(ctx))

    fields = Settings.model_fields
    context = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
    params = [_parameter(field, fields[field]) for field in setting_names()]
    command.__signature__ = inspect.Signature([context, *params])  # type: ignore[attr-defined]
    command.__doc__ = run.__doc__
    app.command(name)(command)
