"""Model parameters are declared and validated by the engine: see ``replcheck.checker.params``.

Kept so that ``from .params import Param, bind`` in the families goes on working.
"""

from replcheck.checker.params import Param, bind, settings_type

__all__ = ["Param", "bind", "settings_type"]
