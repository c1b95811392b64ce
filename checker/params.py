"""Declared, validated model parameters.

A model lists its parameters as ``Param`` objects; ``bind`` turns user input (from a spec
file or ``key=value`` words on the command line) into typed values, and every rejection is a
``ParameterError`` naming the parameter and the fix.
"""

import re
from dataclasses import dataclass, field, make_dataclass
from typing import Any

from .model import declared_params
from .registry import check_arguments
from .errors import ParameterError

_WHOLE = re.compile(r"-?[0-9]{1,18}")  # ASCII digits only: "²".isdigit() is true


@dataclass(frozen=True)
class Param:
    """One parameter: ``kind`` is int, bool, str (with ``choices``) or list (of str)."""

    name: str
    kind: type
    default: Any
    help: str
    choices: tuple = ()
    minimum: int | None = None
    maximum: int | None = None
    aliases: tuple = field(default=())
    # (other parameter, value): this one means something only when the other has that
    # value (a mode switch); giving it otherwise is refused rather than silently ignored.
    only_if: tuple | None = None

    def convert(self, raw: Any) -> Any:
        """``raw`` is a TOML value or a command-line string; return the typed value."""
        value = _coerce(self, raw)
        if self.choices and value not in self.choices:
            raise ParameterError(self.name, f"must be one of {', '.join(map(str, self.choices))}, got {raw!r}")
        if self.kind is int:
            if self.minimum is not None and value < self.minimum:
                raise ParameterError(self.name, f"must be at least {self.minimum}, got {value}")
            if self.maximum is not None and value > self.maximum:
                raise ParameterError(
                    self.name, f"must be at most {self.maximum}, got {value} (larger values explode the state space)"
                )
        return value


def _coerce(p: Param, raw: Any) -> Any:
    if p.kind is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            return raw.lower() in ("true", "yes", "on", "1")
        raise ParameterError(p.name, f"must be true or false, got {raw!r}")
    if p.kind is int:
        if isinstance(raw, bool):
            raise ParameterError(p.name, f"must be a whole number, got {raw!r}")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and _WHOLE.fullmatch(raw.strip()):
            return int(raw)
        raise ParameterError(p.name, f"must be a whole number, got {raw!r}")
    if p.kind is list:
        if isinstance(raw, str):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if isinstance(raw, (list, tuple)) and all(isinstance(x, str) for x in raw):
            return tuple(raw)
        raise ParameterError(p.name, f"must be a list of strings, got {raw!r}")
    if not isinstance(raw, str):
        raise ParameterError(p.name, f"must be a string, got {raw!r}")
    return raw


def settings_type(name: str, params: tuple[Param, ...], doc: str = "", module: str = "") -> type:
    """A frozen dataclass with one typed field per parameter, in declaration order: the
    typed, immutable parameter object a model reads (``self.cfg.n``) instead of string
    lookups in a dict. Lists become tuples. Build one with ``Type(**bind(params, given))``.
    Give ``module`` (the caller's ``__name__``) and bind the result to ``name`` there, so
    instances pickle by reference (worker processes)."""
    kinds = {list: tuple}
    fields = [(p.name, kinds.get(p.kind, p.kind)) for p in params]
    made = make_dataclass(name, fields, frozen=True)
    if module:
        made.__module__ = module
    made.__doc__ = doc or f"The bound parameters of a model, typed: {', '.join(p.name for p in params)}."
    return made


def bind(params: tuple[Param, ...], given: dict[str, Any]) -> dict[str, Any]:
    """Defaults overridden by ``given``; unknown names are rejected with the known ones listed."""
    by_name = {p.name: p for p in params}
    for alias_owner in params:
        for alias in alias_owner.aliases:
            by_name[alias] = alias_owner
    values = {p.name: p.default for p in params}
    for name, raw in given.items():
        p = by_name.get(name)
        if p is None:
            known = ", ".join(p.name for p in params)
            raise ParameterError(name, f"unknown parameter; this model takes: {known}")
        values[p.name] = p.convert(raw)
    for name in given:
        p = by_name[name]
        if p.only_if is not None:
            other, needed = p.only_if
            if values[other] != needed:
                shown = str(needed).lower() if isinstance(needed, bool) else needed
                raise ParameterError(p.name, f"only applies when {other} = {shown}; remove it or set {other} = {shown}")
    return values


def typed_params(cls, given: dict[str, Any]) -> dict[str, Any]:
    """The parameters ``given`` for model class ``cls`` (strings from the command line or
    TOML values), converted to the types ``cls.PARAMS`` declares, before the model sees
    them. Every model gets the same checks and errors, whether or not it calls ``bind``
    itself: an unknown name or a badly typed value is a ``ParameterError``. A model that
    declares no ``PARAMS`` gets its keyword arguments checked against its signature
    (``registry.check_arguments``) and passed on unconverted."""
    declared = declared_params(cls)
    if not declared:
        check_arguments(cls, given)
        return dict(given)
    by_name = {}
    for p in declared:
        by_name[p.name] = p
        for alias in p.aliases:
            by_name[alias] = p
    typed = {}
    for name, raw in given.items():
        p = by_name.get(name)
        if p is None:
            known = ", ".join(p.name for p in declared)
            raise ParameterError(name, f"unknown parameter; this model takes: {known}")
        typed[name] = p.convert(raw)
    return typed
