"""The base of every database front end: reading settings, refusing what is not modelled,
and the fault scenarios users name in their own terms.

A subclass declares ``SETTINGS`` (what it models), ``REFUSED`` (settings of that database it
knows but does not model, each with the reason and what to check instead) and ``build``
(typed settings -> ``Translation``). ``translate`` is the one entry the command line and the
spec layer call.
"""

from replcheck.checker.errors import ParameterError

from .translation import Setting, Translation, closest, refuse, scripts

# The scenario, per family, that brings in what a crash needs (failover, arbiters): the
# availability analysis explores this configuration under it. The first that applies is used.
CRASH_SCENARIOS = ("primary_crash_no_return", "replica_crash", "region_crash")

# Fault scenarios by name, per model family: the fault budget each adds to the model.
# Budgets add up when several are given ("faults = primary_crash,isolate_primary").
LEADER_FOLLOWER_FAULTS = {
    "none": ({}, "no faults"),
    "primary_crash": ({"crashes": 1, "recover": True}, "one node may crash (the primary first of all) and come back"),
    "primary_crash_no_return": ({"crashes": 1}, "one node may crash and stay down"),
    "two_crashes": ({"crashes": 2}, "two nodes may crash and stay down"),
    "isolate_primary": (
        {"partitions": 1},
        "one partition may cut off at most half the nodes (e.g. the primary, with or without client c0) and may heal",
    ),
    "lose_a_disk": (
        {"crashes": 1, "recover": True, "durable": False},
        "one node may crash and come back with an empty disk",
    ),
    "lost_message": ({"drops": 1}, "the network may lose one message"),
}
LEADERLESS_FAULTS = {
    "none": ({}, "no faults"),
    "replica_crash": ({"crashes": 1}, "one replica may crash and stay down"),
    "replica_crash_recover": ({"crashes": 1, "recover": True}, "one replica may crash and come back"),
    "two_replica_crashes": ({"crashes": 2}, "two replicas may crash and stay down"),
    "partition": ({"partitions": 1}, "one partition may start and may heal"),
    "lose_a_disk": (
        {"crashes": 1, "recover": True, "durable": False},
        "one replica may crash and come back with an empty disk",
    ),
    "lost_message": ({"drops": 1}, "the network may lose one message"),
}
CASSANDRA_FAULTS = {
    **LEADERLESS_FAULTS,
    "dc_partition": (
        {"partitions": 1},
        "the datacenters (with the clients running there) may be cut apart, and the cut may heal",
    ),
}
MULTI_LEADER_FAULTS = {
    "none": ({}, "no faults"),
    "region_partition": ({"partitions": 1}, "the regions may be cut apart, and the cut heals"),
    "region_crash": ({"crashes": 1, "recover": True}, "one region's leader may crash and come back"),
    "lose_a_disk": (
        {"crashes": 1, "recover": True, "durable": False},
        "one region's leader may crash and come back with an empty disk",
    ),
    "lost_message": ({"drops": 1}, "the network may lose one replication message"),
}


def fault_setting(table: dict, default: str, refused: dict | None = None) -> Setting:
    """The ``faults`` setting over ``table``: comma-separated scenario names. ``refused`` maps
    scenarios a database cannot be checked under to the reason (and the fix), which the help
    lists and a choice of them gets instead of a verdict."""
    refused = refused or {}
    table = {name: scenario for name, scenario in table.items() if name not in refused}

    def parse(name: str, raw):
        words = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
        chosen = tuple(w.strip() for w in words if str(w).strip())
        if not chosen:
            raise ParameterError(name, "is empty; give none, or one or more of: " + ", ".join(table))
        if "none" in chosen and len(chosen) > 1:
            raise ParameterError(name, "none cannot be combined with other scenarios; give none alone or drop it")
        for word in chosen:
            if word in refused:
                raise ParameterError(name, f"{word} is not modelled for this database: {refused[word]}")
            if word not in table:
                raise ParameterError(
                    name,
                    f"unknown fault scenario '{word}'{closest(word, table)}; give one or more of: {', '.join(table)}",
                )
        _refuse_mixed_crash_rules(name, chosen, table)
        return chosen

    text = "fault scenarios, comma-separated: " + ", ".join(table)
    if refused:
        text += " (refused: " + ", ".join(refused) + ")"
    return Setting("faults", text, parse, default)


