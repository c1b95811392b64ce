"""Public names carry docstrings: at least 90% of the public functions, classes and methods
in checker/ (and in models/ outside the family files still being restructured)."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MINIMUM = 0.90
# Restructured under issue #14 item 3 and the gallery work; measured once those land.
NOT_YET = {"leader_follower.py", "multi_leader.py", "leaderless.py", "diagram.py"}


def public_names(source: str):
    """``(qualified name, has a docstring)`` for each public function, class and method
    (names without a leading underscore; nested functions are private by nature)."""
    def walk(body, prefix):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                    and not node.name.startswith("_"):
                yield prefix + node.name, ast.get_docstring(node) is not None
                if isinstance(node, ast.ClassDef):
                    yield from walk(node.body, f"{prefix}{node.name}.")
    yield from walk(ast.parse(source).body, "")


def coverage(folder: Path, skip: frozenset = frozenset()) -> tuple[float, list[str]]:
    """The documented share of ``folder``'s public names, and the undocumented ones."""
    names = [(f"{path.relative_to(folder)}:{name}", documented)
             for path in sorted(folder.rglob("*.py")) if path.name not in skip
             for name, documented in public_names(path.read_text(encoding="utf-8"))]
    missing = [name for name, documented in names if not documented]
    return 1 - len(missing) / max(len(names), 1), missing


def test_the_measure_counts_what_it_should():
    share, missing = coverage_of("def a():\n    '''doc'''\nclass B:\n    '''doc'''\n"
                                 "    def c(self): pass\n    def _d(self): pass\ndef _e(): pass\n")
    assert missing == ["c"] and share == pytest.approx(2 / 3)


def coverage_of(source: str):
    names = list(public_names(source))
    missing = [n.rpartition(".")[2] for n, documented in names if not documented]
    return 1 - len(missing) / len(names), missing


@pytest.mark.parametrize("folder, skip", [("checker", frozenset()), ("models", frozenset(NOT_YET))])
def test_public_names_are_documented(folder, skip):
    share, missing = coverage(REPO / folder, skip)
    assert share >= MINIMUM, f"{folder}/: {share:.0%} documented; missing: {', '.join(missing)}"
