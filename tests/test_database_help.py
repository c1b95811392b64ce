"""``replcheck check DATABASE --help`` answers with that database's settings."""

import pytest

from replcheck.checker import cli
from replcheck.checker.registry import frontend_names


@pytest.mark.parametrize("db", sorted(frontend_names()))
def test_check_database_help_lists_its_settings(db, capsys):
    assert cli.main(["check", db, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: replcheck check {db} setting=value")
    assert f"\n{db}: " in out and "  settings:" in out and "default" in out


def test_help_with_settings_given_still_answers_and_runs_nothing(capsys):
    assert cli.main(["check", "cassandra", "rf=3", "-h"]) == 0
    out = capsys.readouterr().out
    assert "write_consistency" in out and "VIOLATED" not in out


def test_plain_check_help_is_the_generic_one(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["check", "--help"])
    assert done.value.code == 0
    assert "SPEC_OR_DIR" in capsys.readouterr().out
