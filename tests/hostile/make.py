"""Write the hostile corpus: ``python tests/hostile/make.py`` (tests/test_hostile.py checks that
the committed fixtures are what this writes). One folder per scenario, named by it, holding
the student's 02_cross_correlation.ipynb (and, for one scenario, files beside it)."""
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from scenarios import NAME, SCENARIOS  # noqa: E402

BASES = {"right": "ada-complete", "wrong": "dee-plausible-mistakes"}


def _index(nb, grade_id):
    for i, cell in enumerate(nb.cells):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def edit(nb, action, target, code):
    """Apply one edit of a scenario to the notebook ``nb`` (in place)."""
    if action == "file":
        return
    i = _index(nb, target)
    cell = nb.cells[i]
    if action == "append":
        cell.source += "\n" + code
    elif action == "prepend":
        cell.source = code + "\n" + cell.source
    elif action == "insert":       # a new cell of the student's, right after ``target``
        new = nbformat.v4.new_code_cell(code)
        new.id = f"student-cell-{i + 1}"     # fixed, so that make.py writes the same file twice
        nb.cells.insert(i + 1, new)
    elif action == "replace":
        cell.source = code
    elif action == "delete":
        del nb.cells[i]
    elif action == "markdown":
        nb.cells[i] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata, id=cell.id)
    elif action == "solution":
        cell.metadata["nbgrader"].update(solution=True, grade=False, locked=False)
    else:
        raise ValueError(action)


def fixtures():
    """{relative path: text} of every fixture file."""
    out = {}
    for scenario, (base, edits) in SCENARIOS.items():
        path = f"{scenario}/{NAME}.ipynb"
        if base == "text":
            out[path] = edits
            continue
        sample = ROOT / "autograder" / "samples" / NAME / BASES[base] / f"{NAME}.ipynb"
        nb = nbformat.read(str(sample), as_version=4)
        for action, target, code in edits:
            edit(nb, action, target, code)
            if action == "file":
                out[f"{scenario}/{target}"] = code
        out[path] = nbformat.writes(nb, version=4) + "\n"
    return out


def main():
    for rel, text in fixtures().items():
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(SCENARIOS)} hostile submissions under {HERE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
