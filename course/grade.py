"""Autograde a class: one nbgrader run per student, a CSV of scores, HTML feedback.

Each student is graded in a scratch nbgrader course root of their own (a copy of the
assignment's source, the course config, a fresh gradebook, and only that student's
submission), by nbgrader in a subprocess with a time limit. So a notebook that crashes,
hangs or is not a notebook at all costs that student a row marked with the reason,
never the run; and the student's code can see no other student's files and cannot
write the class's gradebook or CSV, which only this process writes.
"""
import csv
import os
import re
import shutil
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

from course import build, notebook

STUDENT_ID = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class Result:
    student: str
    status: str = "graded"
    scores: dict = field(default_factory=dict)   # exercise -> points
    feedback: Path = None

    @property
    def total(self):
        return sum(self.scores.values())


def exercises(name, root=build.ROOT):
    """{exercise: max points}, grouping test cells by the exercise they test."""
    nb = notebook.read(build.source_path(name, root))
    ids = list(notebook.solutions(nb))
    out = {}
    for test_id, points in notebook.test_points(nb).items():
        key = notebook.exercise_of(test_id, ids)
        out[key] = out.get(key, 0.0) + points
    return out


def collect(name, submissions, dest):
    """Find each student's notebook; zip files are unpacked under ``dest``.

    ``submissions`` is a folder with one sub-folder per student, a folder of zip files
    (an LMS export: the zip's name before the first '_' is the student id; when a student
    has several zips, the last one in name order counts), or one zip file holding either.
    Returns {student: notebook path, or None when the submission has no notebook}.
    """
    submissions, dest = Path(submissions), Path(dest)
    if submissions.is_file() and zipfile.is_zipfile(submissions):
        unpacked = dest.parent / "unpacked"
        _unzip(submissions, unpacked)
        entries = [p for p in unpacked.iterdir() if not p.name.startswith(("__MACOSX", "."))]
        submissions = entries[0] if len(entries) == 1 and entries[0].is_dir() else unpacked
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is neither a folder of submissions nor a zip file")
    found = {}
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith((".", "__MACOSX")):
            continue
        if entry.is_file() and entry.suffix == ".zip":
            student = _student_id(entry.stem.split("_")[0])
            folder = dest / "zips" / _student_id(entry.stem)
            _unzip(entry, folder)
        elif entry.is_dir():
            student, folder = _student_id(entry.name), entry
        else:
            continue
        found[student] = _find_notebook(folder, name)
    return found


def _student_id(text):
    cleaned = STUDENT_ID.sub("-", text).strip("-.")
    return cleaned or "unnamed"


def _unzip(path, folder):
    try:
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():  # refuse paths that would escape the folder
                if member.startswith("/") or ".." in Path(member).parts:
                    raise ValueError(f"{path.name}: unsafe path {member!r} in the zip")
            zf.extractall(folder)
    except zipfile.BadZipFile:
        Path(folder).mkdir(parents=True, exist_ok=True)


