"""Grading is trustworthy: plausible wrong answers lose points, differently written right ones don't.

The variants live in tests/mutants/<chapter>.py:
- WRONG and RIGHT: {exercise: {name: code}}; each code replaces one solution cell;
- DEPENDS: {exercise: [exercises it builds on]}, only where the exercise's text tells the
  student to call an earlier function of theirs (e.g. conv2d reusing corr2d);
- SLOW: test ids that take seconds (chapter 08 trains a network in one). A slow test runs only
  when a variant replaces the exercise it grades: a variant of another exercise cannot reach it
  unless through DEPENDS, and the real nbgrader runs of tests/test_grading.py run it always.
The fast harness then runs exactly the cells nbgrader would score (locked, solution and test
cells with hidden tests, in order); tests/test_grading.py checks that it and real nbgrader give
the same scores. Four rules of the README's "Writing a chapter" are enforced here:
- every plausible wrong answer loses points on its own exercise, and on no other exercise
  (a test grades one function), except the exercises that declare they build on it;
- a correct function gets full marks on its own tests when every other graded function is
  wrong, or left as the release notebook's stub;
- every hint a test offers is reachable: some wrong variant of that exercise triggers it;
- the known wrong answers offered with hints in one check are distinct from each other and
  from the right answer, so the hint shown is the one for the mistake made.
"""
import contextlib
import functools
import importlib.util
import io

import pytest

from conftest import ROOT, chapters
from course import build, checks, notebook

# The issues' minimum number of plausible wrong answers per exercise (default: 3).
MIN_WRONG = {
    "01_receptive_fields": {"receptive_field": 6, "input_window": 6, "*": 3},
    "02_cross_correlation": {"*": 6},
    "04_multichannel": {"corr2d_multi_in": 6, "conv2d_nhwc": 6, "port_conv_keras_to_torch": 6,
                        "*": 3},
    "05_pooling": {"pool2d": 6, "pool2d_torch_semantics": 6, "*": 3},
    "06_backprop": {"conv_backward": 6, "maxpool_backward": 6, "numerical_gradient": 6, "*": 3},
    "07_upsampling": {"trans_conv2d": 6, "conv_transpose_nhwc": 6, "conv_transpose_output_size": 6,
                      "upsample_bilinear": 6, "*": 3},
    "03_padding_stride": {"strided_corr2d": 6, "conv_output_size": 6, "same_padding": 6, "*": 3},
    "08_mnist_cnn": {"port_torch_to_keras": 6, "softmax": 6, "softmax_cross_entropy": 6,
                     "summary_table": 6, "dropout": 6, "*": 3},
}


@functools.lru_cache(maxsize=None)
def mutants(name):
    path = ROOT / "tests" / "mutants" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"mutants_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=None)
def source(name):
    return notebook.read(build.source_path(name, ROOT))


def exercises(name):
    return list(notebook.solutions(source(name)))


def depends(name, exercise):
    """The exercises ``exercise`` builds on, directly or through another one."""
    table, found, todo = getattr(mutants(name), "DEPENDS", {}), set(), [exercise]
    while todo:
        for dep in table.get(todo.pop(), []):
            if dep not in found:
                found.add(dep)
                todo.append(dep)
    return found


def slow_tests_to_skip(name, answers):
    """The SLOW tests of ``name`` that grade neither a replaced exercise nor one that builds on it."""
    replaced = set(answers)
    return {t for t in getattr(mutants(name), "SLOW", [])
            if notebook.exercise_of(t, exercises(name)) not in replaced
            and not replaced & depends(name, notebook.exercise_of(t, exercises(name)))}


def run(name, answers, logs=None, only=None, keep=()):
    """{test id: (score, error)} with the solution cells named in ``answers`` replaced.

    With ``logs`` (a dict), the hints every test cell offers are collected in logs[test id].
    With ``only`` (test ids), no other test cell runs (only safe when no later cell needs names
    the skipped cells define); otherwise the slow tests no replaced exercise can reach are left
    out (see SLOW above), except those in ``keep``. Tests not run have no entry.
    """
    nb = notebook.with_solutions(source(name), answers)
    every = notebook.test_points(source(name))
    skip = (set(every) - set(only)) if only is not None else slow_tests_to_skip(name, answers)
    skip -= set(keep)
    before = None
    if logs is not None:
        def before(test_id):
            checks.hint_log = logs.setdefault(test_id, [])
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return notebook.run_graded_cells(nb, before_test=before, skip=skip)
    finally:
        checks.hint_log = None


def own_tests(name, exercise):
    return [t for t in notebook.test_points(source(name))
            if notebook.exercise_of(t, exercises(name)) == exercise]


@functools.lru_cache(maxsize=None)
def offered_hints(name):
    """{test id: [(message, expected, wrong answers)]} from a run of the reference solutions."""
    logs = {}
    results = run(name, {}, logs, only=notebook.test_points(source(name)))
    assert all(score == notebook.test_points(source(name))[t] for t, (score, _) in results.items())
    return logs


