"""The shared shape of a database front end: its settings, how they are read, and the
translation they become.

A front end takes a database's replication settings, spelt as that database's documentation
spells them, and turns them into one of replcheck's models with parameters
(``Translation``). Every decision it makes is recorded with the documentation it rests on, so
the user sees, before any verdict, what was checked. A setting the models cannot express is
refused (``refuse``): a ``ParameterError`` naming the setting, why it is not modelled and what
can be checked instead -- never the nearest configuration's verdict in silence.

The engine finds front ends through the ``replcheck.frontends`` entry-point group and uses
only ``Frontend.translate`` and ``Translation`` methods (``lines``, ``to_json``,
``after_lines``, ``wording``: a generic ``checker.wording.Wording`` that puts traces and
diagrams in the database's words); it knows nothing of databases.
"""

import difflib
import math
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Callable

from replcheck.checker.errors import ParameterError

from ..guarantees import unexercised, within_sessions_only
from replcheck.checker.wording import Wording

DOCS = "docs/databases.md"


@dataclass(frozen=True)
class Setting:
    """One setting a database front end accepts.

    ``parse`` turns the raw value (a TOML value or a command-line string) into the typed
    value or raises ``ParameterError`` with the fix; ``default`` is the database's own default
    (None: the front end decides from the other settings, as the database does)."""

    name: str
    help: str
    parse: Callable[[str, Any], Any]
    default: Any = None
    aliases: tuple = ()


@dataclass(frozen=True)
class Decision:
    """One line of a translation: which setting (or assumption) became what, and why."""

    setting: str
    value: str
    becomes: str
    source: str = ""  # the documentation it rests on (an https URL), or "" for a model assumption

    def line(self) -> str:
        """``  synchronous_commit=remote_write -> stage=received  (https://...)``."""
        head = f"{self.setting}={self.value}" if self.value != "" else self.setting
        cite = f"  [{self.source}]" if self.source else ""
        return f"  {head} -> {self.becomes}{cite}"


