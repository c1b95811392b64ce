"""How ``replcheck list`` shows the properties of every mode of a family whose mode is a
parameter (leaderless ``conflict``, multi-leader ``conflict``/``type``).

``list`` prints the properties of the model built with the defaults; a mode built otherwise
adds or switches off some. ``mode_note`` says which, in words appended to the mode
parameter's one-line meaning, computed from the mode classes themselves so that it cannot
drift from them.
"""

from dataclasses import replace

from replcheck.checker.properties import declared_properties


def mode_note(default, modes: dict) -> str:
    """``"; properties by mode: siblings adds a, b, drops c"``: per mode label, the
    properties it adds to and drops from those of ``default`` (a model instance)."""
    base = [p.name for p in declared_properties(default)]
    parts = []
    for label, model in modes.items():
        names = [p.name for p in declared_properties(model)]
        added = [n for n in names if n not in base]
        dropped = [n for n in base if n not in names]
        words = (["adds " + ", ".join(added)] if added else []) + (["drops " + ", ".join(dropped)] if dropped else [])
        parts.append(f"{label} {', '.join(words) if words else 'has the same'}")
    return "; properties by mode: " + "; ".join(parts)


def with_note(params: tuple, name: str, note: str) -> tuple:
    """``params`` with ``note`` appended to the help of parameter ``name``."""
    return tuple(replace(p, help=p.help + note) if p.name == name else p for p in params)
