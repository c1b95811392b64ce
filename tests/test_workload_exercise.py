"""``guarantees.unexercised``: which guarantees a workload can never violate, so that a
database check does not present their vacuous HOLDS as a finding."""

from pathlib import Path

import pytest

from replcheck.checker.spec import load_spec
from replcheck.checker.registry import frontend
from replcheck.models.guarantees import unexercised

SPECS = Path(__file__).resolve().parent.parent / "specs"


@pytest.mark.parametrize(
    "scripts, idle",
    [
        (("w r",), {"monotonic_reads", "monotonic_writes", "writes_follow_reads", "no_lost_updates"}),
        (("w r r",), {"monotonic_writes", "writes_follow_reads", "no_lost_updates"}),
        (("w", "w r"), {"monotonic_reads", "monotonic_writes", "writes_follow_reads"}),
        (("r w w r",), set()),
        (
            ("w:a r:b",),
            {
                "read_your_writes",
                "monotonic_reads",
                "monotonic_writes",
                "writes_follow_reads",
                "no_lost_updates",
                "linearizable",
            },
        ),
        (
            ("r", "r"),
            {
                "read_your_writes",
                "monotonic_reads",
                "monotonic_writes",
                "writes_follow_reads",
                "no_lost_updates",
                "linearizable",
                "durable_acks",
                "no_acknowledged_write_lost",
            },
        ),
        (("inc r",), {"monotonic_reads", "monotonic_writes", "writes_follow_reads", "no_lost_updates"}),
    ],
)
def test_what_each_workload_leaves_unexercised(scripts, idle):
    assert set(unexercised(scripts)) == idle


def test_the_trust_audits_vacuous_list_agrees():
    """Every HOLDS the trust audit lists as vacuous is one unexercised() names."""
    from test_trust_workloads import VACUOUS

    for key, prop in VACUOUS:
        spec = load_spec(SPECS / f"{key}.toml")
        assert prop in unexercised(spec.build().params["clients"]), (key, prop)


def test_a_database_check_says_what_its_workload_leaves_out():
    t = frontend("redis").translate({})
    assert any(d.setting == "clients" and "default" in d.becomes for d in t.decisions)
    assert t.workload() == ("w r",)
