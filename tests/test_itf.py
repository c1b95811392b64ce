"""Counterexamples in the Informal Trace Format (checker/itf.py, ``check --itf``) and the state
as data in ``--json`` traces.

The structure checked is the one documented in Apalache's ADR-015
(https://apalache-mc.org/docs/adr/015adr-trace.html): a top-level object with ``#meta``,
``vars`` and ``states`` (and ``loop`` for a lasso), every state an object with exactly the
variables, every value a boolean, string, list, record, or a tagged ``#bigint``/``#tup``/
``#set``/``#map``/``#unserializable`` object.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from hypothesis import given, strategies as st

from replcheck.checker import check
from replcheck.checker.cli import itf_paths, main
from replcheck.checker.itf import encode, generic_variables, trace_to_itf, validate_itf
from replcheck.checker.model import as_model
from replcheck.checker.spec import load_spec

from toy_models import Counter

ROOT = Path(__file__).resolve().parent.parent
STALE = ROOT / "specs" / "leaderless" / "n3_w1_r1.toml"
LASSO = ROOT / "specs" / "liveness" / "leaderless_no_anti_entropy.toml"
TAGS = {"#bigint", "#tup", "#set", "#map", "#unserializable"}


class Point(NamedTuple):
    x: int
    label: str


@dataclass(frozen=True)
class Box:
    items: frozenset
    table: tuple


def test_values_are_encoded_as_the_format_says():
    assert encode(True) is True and encode("a") == "a"
    assert encode(12) == {"#bigint": "12"} and encode(-3) == {"#bigint": "-3"}
    assert encode(2**70) == {"#bigint": str(2**70)}
    assert encode((1, "a")) == {"#tup": [{"#bigint": "1"}, "a"]}
    assert encode(frozenset({3, 1})) == {"#set": [{"#bigint": "1"}, {"#bigint": "3"}]}
    assert encode({"b": 1, "a": 2}) == {"#map": [["a", {"#bigint": "2"}], ["b", {"#bigint": "1"}]]}
    assert encode(Point(1, "p")) == {"x": {"#bigint": "1"}, "label": "p"}
    assert encode(Box(frozenset(), ())) == {"items": {"#set": []}, "table": {"#tup": []}}
    assert encode(None) == {"tag": "None", "value": {"#tup": []}}
    assert encode([1]) == [{"#bigint": "1"}]
    assert encode(1.5) == {"#unserializable": "1.5"}


def test_generic_variables_read_fields_or_name_the_state():
    assert generic_variables(Point(1, "p")) == {"x": 1, "label": "p"}
    assert generic_variables(Box(frozenset(), ())) == {"items": frozenset(), "table": ()}
    assert generic_variables(7) == {"state": 7}
    assert generic_variables({"a": 1}) == {"a": 1}


values = st.recursive(
    st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.tuples(inner, inner)
        | st.lists(inner, max_size=3)
        | st.frozensets(st.integers(), max_size=3)
        | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(values)
def test_every_encoded_value_is_valid_and_sets_are_ordered(value):
    doc = {"vars": ["v"], "states": [{"#meta": {"index": 0}, "v": encode(value)}]}
    assert validate_itf(doc) == []
    if isinstance(value, frozenset):
        assert encode(value) == encode(frozenset(sorted(value, reverse=True)))


def test_the_validator_rejects_what_the_format_does_not_allow():
    good = {"#meta": {}, "vars": ["x"], "states": [{"x": {"#bigint": "1"}}]}
    assert validate_itf(good) == []
    assert validate_itf({**good, "states": [{"y": True}]})  # a variable not in vars
    assert validate_itf({**good, "states": [{"x": 1.5}]})  # a float
    assert validate_itf({**good, "states": [{"x": 2**60}]})  # an unsafe JSON number
    assert validate_itf({**good, "states": [{"x": {"#bigint": "x1"}}]})
    assert validate_itf({**good, "states": [{"x": {"#map": [[1]]}}]})
    assert validate_itf({**good, "states": [{"x": {"#nope": []}}]})
    assert validate_itf({**good, "loop": 3})
    assert validate_itf({**good, "extra": 1})
    assert validate_itf([]) and validate_itf({"vars": ["x"]})


def test_a_toy_models_trace_uses_the_generic_encoding():
    result = check(Counter(5))
    p = result["below_bad"]
    doc = trace_to_itf(as_model(Counter(5)), p.trace)
    assert validate_itf(doc) == []
    assert doc["vars"] == ["state"]
    assert [s["state"] for s in doc["states"]] == [{"#bigint": str(i)} for i in range(4)]
    assert doc["states"][0]["#meta"] == {"index": 0}
    assert doc["states"][1]["#meta"]["action"] == "inc"


def _itf_run(tmp_path, spec, capsys):
    target = tmp_path / "trace.itf.json"
    code = main(["check", str(spec), "--quiet", "--itf", str(target)])
    capsys.readouterr()
    return code, target


def test_check_itf_writes_one_valid_file_per_counterexample(tmp_path, capsys):
    code, target = _itf_run(tmp_path, STALE, capsys)
    assert code == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["trace.linearizable.itf.json", "trace.read_your_writes.itf.json"]
    doc = json.loads((tmp_path / "trace.read_your_writes.itf.json").read_text())
    assert validate_itf(doc) == []
    assert doc["#meta"]["format"] == "ITF" and doc["#meta"]["property"] == "read_your_writes"
    assert doc["vars"] == ["nodes", "clients", "net", "history", "faults", "extra"]
    assert "loop" not in doc
    # The state is data: the last state's history shows the read of the initial value.
    last = doc["states"][-1]
    reads = [e for e in last["history"] if e["kind"] == "ok" and e["op"] == "r"]
    assert reads and reads[-1]["value"] == {"#bigint": "0"}
    assert [pair[0] for pair in last["nodes"]["#map"]] == ["n0", "n1", "n2"]


def test_a_lasso_carries_its_loop_index(tmp_path, capsys):
    _, target = _itf_run(tmp_path, LASSO, capsys)
    doc = json.loads(target.read_text())
    assert validate_itf(doc) == []
    result = check(load_spec(LASSO).build())
    assert doc["loop"] == result["eventual_convergence"].loop_start
    assert len(doc["states"]) == len(result["eventual_convergence"].trace) + 1


def test_itf_output_is_byte_identical_across_runs(tmp_path, capsys):
    first = tmp_path / "a"
    second = tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _itf_run(first, STALE, capsys)
    _itf_run(second, STALE, capsys)
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes()


def test_itf_refuses_several_specs_in_one_line(tmp_path, capsys):
    code = main(["check", str(ROOT / "specs" / "leaderless"), "--itf", str(tmp_path / "t.json")])
    err = capsys.readouterr().err
    assert code == 2 and "--itf" in err and len(err.strip().splitlines()) == 1


def test_itf_paths_name_each_property():
    assert itf_paths(Path("t.itf.json"), ["a"]) == {"a": Path("t.itf.json")}
    assert itf_paths(Path("d/t.itf.json"), ["a", "b"]) == {"a": Path("d/t.a.itf.json"), "b": Path("d/t.b.itf.json")}


def test_json_traces_carry_the_state_as_data(capsys):
    main(["check", str(STALE), "--json", "--property", "read_your_writes"])
    out = json.loads(capsys.readouterr().out)
    prop = out["properties"][0]
    assert set(prop["initial_state"]) == {"nodes", "clients", "net", "history", "faults", "extra"}
    assert all("state" in step and "changes" in step for step in prop["trace"])
    assert prop["trace"][-1]["state"]["history"][-1]["kind"] == "ok"
