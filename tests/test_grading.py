"""Real nbgrader runs: right answers get full marks, untouched notebooks 0, and nothing
a single submission does (noise on stderr, a crash, a broken file) breaks the run."""
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile

import nbformat
import pytest
from nbgrader.utils import determine_grade

from conftest import ROOT, chapters
from course import build, grade, notebook
from course.nbgrader_ext import CoalesceStreams, StderrToStdout

pytestmark = pytest.mark.nbgrader
CH02 = "02_cross_correlation"


def harness_scores(name, submission):
    """What the fast harness gives a submission, summed per exercise."""
    src = notebook.read(build.source_path(name, ROOT))
    code = notebook.solutions(notebook.read(submission))
    with contextlib.redirect_stdout(io.StringIO()):
        results = notebook.run_graded_cells(notebook.with_solutions(src, code))
    ids = list(notebook.solutions(src))
    out = dict.fromkeys(grade.exercises(name, ROOT), 0.0)
    for test_id, (score, _) in results.items():
        out[notebook.exercise_of(test_id, ids)] += score
    return out


@pytest.mark.parametrize("name", chapters())
def test_samples_full_zero_and_partial_marks_and_the_harness_agrees(name, tmp_path):
    samples = ROOT / "autograder" / "samples" / name
    results = {r.student: r for r in grade.grade(name, samples, tmp_path, log=lambda m: None)}
    full = sum(grade.exercises(name, ROOT).values())
    assert all(r.status == "graded" for r in results.values()), \
        {s: r.status for s, r in results.items()}
    assert results["ada-complete"].total == full
    assert results["cy-untouched"].total == 0
    assert 0 < results["ben-partial"].total < full
    assert results["dee-plausible-mistakes"].total < full
    for student, r in results.items():
        nb = samples / student / f"{name}.ipynb"
        assert harness_scores(name, nb) == r.scores, student
        assert r.feedback.exists() and "<html" in r.feedback.read_text()[:2000].lower()
    rows = (tmp_path / "grades.csv").read_text().splitlines()
    assert rows[0].startswith("student,") and len(rows) == 1 + len(results)


def noisy_submission(path):
    """Chapter 02's right answers, made to write to stderr in every way a student's code can."""
    nb = notebook.read(ROOT / "release" / CH02 / f"{CH02}.ipynb")
    code = notebook.solutions(notebook.read(build.source_path(CH02, ROOT)))
    noise = ("import os, sys, warnings\n"
             "warnings.warn('a UserWarning from the student', UserWarning)\n"
             "print('printed to stderr', file=sys.stderr)\n"
             "os.write(2, b'written to file descriptor 2\\n')\n")
    code["corr2d"] = code["corr2d"].replace('    """\n', '    """\n' + "".join(
        "    " + ln + "\n" for ln in noise.splitlines()), 1)
    code["corr2d_torch"] = code["corr2d_torch"].replace(
        "    kt = ", "    xt = torch.tensor(xt)  # PyTorch warns: copy-construct from a tensor\n"
                    "    kt = ", 1)
    path.parent.mkdir(parents=True)
    nbformat.write(notebook.with_solutions(nb, code), str(path))


def test_stderr_noise_in_test_cells_does_not_cost_points(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")        # let TensorFlow talk, too
    noisy_submission(tmp_path / "subs" / "noisy" / f"{CH02}.ipynb")
    (result,) = grade.grade(CH02, tmp_path / "subs", tmp_path / "out", log=lambda m: None)
    assert result.status == "graded"
    assert result.total == sum(grade.exercises(CH02, ROOT).values()), result.scores
    html = result.feedback.read_text()
    assert "printed to stderr" in html and "a UserWarning from the student" in html


def test_the_stderr_trap_exists_and_the_preprocessor_removes_it():
    cell = nbformat.v4.new_code_cell("pass", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "grade_id": "t", "points": 2,
        "schema_version": 3}})
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="UserWarning: hi\n")]
    assert determine_grade(cell)[0] == 0            # nbgrader's own rule
    cell, _ = StderrToStdout().preprocess_cell(cell, {}, 0)
    assert determine_grade(cell)[0] == 2
    assert cell.outputs[0]["name"] == "stdout" and "UserWarning: hi" in cell.outputs[0]["text"]
    failed = nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])
    cell.outputs.append(failed)
    assert determine_grade(cell)[0] == 0            # a failing test still fails


