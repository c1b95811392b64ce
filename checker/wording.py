"""Traces and diagrams in someone else's words: a generic rename-and-relabel hook.

A ``Wording`` says how the names and phrases of a model's traces should read for a reader
who knows the system by other words (a database front end: the user's node names, the
product's role words, "s1 confirms remote_write" for a follower's acknowledgement). The
engine applies it, when one is given, to the text trace, to the trace's prose in JSON and to
every text of a ``Diagram``; it knows nothing of databases, and without a ``Wording`` nothing
is touched, so a plain model's output is byte-for-byte what it was.

It rewrites words, never the data: diagram lane keys, ``Cut`` sides and the JSON ``state``
(ITF-encoded, for tools) keep the model's names, so the mapping is also recorded in JSON
(``to_json``) for a reader who wants to connect the two.
"""

import re
from dataclasses import dataclass, replace
from functools import cached_property

from .diagram import Arrow, Diagram, Event, Lane, LaneMark


@dataclass(frozen=True)
class Wording:
    """How a model's words read in traces and diagrams.

    * ``names``: (model name, shown name) pairs, e.g. ("f1", "s1"); replaced as whole words.
    * ``roles``: (model name, role words) pairs, e.g. ("f1", "standby, sync"), shown beside
      the name in the lane's heading. They are the roles at the start of the trace, as
      configured: a failover changes roles, and the diagram marks that where it happens.
    * ``phrases``: (regular expression, replacement) pairs over the *model's* words (before
      ``names`` are applied), applied in order to each line, each to the previous one's
      result (as a sed script is): put a specific pattern before a general one it would
      otherwise pre-empt. A line no pattern matches keeps its words.

    Tuples, not dicts, so the order of the rewriting is fixed (byte-identical output whatever
    the hash seed)."""

    names: tuple[tuple[str, str], ...] = ()
    roles: tuple[tuple[str, str], ...] = ()
    phrases: tuple[tuple[str, str], ...] = ()

    @cached_property
    def _names(self):
        if not self.names:
            return None
        mapping = dict(self.names)
        # Longest first, so a name that is a prefix of another never wins the alternation.
        words = sorted(mapping, key=lambda w: (-len(w), w))
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")
        return pattern, mapping

    @cached_property
    def _phrases(self):
        return tuple((re.compile(p), r) for p, r in self.phrases)

    def text(self, text: str) -> str:
        """``text`` (one or more lines) in these words: each line's phrases, then the names."""
        return "\n".join(self._line(line) for line in text.split("\n"))

    def _line(self, line: str) -> str:
        for pattern, replacement in self._phrases:
            line = pattern.sub(replacement, line)
        if self._names is None:
            return line
        pattern, mapping = self._names
        return pattern.sub(lambda m: mapping[m.group(1)], line)

    def lane_label(self, key: str, label: str) -> str:
        """A lane's heading: its first line renamed with the role added (``s1 (standby)``;
        a first line that already ends in parentheses, ``n0 (dc1)``, gets the role inside
        them: ``n0 (replica, dc1)``), the other lines as ``text``, less a repeat of the role
        word at the start of the next line (``(standby, term 1)`` becomes ``(term 1)``)."""
        first, _, rest = label.partition("\n")
        role = dict(self.roles).get(key, "")
        first, rest = self.text(first), self.text(rest)
        if role:
            m = re.fullmatch(r"(.*?) \((.*)\)", first)
            first = f"{m.group(1)} ({role}, {m.group(2)})" if m else f"{first} ({role})"
            word = re.escape(role.split(",")[0])
            # The model's own role line saying the same word again: keep only what it adds.
            rest = re.sub(rf"^\({word}, ", "(", rest)
        return first + ("\n" + rest if rest else "")

    def diagram(self, d: Diagram) -> Diagram:
        """``d`` with every text in these words; keys (which lane is which) unchanged."""
        t = self.text
        return replace(
            d,
            title=t(d.title),
            caption=t(d.caption),
            note=t(d.note),
            legend=t(d.legend),
            lanes=tuple(Lane(lane.key, self.lane_label(lane.key, lane.label), lane.group) for lane in d.lanes),
            events=tuple(Event(e.lane, e.row, t(e.label), e.kind) for e in d.events),
            arrows=tuple(Arrow(a.src_lane, a.src_row, a.dst_lane, a.dst_row, t(a.label), a.style) for a in d.arrows),
            step_labels=tuple(map(t, d.step_labels)),
            lane_marks=tuple(LaneMark(m.lane, t(m.text), m.colour) for m in d.lane_marks),
            final_states=tuple((lane, t(text)) for lane, text in d.final_states),
        )

    def result_json(self, report: dict) -> dict:
        """A ``report.result_json`` dict with each trace's action and changes in these words,
        and the mapping itself under ``wording``; the ITF ``state`` keeps the model's names."""
        properties = [self._property_json(p) for p in report.get("properties", [])]
        return {**report, "properties": properties, "wording": self.to_json()}

    def _property_json(self, p: dict) -> dict:
        if "trace" not in p:
            return p
        steps = [
            {**s, "action": self.text(s["action"]), "changes": [self.text(c) for c in s["changes"]]} for s in p["trace"]
        ]
        return {**p, "trace": steps}

    def to_json(self) -> dict:
        """The mapping as JSON data: model name -> shown name, and model name -> role."""
        return {"names": dict(self.names), "roles": dict(self.roles)}
