"""Reading course notebooks: which cell is a solution, a test or locked; filling and running them.

``run_graded_cells`` is the fast grading harness used by the tests: it executes, in
order, exactly the cells nbgrader would run that matter for the score (locked cells,
solution cells and test cells, with the test cells as they are in source/) and scores
the test cells the way nbgrader does: a test cell that raises scores 0.
"""
import re
import traceback

import nbformat

SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION[^\n]*\n?",
                      re.M | re.S)
HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)


def meta(cell):
    """The cell's nbgrader metadata ({} when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution(cell):
    return cell.cell_type == "code" and bool(meta(cell).get("solution"))


def is_test(cell):
    return cell.cell_type == "code" and bool(meta(cell).get("grade")) \
        and not meta(cell).get("solution")


def is_locked(cell):
    return cell.cell_type == "code" and bool(meta(cell).get("locked")) and not is_test(cell)


def read(path):
    return nbformat.read(str(path), as_version=4)


def solutions(nb):
    """{grade_id: code} of the solution cells, with the solution markers removed."""
    return {meta(c)["grade_id"]: strip_markers(c.source) for c in nb.cells if is_solution(c)}


def strip_markers(source):
    """The code a student who wrote the reference solution would have in the cell."""
    return SOLUTION.sub(lambda m: m.group(1), source).strip("\n")


def with_solutions(nb, code_by_id):
    """A copy of ``nb`` whose solution cells named in ``code_by_id`` hold that code."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if is_solution(cell) and meta(cell)["grade_id"] in code_by_id:
            cell.source = code_by_id[meta(cell)["grade_id"]]
    return nb


def test_points(nb):
    """{test grade_id: points} in notebook order."""
    return {meta(c)["grade_id"]: float(meta(c).get("points", 0)) for c in nb.cells if is_test(c)}


def exercise_of(test_id, exercise_ids):
    """The exercise a test cell belongs to: test_<exercise>_<aspect>, longest match wins."""
    name = test_id[len("test_"):] if test_id.startswith("test_") else test_id
    matches = [e for e in exercise_ids if name == e or name.startswith(e + "_")]
    return max(matches, key=len) if matches else "other"


def run_graded_cells(nb, namespace=None, before_test=None, skip=()):
    """Execute locked, solution and test cells in order; return {test grade_id: (score, error)}.

    A cell other than a test cell that raises stops nothing: as in a notebook run by
    nbgrader, later cells still run (and tests depending on it fail by themselves).
    ``before_test(grade_id)``, when given, is called before each test cell runs.
    Test cells whose grade_id is in ``skip`` are not run and have no entry in the result.
    """
    ns = {"__name__": "__main__"} if namespace is None else namespace
    results = {}
    for index, cell in enumerate(nb.cells):
        if not (is_locked(cell) or is_solution(cell) or is_test(cell)):
            continue
        if is_test(cell) and meta(cell)["grade_id"] in skip:
            continue
        if before_test and is_test(cell):
            before_test(meta(cell)["grade_id"])
        error = _exec(cell.source, ns, f"<cell {index}: {meta(cell).get('grade_id')}>")
        if is_test(cell):
            points = float(meta(cell).get("points", 0))
            results[meta(cell)["grade_id"]] = (0.0 if error else points, error)
    return results


def _exec(source, ns, name):
    try:
        exec(compile(source, name, "exec"), ns)
    except BaseException as err:  # noqa: BLE001 - a student's cell may raise anything
        if isinstance(err, KeyboardInterrupt):
            raise
        return "".join(traceback.format_exception_only(type(err), err)).strip()
    return None