def crash_rules(table: dict, chosen: tuple) -> dict:
    """Per chosen scenario that crashes nodes, its rule: (the node comes back, it keeps its disk)."""
    return {
        word: (bool(budget.get("recover")), budget.get("durable", True))
        for word in chosen
        if (budget := table[word][0]).get("crashes")
    }


def _refuse_mixed_crash_rules(name: str, chosen: tuple, table: dict) -> None:
    """One run has one rule for every crash (comes back or not, keeps its disk or not), so
    scenarios whose crashes follow different rules cannot be combined."""
    rules = crash_rules(table, chosen)
    if len(set(rules.values())) > 1:
        raise ParameterError(
            name,
            f"{' and '.join(rules)} give crashes different rules (coming back, keeping the disk), and one "
            "run applies one rule to every crash; choose one of them",
        )


def apply_faults(t: Translation, table: dict, chosen: tuple, implied: str = "") -> None:
    """Add the fault budgets of ``chosen`` to ``t.params`` and record the decision."""
    budget: dict = {}
    for name in chosen:
        for key, value in table[name][0].items():
            if isinstance(value, bool):
                budget[key] = value if key == "recover" else (budget.get(key, True) and value)
            else:
                budget[key] = budget.get(key, 0) + value
    if budget.get("recover") is False:
        del budget["recover"]
    shown = " ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in budget.items())
    if t.model == "leader_follower":
        # Named even when zero: that model gives a failover a crash of its own when no crash
        # or partition is named, and here the scenarios are the whole budget.
        budget = {"crashes": 0, "partitions": 0, **budget}
    t.params.update(budget)
    what = "; ".join(table[n][1] for n in chosen)
    t.decide("faults", ",".join(chosen), f"{shown or 'no fault budget'} ({what}){implied}")


def leader_follower_words(
    t: Translation, leader: str, follower: str, roles: dict, confirms: str = "", log: str = "", tool: str = ""
) -> None:
    """The database's words for a leader_follower trace (``Translation.wording``).

    ``leader``/``follower`` replace the model's role words (``primary``/``standby``);
    ``roles`` gives each node's role at the start for its lane (model name -> words; the
    leader n0 gets ``leader``). ``confirms`` names what a follower's acknowledgement confirms
    under this configuration (``remote_write``): the model's ``ack(tT, N)`` then reads
    "s1 confirms remote_write up to entry N". ``log`` renames the replicated log in messages
    (``WAL``), ``tool`` the model's "failover tool" (``Patroni``). Only words change: each
    phrase names the same event the model's text does."""
    t.roles.update({"n0": leader, **roles})
    if confirms:
        ack = r"ack\(t(\d+), (\d+)(?:, incarnation \d+)?\)"  # the incarnation of a lazily flushing leader
        t.phrase(rf"(\S+) sends {ack} to (\S+)", rf"\1 confirms {confirms} up to entry \3 to \4 (term \2)")
        t.phrase(
            rf"(\S+) receives {ack} from (\S+)",
            rf"\1 receives \4's confirmation of {confirms} up to entry \3 (term \2)",
        )
        # Elsewhere (arrows, drops, messages in flight) the message itself, as a noun.
        t.phrase(rf"\b{ack}", rf"confirmation of {confirms} up to entry \2")
    if log:
        t.phrase(r"\bappend\(t", f"{log}(t")
    if tool:
        t.phrase(r"\bfailover tool\b", tool)
    t.phrase(r"\bleader\b", leader)
    t.phrase(r"\bfollower\b", follower)


def model_offers(model: str, param: str, value=None) -> bool:
    """Whether the registered ``model`` declares ``param`` (with ``value`` among its choices).
    Front ends ask this before refusing a setting whose mechanism a model may since have
    gained, so the refusal lifts itself when the mechanism lands (and is pinned by tests)."""
    from replcheck.checker.registry import model_class

    for p in getattr(model_class(model), "PARAMS", ()):
        if p.name == param:
            return value is None or value in p.choices
    return False


