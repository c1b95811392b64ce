"""The ``replcheck`` command line.

Exit codes: 0 every verdict as expected (ad hoc: no safety property violated), 1 some
verdict differs, 2 a usage or spec error (one line on stderr, no traceback), 130 stopped by
SIGINT (Ctrl-C) and 143 by SIGTERM: the partial result is still printed, its undecided
verdicts UNKNOWN.
"""

import argparse
import difflib
import json
import math
import os
import signal
import sys
from pathlib import Path

from . import registry
from .errors import ReplcheckError, SpecError, UsageError
from .model import as_model, offers_symmetry
from .properties import declared_properties, first_line
from .report import is_failure, result_json, stats_line, trace_lines, verdict_line
from .params import typed_params
from .output import OutputError, check_out_dir, remove_stale, spec_folder, write_atomic
from .spec import Spec, check_spec, database_spec, find_specs, load_spec, parse_assignments, validate

EXIT_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal number, as shells do

EXAMPLES = """examples:
  replcheck check specs/                          every spec, verdicts against expectations
  replcheck check specs/leaderless/n3_w1_r1.toml --out reports/
  replcheck check leaderless n=3 w=1 r=1 --json   an ad hoc configuration, no spec file
  replcheck check examples/primary_backup.py:PrimaryBackup mode=async   a model in a file
  replcheck check postgres synchronous_standby_names="FIRST 1 (s1, s2)" synchronous_commit=on
                                                  a database's own settings (replcheck list databases)
  replcheck list                                  models, parameters, properties; databases, settings
  replcheck prove quorum-intersection             a z3 proof for every N
exit status: 0 as expected, 1 a verdict differs, 2 bad input, 130 interrupted (SIGINT),
  143 terminated (SIGTERM); an interrupted run prints its partial result, undecided = UNKNOWN
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, as for every other bad input
        raise UsageError(f"{message} (see 'replcheck --help')")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand: check, sweep, list, and those registered in the
    replcheck.commands group (prove, synthesize)."""
    parser = _Parser(
        prog="replcheck",
        description="A model checker for database replication: "
        "explores every reachable state of a bounded configuration and reports "
        "which guarantees hold, with the shortest counterexample for each that fails.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    c = sub.add_parser(
        "check",
        help="check spec files, directories of specs, or an ad hoc model",
        description="Check specs (files or directories of *.toml) against their "
        "expected verdicts, or an ad hoc configuration: MODEL key=value ...",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument(
        "targets",
        nargs="+",
        metavar="SPEC_OR_DIR | MODEL key=value | DATABASE setting=value",
        help="spec files or directories, a model name followed by parameters, or a "
        "database (replcheck list databases) followed by its own settings",
    )
    c.add_argument(
        "--json", action="store_true", help="print the whole result (verdicts, statistics, traces) as JSON on stdout"
    )
    c.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="write each counterexample and witness as DOT, SVG, text and JSON under DIR",
    )
    c.add_argument(
        "--itf",
        metavar="FILE",
        type=Path,
        help="write the counterexamples in the Informal Trace Format of Apalache and Quint "
        "(JSON, the state as data): FILE when there is one, FILE's stem plus "
        ".PROPERTY.itf.json for each when there are several; one spec only",
    )
    c.add_argument("--max-depth", type=_depth, metavar="N", help="explore at most N steps deep")
    c.add_argument("--max-states", type=_count, metavar="N", help="store at most N distinct states")
    c.add_argument("--time-limit", type=_seconds, metavar="SECONDS", help="stop after SECONDS")
    c.add_argument(
        "--property", action="append", dest="properties", metavar="NAME", help="check only this property (repeatable)"
    )
    c.add_argument(
        "--symmetry",
        action="store_true",
        help="treat interchangeable replicas as one (fewer states, same verdicts); "
        "specs can ask for it with symmetry = true",
    )
    c.add_argument(
        "--fingerprints",
        action="store_true",
        help="store 64-bit state hashes instead of states in the visited set (as TLC "
        "does), with a tiny stated chance of a collision. It saves little: the "
        "frontier of whole states dominates (measured on n3_w2_r2_blocking_repair, "
        "92,854 states: peak 239 MB without, 245 MB with). Ignored for liveness",
    )
    c.add_argument(
        "--por",
        action="store_true",
        help="partial-order reduction: explore one order of steps the model declares "
        "independent and invisible (safety only; liveness is refused; traces stay "
        "real but may not be the shortest; specs' state pins are not compared)",
    )
    c.add_argument(
        "--staleness",
        action="store_true",
        help="with a database configuration (cassandra, riak): also print the exact "
        "probability that a read returns one of the k latest writes (k = 1..3, "
        "probabilistically bounded staleness; docs/staleness.md)",
    )
    c.add_argument(
        "--availability",
        action="store_true",
        help="with a database configuration: also find, by exploring it under crashes, how "
        "many members may be down while a write and a read still succeed, and how "
        "many crashes an acknowledged write survives, each with the trace that breaks "
        "it (one client, one operation; --time-limit bounds each search, default 60 s)",
    )
    c.add_argument(
        "--por-baseline", action="store_true", help="with --por, also explore without it and report both state counts"
    )
    c.add_argument(
        "--workers",
        type=_workers,
        metavar="N",
        default=0,
        help="explore breadth-first across N Ray worker processes (local cluster "
        "unless --ray): same states, verdicts and traces; needs the [ray] extra",
    )
    c.add_argument(
        "--ray",
        metavar="ADDRESS",
        dest="ray_address",
        help="run the workers on the Ray cluster at ADDRESS (e.g. 10.0.0.1:6379, or auto)",
    )
    c.add_argument(
        "--quiet",
        action="store_true",
        help="print only the final summary and problems: no per-spec verdicts, traces or progress",
    )
    sw = sub.add_parser(
        "sweep",
        help="check every combination of parameter values",
        description="Explore the model once per combination of parameter "
        "values and print a matrix per property; ranges may refer to earlier "
        "parameters, e.g. replcheck sweep leaderless n=1..4 w=1..n r=1..n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sw.add_argument("model", help="a model name (see replcheck list)")
    sw.add_argument(
        "ranges",
        nargs="+",
        metavar="name=RANGE",
        help="A..B (whole numbers or earlier parameter names), a,b,c, or a value",
    )
    sw.add_argument(
        "--property",
        action="append",
        dest="properties",
        metavar="NAME",
        help="only this property (repeatable; default: all)",
    )
    sw.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="key=value",
        help="a parameter held fixed in every cell (repeatable)",
    )
    sw.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        default=None,
        help="write sweep.csv, sweep.json and sweep.svg under DIR/sweep-MODEL",
    )
    sw.add_argument("--json", action="store_true", help="print the cells as JSON on stdout")
    sw.add_argument("--symmetry", action="store_true", help="reduce interchangeable replicas")
    sw.add_argument("--max-states", type=_count, metavar="N", help="per-cell state bound")
    sw.add_argument("--time-limit", type=_seconds, metavar="SECONDS", help="per-cell time bound")
    li = sub.add_parser(
        "list",
        help="the models, their parameters and properties; the databases and their settings",
        description="List every registered model with its "
        "parameters (and defaults) and its properties, then every database front "
        "end with its settings. 'replcheck list models', 'replcheck list databases' "
        "or 'replcheck list NAME' narrows it.",
    )
    li.add_argument(
        "what",
        nargs="?",
        default="",
        metavar="models | databases | NAME",
        help="only the models, only the databases, or one model or database",
    )
    for name in registry.command_names():  # prove/synthesize, staleness, ...: each adds its parsers
        try:
            registry.command_module(name).add_parsers(sub)
        except ImportError:  # proofs need z3, staleness numpy; the checker works without them
            pass
    return parser


