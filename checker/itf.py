"""Traces in the Informal Trace Format (ITF), the JSON trace format of Apalache and Quint.

The format (https://apalache-mc.org/docs/adr/015adr-trace.html) is one JSON object::

    {"#meta": {...}, "vars": ["x", ...], "states": [{"#meta": {"index": 0}, "x": VALUE}, ...],
     "loop": 2}                                      # "loop" only for a lasso

and a VALUE is a JSON boolean, string or list, a record (a JSON object of field names), or
one of the tagged objects ``{"#bigint": "-12"}``, ``{"#tup": [...]}``, ``{"#set": [...]}``,
``{"#map": [[key, value], ...]}``, ``{"#unserializable": "..."}``, or a variant
``{"tag": "...", "value": ...}``.

The engine knows nothing about a model's state, so it takes the state as data through the
model's ``state_data(state)`` (a mapping of variable names to Python values; ``Model``'s
default reads NamedTuple and dataclass fields) and encodes the values generically: ints as
``#bigint`` (as Quint writes every integer), tuples as ``#tup``, sets as ``#set``, mappings
as ``#map``, NamedTuples and dataclasses as records, ``None`` as the variant ``None``. Sets
and maps are written in a fixed order (by their encoded JSON), so the same trace always
gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from enum import Enum
from typing import Any

FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"


def encode(value: Any) -> Any:
    """One Python value as an ITF value (see the module docstring for the mapping)."""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, Enum):
        return encode(value.value)
    if isinstance(value, int):
        return {"#bigint": str(value)}
    if value is None:
        return {"tag": "None", "value": {"#tup": []}}
    fields = getattr(type(value), "_fields", None)
    if fields is not None and isinstance(value, tuple):  # a NamedTuple: a record
        return {name: encode(getattr(value, name)) for name in fields}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return {"#tup": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"#set": sorted((encode(v) for v in value), key=_order)}
    if isinstance(value, Mapping):
        pairs = [[encode(k), encode(v)] for k, v in value.items()]
        return {"#map": sorted(pairs, key=lambda kv: _order(kv[0]))}
    return {"#unserializable": repr(value)}


def _order(encoded: Any) -> str:
    return json.dumps(encoded, sort_keys=True)


def generic_variables(state: Any) -> dict[str, Any]:
    """The state's variables for a model without its own ``state_data``: a NamedTuple's or
    dataclass's fields, a mapping with string keys as it is, anything else as ``state``."""
    fields = getattr(type(state), "_fields", None)
    if fields is not None and isinstance(state, tuple):
        return {name: getattr(state, name) for name in fields}
    if dataclasses.is_dataclass(state) and not isinstance(state, type):
        return {f.name: getattr(state, f.name) for f in dataclasses.fields(state)}
    if isinstance(state, Mapping) and all(isinstance(k, str) for k in state):
        return dict(state)
    return {"state": state}


def encoded_state(model, state) -> dict[str, Any]:
    """The state as ITF variables: ``model.state_data(state)``, each value encoded."""
    return {name: encode(value) for name, value in model.state_data(state).items()}


def trace_to_itf(model, trace, meta: Mapping[str, Any] | None = None, loop_start: int | None = None) -> dict[str, Any]:
    """The whole trace as one ITF object. Each state's ``#meta`` carries its index and the
    action that led to it (absent for the initial state); ``loop`` marks a lasso's loop."""
    states, names = [], []
    for i, step in enumerate(trace.steps):
        variables = encoded_state(model, step.state)
        for name in variables:
            if name not in names:
                names.append(name)
        state_meta: dict[str, Any] = {"index": i}
        if step.action is not None:
            state_meta["action"] = str(step.action)
        states.append({"#meta": state_meta, **variables})
    out: dict[str, Any] = {
        "#meta": {"format": "ITF", "format-description": FORMAT_DESCRIPTION, "source": "replcheck", **dict(meta or {})},
        "vars": names,
        "states": states,
    }
    if loop_start is not None:
        out["loop"] = loop_start
    return out


def validate_itf(doc: Any) -> list[str]:
    """Every way ``doc`` departs from the ITF structure, as short phrases (empty: valid).

    Checked: the top-level keys and their types, that every state has exactly the ``vars``
    (plus ``#meta``), that ``loop`` indexes a state, and that every value is an ITF value.
    """
    problems: list[str] = []
    if not isinstance(doc, dict):
        return ["the trace is not a JSON object"]
    unknown = set(doc) - {"#meta", "params", "vars", "states", "loop"}
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)}")
    if not isinstance(doc.get("#meta", {}), dict):
        problems.append("#meta is not an object")
    names = doc.get("vars")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.append("vars is not a list of strings")
        names = []
    states = doc.get("states")
    if not isinstance(states, list):
        return problems + ["states is not a list"]
    for i, state in enumerate(states):
        if not isinstance(state, dict):
            problems.append(f"states[{i}] is not an object")
            continue
        if set(state) - {"#meta"} != set(names):
            problems.append(f"states[{i}] has variables {sorted(set(state) - {'#meta'})}, vars says {names}")
        for name, value in state.items():
            if name != "#meta":
                problems.extend(f"states[{i}].{name}{where}: {what}" for where, what in _value_problems(value))
    loop = doc.get("loop")
    if loop is not None and not (isinstance(loop, int) and not isinstance(loop, bool) and 0 <= loop < len(states)):
        problems.append(f"loop {loop!r} is not the index of a state")
    return problems


def _value_problems(value: Any, where: str = ""):
    if isinstance(value, (bool, str)):
        return
    if isinstance(value, int) or isinstance(value, float):
        if isinstance(value, float) or abs(value) >= 2**53:
            yield where, "a number outside the safe integer range must be a #bigint"
        return
    if isinstance(value, list):
        for i, v in enumerate(value):
            yield from _value_problems(v, f"{where}[{i}]")
        return
    if not isinstance(value, dict):
        yield where, f"{type(value).__name__} is not an ITF value"
        return
    tags = [k for k in value if k.startswith("#")]
    if not tags:  # a record, or a variant {"tag", "value"}
        for k, v in value.items():
            yield from _value_problems(v, f"{where}.{k}")
        return
    if len(value) != 1:
        yield where, f"a tagged value has other keys besides {tags[0]}"
        return
    tag, inner = tags[0], value[tags[0]]
    if tag == "#bigint":
        if not (isinstance(inner, str) and inner.lstrip("-").isdigit()):
            yield where, "#bigint must hold a decimal string"
    elif tag in ("#tup", "#set"):
        if not isinstance(inner, list):
            yield where, f"{tag} must hold a list"
        else:
            for i, v in enumerate(inner):
                yield from _value_problems(v, f"{where}{tag}[{i}]")
    elif tag == "#map":
        if not isinstance(inner, list) or not all(isinstance(p, list) and len(p) == 2 for p in inner):
            yield where, "#map must hold a list of [key, value] pairs"
        else:
            for i, (k, v) in enumerate(inner):
                yield from _value_problems(k, f"{where}#map[{i}].key")
                yield from _value_problems(v, f"{where}#map[{i}].value")
    elif tag == "#unserializable":
        if not isinstance(inner, str):
            yield where, "#unserializable must hold a string"
    else:
        yield where, f"unknown tag {tag}"
