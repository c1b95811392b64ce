"""Real databases' replication settings, translated onto the replication models.

This layer sits above the families in ``replcheck.models``; the families never import it,
and the engine in ``replcheck.checker`` knows nothing of either.
"""