def test_a_print_split_into_pieces_is_one_output_in_the_graded_notebook():
    cell = nbformat.v4.new_code_cell("print('same:', True)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="same:"),
                    nbformat.v4.new_output("stream", name="stdout", text=" True\n"),
                    nbformat.v4.new_output("stream", name="stderr", text="[stderr] note\n")]
    cell, _ = CoalesceStreams().preprocess_cell(cell, {}, 0)
    assert [(o["name"], o["text"]) for o in cell.outputs] == [("stdout", "same: True\n"),
                                                              ("stderr", "[stderr] note\n")]


def test_bad_submissions_are_reported_and_the_rest_are_graded(tmp_path, capsys):
    subs = tmp_path / "subs"
    correct = ROOT / "autograder" / "samples" / CH02 / "ada-complete" / f"{CH02}.ipynb"
    (subs / "eve-not-json").mkdir(parents=True)
    (subs / "eve-not-json" / f"{CH02}.ipynb").write_text("this is not a notebook")
    (subs / "fay-no-notebook").mkdir()
    (subs / "fay-no-notebook" / "notes.txt").write_text("forgot to upload")
    crash = notebook.read(correct)
    for cell in crash.cells:
        if notebook.meta(cell).get("grade_id") == "conv2d":
            cell.source = "import os\nos._exit(1)"          # kills the kernel
    (subs / "hal-kills-kernel").mkdir()
    nbformat.write(crash, str(subs / "hal-kills-kernel" / f"{CH02}.ipynb"))
    cheat = notebook.read(correct)
    for cell in cheat.cells:
        if notebook.meta(cell).get("grade_id") == "corr2d":
            cell.source = ("np.allclose = np.array_equal = lambda *a, **k: True\n"
                           "np.testing.assert_allclose = lambda *a, **k: None\n"
                           "def corr2d(x, k):\n"
                           "    return signal.convolve2d(np.asarray(x, float), k, 'valid')\n")
    (subs / "kim-rebinds-numpy").mkdir()
    nbformat.write(cheat, str(subs / "kim-rebinds-numpy" / f"{CH02}.ipynb"))
    with zipfile.ZipFile(subs / "gus_1234_attempt.zip", "w") as zf:   # an LMS-style zip
        zf.write(correct, f"submission/{CH02}.ipynb")
    results = {r.student: r for r in grade.grade(CH02, subs, tmp_path / "out", log=print,
                                                 progress=True)}
    printed = capsys.readouterr()
    # the progress bar: students done / total, elapsed and remaining time, errors so far
    bar = printed.err.replace("\r", "\n").splitlines()
    assert any(re.search(r"grading 02_cross_correlation: 100%.*5/5 \[\d\d:\d\d<00:00.*errors=2", line)
               for line in bar), printed.err[-500:]
    assert "graded gus: graded" in printed.out
    full = sum(grade.exercises(CH02, ROOT).values())
    assert set(results) == {"eve-not-json", "fay-no-notebook", "hal-kills-kernel", "gus",
                            "kim-rebinds-numpy"}
    assert results["kim-rebinds-numpy"].scores["corr2d"] == 0
    assert results["gus"].total == full and results["gus"].status == "graded"
    assert results["fay-no-notebook"].status.startswith("missing")
    assert results["eve-not-json"].total == 0 and results["eve-not-json"].status.startswith("error")
    assert results["hal-kills-kernel"].total < full
    csv_text = (tmp_path / "out" / "grades.csv").read_text()
    assert "eve-not-json" in csv_text and "fay-no-notebook" in csv_text


def test_collect_reads_a_zip_of_lms_zips(tmp_path):
    correct = ROOT / "autograder" / "samples" / CH02 / "ada-complete" / f"{CH02}.ipynb"
    inner = tmp_path / "ann_55_late.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.write(correct, f"{CH02}.ipynb")
    outer = tmp_path / "export.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(inner, "export/ann_55_late.zip")
    found = grade.collect(CH02, outer, tmp_path / "work" / "collected")
    assert list(found) == ["ann"] and found["ann"].notebook.name == f"{CH02}.ipynb"


def test_an_unsafe_zip_is_refused_for_its_student_and_reported(tmp_path):
    bad = tmp_path / "subs" / "mal.zip"
    bad.parent.mkdir()
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("../../escaped.ipynb", "{}")
    found = grade.collect(CH02, bad.parent, tmp_path / "work" / "collected")
    assert found["mal"].notebook is None and "unsafe path" in found["mal"].problem
    assert not list(tmp_path.rglob("escaped.ipynb"))


