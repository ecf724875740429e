"""course.classroom: finding each student's notebook in LMS exports, and the grade exports.

Fast and pure: the exports are built in tmp_path by one helper per scenario, with tiny
notebooks told apart by a tag in their metadata.
"""
import csv
import io
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from course import classroom

NAME = "02_cross_correlation"


def notebook(tag):
    """A tiny valid notebook's text, its metadata tagged so a test can tell which was picked."""
    return nbformat.writes(nbformat.v4.new_notebook(metadata={"tag": tag}))


def tag(path):
    return json.loads(Path(path).read_text())["metadata"]["tag"]


def tags(found):
    """{student: tag of the chosen notebook, or None}."""
    return {s: sub.notebook and tag(sub.notebook) for s, sub in found.items()}


def write_files(folder, files):
    """Write {relative path: text or bytes} under folder; return folder."""
    for rel, content in files.items():
        path = Path(folder) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return Path(folder)


def zip_bytes(files):
    """A zip holding {member name: text or bytes}, as bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for member, content in files.items():
            zf.writestr(member, content)
    return buf.getvalue()


def make_zip(path, files):
    """A zip file at path holding {member name: text or bytes}; return path."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(zip_bytes(files))
    return Path(path)


def result(student, status="graded", scores=None, late=False, tests=None):
    scores = scores or {}
    return SimpleNamespace(student=student, status=status, scores=scores,
                           total=sum(scores.values()), late=late, tests=tests or {})


# ------------------------------------------------------------------ scenarios (exports)

def canvas_files():
    """What Canvas's "Download Submissions" zip holds: login[_LATE]_userid_fileid_original."""
    return {
        f"doejane_LATE_123456_7890123_{NAME}.ipynb": notebook("doe"),
        # one submission: the notebook uploaded again is renamed -1, -2, ...; -10 is the newest
        f"smithbob_234567_7890456_{NAME}.ipynb": notebook("bob-first"),
        f"smithbob_234567_7890457_{NAME}-1.ipynb": notebook("bob-1"),
        f"smithbob_234567_7890458_{NAME}-10.ipynb": notebook("bob-10"),
        "smithbob_234567_7890459_notes.ipynb": notebook("bob-notes"),
        "o_brien_345678_7890500_my_answers.ipynb": notebook("obrien"),   # '_' in the name part
        "leecy_456789_7890600_report.pdf": b"%PDF-1.4",                  # no notebook
        f"LATE_anon_Xy12z_7890700_{NAME}.ipynb": notebook("anon"),      # anonymous grading
        "ngan_567890_7890800_my_work.zip": zip_bytes({f"hw/{NAME}.ipynb": notebook("ngan")}),
    }


def canvas_bulk_zip(tmp_path):
    return make_zip(tmp_path / "submissions.zip", canvas_files())


def canvas_unzipped_folder(tmp_path):
    return write_files(tmp_path / "submissions", canvas_files())


def moodle_download(tmp_path):
    """Moodle's "Download all submissions" (folders, the default since Moodle 3.1)."""
    f = "assignsubmission_file_"
    return write_files(tmp_path / "moodle", {
        f"Jane Doe_12345_{f}/{NAME}.ipynb": notebook("jane"),
        f"Bob Smith_12346_{f}/week2/{NAME}.ipynb": notebook("bob"),
        "Bob Smith_12346_assignsubmission_onlinetext_/onlinetext.html": "<p>hi</p>",
        f"Cy Lee_12347_{f}/report.pdf": b"%PDF-1.4",
        f"Dee Ray_12348_{f}/.ipynb_checkpoints/{NAME}-checkpoint.ipynb": notebook("dee-ckpt"),
        f"Dee Ray_12348_{f}/draft.ipynb": notebook("dee"),
    })


def moodle_flat_zip(tmp_path):
    """Moodle's download with folders turned off, zipped inside one top-level folder."""
    p = "CS101-Assignment 2-42/"
    f = "assignsubmission_file_"
    return make_zip(tmp_path / "moodle.zip", {
        f"{p}Jane Doe_12345_{f}{NAME}.ipynb": notebook("jane"),
        f"{p}Bob Smith_12346_{f}other.ipynb": notebook("bob-other"),
        f"{p}Bob Smith_12346_{f}{NAME}.ipynb": notebook("bob"),
        f"{p}Cy Lee_12347_assignsubmission_onlinetext_onlinetext.html": "<p>no file</p>",
    })


