"""Spec files: a configuration to check and the verdicts expected of it.

A spec is TOML::

    title = "N=3 W=1 R=1: a read quorum can miss the acknowledged write"
    description = "..."            # optional, free text
    model = "leaderless"
    properties = ["..."]            # optional: check only these (default: all)
    symmetry = true                 # optional: explore one representative per class of
                                    # interchangeable replicas (the model must offer it)
    [params]                        # the model's parameters; defaults for the rest
    n = 3
    [bounds]                        # optional: max_depth, max_states, time_limit
    [expect]                        # property = "HOLDS" | "VIOLATED" | "UNKNOWN"
    read_your_writes = "VIOLATED"
    [pin]                           # optional: pinned figures of the run
    states = 362

Instead of ``model`` and ``[params]``, a spec may name a product and give its own settings:
``database = "postgres"`` and ``[settings]``. The front end registered under that name in the
``replcheck.frontends`` group translates them into a model and parameters (``translation``),
or refuses a setting it does not model.

Every problem is a ``SpecError`` naming the file and the field.
"""

import os
import re
import tomllib
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ParameterError, ReplcheckError, SpecError
from .params import typed_params
from .registry import model_class
from .search import check

VERDICTS = ("HOLDS", "VIOLATED", "UNKNOWN")
TOP_LEVEL = {
    "title",
    "description",
    "model",
    "properties",
    "symmetry",
    "params",
    "bounds",
    "expect",
    "pin",
    "database",
    "settings",
}
BOUNDS = ("max_depth", "max_states", "time_limit")
PINS = ("states", "depth")


@dataclass
class Spec:
    """A loaded, validated spec. ``path`` is None for an ad hoc command-line configuration."""

    path: Path | None
    model: str
    params: dict
    title: str = ""
    description: str = ""
    properties: list[str] | None = None
    symmetry: bool = False
    bounds: dict = field(default_factory=dict)
    expect: dict = field(default_factory=dict)
    pin: dict = field(default_factory=dict)
    database: str = ""  # a front end's name, when the spec gives a product's settings
    translation: object = None  # what the front end made of them (model, params, decisions)
    wording: object = None  # a checker.wording.Wording: traces and diagrams in its words

    @property
    def where(self) -> str:
        """The spec's file name for messages, or "command line" for an ad hoc run."""
        return str(self.path) if self.path else "command line"

    @property
    def stem(self) -> str:
        """The name of this spec's folder under ``--out``: the file's stem, or the model's
        name (a ``file.py:ClassName`` model's class name) for an ad hoc run."""
        return self.path.stem if self.path else (self.database or self.model.rpartition(":")[2])

    def build(self):
        """The model instance, its parameters typed and validated by the engine
        (``params.typed_params``) before the model sees them; a bad parameter becomes a
        SpecError naming the field. A ``file.py:ClassName`` model in a spec file is looked
        up next to the spec first."""
        try:
            cls = model_class(self.model, self.path.parent if self.path else None)
            return cls(**typed_params(cls, self.params))
        except ParameterError as exc:
            if self.database:  # the front end's translation gave a value the model refuses
                raise SpecError(
                    self.where,
                    _setting_behind(self.translation, exc.field),
                    f"they translate to {self.model} "
                    f"{exc.field}={self.params.get(exc.field)!r}, which it refuses: "
                    f"{exc.problem}",
                ) from None
            raise SpecError(self.where, _param_field(self, exc.field), exc.problem) from None
        except (TypeError, ValueError) as exc:  # a model that validates nothing itself
            raise SpecError(
                self.where, "params", f"model {self.model} refused its parameters ({exc}); see 'replcheck list'"
            ) from None


def _setting_behind(translation, param: str) -> str:
    """The user's setting whose translation set model parameter ``param`` (the first decision
    that says ``param=``), or "settings" when no decision names it."""
    said = re.compile(rf"(?<![\w.]){re.escape(param)}=")
    for decision in getattr(translation, "decisions", ()):
        if said.search(getattr(decision, "becomes", "")) and getattr(decision, "value", "") != "":
            return decision.setting
    return "settings"


def _param_field(spec: Spec, name: str) -> str:
    return f"params.{name}" if spec.path else name


def find_specs(target: Path) -> list[Path]:
    """A file, or every ``*.toml`` below a directory (sorted, so runs are repeatable)."""
    if target.is_symlink() and not target.exists():
        raise SpecError(
            str(target), None, "a symbolic link that leads nowhere (dangling, or a loop); point it at a spec file"
        )
    if target.is_dir():
        found = sorted(p for p in target.rglob("*.toml") if not p.is_dir())
        if not found:
            raise SpecError(str(target), None, "no *.toml spec files in this directory")
        return found
    if not target.exists():
        raise SpecError(
            str(target), None, "no such file or directory; give a spec file, a directory of specs, or a model name"
        )
    return [target]