CLIENTS = Setting(
    "clients",
    'client workloads, one script per client: w (write), r (read); e.g. "w r,r" is two clients (default: the model\'s)',
    scripts,
    None,
)


class Frontend:
    """A database front end: subclasses set ``name``, ``title``, ``docs``, ``SETTINGS``,
    ``REFUSED`` and implement ``build``."""

    name = ""
    title = ""
    docs = ""  # the vendor's main page on replication (https)
    SETTINGS: tuple = ()
    REFUSED: dict = {}  # setting -> (why it is not modelled, what to check instead)
    #: Refused settings given with the one value the model assumes: accepted, and said so.
    MODELLED_VALUES: dict = {}  # setting -> the accepted values, lower case

    def translate(self, given: dict) -> Translation:
        """The translation of ``given`` (setting -> raw value); a ``ParameterError`` names
        the first setting that is unknown, badly valued or not modelled."""
        values = self.read(given)
        translation = self.build(values)
        for name, raw in values["_as_modelled"]:
            translation.decide(name, raw, "what the model assumes (the only value of this setting it models)")
        # Translated again under crashes only when --availability asks (most checks never do).
        translation.under_crashes = lambda: self._under_crashes(given)
        if not translation.params.get("clients"):
            shown = ",".join(translation.workload())
            translation.decide(
                "clients",
                "(not given)",
                f"clients={shown} (the model's default "
                'workload; give clients="w r r,w" or the like to exercise more '
                "guarantees)",
            )
        return translation

    def _under_crashes(self, given: dict):
        """The model parameters of the same settings with a crash scenario in place of the
        user's faults (a front end adds failover or arbiters only when nodes may crash), or
        None when no crash scenario applies to this configuration."""
        for scenario in CRASH_SCENARIOS:
            try:
                return self.build(self.read({**given, "faults": scenario})).params
            except ParameterError:
                continue
        return None

    def read(self, given: dict) -> dict:
        """Typed settings: the database's defaults overridden by ``given``."""
        by_name = {}
        for s in self.SETTINGS:
            by_name[s.name] = s
            for alias in s.aliases:
                by_name[alias] = s
        values = {s.name: s.default for s in self.SETTINGS}  # "-" in listings: decided in build
        values["_given"], values["_as_modelled"], spelled = set(), [], {}
        for name, raw in given.items():
            if name in self.REFUSED:
                if str(raw).strip().lower() in self.MODELLED_VALUES.get(name, ()):
                    values["_as_modelled"].append((name, raw))
                    continue
                why, instead = self.REFUSED[name]
                raise refuse(name, why, instead)
            s = by_name.get(name)
            if s is None:
                known = [x.name for x in self.SETTINGS]
                near = closest(name, list(by_name) + list(self.REFUSED))
                raise ParameterError(name, f"unknown {self.title} setting{near}; the settings are: {', '.join(known)}")
            if s.name in values["_given"]:
                raise ParameterError(name, f"given twice (also as {spelled[s.name]}); give it once")
            values[s.name] = s.parse(name, raw)
            values["_given"].add(s.name)
            spelled[s.name] = name
        return values

    def build(self, values: dict) -> Translation:
        """Typed settings -> the translation (subclasses)."""
        raise NotImplementedError

    def settings_lines(self) -> list[str]:
        """For ``replcheck list``: every setting with its default, then the refused ones."""
        out = []
        for s in self.SETTINGS:
            default = "-" if s.default is None else _plain(s.default)
            alias = f" (also {', '.join(s.aliases)})" if s.aliases else ""
            out.append(f"    {s.name:<44} default {default:<14} {s.help}{alias}")
        for name, (why, _) in self.REFUSED.items():
            kept = self.MODELLED_VALUES.get(name)
            out.append(f"    {name:<44} REFUSED  {why}" + (f" (accepted: {kept[0]}, as modelled)" if kept else ""))
        return out


def _plain(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value)) or "''"
    return str(value) if value != "" else "''"
