"""The ``replcheck`` command line.

Exit codes: 0 every verdict as expected (ad hoc: no safety property violated), 1 some
verdict differs, 2 a usage or spec error (one line on stderr, no traceback).
"""

import argparse
import json
import sys
from pathlib import Path

from . import registry
from .errors import ReplcheckError, SpecError, UsageError
from .model import as_model, offers_symmetry
from .properties import declared_properties, first_line
from .report import (is_failure, result_json, stats_line, trace_lines, verdict_line)
from .search import check
from .spec import Spec, find_specs, load_spec, parse_assignments, validate

EXAMPLES = """examples:
  replcheck check specs/                          every spec, verdicts against expectations
  replcheck check specs/leaderless/n3_w1_r1.toml --out reports/
  replcheck check leaderless n=3 w=1 r=1 --json   an ad hoc configuration, no spec file
  replcheck check examples/primary_backup.py:PrimaryBackup mode=async   a model in a file
  replcheck list                                  models, parameters, properties
  replcheck prove quorum-intersection             a z3 proof for every N
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, as for every other bad input
        raise UsageError(f"{message} (see 'replcheck --help')")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand: check, sweep, list, and those registered in the
    replcheck.commands group (prove, synthesize)."""
    parser = _Parser(prog="replcheck", description="A model checker for database replication: "
                     "explores every reachable state of a bounded configuration and reports "
                     "which guarantees hold, with the shortest counterexample for each that fails.",
                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    c = sub.add_parser("check", help="check spec files, directories of specs, or an ad hoc model",
                       description="Check specs (files or directories of *.toml) against their "
                       "expected verdicts, or an ad hoc configuration: MODEL key=value ...",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("targets", nargs="+", metavar="SPEC_OR_DIR | MODEL key=value",
                   help="spec files or directories, or a model name followed by parameters")
    c.add_argument("--json", action="store_true",
                   help="print the whole result (verdicts, statistics, traces) as JSON on stdout")
    c.add_argument("--out", metavar="DIR", type=Path,
                   help="write each counterexample and witness as DOT, SVG, text and JSON under DIR")
    c.add_argument("--max-depth", type=int, metavar="N", help="explore at most N steps deep")
    c.add_argument("--max-states", type=int, metavar="N", help="store at most N distinct states")
    c.add_argument("--time-limit", type=float, metavar="SECONDS", help="stop after SECONDS")
    c.add_argument("--property", action="append", dest="properties", metavar="NAME",
                   help="check only this property (repeatable)")
    c.add_argument("--symmetry", action="store_true",
                   help="treat interchangeable replicas as one (fewer states, same verdicts); "
                        "specs can ask for it with symmetry = true")
    c.add_argument("--fingerprints", action="store_true",
                   help="store 64-bit state hashes instead of states (as TLC does): much less "
                        "memory, a tiny stated chance of a collision; ignored for liveness")
    c.add_argument("--quiet", action="store_true", help="no traces, no progress line")
    sw = sub.add_parser("sweep", help="check every combination of parameter values",
                        description="Explore the model once per combination of parameter "
                        "values and print a matrix per property; ranges may refer to earlier "
                        "parameters, e.g. replcheck sweep leaderless n=1..4 w=1..n r=1..n",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sw.add_argument("model", help="a model name (see replcheck list)")
    sw.add_argument("ranges", nargs="+", metavar="name=RANGE",
                    help="A..B (whole numbers or earlier parameter names), a,b,c, or a value")
    sw.add_argument("--property", action="append", dest="properties", metavar="NAME",
                    help="only this property (repeatable; default: all)")
    sw.add_argument("--set", action="append", default=[], metavar="key=value",
                    help="a parameter held fixed in every cell (repeatable)")
    sw.add_argument("--out", type=Path, metavar="DIR", default=None,
                    help="write sweep.csv, sweep.json and sweep.svg under DIR/sweep-MODEL")
    sw.add_argument("--json", action="store_true", help="print the cells as JSON on stdout")
    sw.add_argument("--symmetry", action="store_true", help="reduce interchangeable replicas")
    sw.add_argument("--max-states", type=int, metavar="N", help="per-cell state bound")
    sw.add_argument("--time-limit", type=float, metavar="SECONDS", help="per-cell time bound")
    sub.add_parser("list", help="the models, their parameters and properties",
                   description="List every registered model with its parameters (and defaults) "
                   "and its properties.")
    try:
        prove_command = registry.command_module("prove")
        if prove_command is not None:
            prove_command.add_parsers(sub)
    except ImportError:  # proofs need z3; the checker works without it
        pass
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: sys.argv) and return the exit code: 0 as
    expected, 1 a verdict differs, 2 bad input (one line on stderr, never a traceback)."""
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return 2
        if args.command == "check":
            return run_check(args)
        if args.command == "list":
            return run_list()
        if args.command == "sweep":
            return run_sweep_command(args)
        if args.command == "prove":
            run_prove = registry.command_module("prove").run_prove
            return run_prove(args)
        if args.command == "synthesize":
            run_synthesize = registry.command_module("prove").run_synthesize
            tolerate = int(args.tolerate) if str(args.tolerate).isdigit() else 0
            return run_synthesize(args, confirm=lambda n, w, r, guarantees:
                                  _confirm_by_exploration(n, w, r, guarantees, tolerate))
        raise UsageError(f"unknown command {args.command!r}")
    except ReplcheckError as exc:
        print(f"replcheck: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("replcheck: interrupted", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `replcheck list | head`
        sys.stderr.close()
        return 0


def _specs_from(targets: list[str]) -> list[Spec]:
    first = targets[0]
    if (first in registry.model_names() or registry.is_file_reference(first)) \
            and not Path(first).exists():
        spec = Spec(path=None, model=first, params=parse_assignments(targets[1:]))
        validate(spec)
        return [spec]
    specs = []
    for target in targets:
        if "=" in target and not Path(target).exists():
            raise SpecError("command line", target, "key=value parameters follow a model name, "
                            f"e.g. 'replcheck check leaderless n=3'; known models: "
                            f"{', '.join(registry.model_names())}")
        if not Path(target).exists() and not target.endswith(".toml") and "/" not in target:
            raise SpecError("command line", None, f"'{target}' is neither a spec file nor a "
                            f"model; known models: {', '.join(registry.model_names())}")
        specs.extend(load_spec(p) for p in find_specs(Path(target)))
    return specs


def _bounds(spec: Spec, args) -> dict:
    bounds = dict(spec.bounds)
    for name in ("max_depth", "max_states", "time_limit"):
        value = getattr(args, name)
        if value is not None:
            if value < 0:
                raise UsageError(f"--{name.replace('_', '-')} must not be negative, got {value}; "
                                 "give 0 or more, or leave it out for no bound")
            bounds[name] = value
    return bounds


def run_check(args) -> int:
    """``replcheck check``: explore each spec (or the ad hoc model), print or write the
    results; 1 when a verdict or pin differs from the spec (ad hoc: a safety property is
    violated)."""
    specs = _specs_from(args.targets)
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: exists and is not a directory; name a directory")
    reports, failed, index = [], False, []
    for spec in specs:
        progress = None if args.quiet or args.json else _progress_printer(spec)
        if args.symmetry:
            spec.symmetry = True
            validate(spec)
        model, result, mismatches = check_spec(spec, _bounds(spec, args), args.properties,
                                               progress, args.fingerprints)
        failed |= bool(mismatches) if spec.path else any(map(is_failure, result.properties))
        written = _write_outputs(args.out, spec, model, result) if args.out else []
        index.append((spec, result, mismatches))
        if args.json:
            reports.append(result_json(model, result, spec if spec.path else None, mismatches))
        else:
            _print_human(spec, model, result, mismatches, written, args.quiet,
                         args.fingerprints and not result.stats.visited_bytes)
    if args.out is not None and len(specs) > 1:
        _write_index(args.out, index)
    if args.json:
        print(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    elif len(specs) > 1:
        outcome = "some verdicts differ from expectations" if failed else "every verdict as expected"
        print(f"{len(specs)} specs checked: {outcome}")
    return 1 if failed else 0


def _write_index(out: Path, runs: list) -> None:
    """``OUT/index.md``: every spec of the run, its verdicts, and links to its diagrams."""
    lines = ["# replcheck reports", "",
             "Generated by `replcheck check ... --out`; every verdict comes from exploring the "
             "model. Each link is a counterexample (VIOLATED safety or liveness) or a witness.", "",
             "| spec | states | property | verdict | expected | diagram |",
             "|---|---|---|---|---|---|"]
    for spec, result, mismatches in runs:
        name = spec.where
        for p in result.properties:
            expected = spec.expect.get(p.name, "")
            link = f"[svg]({spec.stem}/{p.name}.svg)" if p.trace is not None else ""
            lines.append(f"| `{name}` | {result.stats.states:,} | {p.name} | {p.verdict.value} | "
                         f"{expected} | {link} |")
            name = ""
        if mismatches:
            lines.append(f"| | | MISMATCH | {'; '.join(mismatches)} | | |")
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def check_spec(spec: Spec, bounds: dict | None = None, properties=None, progress=None,
               fingerprints: bool = False):
    """Explore ``spec``'s model: (model, result, mismatches with the spec's expectations)."""
    model = spec.build()
    try:
        result = check(model, properties=properties or spec.properties, progress=progress,
                       symmetry=model.canonical if spec.symmetry else None,
                       fingerprints=fingerprints,
                       **(spec.bounds if bounds is None else bounds))
    except ReplcheckError as exc:
        raise SpecError(spec.where, None, str(exc)) from None
    if progress:
        progress(None)
    return model, result, _mismatches(spec, result)


def _mismatches(spec: Spec, result) -> list[str]:
    out = []
    verdicts = result.verdicts()
    for name, expected in spec.expect.items():
        if name in verdicts and verdicts[name].value != expected:
            out.append(f"{name}: expected {expected}, got {verdicts[name].value}")
    for name, pinned in spec.pin.items():
        got = getattr(result.stats, name)
        if got != pinned:
            out.append(f"pin.{name}: pinned {pinned}, explored {got} (the state space changed; "
                       f"update the pin if the change is intended)")
    return out


def _print_human(spec, model, result, mismatches, written, quiet,
                 fingerprints_ignored: bool = False) -> None:
    head = spec.where + (f" -- {spec.title}" if spec.title else "")
    if not spec.path:
        head = f"{spec.model} {as_model(model).summary()}".rstrip()
    print(head)
    for p in result.properties:
        print(verdict_line(p, spec.expect.get(p.name) if spec.path else None))
    print(stats_line(result))
    if fingerprints_ignored:
        print("  note: --fingerprints was ignored: liveness properties need the exact state "
              "graph (select only safety properties with --property to use it)")
    for line in mismatches:
        print(f"  MISMATCH {line}")
    if not quiet:
        for p in result.properties:
            if p.kind != "sometimes" and p.trace is not None:
                what = "lasso" if p.loop_start is not None else "counterexample"
                print(f"  shortest {what} for {p.name} ({len(p.trace)} steps):")
                print("\n".join(trace_lines(model, p.trace, "    ", p.loop_start)))
    for path in written:
        print(f"  wrote {path}")
    print()


def _progress_printer(spec: Spec):
    shown = [False]

    def show(figures):
        if figures is None:
            if shown[0]:
                print(file=sys.stderr)
            return
        shown[0] = True
        end = "\r" if sys.stderr.isatty() else "\n"
        print(f"  {spec.stem}: {figures['states']:,} states, depth {figures['depth']}, "
              f"frontier {figures['frontier']:,}, {figures['rate']:,.0f} states/s, "
              f"{figures['seconds']:.0f} s", end=end, file=sys.stderr, flush=True)
    return show


def _write_outputs(out: Path, spec: Spec, model, result) -> list[Path]:
    from .diagram import write_diagram
    folder = out / spec.stem
    written, notes = [], set()
    for p in result.properties:
        if p.trace is None:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / p.name
        stem.with_suffix(".txt").write_text(
            f"{p.name}: {p.verdict.value} ({p.description})\n" +
            "\n".join(trace_lines(model, p.trace, "", p.loop_start)) + "\n", encoding="utf-8")
        one = result_json(model, type(result)(properties=(p,), stats=result.stats), timings=False)
        stem.with_suffix(".json").write_text(json.dumps(one, indent=2) + "\n", encoding="utf-8")
        written.append(stem.with_suffix(".txt"))
        diagram = as_model(model).diagram(p.trace, p)
        if diagram is not None:
            dot, svg, note = write_diagram(diagram, stem)
            written.extend(x for x in (dot, svg) if x)
            if note:
                notes.add(note)
    for note in sorted(notes):
        print(f"replcheck: {note}", file=sys.stderr)
    return written


def run_sweep_command(args) -> int:
    """``replcheck sweep``: one exploration per combination of parameter values, a matrix per
    property on stdout, and CSV/JSON/SVG under --out."""
    from . import sweep
    cls = registry.model_class(args.model)
    fixed = parse_assignments(args.set)
    axes = sweep.parse_axes(args.ranges)
    for bound in ("max_states", "time_limit"):
        if getattr(args, bound) is not None and getattr(args, bound) < 0:
            raise UsageError(f"--{bound.replace('_', '-')} must not be negative")
    if args.symmetry and not offers_symmetry(cls):
        raise UsageError(f"model {args.model} offers no symmetry reduction; drop --symmetry")
    build = sweep.safe_build(lambda params: cls(**params))
    if args.properties:
        from .search import select_properties
        select_properties(build({**fixed, **next(sweep.cells(axes))}), args.properties)
    bounds = {k: getattr(args, k) for k in ("max_states", "time_limit") if getattr(args, k) is not None}

    def progress(i, total, combo):
        shown = " ".join(f"{k}={v}" for k, v in combo.items())
        print(f"  [{i}/{total}] {shown}", file=sys.stderr, flush=True)

    result = sweep.run_sweep(build, axes, fixed, args.properties, bounds, args.symmetry,
                             None if args.json else progress)
    props = sweep.selected_properties(result)
    if args.json:
        print(json.dumps(sweep.to_json(result), indent=2))
    else:
        for prop in props:
            print("\n".join(sweep.matrix_lines(result, axes, prop)))
            print()
    if args.out is not None:
        if args.out.exists() and not args.out.is_dir():
            raise UsageError(f"--out {args.out}: exists and is not a directory; name a directory")
        folder = args.out / f"sweep-{args.model.rpartition(':')[2]}"  # a file model: its class
        folder.mkdir(parents=True, exist_ok=True)
        title = f"{args.model} sweep: " + " ".join(args.ranges)
        (folder / "sweep.csv").write_text(sweep.to_csv(result, axes), encoding="utf-8")
        (folder / "sweep.json").write_text(json.dumps(sweep.to_json(result, timings=False), indent=2) + "\n",
                                           encoding="utf-8")
        (folder / "sweep.svg").write_text(sweep.to_svg(result, axes, props, title), encoding="utf-8")
        if not args.json:
            print(f"wrote {folder}/sweep.csv, sweep.json, sweep.svg")
    return 0


def run_list() -> int:
    """``replcheck list``: every registered model with its parameters and properties; a model
    that fails to load is reported and the others still listed."""
    for name in registry.model_names():
        try:
            cls = registry.model_class(name)
            model = cls()
        except Exception as exc:  # a broken plug-in must not hide the others
            print(f"{name}: unavailable ({exc})\n")
            continue
        print(f"{name}: {first_line(cls.__doc__)}")
        print("  parameters:")
        for p in as_model(model).PARAMS:
            choices = f" (one of {', '.join(p.choices)})" if p.choices else ""
            default = ",".join(p.default) if isinstance(p.default, tuple) else p.default
            print(f"    {p.name:<14} default {str(default):<10} {p.help}{choices}")
        print("  properties:")
        for prop in declared_properties(model):
            print(f"    {prop.name:<40} {prop.kind:<10} {prop.description}")
        print()
    return 0


WITNESS_UNDER_FAULTS = "write_acknowledged_while_a_home_is_down"


def _confirm_by_exploration(n: int, w: int, r: int, guarantees: list[str], tolerate: int) -> str:
    """Explore the leaderless model for one synthesized (N, W, R) with ``tolerate`` replicas
    crashing: the guarantees must hold, and a write must still be acknowledged while a
    replica is down (the availability half of the choice)."""
    model = registry.build_model("leaderless", {"n": n, "w": w, "r": r, "crashes": tolerate})
    known = {p.name for p in declared_properties(model)}
    wanted = [g for g in guarantees if g in known]
    if tolerate:
        wanted.append(WITNESS_UNDER_FAULTS)
    if not wanted:
        return "nothing to explore"
    result = check(model, properties=wanted, symmetry=model.canonical)
    return ", ".join(f"{'available with a replica down' if g == WITNESS_UNDER_FAULTS else g} "
                     f"{result[g].verdict.value}" for g in wanted)


if __name__ == "__main__":
    sys.exit(main())