@dataclass
class Translation:
    """What a database's settings become: a model, its parameters, the decisions that led
    there, and the guarantees the vendor's documentation states for this configuration
    (``documented``: property -> (verdict, source)). Only guarantees the documentation
    promises are listed (HOLDS), and refusals and anomalies it describes (VIOLATED); a
    guarantee it merely does not promise is not an expectation."""

    database: str
    model: str
    params: dict
    decisions: list[Decision] = field(default_factory=list)
    documented: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # model node name -> the user's (f1 -> s1)
    # () -> the params of the same settings under a crash scenario, or None (Frontend.translate)
    under_crashes: Callable | None = None
    roles: dict = field(default_factory=dict)  # model node name -> the database's role words
    phrases: list = field(default_factory=list)  # (regex over the model's words, replacement)

    def rename(self, line: str) -> str:
        """A trace line in the user's words: model node names replaced by the user's, and
        the database's phrases (``phrase``) for the model's (see ``wording``)."""
        return self.wording().text(line)

    def wording(self) -> Wording:
        """How traces and diagrams of this configuration read (``checker.wording``): the
        user's node names, each node's role at the start in the database's words, and the
        phrases recorded with ``phrase``. Built in insertion order, so the same settings
        always give the same words; the same contents give the same (cached) object, so its
        compiled patterns serve every line of a trace."""
        return _wording(names=tuple(self.names.items()), roles=tuple(self.roles.items()), phrases=tuple(self.phrases))

    def phrase(self, pattern: str, replacement: str) -> None:
        """Record one rewording: ``pattern`` (a regular expression over the model's words,
        node names included, e.g. ``f1``) becomes ``replacement`` in traces and diagrams.
        Phrases apply in the order recorded; only simple, honest mappings belong here
        (the same event in the database's words, never a claim the model does not make)."""
        self.phrases.append((pattern, replacement))

    def decide(self, setting: str, value, becomes: str, source: str = "") -> None:
        """Record one decision."""
        self.decisions.append(Decision(setting, _shown(value), becomes, source))

    def assume(self, what: str, source: str = "") -> None:
        """Record one assumption the model makes about this database."""
        self.decisions.append(Decision("assumes", "", what, source))

    def expect(self, prop: str, verdict: str, source: str) -> None:
        """Record a verdict the vendor's documentation states for this configuration."""
        self.documented[prop] = (verdict, source)

    def model_line(self) -> str:
        """``modelled as leader_follower followers=3 replication=sync ...``."""
        shown = " ".join(f"{k}={_shown(v)}" for k, v in self.params.items())
        return f"modelled as {self.model} {shown}".rstrip()

    def lines(self) -> list[str]:
        """The translation as text, printed before the verdicts."""
        return [f"{self.database}: {self.model_line()}"] + [d.line() for d in self.decisions]

    def after_lines(self, result) -> list[str]:
        """After the verdicts: the one-line summary (strongest holds, weakest fails) and how
        each verdict compares with what the documentation states."""
        verdicts = {p.name: p for p in result.properties}
        idle = unexercised(self.workload())
        # Safety and liveness alike (everything but the "can happen" witnesses): a run that
        # exits 1 names what failed.
        judged = [p for p in result.properties if p.kind != "sometimes"]
        one_session = within_sessions_only(self.workload())
        holds = [
            p.name + (" (within each session only)" if p.name == "linearizable" and one_session else "")
            for p in judged
            if p.verdict.value == "HOLDS" and p.name not in idle
        ]
        fails = [_failure(p) for p in judged if p.verdict.value == "VIOLATED"]
        undecided = [p.name for p in judged if p.verdict.value == "UNKNOWN"]
        out = [
            f"  summary: holds: {', '.join(holds) or 'nothing checked'}; "
            f"fails: {', '.join(fails) or 'nothing'}"
            + (f"; undecided (the search did not finish): {', '.join(undecided)}" if undecided else "")
        ]
        vacuous = [
            f"{p.name} (needs {idle[p.name]})"
            for p in result.properties
            if p.kind == "always" and p.verdict.value == "HOLDS" and p.name in idle
        ]
        if vacuous:
            out.append(
                f"  not exercised by the workload clients={','.join(self.workload())}, so their "
                f"HOLDS says nothing: {'; '.join(vacuous)}; give clients=... that do it"
            )
        if one_session and verdicts.get("linearizable") and verdicts["linearizable"].verdict.value == "HOLDS":
            out.append(
                f"  linearizable HOLDS only for reads of a session's own writes: no session of clients="
                f"{','.join(self.workload())} reads a key another writes, so another client's stale or "
                'rolled-back read cannot show; give a writer and a reader (clients="w,r r") to check that'
            )
        if not any(self.params.get(f) for f in ("crashes", "partitions", "drops", "dups")):
            out.append(
                "  no faults were explored (faults=none): these verdicts are for a healthy "
                "system; give faults=... (replcheck check DATABASE --help) to explore failures"
            )
        seen = [p.name for p in result.properties if p.kind == "sometimes" and p.verdict.value == "HOLDS"]
        never = [p.name for p in result.properties if p.kind == "sometimes" and p.verdict.value == "VIOLATED"]
        if seen or never:  # availability and other witnesses: what can and cannot happen
            out.append(
                f"  can happen: {', '.join(seen) or 'nothing checked'}; never happens: {', '.join(never) or 'nothing'}"
            )
        for prop, (verdict, source) in self.documented.items():
            got = verdicts[prop].verdict.value if prop in verdicts else "not checked"
            mark = (
                "agrees"
                if got == verdict
                else ("not checked" if prop not in verdicts else "undecided" if got == "UNKNOWN" else "DISAGREES")
            )
            if got == verdict == "HOLDS" and prop in idle:
                mark += f", but not exercised by this workload (needs {idle[prop]})"
            elif got == verdict == "HOLDS" and prop == "linearizable" and one_session:
                mark += ", but only within each session (no session reads a key another writes)"
            elif _unshowable(prop, verdict, got, idle):
                mark = f"not exercised by this workload (needs {idle[prop]}), so it cannot show"
            out.append(f"  documented: {prop} {verdict}, explored {got}: {mark}  [{source}]")
        return out

    def speed_hints(self, model, result, symmetric: bool) -> list[str]:
        """A hint after a slow or unfinished run whose model has interchangeable replicas and
        ran without symmetry reduction: ``--symmetry`` explores each arrangement of them once,
        with the same verdicts and trace lengths."""
        s = result.stats
        if symmetric or (s.complete and s.seconds < SLOW_RUN_SECONDS):
            return []
        groups = [g for g in model.symmetric_node_groups() if len(g) > 1]
        if not groups:
            return []
        arrangements = math.prod(math.factorial(len(g)) for g in groups)
        return [
            f"  hint: the model has interchangeable replicas ({', '.join(_group_words(model, g) for g in groups)}); "
            f"--symmetry explores each of their arrangements once (up to {arrangements}x fewer "
            "states, the same verdicts)"
        ]

    def workload(self) -> tuple:
        """The client scripts this configuration runs: the translation's, or the model's
        default."""
        if self.params.get("clients"):
            return tuple(self.params["clients"])
        from replcheck.checker.registry import model_class

        return next(tuple(p.default) for p in model_class(self.model).PARAMS if p.name == "clients")

    def staleness(self, params: dict, ks=(1, 2, 3)) -> dict:
        """PBS k-staleness (``docs/staleness.md``) for this configuration's quorums: the exact
        probability that a read returns one of the k latest writes when the replicas a write
        reaches and a read asks are chosen uniformly at random (Bailis et al., VLDB 2012).
        ``params`` are the built model's. Only plain leaderless quorums fit that model; for
        anything else the answer says why it does not apply, instead of a number."""
        from ..staleness import k_staleness

        if self.model != "leaderless":
            return {
                "applies": False,
                "why": f"{self.database} is modelled as {self.model}; "
                "probabilistic staleness covers Dynamo-style quorums (cassandra, riak)",
            }
        if params.get("sloppy") or params.get("dcs") or params.get("conflict", "lww") != "lww":
            return {
                "applies": False,
                "why": "the PBS model has one datacenter, strict quorums and "
                "last-write-wins; this configuration uses datacenters, sloppy quorums or siblings",
            }
        n, w, r = params["n"], params["w"], params["r"]
        rows = []
        for k in ks:
            fresh = k_staleness(n, w, r, k)
            rows.append(
                {"k": k, "fraction": f"{fresh.numerator}/{fresh.denominator}", "probability": round(float(fresh), 6)}
            )
        return {"applies": True, "n": n, "w": w, "r": r, "k_staleness": rows}

    def staleness_lines(self, params: dict) -> list[str]:
        """``staleness`` as lines under the verdicts."""
        got = self.staleness(params)
        if not got["applies"]:
            return [f"  staleness: not computed: {got['why']}"]
        shown = ", ".join(f"k={row['k']}: {row['fraction']} = {row['probability']:.3f}" for row in got["k_staleness"])
        return [
            f"  staleness (PBS, replicas chosen uniformly at random; docs/staleness.md): "
            f"a read returns one of the k latest writes with probability {shown}"
        ]

    def availability(self, time_limit: float = 60.0) -> dict:
        """Availability in numbers (``models/availability.py``): how many members may be down
        while a write, and a read, still succeed, and how many crashes an acknowledged write
        survives, each found by exploring this configuration under crashes, with the trace
        that breaks it. ``time_limit`` bounds each search; a stopped one gives a lower bound."""
        from ..availability import availability

        params = self.under_crashes() if self.under_crashes is not None else None
        if params is None:
            return {"applies": False, "why": f"no crash scenario applies to this {self.database} configuration"}
        answers = availability(self.model, params, time_limit, self.rename)
        return {"applies": True, "answers": [a.to_json() for a in answers]}

    def availability_lines(self, time_limit: float = 60.0) -> list[str]:
        """``availability`` as indented lines under the verdicts."""
        from ..availability import Answer, answer_lines

        got = self.availability(time_limit)
        if not got["applies"]:
            return [f"  availability: not computed: {got['why']}"]
        return answer_lines([Answer(**a) for a in got["answers"]])

    def disagreements(self, result) -> list[str]:
        """Documented verdicts that exploration contradicts (a complete or decided search)."""
        verdicts = result.verdicts()
        idle = unexercised(self.workload())
        return [
            f"{prop}: documented {verdict}, explored {verdicts[prop].value}"
            for prop, (verdict, _) in self.documented.items()
            if prop in verdicts
            and verdicts[prop].value not in (verdict, "UNKNOWN")
            and not _unshowable(prop, verdict, verdicts[prop].value, idle)
        ]

    def to_json(self) -> dict:
        """The translation as plain JSON data."""
        return {
            "database": self.database,
            "model": self.model,
            "params": {k: list(v) if isinstance(v, tuple) else v for k, v in self.params.items()},
            "decisions": [
                {"setting": d.setting, "value": d.value, "becomes": d.becomes, "source": d.source}
                for d in self.decisions
            ],
            "documented": {p: {"verdict": v, "source": s} for p, (v, s) in self.documented.items()},
        }


