"""replcheck: a bounded model checker for database replication.

The engine is ``replcheck.checker`` (``check``, ``Model``, the property decorators); the
replication families, quorum proofs and database front end are ``replcheck.models``.
``python -m replcheck`` is the ``replcheck`` command.
"""
