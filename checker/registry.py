"""Finding models by name through the ``replcheck.models`` entry-point group.

The engine never imports a model module by name: models register themselves in
``pyproject.toml`` (or any installed distribution's metadata), which keeps the engine free
of replication knowledge and lets third parties add models.
"""

from importlib.metadata import entry_points

from .errors import ReplcheckError

GROUP = "replcheck.models"


def model_names() -> list[str]:
    """Registered model names, sorted."""
    return sorted({ep.name for ep in entry_points(group=GROUP)})


def model_class(name: str):
    """The class registered as ``name``; a ReplcheckError lists the known names otherwise."""
    matches = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not matches:
        known = ", ".join(model_names()) or "none (is replcheck installed?)"
        raise ReplcheckError(f"unknown model '{name}'; known models: {known}")
    return matches[0].load()


def build_model(name: str, params: dict):
    """``model_class(name)(**params)``: the class validates its own parameters."""
    return model_class(name)(**params)


ANALYSES = "replcheck.analyses"


def analysis(name: str):
    """The object registered as ``name`` in the ``replcheck.analyses`` group (analyses that
    live above the engine, e.g. synthesize's confirmation), or None when none is installed."""
    matches = [ep for ep in entry_points(group=ANALYSES) if ep.name == name]
    return matches[0].load() if matches else None