def test_plain_nbgrader_commands_work_with_the_committed_config(course_copy):
    """nbgrader generate_assignment / autograde from the course root, as an instructor runs them."""
    sub = course_copy / "submitted" / "ada" / CH02
    sub.mkdir(parents=True)
    shutil.copy(ROOT / "autograder" / "samples" / CH02 / "ada-complete" / f"{CH02}.ipynb", sub)
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    for args in (["generate_assignment", CH02, "--force"], ["autograde", CH02]):
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_copy, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    release = f"release/{CH02}/{CH02}.ipynb"        # plain nbgrader writes what course build does
    assert (course_copy / release).read_text() == (ROOT / release).read_text()
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course_copy / 'gradebook.db'}") as gb:
        sub = gb.find_submission(CH02, "ada")
        assert sub.score == sub.max_score > 0


def test_a_hanging_notebook_times_out_and_leaves_no_kernel_behind(tmp_path):
    import psutil
    nb = notebook.read(ROOT / "autograder" / "samples" / CH02 / "ada-complete" / f"{CH02}.ipynb")
    for cell in nb.cells:
        if notebook.meta(cell).get("grade_id") == "corr2d":
            cell.source = "import time\nwhile True:\n    time.sleep(0.1)"
    (tmp_path / "subs" / "ivy-hangs").mkdir(parents=True)
    nbformat.write(nb, str(tmp_path / "subs" / "ivy-hangs" / f"{CH02}.ipynb"))
    said = []
    (result,) = grade.grade(CH02, tmp_path / "subs", tmp_path / "out", timeout=20,
                            log=said.append)
    assert "stopped: the notebook ran past its 20 s" in result.status and result.total == 0
    boxes = next(m.split()[-1] for m in said if m.startswith("kernels run in"))
    boxes = boxes.replace("/<student>", "/ivy-hangs/")

    def is_new_kernel(proc):     # this run's, not another test's running in parallel
        try:
            return proc.status() != psutil.STATUS_ZOMBIE and boxes in " ".join(proc.cmdline())
        except psutil.Error:
            return False
    assert not [p for p in psutil.process_iter() if is_new_kernel(p)]


def test_an_interrupted_run_keeps_what_it_graded_and_the_next_run_continues(tmp_path):
    samples = ROOT / "autograder" / "samples" / CH02
    subs = tmp_path / "subs"
    students = ["ada-complete", "cy-untouched", "dee-plausible-mistakes"]
    for student in students:
        shutil.copytree(samples / student, subs / student)

    def interrupt(message):
        if message.startswith("graded"):
            raise KeyboardInterrupt     # Ctrl-C right after the first student
    with pytest.raises(KeyboardInterrupt):
        grade.grade(CH02, subs, tmp_path / "out", jobs=1, log=interrupt)
    # the first student, and the one already started when Ctrl-C came, are saved; no other
    saved = sorted(p.stem for p in (tmp_path / "out" / "results").glob("*.json"))
    assert saved[0] == "ada-complete" and len(saved) < len(students)
    said = []
    results = grade.grade(CH02, subs, tmp_path / "out", jobs=1, log=said.append)
    assert f"resuming: {len(saved)} student(s) already graded" in " ".join(said)
    assert [m.split(":")[0] for m in said if m.startswith("graded")] == \
        [f"graded {s}" for s in students if s not in saved]
    assert [(r.student, r.total) for r in results] == \
        [("ada-complete", 16), ("cy-untouched", 0), ("dee-plausible-mistakes", 10)]
    assert (tmp_path / "out" / "feedback" / "ada-complete" / f"{CH02}.html").exists()


def test_a_canvas_export_graded_without_isolation_warns_and_keeps_late_flags(tmp_path, capsys):
    from course import cli
    sample = ROOT / "autograder" / "samples" / CH02 / "ada-complete" / f"{CH02}.ipynb"
    export = tmp_path / "submissions.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.write(sample, f"lovelaceada_LATE_1815_9001_{CH02}.ipynb")
    code = cli.main(["grade", CH02, "--submissions", str(export), "--out", str(tmp_path / "out"),
                     "--isolation", "none"])
    printed = capsys.readouterr().out
    assert code == cli.OK and "WARNING: isolation: NOT ISOLATED" in printed
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert rows[1].startswith("1815,") and ",yes,graded," in rows[1] and rows[1].endswith("NOT ISOLATED")
    canvas = (tmp_path / "out" / "canvas.csv").read_text()
    assert canvas.startswith("Student,ID,") and "1815" in canvas and "16" in canvas
    import json
    gradescope = json.loads((tmp_path / "out" / "gradescope" / "1815.json").read_text())
    assert gradescope["score"] == 16 and len(gradescope["tests"]) == 15


