"""Printing the handout to PDF with headless Chromium (Debian's ``chromium`` package).

The PDF embeds a creation date and Chromium's version, so it is not the same bytes twice;
it is written where git ignores it, beside the deterministic HTML it is printed from.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from replcheck.checker.errors import UsageError

TIMEOUT = 120  # seconds for Chromium to print the handout


def chromium() -> str | None:
    """The path of a Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def headless_args(binary: str, profile: str) -> list[str]:
    """The command prefix of a headless Chromium run with its own throw-away profile."""
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        f"--user-data-dir={profile}",
    ]


def print_pdf(html: Path, pdf: Path) -> None:
    """Print ``html`` to ``pdf`` (A4 as Chromium lays it out); a UsageError if it fails."""
    binary = chromium()
    if binary is None:
        raise UsageError("gallery: chromium is missing; install it (apt-get install chromium) or pass --no-pdf")
    with tempfile.TemporaryDirectory(prefix="replcheck-chromium-") as profile:
        command = headless_args(binary, profile) + [
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf.resolve()}",
            html.resolve().as_uri(),
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise UsageError(
                f"gallery: chromium could not print {pdf} ({type(exc).__name__}); pass --no-pdf to skip the handout"
            ) from None
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise UsageError(f"gallery: chromium wrote no {pdf}; pass --no-pdf to skip the handout")
