"""Autograde a class: a CSV of scores, HTML feedback, saved results to resume from.

The assignment is generated once into a scratch nbgrader course root (the template).
Worker processes (course.pool: local ones, or a Dask cluster's) each keep a copy of it and
grade one student at a time with nbgrader in-process (course.worker). Every student's
kernel runs confined in a Box (course.sandbox): it sees none of the course root, no other
student and no network, within limits of memory, processes, CPU, wall time and output. So a
notebook that crashes, hangs, floods, attacks or is not a notebook at all costs that student
a row marked with the reason, never the run; and only this process writes the class's CSV,
feedback and saved results.
"""
import contextlib
import csv
import dataclasses
import functools
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import nbformat
from tqdm import tqdm

from course import build, classroom, notebook, pool, sandbox, worker

Result = worker.Result


def exercises(name, root=build.ROOT):
    """{exercise: max points}, grouping test cells by the exercise they test."""
    nb = notebook.read(build.source_path(name, root))
    ids = list(notebook.solutions(nb))
    out = {}
    for test_id, points in notebook.test_points(nb).items():
        key = notebook.exercise_of(test_id, ids)
        out[key] = out.get(key, 0.0) + points
    return out


def collect(name, submissions, dest, student_id=None):
    """{student: classroom.Submission}: see course.classroom.collect for the layouts read."""
    return classroom.collect(name, submissions, dest, student_id=student_id)


SANDBOX_CONFIG = """
# --- added by course grade: confined kernels (course.sandbox) and feedback without hidden tests
from course.grading_kernel import HideHiddenTests, SandboxExecute
from nbgrader.preprocessors import GetGrades
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
_here = os.path.dirname(os.path.abspath(__file__))
c.Autograde.autograde_preprocessors = [SandboxExecute if p is Execute else p
                                       for p in c.Autograde.autograde_preprocessors]
c.SandboxExecute.box_spec = os.path.join(_here, "sandbox.json")
c.SandboxExecute.events_file = os.path.join(_here, "events.json")
c.SandboxExecute.timeout = {cell_timeout}
c.SandboxExecute.notebook_timeout = {timeout}
c.SandboxExecute.max_output = {output}
c.SandboxExecute.memory_limit = {memory}
c.SandboxExecute.shutdown_kernel = "immediate"   # measured: a graceful stop took ~2 s a student
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
"""
# Patterns worth an instructor's look: code that reaches for the interpreter, the grader or
# the machine rather than for the exercise. Flagged in the CSV, never scored.
SUSPICIOUS = {
    "patches the interpreter": r"\bbuiltins\b|sys\.modules|__dict__|setattr\(|gc\.get_objects"
                               r"|input_transformers|get_ipython\(\)\.\w+\s*=|sys\.settrace",
    "patches the test tools": r"\b(np|numpy|checks|reference|signal|F|torch)\.[\w.]+\s*=[^=]",
    "uses processes or the network": r"\b(subprocess|socket|multiprocessing|ctypes)\b|os\.(fork|system"
                                     r"|kill|exec|spawn|setsid)|\bsignal\.signal\(",
    "touches the file system outside its folder": r"open\(\s*['\"]/|\.\./|gradebook",
}


def prepare_gradebook(name, workdir, root=build.ROOT, limits=None):
    """A course root with the assignment generated, ready to copy once per student.

    With ``limits`` (a sandbox.Limits) its config grades in confined kernels (see grade_one).
    """
    course = build.make_course_root(name, workdir, root)
    done = build.nbgrader(["generate_assignment", name, "--force",
                           f"--CourseDirectory.root={course}"], cwd=course)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{done.stderr[-3000:]}")
    if limits is not None:
        with open(course / "nbgrader_config.py", "a") as f:
            f.write(SANDBOX_CONFIG.format(cell_timeout=limits.cell_timeout, timeout=limits.timeout,
                                          output=limits.output, memory=limits.memory))
    return course


def declared_files(name, root=build.ROOT):
    """Files besides the notebook that a submission may bring (paths relative to the
    notebook's folder): SUBMISSION_FILES in autograder/cases/<name>.py, none by default."""
    path = root / "autograder" / "cases" / f"{name}.py"
    return tuple(getattr(build.load_spec(name, root), "SUBMISSION_FILES", ())) if path.exists() else ()


