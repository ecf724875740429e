"""Measure a chapter against its budgets: source notebook run time and peak memory, autograde time.

    python tools/budgets.py 02_cross_correlation [03_padding_stride ...]
    python tools/budgets.py --all          # every chapter that has a source notebook

Budgets (issues #3, #4): the source notebook executes in <= 60 s with peak memory <= 1.5 GB
(Binder gives 2 GB); a correct submission autogrades in <= 30 s. Chapter 08 trains networks,
in the notebook and inside the autograder, and has its own budgets (issue #13): 180 s and 120 s. Prints one line per figure
and exits 1 when a budget is exceeded. Peak memory is the largest resident set size of any
process the run started (the kernel), from getrusage(RUSAGE_CHILDREN) of a fresh subprocess.
"""
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = {"notebook_s": 60.0, "notebook_mb": 1536.0, "autograde_s": 30.0}
CHAPTER_BUDGET = {"08_mnist_cnn": {"notebook_s": 180.0, "autograde_s": 120.0}}


def budget(name):
    """The budgets of one chapter: the defaults, with the chapter's own where it has them."""
    return {**BUDGET, **CHAPTER_BUDGET.get(name, {})}

RUN_NOTEBOOK = """
import json, resource, sys, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
start = time.perf_counter()
NotebookClient(nb, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
seconds = time.perf_counter() - start
peak_kb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
              resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024}))
"""


class NotebookFailed(Exception):
    """The source notebook raised: its budgets cannot be measured."""


def notebook_figures(name):
    """Execute source/<name>/<name>.ipynb in a fresh process; return (seconds, peak MB)."""
    path = ROOT / "source" / name / f"{name}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-c", RUN_NOTEBOOK, str(path), tmp],
                              capture_output=True, text=True)
    if done.returncode:
        raise NotebookFailed(f"{path.relative_to(ROOT)} did not run to the end:\n"
                             + "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", done.stderr)
                                         .strip().splitlines()[-6:]))
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures["seconds"], figures["peak_mb"]


def autograde_seconds(name):
    """Seconds `course grade`'s worker takes to grade the complete sample submission (one
    student, confined kernel, feedback included, and importing nbgrader as a worker does once)."""
    from course import grade, sandbox
    sample = ROOT / "autograder" / "samples" / name / "ada-complete" / f"{name}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        template = grade.prepare_gradebook(name, Path(tmp) / "template", limits=sandbox.Limits())
        start = time.perf_counter()
        result = grade.grade_one(name, "ada", sample, template)
        seconds = time.perf_counter() - start
    if result.status != "graded":
        raise RuntimeError(f"the sample was not graded: {result.status}")
    return seconds


def measure(name):
    seconds, peak_mb = notebook_figures(name)
    return {"notebook_s": seconds, "notebook_mb": peak_mb, "autograde_s": autograde_seconds(name)}


def main(argv=None):
    names = sys.argv[1:] if argv is None else argv
    if names in ([], ["--all"]):
        from course import build
        names = build.available()
    over = 0
    for name in names:
        try:
            figures = measure(name)
        except (NotebookFailed, RuntimeError) as err:
            print(f"{name}  FAILED: {err}")
            over += 1
            continue
        limits = budget(name)
        for key, value in figures.items():
            ok = value <= limits[key]
            over += not ok
            print(f"{name}  {key:12s} {value:8.1f}  (budget {limits[key]:g}) {'ok' if ok else 'OVER'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
