"""Public names carry docstrings: at least 90% of the public functions, classes and methods
in checker/ and in models/, and of each replication family's module on its own (so that one
family file cannot slip behind the others' coverage)."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MINIMUM = 0.90
FAMILIES = ("leader_follower", "leaderless", "multi_leader")


def family_files() -> list[Path]:
    """The modules of the replication families: ``models/<family>.py`` and its helpers
    ``models/<family>_*.py``."""
    return sorted(
        path
        for family in FAMILIES
        for path in (REPO / "models").glob(f"{family}*.py")
        if path.stem == family or path.stem.startswith(family + "_")
    )


def public_names(source: str):
    """``(qualified name, has a docstring)`` for each public function, class and method
    (names without a leading underscore; nested functions are private by nature)."""

    def walk(body, prefix):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith(
                "_"
            ):
                yield prefix + node.name, ast.get_docstring(node) is not None
                if isinstance(node, ast.ClassDef):
                    yield from walk(node.body, f"{prefix}{node.name}.")

    yield from walk(ast.parse(source).body, "")


def coverage(folder: Path) -> tuple[float, list[str]]:
    """The documented share of ``folder``'s public names, and the undocumented ones."""
    names = [
        (f"{path.relative_to(folder)}:{name}", documented)
        for path in sorted(folder.rglob("*.py"))
        for name, documented in public_names(path.read_text(encoding="utf-8"))
    ]
    missing = [name for name, documented in names if not documented]
    return 1 - len(missing) / max(len(names), 1), missing


def test_the_measure_counts_what_it_should():
    share, missing = coverage_of(
        "def a():\n    '''doc'''\nclass B:\n    '''doc'''\n"
        "    def c(self): pass\n    def _d(self): pass\ndef _e(): pass\n"
    )
    assert missing == ["c"] and share == pytest.approx(2 / 3)


def coverage_of(source: str):
    names = list(public_names(source))
    missing = [n.rpartition(".")[2] for n, documented in names if not documented]
    return 1 - len(missing) / len(names), missing


@pytest.mark.parametrize("folder", ["checker", "models"])
def test_public_names_are_documented(folder):
    share, missing = coverage(REPO / folder)
    assert share >= MINIMUM, f"{folder}/: {share:.0%} documented; missing: {', '.join(missing)}"


def test_every_family_has_its_module_measured():
    assert {path.stem for path in family_files()} >= set(FAMILIES)


@pytest.mark.parametrize("path", family_files(), ids=lambda path: path.name)
def test_each_family_file_is_documented(path):
    names = list(public_names(path.read_text(encoding="utf-8")))
    missing = [name for name, documented in names if not documented]
    share = 1 - len(missing) / max(len(names), 1)
    assert share >= MINIMUM, f"models/{path.name}: {share:.0%} documented; missing: {', '.join(missing)}"