MAX_NOTEBOOK_MB = 50      # a submitted notebook is read by the grader: no 10 GB "notebooks"


def check_notebook(path):
    """None when ``path`` is a readable notebook, else what is wrong with it."""
    try:
        size = Path(path).stat().st_size
        if size == 0:
            return "the file is empty"
        if size > MAX_NOTEBOOK_MB << 20:
            return f"the file is {size >> 20} MB, more than the {MAX_NOTEBOOK_MB} MB a notebook may be"
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # noqa: BLE001 - anything a broken upload raises
        return f"not a valid notebook ({type(err).__name__}: {str(err)[:120]})"
    return None


def flags(nb_path):
    """The SUSPICIOUS labels whose pattern occurs in the student's code cells."""
    try:
        nb = notebook.read(nb_path)
    except Exception:  # noqa: BLE001
        return []
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return [label for label, pattern in SUSPICIOUS.items() if re.search(pattern, code)]


def grade_one(name, student, nb_path, template, isolation="auto", limits=None):
    """Grade one student in this process, as a worker does (``template``: prepare_gradebook's
    course root, made with ``limits``); return the Result (its feedback HTML is not kept)."""
    job = worker.Job(name, student, Path(nb_path).read_bytes(), isolation=isolation,
                     limits=limits or sandbox.Limits())
    with tempfile.TemporaryDirectory(prefix="course-worker-") as scratch:
        grader = worker.Grader(scratch)
        try:
            result, _ = grader.grade(job, template)
        finally:
            grader.close()
    return result


def _job(name, student, sub, declared, isolation, limits, threads):
    """The worker's Job for a submission, or the Result when there is nothing to grade."""
    if sub.problem:
        return Result(student, status=f"error: {sub.problem}")
    if sub.notebook is None:
        return Result(student, status=f"missing: no {name}.ipynb in the submission")
    problem = check_notebook(sub.notebook)
    if problem:
        return Result(student, status=f"error: {problem}")
    folder = Path(sub.notebook).parent
    files = {}
    for rel in declared:          # only what the assignment declares comes with the notebook
        path = (folder / rel).resolve()
        if path.is_file() and folder.resolve() in path.parents:
            files[rel] = path.read_bytes()
    return worker.Job(name, student, Path(sub.notebook).read_bytes(), files, isolation, limits,
                      threads)


def _fingerprint(nb_path):
    return hashlib.sha256(Path(nb_path).read_bytes()).hexdigest() if nb_path else "none"


def _saved(out, student, fingerprint):
    """The Result saved by an earlier run for this exact submission, or None."""
    path = out / "results" / f"{student}.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if data.pop("fingerprint", None) != fingerprint:
        return None
    data["feedback"] = Path(data["feedback"]) if data.get("feedback") else None
    data["tests"] = {k: tuple(v) for k, v in data.get("tests", {}).items()}
    return Result(**data)


def _save(out, result, fingerprint):
    path = out / "results" / f"{result.student}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**dataclasses.asdict(result), "fingerprint": fingerprint,
            "feedback": str(result.feedback) if result.feedback else None}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)          # atomic: a killed run leaves the old file or the new one


