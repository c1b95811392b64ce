"""Every spec in specs/ is explored, and its verdicts and pinned figures must match."""

from pathlib import Path

import pytest

from replcheck.checker.cli import check_spec
from replcheck.checker.spec import load_spec

SPECS = sorted((Path(__file__).resolve().parent.parent / "specs").rglob("*.toml"))


def test_there_are_specs_for_the_leaderless_family():
    assert any("leaderless" in str(p) for p in SPECS)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_spec_verdicts_and_pins(path):
    spec = load_spec(path)
    assert spec.expect, "a spec must say which verdicts it expects"
    assert "states" in spec.pin, "a spec must pin its state count"
    _model, result, mismatches = check_spec(spec)
    assert mismatches == []
    for p in result.properties:
        if p.trace is not None and p.loop_start is None:
            assert len(p.trace) <= result.stats.depth
