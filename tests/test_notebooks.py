"""nbgrader metadata is valid and follows the course's conventions; release notebooks are clean."""
import ast
import json
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import ROOT, chapters
from course import build, notebook

CHAPTERS = chapters()


def source(name):
    return notebook.read(build.source_path(name, ROOT))


def release(name):
    return notebook.read(ROOT / "release" / name / f"{name}.ipynb")


@pytest.mark.parametrize("name", CHAPTERS)
def test_nbgrader_metadata_is_complete_and_unique(name):
    ids = []
    for cell in source(name).cells:
        meta = notebook.meta(cell)
        if not meta:
            continue
        assert meta.get("schema_version") == 3, meta
        assert {"grade", "solution", "locked", "grade_id"} <= meta.keys(), meta
        if meta["grade"]:
            assert float(meta["points"]) > 0, meta["grade_id"]
        ids.append(meta["grade_id"])
    assert len(ids) == len(set(ids)), "duplicate grade_id"


@pytest.mark.parametrize("name", CHAPTERS)
def test_solution_cells_are_named_after_what_they_define(name):
    for cell in source(name).cells:
        if notebook.is_solution(cell):
            gid = notebook.meta(cell)["grade_id"]
            tree = ast.parse(notebook.strip_markers(cell.source))
            defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
            defined |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                        if isinstance(t, ast.Name)}
            assert gid in defined, f"solution cell {gid} does not define {gid}"
            assert "### BEGIN SOLUTION" in cell.source, gid


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_exercise_has_a_visible_test_and_tests_follow_the_naming(name):
    nb = source(name)
    exercises = list(notebook.solutions(nb))
    visible = set()
    for cell in nb.cells:
        if not notebook.is_test(cell):
            continue
        gid = notebook.meta(cell)["grade_id"]
        ex = notebook.exercise_of(gid, exercises)
        assert gid.startswith("test_") and ex in exercises, f"{gid}: test_<exercise>_<aspect>"
        tree = ast.parse(cell.source)
        first = tree.body[0]
        assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant), \
            f"{gid} should open with a one-line docstring"
        assert "\n" not in first.value.value.strip(), f"{gid}: docstring on one line"
        shown = ast.parse(notebook.HIDDEN.sub("", cell.source)).body
        if len(shown) > 1:
            visible.add(ex)
    assert visible == set(exercises), f"no visible test for {set(exercises) - visible}"


def _ends_with_a_value(source_code):
    last = ast.parse(source_code).body[-1]
    if not isinstance(last, ast.Expr) or isinstance(last.value, ast.Constant):
        return False
    call = last.value
    return not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and getattr(call.func.value, "id", "") in ("checks", "reference"))


@pytest.mark.parametrize("name", CHAPTERS)
def test_test_cells_do_not_end_with_a_value_nbgrader_would_read_as_partial_credit(name):
    for cell in source(name).cells:
        if notebook.is_test(cell):
            assert not _ends_with_a_value(cell.source), notebook.meta(cell)["grade_id"]


@pytest.mark.parametrize("name", CHAPTERS)
def test_test_cells_do_not_trust_rebindable_numpy_comparisons(name):
    for cell in source(name).cells:
        if notebook.is_test(cell):
            bad = re.findall(r"np\.(allclose|array_equal|testing)", cell.source)
            assert not bad, f"{notebook.meta(cell)['grade_id']} uses np.{bad[0]}: use course.checks"


@pytest.mark.parametrize("name", CHAPTERS)
def test_cells_are_small_and_committed_without_outputs(name):
    for cell in source(name).cells:
        if cell.cell_type == "code":
            lines = notebook.strip_markers(cell.source).count("\n") + 1
            assert lines <= 30, f"a {lines}-line cell: split it ({cell.source[:60]!r})"
            assert not cell.outputs and cell.execution_count is None


@pytest.mark.parametrize("name", CHAPTERS)
def test_release_has_no_solutions_no_hidden_tests_and_stubs_every_exercise(name):
    text = (ROOT / "release" / name / f"{name}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "reference.check_cases"):
        assert marker not in text, marker
    nb = release(name)
    for cell in nb.cells:
        if notebook.is_solution(cell):
            assert "raise NotImplementedError()" in cell.source
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    json.loads(text)


@pytest.mark.parametrize("name", CHAPTERS)
def test_release_run_top_to_bottom_stops_at_the_first_exercise(name, tmp_path):
    nb = release(name)
    solution = next(i for i, c in enumerate(nb.cells) if notebook.is_solution(c))
    first = next(i for i, c in enumerate(nb.cells) if i > solution and notebook.is_test(c))
    if "def " not in nb.cells[solution].source:
        first = solution  # a value exercise: its stub raises as soon as the cell runs
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError) as info:
        client.execute()
    assert info.value.ename == "NotImplementedError", info.value.evalue
    ran = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.execution_count]
    assert max(ran) == first, "stopped somewhere other than the first exercise's test"
