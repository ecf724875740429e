"""Autograde a class: one nbgrader run per student, a CSV of scores, HTML feedback.

Each student is graded in a scratch nbgrader course root of their own (a copy of the
assignment's source, the course config, a fresh gradebook, and only that student's
notebook), by nbgrader in a subprocess. The student's kernel runs confined in a Box
(course.sandbox): it sees none of the course root, no other student and no network, within
limits of memory, processes, CPU, wall time and output. So a notebook that crashes, hangs,
floods, attacks or is not a notebook at all costs that student a row marked with the reason,
never the run; and only this process writes the class's CSV, feedback and saved results.
"""
import csv
import dataclasses
import hashlib
import json
import os
import queue
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from course import build, classroom, notebook, reference, sandbox


@dataclass
class Result:
    student: str
    status: str = "graded"
    scores: dict = field(default_factory=dict)   # exercise -> points
    feedback: Path = None
    tests: dict = field(default_factory=dict)    # test cell -> (score, max, message)
    late: bool = False
    flags: list = field(default_factory=list)    # SUSPICIOUS labels, for a person to look at
    isolation: str = ""

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


def grade_one(name, student, nb_path, template, workdir, timeout=900, threads=None, box=None):
    """Autograde one student in a private copy of ``template``; return a Result.

    ``box`` (a sandbox.Box, when ``template`` was prepared with limits) confines the kernel;
    afterwards every process left in it is killed. ``threads``: cap on the kernel's
    math-library threads (see build.nbgrader). ``timeout``: seconds for the whole nbgrader run.
    """
    result = Result(student)
    if nb_path is None:
        result.status = f"missing: no {name}.ipynb in the submission"
        return result
    problem = check_notebook(nb_path)
    if problem:
        result.status = f"error: {problem}"
        return result
    result.flags = flags(nb_path)
    course = Path(workdir) / student
    shutil.copytree(template, course, ignore=shutil.ignore_patterns("release"))
    target = course / "submitted" / student / name
    target.mkdir(parents=True)
    shutil.copy(nb_path, target / f"{name}.ipynb")     # the notebook only, nothing beside it
    if box is not None:
        box.create().write_spec(course / "sandbox.json")
        box.add_files(Path(nb_path).parent, declared_files(name))
    try:
        done = build.nbgrader(["autograde", name, f"--student={student}", "--force",
                               f"--CourseDirectory.root={course}"], cwd=course, timeout=timeout,
                              threads=threads)
    except Exception as err:  # a timeout, or nbgrader itself failing to start
        result.status = f"error: {type(err).__name__}"
        return result
    finally:
        if box is not None:
            box.kill_leftovers()
    result.scores, result.tests, problem = _read_scores(course, name, student)
    if problem or done.returncode != 0:
        result.status = "error: " + (problem or _last_error(done.stdout + done.stderr))
        return result
    result.status = _status(course, name, student)
    feedback = build.nbgrader(["generate_feedback", name, f"--student={student}", "--force",
                               f"--CourseDirectory.root={course}"], cwd=course, timeout=timeout)
    html = course / "feedback" / student / name / f"{name}.html"
    if feedback.returncode == 0 and html.exists():
        result.feedback = html
    return result


def _status(course, name, student):
    """'graded', or 'graded; <what happened: interrupts, restored tools, what stopped the run>'."""
    notes = []
    events = course / "events.json"
    if events.exists():
        record = json.loads(events.read_text())
        notes += [f"stopped: {e}" if e == record.get("stopped") else e for e in record["events"]]
    return "; ".join(["graded", *notes])


def _read_scores(course, name, student):
    """({test cell: score}, {test cell: (score, max, message)}, problem or None)."""
    try:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            sub = gb.find_submission_notebook(name, name, student)
            grades = [g for g in sub.grades if g.max_score]
            scores = {g.name: float(g.score) for g in grades}
            maxima = {g.name: float(g.max_score) for g in grades}
    except Exception as err:  # noqa: BLE001 - no submission row: nbgrader could not grade it
        return {}, {}, f"not graded ({type(err).__name__})"
    messages = _messages(course / "autograded" / student / name / f"{name}.ipynb")
    tests = {k: (scores[k], maxima[k], messages.get(k, "")) for k in scores}
    return scores, tests, None


