"""Replication protocols as state machines for replcheck's engine.

``runtime`` is the small actor runtime every family shares (nodes, clients, network,
faults, history); ``guarantees`` defines the consistency guarantees once; each family
(``leaderless``, ...) is one module that reads like the protocol's description.
"""
