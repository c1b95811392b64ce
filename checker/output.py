"""Writing results under ``--out``: checked before the search, never half-written.

* ``check_out_dir`` runs before any exploration: an unusable directory is a one-line error
  at once, not a traceback after an hour of search.
* ``write_atomic`` writes to a temporary name in the same directory and renames it, so an
  interrupted or failing run leaves the old file or the new one, never a torn one.
* ``spec_folder`` names each spec's folder by its path relative to the directory given
  (``leaderless/n3_w1_r1``), so two specs with the same file name do not merge, and an ad
  hoc configuration by its model and parameters, so two configurations do not overwrite
  each other.
"""

import os
import re
import tempfile
from pathlib import Path

from .errors import ReplcheckError

OUTPUT_SUFFIXES = (".txt", ".json", ".dot", ".svg")


class OutputError(ReplcheckError):
    """Writing under ``--out`` failed; the result itself was already printed."""


def check_out_dir(out: Path) -> None:
    """Make sure ``out`` is, or can become, a writable directory (creating it)."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a directory; name a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".replcheck-probe-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(
            f"--out {out}: cannot write there ({exc.strerror or exc}); name a writable directory"
        ) from None


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` through a temporary file in the same directory."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(text.encode("utf-8") if isinstance(text, str) else text)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise OutputError(
            f"cannot write {path} ({exc.strerror or exc}); the result above is "
            "complete; free space or choose another --out"
        ) from None


def spec_folder(out: Path, spec, base: Path | None) -> Path:
    """Where ``spec``'s diagrams go under ``out`` (see the module docstring)."""
    if spec.path is None:
        given = "_".join(f"{k}={_plain(v)}" for k, v in sorted(spec.params.items()))
        return out / (spec.stem + (f"_{given}" if given else ""))
    if base is not None:
        try:
            return out / spec.path.resolve().relative_to(base.resolve()).with_suffix("")
        except ValueError:
            pass
    return out / spec.path.stem


def _plain(value) -> str:
    text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return re.sub(r"[^A-Za-z0-9=,.:+-]+", "-", text).strip("-")[:60] or "-"


def remove_stale(folder: Path, names: set[str], keep: set[str]) -> None:
    """Remove the outputs an earlier run left for the properties ``names`` that this run
    does not write again (``keep``); files that are not replcheck's stay."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.suffix in OUTPUT_SUFFIXES and path.stem in names and path.stem not in keep and path.is_file():
            try:
                path.unlink()
            except OSError as exc:
                raise OutputError(f"cannot remove the stale {path} ({exc.strerror or exc})") from None
