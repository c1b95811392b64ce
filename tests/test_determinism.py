"""Determinism (issue 13): the same specs give byte-identical verdicts, traces, DOT and JSON
(timings aside) whatever PYTHONHASHSEED is: 0, 1 and a random one."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = [
    "specs/leaderless/n3_w2_r2_sloppy.toml",
    "specs/leader_follower/async_failover_loses_write.toml",
    "specs/multi_leader/lww_partition.toml",
    "specs/liveness/leaderless_no_anti_entropy.toml",
    "specs/leaderless/n3_w1_r1.toml",
]
TIMINGS = {"seconds", "states_per_second"}


def _untimed(data):
    if isinstance(data, dict):
        return {k: _untimed(v) for k, v in data.items() if k not in TIMINGS}
    if isinstance(data, list):
        return [_untimed(v) for v in data]
    return data


def _run(seed: str, out: Path) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run(
        [sys.executable, "-m", "replcheck.checker", "check", *SPECS, "--json", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix in (".json", ".dot", ".txt", ".md"):
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".json":
                text = json.dumps(_untimed(json.loads(text)), indent=1)
            files[str(path.relative_to(out))] = text
    files["stdout"] = json.dumps(_untimed(json.loads(proc.stdout)), indent=1)
    return files


def test_outputs_do_not_depend_on_the_hash_seed(tmp_path):
    runs = {seed: _run(seed, tmp_path / f"seed-{seed}") for seed in ("0", "1", "random")}
    assert any(name.endswith(".dot") for name in runs["0"])
    for seed in ("1", "random"):
        assert runs[seed].keys() == runs["0"].keys()
        for name, text in runs["0"].items():
            assert runs[seed][name] == text, f"{name} differs under PYTHONHASHSEED={seed}"
