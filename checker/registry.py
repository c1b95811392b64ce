"""Finding models by name through the ``replcheck.models`` entry-point group.

The engine never imports a model module by name: models register themselves in
``pyproject.toml`` (or any installed distribution's metadata), which keeps the engine free
of replication knowledge and lets third parties add models.
"""

from importlib.metadata import entry_points

from .errors import ReplcheckError

GROUP = "replcheck.models"
COMMANDS = "replcheck.commands"


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


def command_module(name: str):
    """The module registered as ``name`` in the ``replcheck.commands`` group, or None.

    Subcommands that carry domain knowledge (``prove``, ``synthesize``) live above the
    engine and are found here, as models are, so the command line never imports them by
    name. The module offers ``add_parsers(subparsers)`` and one ``run_*`` per subcommand.
    """
    matches = [ep for ep in entry_points(group=COMMANDS) if ep.name == name]
    return matches[0].load() if matches else None