@lru_cache(maxsize=64)
def _wording(names: tuple, roles: tuple, phrases: tuple) -> Wording:
    return Wording(names=names, roles=roles, phrases=phrases)


def _shown(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)


def refuse(setting: str, why: str, instead: str) -> ParameterError:
    """The error for a setting replcheck does not model: which, why, and what to check instead."""
    return ParameterError(setting, f"not modelled: {why}; {instead}")


def closest(name: str, known) -> str:
    """`` (did you mean 'x'?)`` for the nearest known name, or ""."""
    match = difflib.get_close_matches(name.lower(), [k.lower() for k in known], n=1, cutoff=0.5)
    if not match:
        return ""
    original = next(k for k in known if k.lower() == match[0])
    return f" (did you mean '{original}'?)"


# --- value parsers: each takes (setting name, raw value) ---------------------------------------


def choice(*options: str, case: bool = False):
    """A parser accepting one of ``options`` (case-insensitively unless ``case``)."""

    def parse(name: str, raw):
        text = _text(name, raw)
        for option in options:
            if text == option or (not case and text.lower() == option.lower()):
                return option
        raise ParameterError(name, f"must be one of {', '.join(options)}, got {text!r}{closest(text, options)}")

    return parse


def whole(least: int = 0, most: int | None = None):
    """A parser for a whole number in [least, most]."""

    def parse(name: str, raw):
        if isinstance(raw, bool):
            raise ParameterError(name, f"must be a whole number, got {raw!r}")
        text = str(raw).strip()
        if not (text.isascii() and text.lstrip("-").isdigit() and len(text) < 19):
            raise ParameterError(name, f"must be a whole number, got {raw!r}")
        value = int(text)
        if value < least:
            raise ParameterError(name, f"must be at least {least}, got {value}")
        if most is not None and value > most:
            raise ParameterError(name, f"must be at most {most}, got {value}")
        return value

    return parse