def zips_per_student(tmp_path):
    """A folder of <student>_anything.zip, one student with a plain folder among them."""
    folder = tmp_path / "zips"
    make_zip(folder / "ada_1.zip", {f"{NAME}.ipynb": notebook("ada-old")})
    make_zip(folder / "ada_2.zip", {f"{NAME}.ipynb": notebook("ada-new")})
    make_zip(folder / "ben_hw.zip", {f"__MACOSX/hw/._{NAME}.ipynb": b"\x00\x05\x16\x07",
                                     f"hw/{NAME}.ipynb": notebook("ben")})
    write_files(folder, {"cy_hw.zip": b"this is not a zip file",
                         f"dee/{NAME}.ipynb": notebook("dee"),
                         ".DS_Store": b"\x00"})
    return folder


def plain_folders(tmp_path):
    """One sub-folder per student, as the course's own samples are laid out."""
    return write_files(tmp_path / "class", {
        f"ada/{NAME}.ipynb": notebook("ada"),
        f"ada/deeper/{NAME}.ipynb": notebook("ada-deeper"),
        f"ada/.ipynb_checkpoints/{NAME}-checkpoint.ipynb": notebook("ada-ckpt"),
        "ben/work/mine.ipynb": notebook("ben"),
        "cy/a.ipynb": notebook("cy-a"),
        "cy/b.ipynb": notebook("cy-b"),
        f"dee smith!/{NAME}.ipynb": notebook("dee"),
        f".git/{NAME}.ipynb": notebook("git"),
        f"__MACOSX/ada/._{NAME}.ipynb": b"\x00",
    })


def flat_named_files(tmp_path):
    """An export no layout knows: files named <student>_[LATE_]<anything> in a sub-folder."""
    return write_files(tmp_path / "export", {
        f"hw2/ada_{NAME}.ipynb": notebook("ada"),
        f"hw2/ben_LATE_{NAME}.ipynb": notebook("ben"),
        "hw2/README.txt": "not a submission",
    })


# ----------------------------------------------------------------------- collect: layouts

@pytest.mark.parametrize("export", [canvas_bulk_zip, canvas_unzipped_folder])
def test_canvas_ids_late_flags_and_resubmissions(tmp_path, export):
    found = classroom.collect(NAME, export(tmp_path), tmp_path / "scratch")
    assert list(found) == sorted(found)
    assert tags(found) == {"123456": "doe", "234567": "bob-10", "345678": "obrien",
                           "456789": None, "567890": "ngan", "anon_Xy12z": "anon"}
    assert {s for s, sub in found.items() if sub.late} == {"123456", "anon_Xy12z"}
    assert {sub.layout for sub in found.values()} == {"canvas"}


def test_moodle_folders(tmp_path):
    found = classroom.collect(NAME, moodle_download(tmp_path), tmp_path / "scratch")
    assert tags(found) == {"12345": "jane", "12346": "bob", "12347": None, "12348": "dee"}
    assert {sub.layout for sub in found.values()} == {"moodle"}
    assert not any(sub.late for sub in found.values())


def test_moodle_flattened_files_in_a_zip_with_one_top_folder(tmp_path):
    found = classroom.collect(NAME, moodle_flat_zip(tmp_path), tmp_path / "scratch")
    assert tags(found) == {"12345": "jane", "12346": "bob", "12347": None}
    assert found["12345"].layout == "moodle"


def test_a_zip_of_one_moodle_folder_is_not_entered(tmp_path):
    export = make_zip(tmp_path / "one.zip", {
        f"Jane Doe_12345_assignsubmission_file_/{NAME}.ipynb": notebook("jane")})
    found = classroom.collect(NAME, export, tmp_path / "scratch")
    assert tags(found) == {"12345": "jane"}


def test_zips_per_student_last_zip_wins_and_only_it_is_unpacked(tmp_path):
    found = classroom.collect(NAME, zips_per_student(tmp_path), tmp_path / "scratch")
    assert tags(found) == {"ada": "ada-new", "ben": "ben", "cy": None, "dee": "dee"}
    assert {sub.layout for sub in found.values()} == {"zips"}
    unpacked = sorted(p.name for p in (tmp_path / "scratch" / "zips").iterdir())
    assert unpacked == ["ada_2", "ben_hw", "cy_hw"]


def test_plain_folders(tmp_path):
    found = classroom.collect(NAME, plain_folders(tmp_path), tmp_path / "scratch")
    assert tags(found) == {"ada": "ada", "ben": "ben", "cy": None, "dee-smith": "dee"}
    assert {sub.layout for sub in found.values()} == {"folders"}
    assert found["ada"].notebook == tmp_path / "class" / "ada" / f"{NAME}.ipynb"
    assert not (tmp_path / "scratch").exists()          # nothing copied


def test_a_zip_holding_one_folder_of_student_folders_is_entered(tmp_path):
    export = make_zip(tmp_path / "class.zip", {f"class/ada/{NAME}.ipynb": notebook("ada"),
                                               f"class/ben/{NAME}.ipynb": notebook("ben"),
                                               "__MACOSX/class/._ada": b"\x00"})
    found = classroom.collect(NAME, export, tmp_path / "scratch")
    assert tags(found) == {"ada": "ada", "ben": "ben"}