def test_only_declared_files_come_with_a_notebook(tmp_path, monkeypatch):
    sample = ROOT / "autograder" / "samples" / CH02 / "ada-complete" / f"{CH02}.ipynb"
    nb = notebook.read(sample)
    nb.cells.insert(1, nbformat.v4.new_code_cell(
        "import os\nprint('files beside the notebook:', sorted(os.listdir('.')))\n"
        "print('data says:', open('data/kernel.txt').read())"))
    student = tmp_path / "subs" / "ann"
    (student / "data").mkdir(parents=True)
    nbformat.write(nb, str(student / f"{CH02}.ipynb"))
    (student / "data" / "kernel.txt").write_text("1 0 -1")
    (student / "numpy.py").write_text("raise SystemExit('shadowed')")
    monkeypatch.setattr(grade, "declared_files", lambda name, root=ROOT: ("data/kernel.txt",))
    (result,) = grade.grade(CH02, tmp_path / "subs", tmp_path / "out", log=lambda m: None)
    html = result.feedback.read_text()
    assert result.total == 16 and "data says: 1 0 -1" in html
    listing = re.search(r"files beside the notebook: (.*)", html).group(1)
    assert "data" in listing and "numpy.py" not in listing, listing


def test_a_huge_file_is_refused_before_the_grader_reads_it(tmp_path):
    huge = tmp_path / f"{CH02}.ipynb"
    with open(huge, "wb") as f:
        f.truncate((grade.MAX_NOTEBOOK_MB + 1) << 20)     # sparse: no disk used
    assert grade.check_notebook(huge) == (f"the file is {grade.MAX_NOTEBOOK_MB + 1} MB, more than "
                                          f"the {grade.MAX_NOTEBOOK_MB} MB a notebook may be")
    assert grade.check_notebook(tmp_path / "missing.ipynb").startswith("not a valid notebook")


def test_an_unexpected_failure_costs_only_that_student_a_row(tmp_path, monkeypatch):
    samples = ROOT / "autograder" / "samples" / CH02
    for student in ("ada-complete", "cy-untouched"):
        shutil.copytree(samples / student, tmp_path / "subs" / student)

    def broken(name, student, *args, **kwargs):
        raise RuntimeError(f"disk full while copying {student}")
    monkeypatch.setattr(grade, "_job", broken)
    results = grade.grade(CH02, tmp_path / "subs", tmp_path / "out", log=lambda m: None)
    assert [r.status for r in results] == ["error: RuntimeError: disk full while copying ada-complete",
                                           "error: RuntimeError: disk full while copying cy-untouched"]
    assert len((tmp_path / "out" / "grades.csv").read_text().splitlines()) == 3


def test_a_local_worker_killed_mid_student_is_replaced_and_the_student_graded_again(tmp_path):
    import psutil
    shutil.copytree(ROOT / "autograder" / "samples" / CH02 / "ada-complete", tmp_path / "subs" / "ada")
    killed = []

    def kill_the_worker_once_its_kernel_runs():
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            for proc in psutil.Process().children():
                with contextlib.suppress(psutil.Error):
                    if "course.worker" in " ".join(proc.cmdline()) and proc.children():
                        time.sleep(2)                      # the kernel is starting or running
                        proc.kill()
                        killed.append(proc.pid)
            time.sleep(0.1)
    thread = threading.Thread(target=kill_the_worker_once_its_kernel_runs, daemon=True)
    thread.start()
    (result,) = grade.grade(CH02, tmp_path / "subs", tmp_path / "out", jobs=1, log=lambda m: None)
    thread.join()
    assert killed and result.total == 16
    assert result.status == "graded; graded again after: the grading worker died (killed by SIGKILL)"


def test_a_worker_grading_a_student_again_never_reports_the_earlier_scores(tmp_path):
    """Dask workers live across runs: a notebook nbgrader refuses now scores 0, not the
    earlier grading's 16 still in the worker's gradebook."""
    from course import sandbox, worker
    template = grade.prepare_gradebook(CH02, tmp_path / "template", limits=sandbox.Limits())
    good = (ROOT / "autograder" / "samples" / CH02 / "ada-complete" / f"{CH02}.ipynb").read_bytes()
    refused = (ROOT / "tests" / "hostile" / "turns-test-cells-into-solutions" / f"{CH02}.ipynb")
    grader = worker.Grader()
    try:
        first, _ = grader.grade(worker.Job(CH02, "ann", good), template)
        again, html = grader.grade(worker.Job(CH02, "ann", refused.read_bytes()), template)
    finally:
        grader.close()
    assert (first.status, first.total) == ("graded", 16)
    assert again.status.startswith("error: RuntimeError: Inconsistent checksums")
    assert again.total == 0 and set(again.scores.values()) <= {0} and html is None
