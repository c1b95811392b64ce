"""The stale-read page's "how often": PBS k-staleness for the anomaly's configuration,
computed exactly by exploring the weighted quorum model (``models/staleness.py``), beside
the twin's probability 1. See ``docs/staleness.md`` for the model and its assumptions."""

from html import escape

from ..staleness import k_staleness


def staleness_section(n: int, w: int, r: int, twin_w: int, twin_r: int, ks=(1, 2, 3)) -> str:
    """An HTML section: for N, W, R the probability that a read returns one of the k latest
    writes (replicas chosen uniformly at random), for each k, and the twin's value at k = 1."""
    rows = []
    for k in ks:
        fresh = k_staleness(n, w, r, k)
        rows.append(f"<tr><td>{k}</td><td>{fresh.numerator}/{fresh.denominator}</td><td>{float(fresh):.3f}</td></tr>")
    twin = k_staleness(n, twin_w, twin_r, 1)
    command = f"replcheck staleness leaderless n={n} w={w} r={r} k={ks[0]}..{ks[-1]}"
    return (
        '<section class="proof" id="how-often"><h2>How often? Probabilistically bounded staleness</h2>'
        f"<p>The counterexample shows that a stale read <em>can</em> happen with N={n}, W={w}, "
        f"R={r}. If the replicas a write reaches and a read asks are chosen uniformly at random "
        "(Bailis et al., PBS, VLDB 2012), exploring the model with those probabilities gives, "
        "exactly, the chance that a read returns one of the k latest writes:</p>"
        "<table><tr><th>k</th><th>probability</th><th>decimal</th></tr>" + "".join(rows) + "</table>"
        f"<p>With W={twin_w}, R={twin_r} the same exploration gives {twin.numerator}/{twin.denominator} "
        "at k = 1: no stale read is reachable.</p>"
        f"<p>Reproduce: <code>{escape(command)}</code></p></section>"
    )
