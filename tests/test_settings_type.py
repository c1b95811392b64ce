"""``settings_type``: the typed, frozen parameter object models read instead of dict lookups."""

import dataclasses
import pickle

import pytest

from replcheck.checker.params import Param, bind, settings_type

PARAMS = (
    Param("n", int, 3, "replicas", minimum=1),
    Param("clients", list, ("w r",), "scripts"),
    Param("sloppy", bool, False, "hinted hand-off"),
    Param("clock", str, "global", "clock", choices=("global", "client")),
)
Example = settings_type("Example", PARAMS, module=__name__)


def test_fields_follow_the_declaration_with_their_types():
    assert [(f.name, f.type) for f in dataclasses.fields(Example)] == [
        ("n", int),
        ("clients", tuple),
        ("sloppy", bool),
        ("clock", str),
    ]


def test_built_from_bound_values_and_frozen():
    cfg = Example(**bind(PARAMS, {"n": "5", "clients": "w,r"}))
    assert (cfg.n, cfg.clients, cfg.sloppy, cfg.clock) == (5, ("w", "r"), False, "global")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.n = 4


def test_pickles_by_reference():
    cfg = Example(**bind(PARAMS, {}))
    assert pickle.loads(pickle.dumps(cfg)) == cfg
