"""The hint window as a timer (Cassandra's max_hint_window), for the leaderless family.

In the model a write's message to a home that is down or cut off stays in flight until the
home is back: a perfect hint, kept for ever. Cassandra keeps hints only for a while: "hints
are generated only for nodes that have been down less than max_hint_window" and after that
the coordinator "stops writing new hints"
(https://cassandra.apache.org/doc/latest/operating/hints.html,
https://docs.datastax.com/en/cassandra/3.0/cassandra/operations/opsRepairNodesHintedHandoff.html);
the missed writes then reach the home only through read repair or anti-entropy repair.

With ``hint_expiries = k`` a timer step ("hint window of nK ends") may fire at most k times in a
run, at any moment while a home is out (crashed, or cut off by the partition from every
client). From then on, writes (and read-repair pushes) meant for that home are not sent to it
-- they are dropped at once, as a coordinator that no longer hints -- until the home is
reachable again, which restarts its window. Hints written before the window ended stay in
flight and are delivered when the home is back. Which moment the timer fires at is
nondeterministic: a bounded run has no durations, and any outage may outlast the window.
"""

from typing import NamedTuple

from .runtime import Action


class HintState(NamedTuple):
    """``expired``: bitmask of homes whose hint window has ended (while they are out);
    ``fired``: how many windows have ended so far (bounded by ``hint_expiries``)."""

    expired: int = 0
    fired: int = 0


class HintWindow:
    """Mixin for the leaderless family: the timer step and what it changes."""

    def home_is_out(self, world, home: int) -> bool:
        """Crashed, or on the other side of the partition from every client."""
        if world.faults.down >> home & 1:
            return True
        return not any(self.reachable(world, self.client_actor(c), home) for c in range(self.client_count))

    def hint_window_steps(self, world):
        """One step per home that is out and whose window has not ended yet."""
        hints = world.extra.hints
        if hints.fired >= self.cfg.hint_expiries:
            return
        for home in range(self.n):
            if not hints.expired >> home & 1 and self.home_is_out(world, home):
                after = hints._replace(expired=hints.expired | 1 << home, fired=hints.fired + 1)
                yield (
                    Action("hint_window", home, None, None, self),
                    world._replace(extra=world.extra._replace(hints=after)),
                )

    def hint_dropped(self, world, home: int) -> bool:
        """Whether a write meant for ``home`` is dropped instead of sent (window ended)."""
        return bool(world.extra.hints.expired >> home & 1)

    def restart_hint_windows(self, world):
        """After a recovery or a heal: homes that are back get a fresh window."""
        hints = world.extra.hints
        if not hints.expired:
            return world
        expired = hints.expired
        for home in range(self.n):
            if expired >> home & 1 and not self.home_is_out(world, home):
                expired &= ~(1 << home)
        if expired == hints.expired:
            return world
        return world._replace(extra=world.extra._replace(hints=hints._replace(expired=expired)))
