"""Finding models by name through the ``replcheck.models`` entry-point group, or in a file.

The engine never imports a model module by name: models register themselves in
``pyproject.toml`` (or any installed distribution's metadata), which keeps the engine free
of replication knowledge and lets third parties add models. A model in a single file needs
no registration: ``path/to/model.py:ClassName`` names it wherever a model name is accepted.
"""

import importlib.util
import inspect
import sys
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path

from .errors import ParameterError, ReplcheckError

GROUP = "replcheck.models"
COMMANDS = "replcheck.commands"


def model_names() -> list[str]:
    """Registered model names, sorted."""
    return sorted({ep.name for ep in entry_points(group=GROUP)})


def is_file_reference(name: str) -> bool:
    """Whether ``name`` has the form ``path/to/model.py:ClassName``."""
    path, sep, cls = name.rpartition(":")
    return bool(sep and cls and path.endswith(".py"))


def model_class(name: str, base: Path | None = None):
    """The class registered as ``name``, or the class a ``file.py:ClassName`` reference
    names (a relative path is looked up under ``base`` first, then the working directory);
    a ReplcheckError lists the known names otherwise."""
    if is_file_reference(name):
        path, _, cls = name.rpartition(":")
        candidates = ([base / path] if base is not None else []) + [Path(path)]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise ReplcheckError(f"{path}: no such file; give path/to/model.py:ClassName")
        return _class_in_file(found.resolve(), cls)
    matches = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not matches:
        known = ", ".join(model_names()) or "none (is replcheck installed?)"
        raise ReplcheckError(f"unknown model '{name}'; known models: {known}")
    return matches[0].load()


@lru_cache(maxsize=None)
def _module_from_file(path: Path):
    """Import ``path`` once as a module of its own (its file name, prefixed)."""
    name = "replcheck_user_" + "".join(c if c.isalnum() else "_" for c in path.stem)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look classes up here
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's code: say where, in one line
        del sys.modules[name]
        raise ReplcheckError(f"{path}: importing it failed: {type(exc).__name__}: {exc}") from None
    return module


def _class_in_file(path: Path, cls: str):
    module = _module_from_file(path)
    found = getattr(module, cls, None)
    if not isinstance(found, type):
        classes = sorted(n for n, v in vars(module).items() if isinstance(v, type) and v.__module__ == module.__name__)
        raise ReplcheckError(f"{path}: no class '{cls}'; the file defines: {', '.join(classes) or 'no classes'}")
    return found


def build_model(name: str, params: dict):
    """``model_class(name)(**params)``: the class validates its own parameters."""
    return model_class(name)(**params)


def command_module(name: str):
    """The module registered as ``name`` in the ``replcheck.commands`` group, or None.

    Subcommands that carry domain knowledge (``prove``, ``synthesize``) live above the
    engine and are found here, as models are, so the command line never imports them by
    name. The module offers ``add_parsers(subparsers)`` and one ``run_*`` per subcommand.
    """
    matches = [ep for ep in entry_points(group=COMMANDS) if ep.name == name]
    return matches[0].load() if matches else None


def command_names() -> list[str]:
    """Registered subcommand module names (``replcheck.commands``), sorted."""
    return sorted({ep.name for ep in entry_points(group=COMMANDS)})


def check_arguments(cls, params: dict) -> None:
    """A ParameterError naming the first parameter ``cls(**params)`` would not accept, for
    models that take plain keyword arguments (declared ``PARAMS`` are checked by the model)."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):  # no signature to read: let the call decide
        return
    try:
        signature.bind(**params)
    except TypeError:
        takes = [p.name for p in signature.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        wrong = next((k for k in params if k not in takes), None)
        if wrong is None and any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values()):
            return
        raise ParameterError(
            wrong or ", ".join(takes),
            f"unknown parameter; this model takes: {', '.join(takes) or 'none'}"
            if wrong
            else "missing a required parameter",
        ) from None


ANALYSES = "replcheck.analyses"


def analysis(name: str):
    """The object registered as ``name`` in the ``replcheck.analyses`` group (analyses that
    live above the engine, e.g. synthesize's confirmation), or None when none is installed."""
    matches = [ep for ep in entry_points(group=ANALYSES) if ep.name == name]
    return matches[0].load() if matches else None


FRONTENDS = "replcheck.frontends"


def frontend_names() -> list[str]:
    """Names registered in the ``replcheck.frontends`` group (front ends that translate a
    product's own settings into a model and its parameters), sorted."""
    return sorted({ep.name for ep in entry_points(group=FRONTENDS)})


def frontend(name: str):
    """The front end registered as ``name``, or None. The engine needs only its
    ``translate(settings) -> translation`` (the translation has ``model``, ``params``,
    ``lines()``, ``after_lines(result)``, ``disagreements(result)`` and ``to_json()``) and,
    for ``replcheck list``, ``title``, ``docs`` and ``settings_lines()``."""
    matches = [ep for ep in entry_points(group=FRONTENDS) if ep.name == name]
    return matches[0].load() if matches else None