def load_spec(path: Path) -> Spec:
    """Read and validate ``path``; the model is built once to check its parameters."""
    where = str(path)
    if path.suffix == ".py":
        raise SpecError(
            where,
            None,
            "a Python file, not a spec: name the model class in it as "
            f"{path}:ClassName (e.g. 'replcheck check {path}:MyModel n=3')",
        )
    text = _read_text(path, where)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(where, None, f"not valid TOML ({exc}); fix the syntax") from None
    except RecursionError:
        raise SpecError(where, None, "nested too deeply to read; a spec needs a few flat tables") from None
    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        raise SpecError(where, unknown[0], f"unknown field; a spec has: {', '.join(sorted(TOP_LEVEL))}")
    if "database" in data:
        spec = database_spec(where, data.get("database"), _table(data, "settings", where), path)
        for other in ("model", "params"):
            if other in data:
                raise SpecError(
                    where, other, "a spec with database = ... gives [settings], not model or [params]; remove it"
                )
        spec.title, spec.description = _string(data, "title", where), _string(data, "description", where)
        spec.properties, spec.symmetry = _properties(data, where), _symmetry(data, where)
        spec.bounds = _bounds(_table(data, "bounds", where), where)
        spec.expect, spec.pin = _expect(_table(data, "expect", where), where), _pin(_table(data, "pin", where), where)
        validate(spec)
        return spec
    if "settings" in data:
        raise SpecError(
            where,
            "settings",
            "[settings] needs database = \"...\" (a product's own settings); a model's parameters go in [params]",
        )
    model = data.get("model")
    if not isinstance(model, str) or not model:
        raise SpecError(where, "model", 'missing or not a string; name a model, e.g. model = "leaderless"')
    spec = Spec(
        path=path,
        model=model,
        params=_table(data, "params", where),
        title=_string(data, "title", where),
        description=_string(data, "description", where),
        properties=_properties(data, where),
        symmetry=_symmetry(data, where),
        bounds=_bounds(_table(data, "bounds", where), where),
        expect=_expect(_table(data, "expect", where), where),
        pin=_pin(_table(data, "pin", where), where),
    )
    validate(spec)
    return spec


def database_spec(where: str, name, settings: dict, path: Path | None = None) -> Spec:
    """A spec for the product ``name`` (a ``replcheck.frontends`` entry) with its own
    ``settings``: the front end's translation decides the model and its parameters. An
    unknown product, setting or value, or a setting the front end does not model, is a
    SpecError naming the field."""
    from .registry import frontend, frontend_names

    known = frontend_names()
    if not isinstance(name, str) or not name:
        raise SpecError(where, "database", f"must name a database, one of: {', '.join(known)}")
    front = frontend(name)
    if front is None:
        import difflib

        near = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.5)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise SpecError(where, "database", f"unknown database '{name}'{hint}; known: {', '.join(known)}")
    try:
        translation = front.translate(settings)
    except ParameterError as exc:
        raise SpecError(where, f"settings.{exc.field}" if path else exc.field, exc.problem) from None
    wording = getattr(translation, "wording", None)  # a plug-in's translation may offer none
    return Spec(
        path=path,
        model=translation.model,
        params=dict(translation.params),
        database=name,
        translation=translation,
        wording=wording() if callable(wording) else None,
    )


MAX_SPEC_BYTES = 1 << 20  # a spec is a few hundred bytes; this refuses /dev/zero and such


def _read_text(path: Path, where: str) -> str:
    """The spec's text: a regular file of at most ``MAX_SPEC_BYTES``, UTF-8 without a BOM.
    Devices, FIFOs and directories are refused before reading (a FIFO would block)."""
    import os
    import stat

    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device or FIFO)"
            raise SpecError(where, None, f"{kind}; give a spec file")
        if info.st_size > MAX_SPEC_BYTES:
            raise SpecError(
                where,
                None,
                f"{info.st_size:,} bytes, too large for a spec (at most {MAX_SPEC_BYTES:,}); is this the right file?",
            )
        with open(path, "rb") as f:
            raw = f.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise SpecError(
            where, None, f"cannot read the file ({exc.strerror or exc}); check the path and its permissions"
        ) from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(where, None, f"more than {MAX_SPEC_BYTES:,} bytes, too large for a spec")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise SpecError(
            where,
            None,
            "starts with a UTF-8 byte order mark, which TOML does not allow; save the file as UTF-8 without BOM",
        )
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SpecError(where, None, "UTF-16 text; save the file as UTF-8")
    if b"\0" in raw:
        raise SpecError(where, None, "a binary file (it holds NUL bytes), not TOML; give a spec file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            where, None, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
        ) from None


def validate(spec: Spec) -> None:
    """Check the model exists, its parameters bind, and named properties exist."""
    try:
        model = spec.build()
    except ReplcheckError as exc:
        if isinstance(exc, SpecError):
            raise
        raise SpecError(spec.where, "model", str(exc)) from None
    from .model import offers_symmetry
    from .properties import declared_properties

    if spec.symmetry and not offers_symmetry(model):
        raise SpecError(spec.where, "symmetry", f"model {spec.model} offers no symmetry reduction; remove the field")
    known = {p.name for p in declared_properties(model)}
    for section, names in (("expect", spec.expect), ("properties", spec.properties or [])):
        for name in names:
            if name not in known:
                raise SpecError(
                    spec.where,
                    f"{section}.{name}" if section == "expect" else section,
                    f"unknown property '{name}' for model {spec.model}; it has: {', '.join(sorted(known))}",
                )
    # Every expectation is checked: one the run would leave out is refused, not skipped.
    for name in spec.expect:
        if spec.properties is not None and name not in spec.properties:
            raise SpecError(
                spec.where,
                f"expect.{name}",
                "names a property the 'properties' list "
                "leaves out, so it would never be checked; "
                "add it to properties or remove it",
            )