def grade(name, submissions, out, jobs=2, timeout=900, root=build.ROOT, log=print,
          isolation="auto", limits=None, student_id=None, resume=True, scheduler=None,
          progress=False):
    """Grade every submission; write out/grades.csv and out/feedback/<student>/<name>.html.

    Each student's kernel runs confined (``isolation``: auto, bwrap, landlock or none; see
    course.sandbox) within ``limits``; ``timeout`` is the wall time per notebook. ``jobs``
    local worker processes grade the students (course.pool) or, given ``scheduler`` (a Dask
    address), the workers of that cluster do. Every finished student is saved at once under
    out/results/, so a run that is interrupted loses nothing and the next run (``resume``)
    grades only the students not saved yet or whose notebook changed. ``progress``: a bar on
    the terminal. Returns the list of Results, sorted by student.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    limits = limits or sandbox.Limits()
    limits = dataclasses.replace(limits, timeout=timeout,
                                 cell_timeout=min(limits.cell_timeout, timeout))
    isolation = _isolation(isolation, scheduler, log)
    per_exercise = exercises(name, root)
    with tempfile.TemporaryDirectory(prefix=f"grade-{name}-") as tmp:
        tmp = Path(tmp)
        found = collect(name, submissions, tmp / "collected", student_id=student_id)
        if not found:
            raise FileNotFoundError(f"no student submissions found in {submissions}")
        prints = {s: _fingerprint(sub.notebook) for s, sub in found.items()}
        done = {s: r for s in found if resume and (r := _saved(out, s, prints[s]))}
        if done:
            log(f"resuming: {len(done)} student(s) already graded in {out / 'results'}")
        template = prepare_gradebook(name, tmp / "template", root, limits)
        # Measured on 2 cores: two chapter-08 kernels with a thread per core each spend most of
        # their time fighting over the cores; split the cores between the students instead.
        threads = 1 if scheduler else max(1, (os.cpu_count() or 1) // max(1, jobs))
        declared = declared_files(name, root)

        save = functools.partial(_finish, name, out, found, prints, per_exercise, isolation)
        bar = Progress(len(found), len(done), f"grading {name}", log, enabled=progress)

        todo = []
        for student, sub in found.items():
            if student in done:
                continue
            try:
                item = _job(name, student, sub, declared, isolation, limits, threads)
            except Exception as err:  # noqa: BLE001 - one student's failure is that student's row
                item = Result(student, status=f"error: {type(err).__name__}: {err}"[:300])
            if isinstance(item, Result):
                save(None, item, None)
                done[student] = bar.report(item)
            else:
                todo.append(item)
        runner = (pool.run_dask(todo, worker.pack(template), scheduler, save, log) if scheduler
                  else pool.run_local(todo, template, max(1, jobs), timeout + 300, save, log, tmp))
        try:
            with contextlib.closing(runner):
                for result in runner:
                    done[result.student] = bar.report(result)
        finally:
            bar.close()
    results = [done[s] for s in sorted(done)]
    write_csv(out / "grades.csv", results, per_exercise)
    return results


def _isolation(isolation, scheduler, log):
    """The isolation to grade with (checked here, or by each Dask worker), said once."""
    if scheduler:
        if isolation not in sandbox.ISOLATIONS:
            raise ValueError(f"isolation must be one of {', '.join(sandbox.ISOLATIONS)}")
        log(f"isolation: chosen by each Dask worker ({isolation})")
        return isolation
    isolation = sandbox.choose(isolation)
    log(f"isolation: {sandbox.describe(isolation)}")
    return isolation


def _finish(name, out, found, prints, per_exercise, isolation, job, result, html):
    """Called once per student as they are done (in a pool thread): the Result completed,
    the feedback written, the Result saved under out/results/."""
    sub = found[result.student]
    result.late, result.isolation = sub.late, result.isolation or isolation
    result.flags = flags(sub.notebook) if sub.notebook else []
    _by_exercise(result, per_exercise)
    if html is not None:
        result.feedback = out / "feedback" / result.student / f"{name}.html"
        result.feedback.parent.mkdir(parents=True, exist_ok=True)
        result.feedback.write_text(html)
    _save(out, result, prints[result.student])


class Progress:
    """The terminal's progress bar (students done / total, elapsed, remaining, errors) and
    the one line per student ``log`` gets, printed above the bar."""

    def __init__(self, total, done, title, log, enabled):
        self.bar = tqdm(total=total, initial=done, unit="student", desc=title, disable=not enabled,
                        dynamic_ncols=True)
        self.log, self.errors = log, 0

    def report(self, result):
        self.errors += not result.status.startswith("graded")
        self.bar.set_postfix(errors=self.errors, refresh=False)
        self.bar.update()
        with self.bar.external_write_mode():
            self.log(f"graded {result.student}: {result.status}")
        return result

    def close(self):
        self.bar.close()


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
        writer.writerow(["student", *names, "total", "max", "late", "status", "flags", "isolation"])
        for r in results:
            writer.writerow([r.student, *(f"{r.scores.get(n, 0):g}" for n in names),
                             f"{r.total:g}", f"{sum(per_exercise.values()):g}",
                             "yes" if r.late else "", r.status, "; ".join(r.flags),
                             "NOT ISOLATED" if r.isolation == "none" else r.isolation])


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