# ------------------------------------------------------------------------- collect: regex

def test_regex_names_students_and_late_submissions(tmp_path):
    pattern = r"^hw2/(?P<student>[a-z]+)_(?P<late>LATE_)?"
    found = classroom.collect(NAME, flat_named_files(tmp_path), tmp_path / "s", pattern)
    assert tags(found) == {"ada": "ada", "ben": "ben"}
    assert [found["ada"].late, found["ben"].late] == [False, True]
    assert {sub.layout for sub in found.values()} == {"regex"}


def test_regex_without_a_student_group_is_refused(tmp_path):
    with pytest.raises(ValueError, match="student"):
        classroom.collect(NAME, flat_named_files(tmp_path), tmp_path / "s", r"(\w+)_")


# ------------------------------------------------------------------------ collect: safety

@pytest.mark.parametrize("member", ["../evil.ipynb", "/tmp/evil.ipynb", "a/../../evil.ipynb",
                                   "..\\evil.ipynb"])
def test_zip_members_outside_the_folder_are_refused(tmp_path, member):
    export = make_zip(tmp_path / "in" / "submissions.zip", {member: notebook("evil")})
    with pytest.raises(ValueError, match="unsafe path"):
        classroom.collect(NAME, export, tmp_path / "scratch")
    assert not list(tmp_path.rglob("evil.ipynb"))


def test_a_students_unsafe_zip_is_refused_for_that_student_only(tmp_path):
    folder = tmp_path / "zips"
    make_zip(folder / "eve_hw.zip", {"../../evil.ipynb": notebook("evil")})
    make_zip(folder / "ann_hw.zip", {f"{NAME}.ipynb": notebook("ann")})
    found = classroom.collect(NAME, folder, tmp_path / "scratch")
    assert found["eve"].notebook is None and "unsafe path" in found["eve"].problem
    assert found["ann"].notebook is not None and not found["ann"].problem
    assert not (tmp_path / "evil.ipynb").exists()


def test_a_corrupt_export_zip_is_an_empty_class(tmp_path):
    export = write_files(tmp_path, {"submissions.zip": b"PK\x03\x04 truncated"})
    assert classroom.collect(NAME, export / "submissions.zip", tmp_path / "scratch") == {}


def test_neither_folder_nor_zip(tmp_path):
    write_files(tmp_path, {"grades.txt": "no"})
    with pytest.raises(FileNotFoundError):
        classroom.collect(NAME, tmp_path / "grades.txt", tmp_path / "scratch")


def test_clean_id():
    assert classroom.clean_id("dee smith!") == "dee-smith"
    assert classroom.clean_id("..//..") == "unnamed"


# ----------------------------------------------------------------------------- exports

def class_results():
    return [result("123456", scores={"corr2d": 3.0, "torch": 4.0}, late=True),
            result("234567", status=f"missing: no {NAME}.ipynb in the submission"),
            result("ada", scores={"corr2d": 5.5})]


def test_canvas_csv_header_points_possible_and_rows(tmp_path):
    path = tmp_path / "canvas.csv"
    classroom.write_canvas_csv(path, class_results(), 10, "HW 2: Cross-correlation, part 1")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "HW 2: Cross-correlation, part 1"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "10"
    assert rows[2:] == [["", "123456", "", "", "", "7"],
                        ["", "234567", "", "", "", ""],         # not graded: left alone
                        ["", "", "", "ada", "", "5.5"]]         # not a Canvas user id


def test_gradescope_results_schema(tmp_path):
    r = result("123456", scores={"corr2d": 2.0}, tests={
        "test_corr2d": (2.0, 2.0, ""),
        "test_corr2d_torch": (0.0, 3.0, "AssertionError: wrong shape")})
    out = classroom.gradescope_results(r, 5)
    assert out["score"] == 2.0 and "2 / 5" in out["output"]
    assert out["tests"] == [
        {"name": "test_corr2d", "score": 2.0, "max_score": 2.0, "output": "",
         "visibility": "after_due_date"},
        {"name": "test_corr2d_torch", "score": 0.0, "max_score": 3.0,
         "output": "AssertionError: wrong shape", "visibility": "after_due_date"}]
    path = tmp_path / "results" / "results.json"
    classroom.write_gradescope_json(path, r, 5, visibility="visible")
    written = json.loads(path.read_text())
    assert {t["visibility"] for t in written["tests"]} == {"visible"}
    with pytest.raises(ValueError):
        classroom.gradescope_results(r, 5, visibility="sometimes")


def test_gradescope_status_goes_in_the_top_level_output():
    out = classroom.gradescope_results(result("x", status="error: Timeout"), 5)
    assert out["score"] == 0 and out["tests"] == []
    assert out["output"].startswith("Not graded: error: Timeout")
