"""Grading is trustworthy: plausible wrong answers lose points, differently written right ones don't.

The variants live in tests/mutants/<chapter>.py (WRONG and RIGHT: {exercise: {name: code}}).
Each replaces one solution cell of the source notebook; the fast harness then runs exactly
the cells nbgrader would score (locked, solution and test cells with hidden tests, in order).
tests/test_grading.py checks that this harness and real nbgrader give the same scores.
"""
import contextlib
import importlib.util
import io

import pytest

from conftest import ROOT, chapters
from course import build, notebook


def variants(kind):
    for name in chapters():
        path = ROOT / "tests" / "mutants" / f"{name}.py"
        if not path.exists():
            continue
        spec = importlib.util.spec_from_file_location(f"mutants_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for exercise, table in getattr(module, kind).items():
            for variant, code in table.items():
                yield pytest.param(name, exercise, code, id=f"{name}-{exercise}-{variant}")


def score(name, exercise, code):
    """({test id: points earned}, {test id: points possible}, exercise ids) with one cell replaced."""
    nb = notebook.read(build.source_path(name, ROOT))
    answers = {**notebook.solutions(nb), exercise: code}
    with contextlib.redirect_stdout(io.StringIO()):
        results = notebook.run_graded_cells(notebook.with_solutions(nb, answers))
    return ({t: s for t, (s, _) in results.items()}, notebook.test_points(nb),
            list(notebook.solutions(nb)))


# The issues' minimum number of plausible wrong answers per exercise (default: 3).
MIN_WRONG = {
    "02_cross_correlation": {"*": 6},
    "03_padding_stride": {"strided_corr2d": 6, "conv_output_size": 6, "same_padding": 6, "*": 3},
}


def test_every_chapter_has_enough_variants():
    wrong, right = {}, {}
    for p in variants("WRONG"):
        wrong.setdefault(p.values[:2], []).append(p)
    for p in variants("RIGHT"):
        right.setdefault(p.values[:2], []).append(p)
    for name in chapters():
        exercises = notebook.solutions(notebook.read(build.source_path(name, ROOT)))
        for ex in exercises:
            need = MIN_WRONG.get(name, {}).get(ex, MIN_WRONG.get(name, {}).get("*", 3))
            assert len(wrong.get((name, ex), [])) >= need, f"{name} {ex}: too few wrong variants"
            assert len(right.get((name, ex), [])) >= 2, f"{name} {ex}: too few right variants"


@pytest.mark.parametrize("name, exercise, code", variants("WRONG"))
def test_plausible_wrong_answer_loses_points_on_its_exercise(name, exercise, code):
    earned, possible, ids = score(name, exercise, code)
    own = [t for t in possible if notebook.exercise_of(t, ids) == exercise]
    assert own, f"no test cells for {exercise}"
    assert sum(earned[t] for t in own) < sum(possible[t] for t in own)


@pytest.mark.parametrize("name, exercise, code", variants("RIGHT"))
def test_differently_written_right_answer_gets_full_marks(name, exercise, code):
    earned, possible, _ = score(name, exercise, code)
    assert earned == possible
