"""Exploring the gallery's configurations, in parallel, into plain data.

Each configuration is explored in a worker process (``explore``), which returns only plain
data: the verdicts, the search statistics and the SVG of every diagram the pages need. The
results are gathered by configuration key, so the pages do not depend on which worker
finished first.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from replcheck.checker.diagram import to_dot
from replcheck.checker.model import as_model
from replcheck.checker.properties import declared_properties
from replcheck.checker.spec import Spec, check_spec, load_spec, validate

from .catalogue import Config

TIME_LIMIT = 300.0  # seconds per configuration; a search it stops gives UNKNOWN, never HOLDS


@dataclass
class Verdict:
    """One property's outcome, as the pages need it."""

    name: str
    kind: str
    verdict: str
    description: str
    reason: str = ""
    trace_length: int | None = None
    loop_start: int | None = None
    svg: str = ""  # the diagram (inline SVG, no XML prologue), when it has a trace
    title: str = ""
    caption: str = ""


@dataclass
class Outcome:
    """Everything the pages say about one configuration."""

    key: str
    command: str
    title: str
    summary: str
    states: int
    transitions: int
    complete: bool
    stopped_by: str
    mismatches: list[str]
    verdicts: dict[str, Verdict] = field(default_factory=dict)


def _spec_of(config: Config, root: Path, wanted: tuple[str, ...]) -> tuple[Spec, list[str] | None]:
    if config.spec:
        return load_spec(root / config.spec), None
    spec = Spec(path=None, model=config.model, params={k: v for k, v in config.params}, symmetry=config.symmetry)
    validate(spec)
    declared = {p.name for p in declared_properties(spec.build())}
    return spec, [p for p in wanted if p in declared]


def explore(config: Config, root: Path, wanted: tuple[str, ...]) -> Outcome:
    """Explore ``config`` completely (within ``TIME_LIMIT``) and draw every trace of the
    properties in ``wanted``. Specs are checked with all their properties (so their
    expectations are compared too); ad hoc configurations with the wanted ones only."""
    spec, properties = _spec_of(config, root, wanted)
    model, result, mismatches = check_spec(spec, {**spec.bounds, "time_limit": TIME_LIMIT}, properties)
    model = as_model(model)
    s = result.stats
    out = Outcome(
        config.key,
        config.command(),
        spec.title,
        model.summary(),
        s.states,
        s.transitions,
        s.complete,
        s.stopped_by,
        mismatches,
    )
    for p in result.properties:
        v = Verdict(
            p.name,
            p.kind,
            p.verdict.value,
            p.description,
            p.reason,
            len(p.trace) if p.trace is not None else None,
            p.loop_start,
        )
        if p.trace is not None and p.name in wanted:
            diagram = model.diagram(p.trace, p)
            if diagram is not None:
                v.svg, v.title, v.caption = svg_of(to_dot(diagram)), diagram.title, diagram.caption
        out.verdicts[p.name] = v
    return out


def svg_of(dot_text: str) -> str:
    """The SVG of a DOT text, ready to inline in HTML (no XML prologue or DOCTYPE; the
    comments graphviz writes, which name its version, removed so the bytes stay the same)."""
    import graphviz

    svg = graphviz.pipe("dot", "svg", dot_text.encode("utf-8"), quiet=True).decode("utf-8")
    svg = svg[svg.index("<svg") :]
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)


def explore_all(
    configs: list[tuple[Config, tuple[str, ...]]], root: Path, workers: int | None = None, progress=None
) -> dict[str, Outcome]:
    """Explore every (configuration, wanted properties) pair, ``workers`` at a time (default:
    the machine's cores); the result is keyed by configuration, in the order given."""
    workers = workers or os.cpu_count() or 1
    results: dict[str, Outcome] = {}
    if workers == 1:
        for config, wanted in configs:
            results[config.key] = explore(config, root, wanted)
            if progress:
                progress(config.key)
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {config.key: pool.submit(explore, config, root, wanted) for config, wanted in configs}
        for key, future in futures.items():
            results[key] = future.result()
            if progress:
                progress(key)
    return {config.key: results[config.key] for config, _ in configs}