def per_exercise(kind):
    return [pytest.param(name, exercise, id=f"{name}-{exercise}")
            for name in chapters() for exercise in getattr(mutants(name), kind, {})]


def test_every_chapter_has_mutants_and_enough_variants():
    for name in chapters():
        assert (ROOT / "tests" / "mutants" / f"{name}.py").exists(), f"{name}: no mutants file"
        module = mutants(name)
        for ex in exercises(name):
            need = MIN_WRONG.get(name, {}).get(ex, MIN_WRONG.get(name, {}).get("*", 3))
            assert len(module.WRONG.get(ex, {})) >= need, f"{name} {ex}: too few wrong variants"
            assert len(module.RIGHT.get(ex, {})) >= 2, f"{name} {ex}: too few right variants"


def test_declared_dependencies_are_stated_in_the_exercise_text():
    """A test may rely on another graded function only where the exercise says to reuse it."""
    for name in chapters():
        texts, text = {}, ""
        for cell in source(name).cells:
            if cell.cell_type == "markdown":
                text += cell.source
            elif notebook.is_solution(cell):
                texts[notebook.meta(cell)["grade_id"]], text = text, ""
        for exercise, deps in getattr(mutants(name), "DEPENDS", {}).items():
            for dep in deps:
                assert dep in exercises(name), f"{name}: {exercise} depends on unknown {dep}"
                assert f"`{dep}`" in texts[exercise], (
                    f"{name}: {exercise} is declared to build on {dep}, but its exercise text "
                    f"does not tell the student to use `{dep}`")


@pytest.mark.parametrize("name, exercise", per_exercise("WRONG"))
def test_wrong_answers_lose_points_on_their_own_exercise_only(name, exercise):
    possible = notebook.test_points(source(name))
    mine = own_tests(name, exercise)
    bystanders = [t for t in possible if t not in mine
                  and exercise not in depends(name, notebook.exercise_of(t, exercises(name)))]
    problems, errors = [], []
    for variant, code in mutants(name).WRONG[exercise].items():
        results = run(name, {exercise: code})
        errors += [results[t][1] or "" for t in mine]
        if sum(results[t][0] for t in mine) >= sum(possible[t] for t in mine):
            problems.append(f"{variant}: loses no point on {exercise}'s tests")
        for t in bystanders:
            if t in results and results[t][0] < possible[t]:
                problems.append(f"{variant}: costs points on {t}, which grades another "
                                f"function: {results[t][1]}")
    for t in mine:
        for message, _, _ in offered_hints(name).get(t, []):
            if not any(f"Hint: {message}" in e for e in errors):
                problems.append(f"{t}: no wrong variant of {exercise} triggers the hint "
                                f"{message[:90]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", chapters())
def test_hints_of_one_check_name_distinct_answers(name):
    problems = []
    for test_id, entries in offered_hints(name).items():
        for message, expected, wrongs in entries:
            if expected is None:
                continue
            answers = [expected, *wrongs]
            for i, a in enumerate(answers):
                for b in answers[i + 1:]:
                    if checks.is_close(a, b, rtol=1e-6, atol=1e-9):
                        problems.append(f"{test_id}: the hint {message[:70]!r} is offered for an "
                                        f"answer equal to the right one or to another hint's")
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("name, exercise", per_exercise("RIGHT"))
def test_differently_written_right_answers_get_full_marks(name, exercise):
    possible = notebook.test_points(source(name))
    problems = []
    for variant, code in mutants(name).RIGHT[exercise].items():
        for t, (score, error) in run(name, {exercise: code}).items():
            if score < possible[t]:
                problems.append(f"{variant}: {t} scored {score}/{possible[t]}: {error}")
    assert not problems, "\n".join(problems)


@functools.lru_cache(maxsize=None)
def stubs(name):
    """{exercise: code} of the release notebook's untouched solution cells."""
    return notebook.solutions(notebook.read(ROOT / "release" / name / f"{name}.ipynb"))


@pytest.mark.parametrize("name", chapters())
def test_a_correct_function_scores_full_marks_among_wrong_ones(name):
    possible = notebook.test_points(source(name))
    problems = []
    for exercise in exercises(name):
        keep = {exercise} | depends(name, exercise)
        wrong = {ex: next(iter(mutants(name).WRONG[ex].values())) for ex in exercises(name)
                 if ex not in keep}
        untouched = {ex: stubs(name)[ex] for ex in exercises(name) if ex not in keep}
        for others, answers in (("wrong", wrong), ("untouched", untouched)):
            results = run(name, answers, keep=own_tests(name, exercise))
            for t in own_tests(name, exercise):
                if results[t][0] < possible[t]:
                    problems.append(f"{t} scores {results[t][0]}/{possible[t]} when the other "
                                    f"functions are {others}: {results[t][1]}")
    assert not problems, "\n".join(problems)
