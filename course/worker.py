"""Grading one student at a time in a long-lived worker process.

A worker imports nbgrader once and keeps one scratch course root (a copy of the assignment
``course grade`` generated) with its own gradebook. For each student it writes the notebook
into submitted/, runs nbgrader's autograde and generate_feedback in-process (the confined
kernel is still a process of its own, see course.sandbox) and returns the Result and the
feedback HTML; the instructor's process writes every file of the class. The same code runs
in the local pool (``python -m course.worker``, see course.pool) and on Dask workers
(``dask_grade``).
"""
import atexit
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from course import notebook, reference, sandbox


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
    timings: dict = field(default_factory=dict)  # step -> seconds, for benchmarks/grading.py

    @property
    def total(self):
        return sum(self.scores.values())


@dataclass
class Job:
    """Everything a worker needs to grade one student (picklable, no path of the instructor's)."""
    name: str
    student: str
    notebook: bytes
    files: dict = field(default_factory=dict)     # declared extra files: relative path -> bytes
    isolation: str = "auto"
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    threads: int = 1
    uid: int = None           # the account to run the kernel as; None: the worker claims one


def pack(folder):
    """A prepared course root as bytes (tar.gz), for workers on other machines."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(folder, arcname=".")
    return buf.getvalue()


class Grader:
    """One worker's state: its scratch folder, course roots and nbgrader API objects."""

    def __init__(self, scratch=None, boxes=None):
        self.owns_scratch = scratch is None
        self.scratch = Path(scratch or tempfile.mkdtemp(prefix="course-worker-"))
        self.boxes = Path(boxes) if boxes else self.scratch / "boxes"
        self.boxes.mkdir(exist_ok=True)
        for folder in {self.scratch, self.boxes} if not boxes else {self.boxes}:
            os.chmod(folder, 0o711)          # kernels' accounts pass through to their boxes
        self.roots = {}                      # template key -> (course root, NbGraderAPI)
        self.own_uid = None
        os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable),
                                              os.environ.get("PATH", "")])   # nbgrader runs alembic
        from sqlalchemy.exc import SAWarning   # nbgrader's gradebook warns on every autograde
        warnings.filterwarnings("ignore", category=SAWarning)

    def course(self, template):
        """The worker's copy of ``template`` (a folder, or bytes from ``pack``) and its API."""
        key = hashlib.sha256(template).hexdigest() if isinstance(template, bytes) else str(template)
        if key not in self.roots:
            root = self.scratch / f"course-{len(self.roots)}"
            if isinstance(template, bytes):
                root.mkdir(mode=0o700)
                with tarfile.open(fileobj=io.BytesIO(template)) as tar:
                    tar.extractall(root, filter="data")
            else:
                shutil.copytree(template, root, ignore=shutil.ignore_patterns("release"))
                os.chmod(root, 0o700)
            self.roots[key] = (root, _api(root))
        return self.roots[key]

    def uid(self, job):
        if job.uid is not None:
            return job.uid
        if self.own_uid is None:        # a Dask worker: hold one account for the process's life
            self._claim = sandbox.claim_uids(1)
            (self.own_uid,) = self._claim.__enter__()
        return self.own_uid

    def close(self):
        """Give back the account this worker claimed, if any; remove a scratch folder it made."""
        if self.own_uid is not None:
            self._claim.__exit__(None, None, None)
            self.own_uid = None
        if self.owns_scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def grade(self, job, template):
        """Autograde ``job`` against ``template``; return (Result, feedback HTML or None)."""
        start = time.perf_counter()
        result = Result(job.student, isolation=sandbox.choose(job.isolation))
        root, api = self.course(template)
        name, student = job.name, job.student
        for folder in ("submitted", "autograded", "feedback"):
            shutil.rmtree(root / folder, ignore_errors=True)
        (root / "events.json").unlink(missing_ok=True)
        _forget(root, job.name, job.student)
        target = root / "submitted" / student / name
        target.mkdir(parents=True)
        (target / f"{name}.ipynb").write_bytes(job.notebook)
        references = reference.references_dir() / f"{name}.json"
        box = sandbox.Box(self.boxes / student, result.isolation, job.limits, self.uid(job),
                          job.threads, readable=tuple(p for p in (references, _mnist()) if p),
                          env=_kernel_env(references))
        box.create().write_spec(root / "sandbox.json")
        box.add_files(job.files)
        mark = time.perf_counter()
        try:
            done = api.autograde(name, student, force=True, create=True)
        finally:
            box.kill_leftovers()
            shutil.rmtree(box.folder, ignore_errors=True)
        graded = time.perf_counter()
        result.scores, result.tests, problem = _read_scores(root, name, student)
        events = _events(root)
        result.timings = {"setup": mark - start, **events.get("timings", {}),
                          "autograde": graded - mark}
        if problem or not done["success"]:
            result.status = "error: " + (problem or _last_error(done.get("error", "")
                                                                + done.get("log", "")))
            return result, None
        result.status = "; ".join(["graded", *_notes(events)])
        api.generate_feedback(name, student, force=True)
        html = root / "feedback" / student / name / f"{name}.html"
        feedback = html.read_text() if html.exists() else None
        result.timings["feedback"] = time.perf_counter() - graded
        return result, feedback