def check_spec(spec: Spec, bounds: dict | None = None, properties=None, progress=None, fingerprints: bool = False):
    """Explore ``spec``'s model: (model, result, mismatches with the spec's expectations).

    ``properties`` (the command line's ``--property``) narrows the spec's own list; an
    expectation of a property left out is then reported as a mismatch ("not checked"),
    never passed over."""
    model = spec.build()
    try:
        result = check(
            model,
            properties=properties or spec.properties,
            progress=progress,
            symmetry=model.canonical if spec.symmetry else None,
            fingerprints=fingerprints,
            **(spec.bounds if bounds is None else bounds),
        )
    except ReplcheckError as exc:
        raise SpecError(spec.where, None, str(exc)) from None
    except Exception as exc:  # the model's own code failed while being explored
        if os.environ.get("REPLCHECK_TRACEBACK"):
            raise
        raise SpecError(spec.where, None, model_failure(exc)) from None
    if progress:
        progress(None)
    found = mismatches(spec, result)
    if spec.translation is not None:  # the product's documentation, as the front end states it
        found += [f"documented: {d}" for d in spec.translation.disagreements(result)]
    return model, result, found


def model_failure(exc: BaseException) -> str:
    """One line for an exception a model raised during exploration: what, and where (the
    innermost frame), with the way to see the whole traceback."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    return (
        f"the model raised {type(exc).__name__}: {exc}{where} while being explored; fix the "
        "model, or set REPLCHECK_TRACEBACK=1 to see the whole traceback"
    )


def mismatches(spec: Spec, result) -> list[str]:
    """Where ``result`` differs from what ``spec`` expects and pins (empty: as expected)."""
    out = []
    verdicts = result.verdicts()
    for name, expected in spec.expect.items():
        if name not in verdicts:
            out.append(f"{name}: expected {expected}, not checked (left out by --property)")
        elif verdicts[name].value != expected:
            out.append(f"{name}: expected {expected}, got {verdicts[name].value}")
    for name, pinned in spec.pin.items():
        if result.stats.stopped_by == "interrupt":
            continue  # an interrupted run explored less; its counts pin nothing
        got = getattr(result.stats, name)
        if got != pinned:
            out.append(
                f"pin.{name}: pinned {pinned}, explored {got} (the state space changed; "
                f"update the pin if the change is intended)"
            )
    return out


def _table(data: dict, name: str, where: str) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise SpecError(where, name, f"must be a table ([{name}]), not {type(value).__name__}")
    return dict(value)


def _string(data: dict, name: str, where: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise SpecError(where, name, "must be a string")
    return value


def _properties(data: dict, where: str) -> list[str] | None:
    value = data.get("properties")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
        raise SpecError(where, "properties", "must be a non-empty list of property names")
    return value


def _symmetry(data: dict, where: str) -> bool:
    value = data.get("symmetry", False)
    if not isinstance(value, bool):
        raise SpecError(where, "symmetry", f"must be true or false, got {value!r}")
    return value


def _bounds(table: dict, where: str) -> dict:
    for name, value in table.items():
        if name not in BOUNDS:
            raise SpecError(where, f"bounds.{name}", f"unknown bound; use {', '.join(BOUNDS)}")
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not value >= 0
            or value == float("inf")
            or (name != "time_limit" and not isinstance(value, int))
            or (name != "max_depth" and value == 0)
        ):
            what = "finite number of seconds" if name == "time_limit" else "whole number"
            least = "non-negative" if name == "max_depth" else "positive"
            raise SpecError(where, f"bounds.{name}", f"must be a {least} {what}, got {value!r}")
    return table


def _expect(table: dict, where: str) -> dict:
    for name, value in table.items():
        if not isinstance(value, str) or value.upper() not in VERDICTS:
            raise SpecError(where, f"expect.{name}", f"must be one of {', '.join(VERDICTS)}, got {value!r}")
        table[name] = value.upper()
    return table


def _pin(table: dict, where: str) -> dict:
    for name, value in table.items():
        if name not in PINS:
            raise SpecError(where, f"pin.{name}", f"unknown pin; use {', '.join(PINS)}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SpecError(where, f"pin.{name}", f"must be a non-negative whole number, got {value!r}")
    return table


def parse_assignments(words: list[str]) -> dict:
    """``["n=3", "clients=w r,r"]`` -> ``{"n": "3", "clients": "w r,r"}`` (the model converts)."""
    params: dict = {}
    for word in words:
        name, sep, value = word.partition("=")
        if not sep or not name:
            raise SpecError("command line", word, "expected key=value, e.g. n=3")
        if name in params:
            raise SpecError("command line", name, "given twice; give each parameter once")
        params[name] = value
    return params