def _find_notebook(folder, name):
    """The student's <name>.ipynb, or the only notebook in the folder, or None."""
    hits = [p for p in Path(folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    exact = [p for p in hits if p.name == f"{name}.ipynb"]
    if exact:
        return min(exact, key=lambda p: len(p.parts))
    return hits[0] if len(hits) == 1 else None


def prepare_gradebook(name, workdir, root=build.ROOT):
    """A course root with the assignment generated, ready to copy once per student."""
    course = build.make_course_root(name, workdir, root)
    done = build.nbgrader(["generate_assignment", name, "--force",
                           f"--CourseDirectory.root={course}"], cwd=course)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{done.stderr[-3000:]}")
    return course


def grade_one(name, student, nb_path, template, workdir, timeout, threads=None):
    """Autograde one student in a private copy of ``template``; return a Result.

    ``threads``: cap on the kernel's math-library threads (see build.nbgrader).
    """
    result = Result(student)
    if nb_path is None:
        result.status = f"missing: no {name}.ipynb in the submission"
        return result
    course = Path(workdir) / student
    shutil.copytree(template, course, ignore=shutil.ignore_patterns("release"))
    target = course / "submitted" / student / name
    target.mkdir(parents=True)
    shutil.copy(nb_path, target / f"{name}.ipynb")
    try:
        done = build.nbgrader(["autograde", name, f"--student={student}", "--force",
                               f"--CourseDirectory.root={course}"], cwd=course, timeout=timeout,
                              threads=threads)
    except Exception as err:  # a timeout, or nbgrader itself failing to start
        result.status = f"error: {type(err).__name__}"
        return result
    result.scores, problem = _read_scores(course, name, student)
    if problem or done.returncode != 0:
        result.status = "error: " + (problem or _last_error(done.stdout + done.stderr))
        return result
    feedback = build.nbgrader(["generate_feedback", name, f"--student={student}", "--force",
                               f"--CourseDirectory.root={course}"], cwd=course, timeout=timeout)
    html = course / "feedback" / student / name / f"{name}.html"
    if feedback.returncode == 0 and html.exists():
        result.feedback = html
    return result


def _read_scores(course, name, student):
    try:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            sub = gb.find_submission_notebook(name, name, student)
            return {g.name: float(g.score) for g in sub.grades if g.max_score}, None
    except Exception as err:  # noqa: BLE001 - no submission row: nbgrader could not grade it
        return {}, f"not graded ({type(err).__name__})"


def _last_error(log):
    """The most telling line of nbgrader's log: the last exception it printed."""
    lines = [ln.strip() for ln in log.splitlines()]
    raised = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception|Invalid\w*): ", ln)]
    return (raised[-1] if raised else "nbgrader failed")[:200]


def grade(name, submissions, out, jobs=2, timeout=900, root=build.ROOT, log=print):
    """Grade every submission; write out/grades.csv and out/feedback/<student>/<name>.html.

    Returns the list of Results, sorted by student.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    per_exercise = exercises(name, root)
    with tempfile.TemporaryDirectory(prefix=f"grade-{name}-") as tmp:
        tmp = Path(tmp)
        found = collect(name, submissions, tmp / "collected")
        if not found:
            raise FileNotFoundError(f"no student submissions found in {submissions}")
        template = prepare_gradebook(name, tmp / "template", root)
        # Measured on 2 cores: two chapter-08 kernels with a thread per core each spend most of
        # their time fighting over the cores; split the cores between the students instead.
        threads = max(1, (os.cpu_count() or 1) // max(1, jobs))
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {s: pool.submit(grade_one, name, s, p, template, tmp / "students", timeout,
                                      threads) for s, p in found.items()}
            results = []
            for student, future in futures.items():
                results.append(_by_exercise(future.result(), per_exercise))
                log(f"graded {student}: {results[-1].status}")
        for r in results:
            if r.feedback:
                dest = out / "feedback" / r.student / f"{name}.html"
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(r.feedback, dest)
                r.feedback = dest
    write_csv(out / "grades.csv", results, per_exercise)
    return results


def _by_exercise(result, per_exercise):
    """Replace per-test-cell scores by per-exercise sums (0 for anything missing)."""
    ids = [k for k in per_exercise if k != "other"]
    sums = dict.fromkeys(per_exercise, 0.0)
    for test_id, score in result.scores.items():
        sums[notebook.exercise_of(test_id, ids)] += score
    result.scores = sums
    return result


def write_csv(path, results, per_exercise):
    names = list(per_exercise)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *names, "total", "max", "status"])
        for r in results:
            writer.writerow([r.student, *(f"{r.scores.get(n, 0):g}" for n in names),
                             f"{r.total:g}", f"{sum(per_exercise.values()):g}", r.status])


def table(results, per_exercise):
    """A plain-text table of the results, for the terminal."""
    names = list(per_exercise)
    head = ["student", *names, "total"]
    rows = [[r.student, *(f"{r.scores.get(n, 0):g}/{per_exercise[n]:g}" for n in names),
             f"{r.total:g}/{sum(per_exercise.values()):g}"] for r in results]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    notes = [f"  {r.student}: {r.status}" for r in results if r.status != "graded"]
    return "\n".join([line(head), line("-" * w for w in widths), *map(line, rows), *notes])