def boolean(name: str, raw):
    """true/false, on/off, yes/no, 1/0 (as database configuration files write them)."""
    if isinstance(raw, bool):
        return raw
    text = _text(name, raw).lower()
    if text in ("true", "on", "yes", "1"):
        return True
    if text in ("false", "off", "no", "0"):
        return False
    raise ParameterError(name, f"must be true or false (on/off), got {raw!r}")


def names(name: str, raw) -> tuple:
    """A comma-separated list of node names (or a TOML list)."""
    if isinstance(raw, (list, tuple)):
        items = [str(x).strip() for x in raw]
    else:
        items = [part.strip() for part in _text(name, raw).split(",")]
    if not items or not all(items):
        raise ParameterError(name, f"must be a comma-separated list of names, got {raw!r}")
    if len(set(items)) != len(items):
        raise ParameterError(name, f"names a node twice ({raw!r}); give each name once")
    return tuple(items)


def scripts(name: str, raw) -> tuple:
    """Client workloads: one script per client, e.g. ``"w r,r"`` or ``["w r", "r"]``."""
    if isinstance(raw, (list, tuple)) and all(isinstance(x, str) for x in raw):
        return tuple(raw)
    if isinstance(raw, str):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    raise ParameterError(name, f'must be client scripts such as "w r,r", got {raw!r}')


def text(name: str, raw) -> str:
    """Any non-empty string."""
    return _text(name, raw)


def _text(name: str, raw) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ParameterError(name, f"must be a string, got {raw!r}")
    return str(raw).strip()


def _unshowable(prop: str, documented: str, explored: str, idle: dict) -> bool:
    """A documented anomaly the workload can never produce (its guarantee is in ``idle``): the
    HOLDS found says nothing, so it neither agrees nor contradicts."""
    return documented == "VIOLATED" and explored == "HOLDS" and prop in idle


def _failure(p) -> str:
    """A failed property in the summary, with the length of its trace (a lasso for liveness)."""
    if p.trace is None:
        return p.name
    shape = "trace" if p.kind == "always" else "lasso"
    return f"{p.name} ({len(p.trace)}-step {shape})"


SLOW_RUN_SECONDS = 20.0


def _group_words(model, group) -> str:
    return "{" + ", ".join(model.node_name(n) for n in group) + "}"