def _api(root):
    """nbgrader's Python API on the course root ``root``, configured by its nbgrader_config.py."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def _events(root):
    path = root / "events.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _notes(events):
    """What happened in the kernel: interrupts, restored tools, what stopped the run."""
    stopped = events.get("stopped")
    return [f"stopped: {e}" if e == stopped else e for e in events.get("events", [])]


def _forget(course, name, student):
    """Remove an earlier grading of ``student`` from the gradebook: a row left from before
    must never stand in for an autograde that fails now."""
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            gb.remove_submission(name, student)
        except MissingEntry:
            pass


def _read_scores(course, name, student):
    """({test cell: score}, {test cell: (score, max, message)}, problem or None)."""
    from nbgrader.api import Gradebook
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
    raised = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception|Invalid\w*): ", ln)
              and "Please see the" not in ln]     # nbgrader's summary of the errors above
    return (raised[-1] if raised else "nbgrader failed")[:200]


def _mnist():
    folder = os.environ.get("COURSE_MNIST_DIR")
    return Path(folder) if folder and Path(folder).is_dir() else None


def _kernel_env(references):
    env = {"COURSE_REFERENCES": str(references.parent)}
    if _mnist():
        env["COURSE_MNIST_DIR"] = str(_mnist())
    return env


def safe_grade(grader, job, template):
    """grader.grade, with any failure of the worker's own turned into the student's error row."""
    try:
        return grader.grade(job, template)
    except Exception as err:  # noqa: BLE001 - one student's failure is that student's row
        return Result(job.student, status=f"error: {type(err).__name__}: {err}"[:300]), None


_GRADER, _LOCK = None, threading.Lock()


def dask_grade(job, template):
    """The Dask task: grade ``job`` on this worker (one student at a time per process)."""
    global _GRADER
    with _LOCK:       # the course root, the Box and the kernel's reaping are per process
        if _GRADER is None:
            _GRADER = Grader()
            atexit.register(_GRADER.close)      # before the interpreter tears itself down
        return _grade_dict(_GRADER, job, template)


def serve(inbox, outbox, scratch, boxes):
    """The local worker's loop: "ready" once nbgrader is imported, then (job, template) in,
    (Result as a dict, HTML) out, until None comes."""
    import nbgrader.apps  # noqa: F401 - imported once per worker, not once per student
    grader = Grader(scratch, boxes)
    outbox.send("ready")
    while (message := inbox.recv()) is not None:
        outbox.send(_grade_dict(grader, *message))
    grader.close()


def _grade_dict(grader, job, template):
    result, html = safe_grade(grader, job, template)
    return dataclasses.asdict(result), html


if __name__ == "__main__":
    import signal
    from multiprocessing.connection import Connection
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the instructor's process's call
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False),
          sys.argv[3], sys.argv[4])
