"""`course build` is deterministic and `--check` names whatever is stale."""
import json

from conftest import ROOT, chapters
from course import build


def test_committed_release_references_and_samples_are_up_to_date():
    assert build.stale(chapters(), ROOT) == []


def test_check_names_edited_missing_and_leftover_files_and_build_repairs_them(course_copy):
    name = "02_cross_correlation"
    nb_path = course_copy / "release" / name / f"{name}.ipynb"
    nb = json.loads(nb_path.read_text())
    nb["cells"][0]["source"] = "edited by hand"
    nb_path.write_text(json.dumps(nb))
    (course_copy / "autograder" / "references" / f"{name}.json").unlink()
    extra = course_copy / "autograder" / "samples" / name / "zed-old" / f"{name}.ipynb"
    extra.parent.mkdir()
    extra.write_text("{}")

    stale = build.stale([name], course_copy)
    assert f"release/{name}/{name}.ipynb" in stale
    assert f"autograder/references/{name}.json (missing)" in stale
    assert f"autograder/samples/{name}/zed-old/{name}.ipynb (should not exist)" in stale

    build.build([name], course_copy, log=lambda m: None)
    assert build.stale([name], course_copy) == []
    assert not extra.exists()
    before = {p: p.read_text() for p in course_copy.rglob("*.ipynb")}
    assert build.build([name], course_copy, log=lambda m: None) == []   # a second run: nothing
    assert {p: p.read_text() for p in course_copy.rglob("*.ipynb")} == before


def test_reference_numbers_may_differ_in_the_last_bits_only(course_copy):
    name = "02_cross_correlation"
    path = course_copy / "autograder" / "references" / f"{name}.json"
    data = json.loads(path.read_text())
    values = data["corr2d"][0]["expected"]["ndarray"]
    values[0] *= 1 + 1e-15
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    assert f"autograder/references/{name}.json" not in build.stale([name], course_copy)
    values[0] *= 1 + 1e-6
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    assert f"autograder/references/{name}.json" in build.stale([name], course_copy)
