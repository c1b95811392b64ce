"""The model contract (checker/model.py): defaults, the adapter for duck-typed models, and
an engine that reads models only through the contract."""

import ast
from pathlib import Path

import pytest
from toy_models import Counter

from replcheck.checker import Model, ModelError, as_model, check
from replcheck.checker.model import OPTIONAL, REQUIRED, ForeignModel, offers_symmetry
from replcheck.checker.report import result_json, state_changes

CHECKER = Path(__file__).resolve().parent.parent / "checker"


class DuckCounter:
    """Counter's behaviour without subclassing Model (the pre-contract way)."""

    def __init__(self, limit, bad=3):
        self.limit, self.bad = limit, bad

    init_states = Counter.init_states
    next_steps = Counter.next_steps
    below_bad = Counter.below_bad
    reaches_two = Counter.reaches_two


def test_every_contract_member_has_a_default_on_model():
    for member in REQUIRED + OPTIONAL:
        assert hasattr(Model, member), member


def test_defaults_mean_nothing_optional_is_offered():
    m = Counter(3)
    assert m.successors is None and m.canonical is None and m.fair_actions is None
    assert not m.stuttering and not m.symmetric_fairness and m.PARAMS == ()
    assert m.summary() == "" and m.diagram(None, None) is None
    assert m.display_name() == "Counter" and dict(m.params) == {}
    assert not offers_symmetry(m) and not offers_symmetry(Counter)
    assert [p.name for p in m.properties()] == ["below_bad", "reaches_two"]


def test_default_describe_changes_is_a_structural_diff():
    assert state_changes(Counter(3), (1, (2, 3)), (1, (2, 4))) == ["state[1][1]: 3 -> 4"]
    assert state_changes(Counter(3), 1, 2) == ["state: 1 -> 2"]


def test_a_duck_typed_model_is_adapted_and_explores_the_same():
    duck, real = check(DuckCounter(5)), check(Counter(5))
    assert duck.verdicts() == real.verdicts()
    assert duck.stats.states == real.stats.states
    assert duck["below_bad"].trace == real["below_bad"].trace
    adapted = as_model(DuckCounter(5))
    assert isinstance(adapted, ForeignModel) and adapted.display_name() == "DuckCounter"
    assert result_json(DuckCounter(5), duck)["model"] == "DuckCounter"


def test_the_adapter_takes_the_objects_optional_members():
    class Named(DuckCounter):
        name = "named"
        stuttering = True

        def summary(self):
            return "limit=5"

    adapted = as_model(Named(5))
    assert adapted.name == "named" and adapted.stuttering and adapted.summary() == "limit=5"
    assert adapted.canonical is None


def test_a_model_instance_is_not_wrapped():
    m = Counter(3)
    assert as_model(m) is m


@pytest.mark.parametrize("thing", [object(), 42, type("OnlyInit", (), {"init_states": lambda self: [0]})()])
def test_an_object_without_the_required_methods_is_refused_clearly(thing):
    with pytest.raises(ModelError, match="is not a model: it has no .*next_steps"):
        check(thing)


def _probes(tree):
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in ("model", "cls")
            and isinstance(node.args[1], ast.Constant)
        ):  # a member named literally
            yield node.lineno


def test_the_engine_reads_models_only_through_the_contract():
    found = {}
    for path in CHECKER.glob("*.py"):
        if path.name != "model.py":
            lines = list(_probes(ast.parse(path.read_text(encoding="utf-8"))))
            if lines:
                found[path.name] = lines
    assert found == {}, "getattr/hasattr on a model outside checker/model.py"


def test_the_engine_imports_no_models():
    for path in CHECKER.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert "models" not in (node.module or "").split("."), path.name
            elif isinstance(node, ast.Import):
                assert not any("models" in a.name.split(".") for a in node.names), path.name