def _messages(path):
    """{test cell id: its error's one-line message} from the autograded notebook."""
    if not path.exists():
        return {}
    out = {}
    for cell in notebook.read(path).cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out[notebook.meta(cell).get("grade_id", "")] = f"{o.get('ename')}: {o.get('evalue')}"[:500]
    return out


def _last_error(log):
    """The most telling line of nbgrader's log: the last exception it printed."""
    lines = [ln.strip() for ln in log.splitlines()]
    raised = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception|Invalid\w*): ", ln)]
    return (raised[-1] if raised else "nbgrader failed")[:200]


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
          isolation="auto", limits=None, student_id=None, resume=True):
    """Grade every submission; write out/grades.csv and out/feedback/<student>/<name>.html.

    Each student's kernel runs confined (``isolation``: auto, bwrap, landlock or none; see
    course.sandbox) within ``limits``; ``timeout`` is the wall time per notebook. Every
    finished student is saved at once under out/results/, so a run that is interrupted loses
    nothing and the next run (``resume``) grades only the students not saved yet or whose
    notebook changed. Returns the list of Results, sorted by student.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    limits = limits or sandbox.Limits()
    limits = dataclasses.replace(limits, timeout=timeout,
                                 cell_timeout=min(limits.cell_timeout, timeout))
    isolation = sandbox.choose(isolation)
    log(f"isolation: {sandbox.describe(isolation)}")
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
        boxes = Path(tempfile.mkdtemp(prefix="course-boxes-"))
        os.chmod(boxes, 0o711)   # the students' accounts may pass through, not list it
        log(f"kernels run in {boxes}/<student>")
        # Measured on 2 cores: two chapter-08 kernels with a thread per core each spend most of
        # their time fighting over the cores; split the cores between the students instead.
        threads = max(1, (os.cpu_count() or 1) // max(1, jobs))
        accounts = queue.Queue()      # one dedicated uid per job, see sandbox.claim_uids
        references = reference.references_dir() / f"{name}.json"

        def one(student, sub):
            uid = accounts.get()
            try:
                box = sandbox.Box(boxes / student, isolation, limits, uid, threads,
                                  readable=tuple(p for p in (references, _mnist()) if p),
                                  env=_kernel_env(references))
                if sub.problem:
                    result = Result(student, status=f"error: {sub.problem}")
                else:
                    result = grade_one(name, student, sub.notebook, template, tmp / "students",
                                       timeout + 120, threads, box)
            except Exception as err:  # noqa: BLE001 - one student's failure is that student's row
                result = Result(student, status=f"error: {type(err).__name__}: {err}"[:300])
            finally:
                accounts.put(uid)
                shutil.rmtree(boxes / student, ignore_errors=True)
            result.late, result.isolation = sub.late, isolation
            result = _by_exercise(result, per_exercise)
            _keep_feedback(result, out, name)
            _save(out, result, prints[student])
            return result

        pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        with sandbox.claim_uids(max(1, jobs)) as uids:
            for uid in uids:
                accounts.put(uid)
            try:
                futures = {s: pool.submit(one, s, sub) for s, sub in found.items() if s not in done}
                for student, future in futures.items():
                    done[student] = future.result()
                    log(f"graded {student}: {done[student].status}")
            finally:   # on Ctrl-C: finish (and save) the students being graded, start no other
                pool.shutdown(wait=True, cancel_futures=True)
                shutil.rmtree(boxes, ignore_errors=True)
    results = [done[s] for s in sorted(done)]
    write_csv(out / "grades.csv", results, per_exercise)
    return results


def _mnist():
    folder = os.environ.get("COURSE_MNIST_DIR")
    return Path(folder) if folder and Path(folder).is_dir() else None


def _kernel_env(references):
    env = {"COURSE_REFERENCES": str(references.parent)}
    if _mnist():
        env["COURSE_MNIST_DIR"] = str(_mnist())
    return env


def _keep_feedback(result, out, name):
    if result.feedback:
        dest = out / "feedback" / result.student / f"{name}.html"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(result.feedback, dest)
        result.feedback = dest


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
