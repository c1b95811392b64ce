"""Every error replcheck raises on purpose lives here.

Each message says what is wrong and how to fix it, in one line, so the command line can
print it as it is and exit 2.
"""


class ReplcheckError(Exception):
    """Base class: an error whose message is meant for the user, not a traceback."""


class ModelError(ReplcheckError):
    """The model broke the engine's contract (unhashable state, nondeterministic steps, ...)."""


class SpecError(ReplcheckError):
    """A spec file or an ad hoc configuration is malformed or names something unknown.

    ``where`` is the file (or "command line") and ``field`` the offending key, so the
    message reads ``FILE: field 'w': must be at most n=3; lower w or raise n``.
    """

    def __init__(self, where: str, field: str | None, problem: str):
        self.where, self.field, self.problem = where, field, problem
        location = f"{where}: field '{field}'" if field else where
        super().__init__(f"{location}: {problem}")


class ParameterError(ReplcheckError):
    """A model parameter has a bad value; ``field`` names it. Specs wrap it in a SpecError."""

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"parameter '{field}': {problem}")


class UsageError(ReplcheckError):
    """The command line itself is wrong (unknown command, missing argument, ...)."""