def _count(text: str, least: int = 1) -> int:
    """A bound given as a whole number of states (at least 1) or steps (at least 0)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give e.g. 1000") from None
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"must not be negative, got {value}; give {least} or more, or leave the option out for no bound"
        )
    if value < least:
        raise argparse.ArgumentTypeError(
            f"{value} explores nothing; give {least} or more, or leave the option out for no bound"
        )
    return value


def _workers(text: str) -> int:
    value = _count(text)
    if value > 4096:
        raise argparse.ArgumentTypeError(f"{value} workers is more than 4096; give fewer")
    return value


def _depth(text: str) -> int:
    return _count(text, least=0)


def _seconds(text: str) -> float:
    """A time bound in seconds: finite and positive (``nan`` or ``inf`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds; give e.g. 60") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"{text} is not a positive, finite number of seconds; give e.g. 60, or leave the option out for no limit"
        )
    return value


class Interrupted(KeyboardInterrupt):
    """SIGTERM, turned into the exception the search already stops cleanly on."""


def _on_signal(signum, frame):
    _INTERRUPT_SEEN.append(signum)
    raise Interrupted() if signum == signal.SIGTERM else KeyboardInterrupt()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    if not _main_thread():
        return _main(argv)
    _INTERRUPT_SEEN.clear()
    previous = {sig: signal.signal(sig, _on_signal) for sig in EXIT_SIGNAL}
    try:
        return _main(argv)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _exit_code_of_interrupt(exc: BaseException) -> int:
    return EXIT_SIGNAL[signal.SIGTERM if isinstance(exc, Interrupted) else signal.SIGINT]


def _main(argv: list[str] | None = None) -> int:
    try:
        code = _dispatch(argv)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, inside the handlers
        return code
    except ReplcheckError as exc:
        print(f"replcheck: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # outside a search: nothing partial to show
        print("replcheck: interrupted", file=sys.stderr)
        return _exit_code_of_interrupt(exc)
    except RecursionError:
        print("replcheck: input nested too deeply to read; flatten it", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `replcheck list | head`
        _silence_stdout()
        return 0
    except OSError as exc:  # stdout itself failing, e.g. `--quiet > /dev/full`
        _silence_stdout()
        print(
            f"replcheck: cannot write the output ({exc.strerror or exc}); check the disk or the redirection",
            file=sys.stderr,
        )
        return 2


def _silence_stdout() -> None:
    # What could not be written is dropped, so the interpreter's own flush at exit does not
    # fail a second time with a traceback.
    try:
        sys.stdout = open(os.devnull, "w")
    except OSError:
        pass


def _dispatch(argv: list[str] | None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    if _database_help(words):
        return 0
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help(sys.stderr)
        return 2
    if args.command == "check":
        return run_check(args)
    if args.command == "list":
        return run_list(args.what)
    if args.command == "sweep":
        return run_sweep_command(args)
    if args.command == "prove":
        return _command("prove").run_prove(args)
    if args.command == "synthesize":
        return _command("prove").run_synthesize(args, confirm=_synthesize_confirmation(args))
    if args.command == "gallery":
        return _command("gallery").run_gallery(args)
    if getattr(args, "func", None) is not None:  # a plugged-in subcommand (replcheck.commands)
        return args.func(args)
    raise UsageError(f"unknown command {args.command!r}")


def _command(name: str):
    """The subcommand module registered as ``name`` (see ``registry.command_module``)."""
    module = registry.command_module(name)
    if module is None:
        raise UsageError(f"the '{name}' command is not installed; reinstall replcheck")
    return module


def _specs_from(targets: list[str]) -> list[tuple[Spec, Path | None]]:
    """(spec, the directory it was found under, if any) for each target."""
    first, rest = targets[0], targets[1:]
    words = [t for t in rest if "=" in t]
    if first in registry.frontend_names() and (not Path(first).exists() or len(words) == len(rest)):
        # A database front end with its own settings: the translation decides the model.
        return [(database_spec("command line", first, parse_assignments(rest)), None)]
    named = first in registry.model_names() or registry.is_file_reference(first)
    if named and (not Path(first).exists() or (rest and len(words) == len(rest))):
        # A model name followed by key=value words is an ad hoc run, even where a folder of
        # the same name exists (``cd specs && replcheck check leaderless n=3``).
        spec = Spec(path=None, model=first, params=parse_assignments(rest))
        validate(spec)
        return [(spec, None)]
    specs = []
    for target in targets:
        path = Path(target)
        if "=" in target and not path.exists():
            raise SpecError(
                "command line",
                target,
                "key=value parameters follow a model name, "
                f"e.g. 'replcheck check leaderless n=3'; known models: "
                f"{', '.join(registry.model_names())}",
            )
        if not path.exists() and not path.is_symlink() and not target.endswith(".toml") and "/" not in target:
            near = difflib.get_close_matches(target, registry.model_names() + registry.frontend_names(), 1, 0.5)
            raise SpecError(
                "command line",
                None,
                f"'{target}' is neither a spec file nor a model "
                f"or database{f' (did you mean {near[0]!r}?)' if near else ''}; known models: "
                f"{', '.join(registry.model_names())}; databases: "
                f"{', '.join(registry.frontend_names())}",
            )
        base = path if path.is_dir() else None
        specs.extend((load_spec(p), base) for p in find_specs(path))
    return specs


def _bounds(spec: Spec, args) -> dict:
    bounds = dict(spec.bounds)
    for name in ("max_depth", "max_states", "time_limit"):
        value = getattr(args, name)
        if value is not None:
            bounds[name] = value
    # Engine switches travel with the bounds: check_spec passes the dict to check() whole.
    if args.por:
        bounds["por"] = True
    if args.workers or args.ray_address:
        bounds.update(workers=args.workers, ray_address=args.ray_address)
    return bounds


def run_check(args) -> int:
    """``replcheck check``: explore each spec (or the ad hoc model), print or write the
    results; 1 when a verdict or pin differs from the spec (ad hoc: a safety property is
    violated)."""
    found = _specs_from(args.targets)
    if args.staleness and any(spec.translation is None for spec, _ in found):
        raise UsageError(
            "--staleness needs a database configuration (replcheck check cassandra rf=3 "
            "write_consistency=ONE read_consistency=ONE --staleness); for a model use "
            "'replcheck staleness leaderless n=3 w=1 r=1'"
        )
    if args.availability and any(spec.translation is None for spec, _ in found):
        raise UsageError(
            "--availability needs a database configuration (replcheck check mongodb "
            "members=3 write_concern=majority --availability); a model's own fault "
            "budget is its crashes= parameter"
        )
    if args.por_baseline and not args.por:
        raise UsageError("--por-baseline compares with --por; add --por")
    if args.out is not None:
        check_out_dir(args.out)
    if args.itf is not None:
        _check_itf_target(args.itf, found)
    reports, failed, index, output_errors = [], False, [], []
    interrupted = None
    for spec, base in found:
        progress = None if args.quiet or args.json else _progress_printer(spec)
        if args.symmetry:
            spec.symmetry = True
            validate(spec)
        if args.por:
            spec.pin = {}  # pins count the unreduced state space
        model, result, mismatches = check_spec(spec, _bounds(spec, args), args.properties, progress, args.fingerprints)
        if args.por_baseline and result.stats.stopped_by != "interrupt":
            result.meta["por_baseline"] = _baseline_states(spec, args)
        if result.stats.stopped_by == "interrupt":
            interrupted = _INTERRUPT_SEEN[-1] if _INTERRUPT_SEEN else signal.SIGINT
        failed |= bool(mismatches) if spec.path else (any(map(is_failure, result.properties)) or bool(mismatches))
        folder = spec_folder(args.out, spec, base) if args.out else None
        written = []
        if folder is not None:
            try:
                written = _write_outputs(folder, model, result, spec.wording)
            except OutputError as exc:
                output_errors.append(str(exc))
        if args.itf is not None:
            try:
                written += _write_itf(args.itf, spec, model, result)
            except OutputError as exc:
                output_errors.append(str(exc))
        index.append((spec, result, mismatches, folder))
        if args.json:
            report = result_json(model, result, spec if spec.path else None, mismatches)
            if spec.wording is not None:  # the traces in the front end's words
                report = spec.wording.result_json(report)
            if spec.translation is not None:  # a database front end's translation and summary
                report = {
                    "translation": spec.translation.to_json(),
                    **report,
                    "summary": spec.translation.after_lines(result)[0].strip(),
                }
                if not spec.path:
                    report["mismatches"] = mismatches
                if args.staleness:
                    report["staleness"] = spec.translation.staleness(as_model(model).params)
                if args.availability:
                    report["availability"] = spec.translation.availability(_each_search(args))
            reports.append(_with_meta(report, result))
        elif not (args.quiet and len(found) > 1 and not mismatches):
            _print_human(
                spec,
                model,
                result,
                mismatches,
                written,
                args.quiet,
                args.fingerprints and not result.stats.visited_bytes,
                args.staleness,
                _each_search(args) if args.availability else None,
            )
        if interrupted:
            break
    if args.out is not None and len(found) > 1:
        try:
            _write_index(args.out, index)
        except OutputError as exc:
            output_errors.append(str(exc))
    if args.json:
        print(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    elif len(found) > 1:
        outcome = "some verdicts differ from expectations" if failed else "every verdict as expected"
        if interrupted:
            outcome = f"interrupted after {len(index)} of {len(found)}; undecided verdicts UNKNOWN"
        print(f"{len(index)} specs checked: {outcome}")
    for problem in output_errors:
        print(f"replcheck: {problem}", file=sys.stderr)
    if interrupted:
        print("replcheck: interrupted; the result above is partial", file=sys.stderr)
        return EXIT_SIGNAL[interrupted]
    if output_errors:
        return 2
    return 1 if failed else 0


# Which signal stopped the search last: SIGTERM arrives as ``Interrupted``, SIGINT as a plain
# KeyboardInterrupt; the search swallows both, so the handler records the signal here.
_INTERRUPT_SEEN: list = []


def _write_index(out: Path, runs: list) -> None:
    """``OUT/index.md``: every spec of the run, its verdicts, and links to its diagrams."""
    lines = [
        "# replcheck reports",
        "",
        "Generated by `replcheck check ... --out`; every verdict comes from exploring the "
        "model. Each link is a counterexample (VIOLATED safety or liveness) or a witness.",
        "",
        "| spec | states | property | verdict | expected | diagram |",
        "|---|---|---|---|---|---|",
    ]
    for spec, result, mismatches, folder in runs:
        name = spec.where
        rel = folder.relative_to(out).as_posix() if folder is not None else spec.stem
        for p in result.properties:
            expected = spec.expect.get(p.name, "")
            link = f"[svg]({rel}/{p.name}.svg)" if p.trace is not None else ""
            lines.append(f"| `{name}` | {result.stats.states:,} | {p.name} | {p.verdict.value} | {expected} | {link} |")
            name = ""
        if mismatches:
            lines.append(f"| | | MISMATCH | {'; '.join(mismatches)} | | |")
    write_atomic(out / "index.md", "\n".join(lines) + "\n")


def _check_itf_target(path: Path, found: list) -> None:
    """``--itf`` names one file for one spec: refuse several specs or a directory at once."""
    if len(found) != 1:
        raise UsageError(
            f"--itf {path}: {len(found)} specs were given; --itf writes the traces of "
            "one spec or ad hoc model, so name a single spec file"
        )
    if path.is_dir():
        raise UsageError(f"--itf {path}: is a directory; name a file such as trace.itf.json")


def itf_paths(path: Path, names: list[str]) -> dict[str, Path]:
    """Where ``--itf PATH`` writes each counterexample: PATH itself for one, and for several
    PATH's name without ``.itf.json`` (or ``.json``) plus ``.PROPERTY.itf.json``."""
    if len(names) == 1:
        return {names[0]: path}
    stem = path.name
    for suffix in (".itf.json", ".json"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return {name: path.with_name(f"{stem}.{name}.itf.json") for name in names}


def _write_itf(path: Path, spec, model, result) -> list[Path]:
    """Each counterexample (a violated property's trace or lasso) as an ITF file."""
    from .itf import trace_to_itf

    bad = [
        p for p in result.properties if p.kind != "sometimes" and p.trace is not None and p.verdict.value == "VIOLATED"
    ]
    if not bad:
        print(f"replcheck: --itf {path}: no counterexample, nothing written", file=sys.stderr)
        return []
    targets = itf_paths(path, [p.name for p in bad])
    for p in bad:
        meta = {
            "description": f"{p.name} VIOLATED: {p.description}",
            "property": p.name,
            "model": as_model(model).display_name(),
            "spec": spec.where,
        }
        doc = trace_to_itf(as_model(model), p.trace, meta, p.loop_start)
        write_atomic(targets[p.name], json.dumps(doc, indent=1) + "\n")
    return [targets[p.name] for p in bad]


def _print_human(
    spec,
    model,
    result,
    mismatches,
    written,
    quiet,
    fingerprints_ignored: bool = False,
    staleness: bool = False,
    availability: float | None = None,
) -> None:
    head = spec.where + (f" -- {spec.title}" if spec.title else "")
    if not spec.path:
        head = f"{spec.model} {as_model(model).summary()}".rstrip()
    if spec.translation is not None:  # a database: what its settings became, first
        print("\n".join(([head] if spec.path else []) + spec.translation.lines()))
    else:
        print(head)
    for p in result.properties:
        print(verdict_line(p, spec.expect.get(p.name) if spec.path else None))
    print(stats_line(result))
    for line in _meta_lines(result):
        print(line)
    if spec.translation is not None:
        print("\n".join(spec.translation.after_lines(result)))
        if staleness:
            print("\n".join(spec.translation.staleness_lines(as_model(model).params)))
        if availability is not None:
            print("\n".join(spec.translation.availability_lines(availability)))
        for line in spec.translation.speed_hints(as_model(model), result, spec.symmetry):
            print(line)
    if fingerprints_ignored:
        print(
            "  note: --fingerprints was ignored: liveness properties need the exact state "
            "graph (select only safety properties with --property to use it)"
        )
    for line in mismatches:
        print(f"  MISMATCH {line}")
    if not quiet:
        for p in result.properties:
            if p.kind != "sometimes" and p.trace is not None:
                what = "lasso" if p.loop_start is not None else "counterexample"
                print(f"  shortest {what} for {p.name} ({len(p.trace)} steps):")
                lines = trace_lines(model, p.trace, "    ", p.loop_start)
                if spec.wording is not None:  # in the database's words (its node names)
                    lines = [spec.wording.text(line) for line in lines]
                print("\n".join(lines))
        for path in written:
            print(f"  wrote {path}")
    print()


def _each_search(args) -> float:
    """The time limit of each of ``--availability``'s searches: ``--time-limit``, or 60 s."""
    return args.time_limit if args.time_limit is not None else 60.0


def _baseline_states(spec, args) -> int:
    """The unreduced state count of ``spec`` for ``--por-baseline`` (the same bounds)."""
    bounds = {k: v for k, v in _bounds(spec, args).items() if k != "por"}
    _, result, _ = check_spec(spec, bounds, args.properties, None, args.fingerprints)
    return result.stats.states


def _with_meta(report: dict, result) -> dict:
    """The JSON report with what the reduction (``por``) or the workers (``distributed``) did."""
    meta = dict(result.meta)
    if "por" in meta:
        por = dict(meta["por"], states=result.stats.states)
        if "por_baseline" in meta:
            por["states_without_por"] = meta.pop("por_baseline")
            por["reduction_factor"] = round(por["states_without_por"] / max(result.stats.states, 1), 3)
        meta["por"] = por
    report.update(meta)
    return report


def _meta_lines(result) -> list[str]:
    meta = result.meta
    lines = []
    if "por" in meta:
        p = meta["por"]
        line = (
            f"  partial-order reduction: ample sets at {p['reduced_expansions']:,} states, "
            f"{p['steps_not_taken']:,} steps not taken; traces are real but may not be the "
            f"shortest"
        )
        if "por_baseline" in meta:
            base = meta["por_baseline"]
            line += (
                f"\n  states: {base:,} without --por, {result.stats.states:,} with "
                f"(reduction {base / max(result.stats.states, 1):.2f}x)"
            )
        lines.append(line)
    if "distributed" in meta:
        d = meta["distributed"]
        lines.append(
            f"  workers: {d['workers']}, {d['messages']:,} batches and {d['bytes']:,} bytes "
            f"exchanged over {len(d['levels'])} levels"
        )
    return lines


def _progress_printer(spec: Spec):
    shown = [False]

    def show(figures):
        if figures is None:
            if shown[0]:
                print(file=sys.stderr)
            return
        shown[0] = True
        end = "\r" if sys.stderr.isatty() else "\n"
        print(
            f"  {spec.stem}: {figures['states']:,} states, depth {figures['depth']}, "
            f"frontier {figures['frontier']:,}, {figures['rate']:,.0f} states/s, "
            f"{figures['seconds']:.0f} s",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    return show


def _write_outputs(folder: Path, model, result, wording=None) -> list[Path]:
    """Each trace as text, JSON, DOT and SVG in ``folder``; an earlier run's files for
    properties without a trace now are removed, so no stale diagram stays beside new ones.
    ``wording`` (a ``checker.wording.Wording``, e.g. a database front end's) rewrites the
    text, the JSON trace's prose and the diagram's labels; None writes the model's words."""
    from .diagram import write_diagram

    written, notes = [], set()
    names = {p.name for p in declared_properties(model)}
    remove_stale(folder, names, {p.name for p in result.properties if p.trace is not None})
    for p in result.properties:
        if p.trace is None:
            continue
        stem = folder / p.name
        lines = trace_lines(model, p.trace, "", p.loop_start)
        if wording is not None:
            lines = [wording.text(line) for line in lines]
        write_atomic(
            stem.with_suffix(".txt"), f"{p.name}: {p.verdict.value} ({p.description})\n" + "\n".join(lines) + "\n"
        )
        one = result_json(model, type(result)(properties=(p,), stats=result.stats), timings=False)
        if wording is not None:
            one = wording.result_json(one)
        write_atomic(stem.with_suffix(".json"), json.dumps(one, indent=2) + "\n")
        written.append(stem.with_suffix(".txt"))
        diagram = as_model(model).diagram(p.trace, p)
        if diagram is not None and wording is not None:
            diagram = wording.diagram(diagram)
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
    both = sorted(set(fixed) & {a.name for a in axes})
    if both:
        raise UsageError(f"sweep: {both[0]} is given both by --set and as a range; give it once")
    if args.symmetry and not offers_symmetry(cls):
        raise UsageError(f"model {args.model} offers no symmetry reduction; drop --symmetry")
    build = sweep.safe_build(lambda params: cls(**typed_params(cls, params)))
    if args.properties:
        from .search import select_properties

        select_properties(build({**fixed, **sweep.bounded_cells(axes)[0]}), args.properties)
    if args.out is not None:
        check_out_dir(args.out)
    bounds = {k: getattr(args, k) for k in ("max_states", "time_limit") if getattr(args, k) is not None}

    def progress(i, total, combo):
        shown = " ".join(f"{k}={v}" for k, v in combo.items())
        print(f"  [{i}/{total}] {shown}", file=sys.stderr, flush=True)

    interrupted = None
    try:
        result = sweep.run_sweep(
            build, axes, fixed, args.properties, bounds, args.symmetry, None if args.json else progress
        )
    except sweep.SweepInterrupted as exc:
        result, interrupted = exc.cells, (_INTERRUPT_SEEN[-1] if _INTERRUPT_SEEN else signal.SIGINT)
    props = sweep.selected_properties(result)
    if args.json:
        print(json.dumps(sweep.to_json(result), indent=2))
    else:
        for prop in props:
            print("\n".join(sweep.matrix_lines(result, axes, prop)))
            print()
    if args.out is not None:
        folder = args.out / f"sweep-{args.model.rpartition(':')[2]}"  # a file model: its class
        title = f"{args.model} sweep: " + " ".join(args.ranges)
        write_atomic(folder / "sweep.csv", sweep.to_csv(result, axes))
        write_atomic(folder / "sweep.json", json.dumps(sweep.to_json(result, timings=False), indent=2) + "\n")
        write_atomic(folder / "sweep.svg", sweep.to_svg(result, axes, props, title))
        if not args.json:
            print(f"wrote {folder}/sweep.csv, sweep.json, sweep.svg")
    if interrupted:
        print(f"replcheck: interrupted; {len(result)} finished cell(s) kept, the rest not explored", file=sys.stderr)
        return EXIT_SIGNAL[interrupted]
    return 0


def _database_help(words: list[str]) -> bool:
    """``replcheck check DATABASE ... --help``: that database's settings, defaults, refused
    settings and fault scenarios (as ``replcheck list DATABASE``) after the usage line,
    instead of the generic help. False for anything else."""
    if len(words) < 3 or words[0] != "check" or not ({"-h", "--help"} & set(words)):
        return False
    name = words[1]
    if name not in registry.frontend_names() or Path(name).exists():
        return False
    print(
        f"usage: replcheck check {name} setting=value ... [--availability] [--staleness] "
        f"[--json] [--out DIR] [--time-limit SECONDS]\n"
    )
    print(
        f"Check a {name} configuration: its settings are translated onto a model (printed "
        "first), every guarantee is explored, and the verdicts are compared with what the "
        "documentation states. 'replcheck check --help' lists the options.\n"
    )
    _list_databases([name])
    return True


def run_list(what: str = "") -> int:
    """``replcheck list [models | databases | NAME]``: every registered model with its
    parameters and properties, then every database front end with its settings; a plug-in
    that fails to load is reported and the others still listed."""
    models, fronts = registry.model_names(), registry.frontend_names()
    if what and what not in ("models", "databases") and what not in models + fronts:
        raise UsageError(f"list: unknown '{what}'; give models, databases, or one of: {', '.join(models + fronts)}")
    if what in ("", "models") or what in models:
        _list_models([what] if what in models else models)
    if what in ("", "databases") or what in fronts:
        _list_databases([what] if what in fronts else fronts)
    return 0


def _list_databases(names: list[str]) -> None:
    print('databases (replcheck check DATABASE setting=value ...; in specs: database = "..." with [settings]):\n')
    for name in names:
        try:
            front = registry.frontend(name)
            lines = front.settings_lines()
        except Exception as exc:  # a broken plug-in must not hide the others
            print(f"{name}: unavailable ({exc})\n")
            continue
        print(f"{name}: {front.title} [{front.docs}]")
        print("  settings:")
        print("\n".join(lines))
        print()


def _list_models(names: list[str]) -> None:
    for name in names:
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


def _synthesize_confirmation(args):
    """The explicit check of synthesized choices, from the analyses layer above the engine
    (``replcheck.analyses`` entry point); None when no such analysis is installed."""
    factory = registry.analysis("quorum_confirmation")
    if factory is None:
        return None
    text = str(args.tolerate).strip()
    try:
        seconds = _seconds(str(args.confirm_seconds))
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"synthesize --confirm-seconds: {exc}") from None
    tolerate = int(text) if text.isascii() and text.isdigit() else 0  # synthesize refuses the rest
    return factory(tolerate, list(args.guarantee or []), seconds)


if __name__ == "__main__":
    sys.exit(main())
