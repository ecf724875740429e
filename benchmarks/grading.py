"""How fast a class is graded: plain nbgrader next to `course grade`, locally and on Dask.

    python benchmarks/grading.py                      # chapter 02, 30 students, every way
    python benchmarks/grading.py --students 8 --chapter 03_padding_stride
    python benchmarks/grading.py --quick              # 4 students, no --jobs 1 row: a smoke test

The class is N copies of the chapter's four sample submissions (complete, partial, untouched,
plausible mistakes, in turn), named s01-ada-complete, s02-ben-partial, ... Each way grades the
same folder on this machine, one after the other:

- execute: each of the four sample notebooks run top to bottom in a fresh kernel with nbclient
  (no grading, no confinement); the mean over the class's mix is what one student's notebook
  costs by itself, the yardstick of the overhead column.
- plain nbgrader: `nbgrader autograde NAME` over every student in one process (sequential,
  unconfined: the anchor), then `nbgrader generate_feedback NAME` for the same feedback.
- course grade --jobs 1 and --jobs <cores>: worker processes, confined kernels, feedback, CSV.
- dask: a LocalCluster of <cores> worker processes (one thread each) and
  `course grade --scheduler` on it; starting the cluster is not counted.

Every way must give every student the same total as plain nbgrader, or the run exits 1.
Printed: a table (wall seconds, seconds per student, speed-up over plain nbgrader, overhead
= seconds per student on one worker / execute) and one student's time split into steps, from
the --jobs 1 run. Exit status: 0 when the scores agree (whether or not the targets are met:
this is a report), 1 when they do not, 2 for bad arguments.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course import build, grade  # noqa: E402

OK, PROBLEM = 0, 1


def parse(argv):
    p = argparse.ArgumentParser(prog="benchmarks/grading.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--chapter", default="02_cross_correlation", choices=build.ASSIGNMENTS)
    p.add_argument("--students", type=int, help="class size (default 30; 4 with --quick)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="local workers and Dask workers for the parallel rows (default: cores)")
    p.add_argument("--no-dask", action="store_true", help="leave out the Dask row")
    p.add_argument("--quick", action="store_true",
                   help="4 students and no --jobs 1 row: checks that every way runs and agrees")
    args = p.parse_args(argv)
    if args.students is None:
        args.students = 4 if args.quick else 30
    if args.students < 1 or args.jobs < 1:
        p.error("--students and --jobs must be at least 1")
    return args


def make_class(name, count, dest):
    """``count`` students cycling through the chapter's samples; return {student: sample}."""
    samples = sorted((ROOT / "autograder" / "samples" / name).iterdir())
    out = {}
    for i in range(count):
        sample = samples[i % len(samples)]
        student = f"s{i + 1:02d}-{sample.name}"
        shutil.copytree(sample, dest / student)
        out[student] = sample.name
    return out


def execute_seconds(name, samples):
    """{sample: seconds to run its notebook top to bottom in a fresh kernel}."""
    import nbformat
    from nbclient import NotebookClient
    out = {}
    for sample in sorted(samples):
        path = ROOT / "autograder" / "samples" / name / sample / f"{name}.ipynb"
        nb = nbformat.read(str(path), as_version=4)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            NotebookClient(nb, timeout=600, allow_errors=True, kernel_name="python3",
                           resources={"metadata": {"path": tmp}}).execute()
            out[sample] = time.perf_counter() - start
    return out


def plain_nbgrader(name, subs, workdir):
    """(autograde seconds, feedback seconds, {student: total}) of nbgrader's own commands."""
    from nbgrader.api import Gradebook
    course = grade.prepare_gradebook(name, workdir)
    for student in os.listdir(subs):
        shutil.copytree(subs / student, course / "submitted" / student / name)
    seconds = []
    for command in ("autograde", "generate_feedback"):
        start = time.perf_counter()
        done = build.nbgrader([command, name, "--force", f"--CourseDirectory.root={course}"],
                              cwd=course, timeout=24 * 3600)
        seconds.append(time.perf_counter() - start)
        if done.returncode:
            raise RuntimeError(f"nbgrader {command} failed:\n{done.stderr[-2000:]}")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        totals = {s.student.id: float(s.score) for s in gb.assignment_submissions(name)}
    return seconds[0], seconds[1], totals


def course_grade(name, subs, out, **kwargs):
    """(seconds, {student: total}, results) of one `course grade` run."""
    start = time.perf_counter()
    results = grade.grade(name, subs, out, log=lambda m: None, resume=False, **kwargs)
    return time.perf_counter() - start, {r.student: r.total for r in results}, results


def dask_grade(name, subs, out, workers):
    import dask
    from distributed import Client, LocalCluster
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster, Client(cluster):
        return course_grade(name, subs, out, scheduler=cluster.scheduler_address)


def run(args):
    name, rows, totals = args.chapter, [], {}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        mix = make_class(name, args.students, tmp / "subs")
        per_sample = execute_seconds(name, set(mix.values()))
        execute = statistics.mean(per_sample[s] for s in mix.values())
        print(f"execute: {', '.join(f'{s} {t:.1f} s' for s, t in per_sample.items())}; "
              f"mean over the class {execute:.2f} s", flush=True)
        autograde_s, feedback_s, totals["plain nbgrader"] = plain_nbgrader(name, tmp / "subs",
                                                                           tmp / "plain")
        rows.append(("plain nbgrader autograde + generate_feedback", autograde_s + feedback_s, 1))
        print(f"plain nbgrader: autograde {autograde_s:.1f} s, generate_feedback {feedback_s:.1f} s",
              flush=True)
        breakdown = None
        for jobs in ([] if args.quick else [1]) + [args.jobs]:
            seconds, totals[f"jobs {jobs}"], results = course_grade(
                name, tmp / "subs", tmp / f"jobs{jobs}", jobs=jobs)
            rows.append((f"course grade --jobs {jobs}", seconds, jobs))
            breakdown = breakdown or results
            print(f"course grade --jobs {jobs}: {seconds:.1f} s", flush=True)
        if not args.no_dask:
            seconds, totals["dask"], _ = dask_grade(name, tmp / "subs", tmp / "dask", args.jobs)
            rows.append((f"course grade --scheduler (LocalCluster, {args.jobs} workers)", seconds,
                         args.jobs))
            print(f"dask: {seconds:.1f} s", flush=True)
    return execute, rows, totals, breakdown


def main(argv=None):
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
    except SystemExit as stop:
        return stop.code
    execute, rows, totals, results = run(args)
    print(f"\n{args.chapter}, {args.students} students, {os.cpu_count()} cores; "
          f"execute = {execute:.2f} s per notebook\n")
    print(table(rows, args.students, execute))
    print("\n" + steps(results))
    anchor = totals["plain nbgrader"]
    wrong = {way: sorted(s for s in anchor if got.get(s) != anchor[s])
             for way, got in totals.items() if got != anchor}
    if wrong:
        print(f"\nScores differ from plain nbgrader's: {wrong}")
        return PROBLEM
    print(f"\nEvery way gave all {len(anchor)} students the same totals as plain nbgrader.")
    return OK


def table(rows, students, execute):
    """Markdown: way, wall s, s per student, speed-up over the first row, overhead."""
    base = rows[0][1]
    lines = ["| way | wall s | s per student | speed-up over plain nbgrader | "
             "overhead (s per student per worker / execute) |", "|---|---:|---:|---:|---:|"]
    for way, seconds, workers in rows:
        per = seconds / students
        lines.append(f"| {way} | {seconds:.1f} | {per:.2f} | {base / seconds:.2f}× | "
                     f"{per * workers / execute:.2f}× |")
    return "\n".join(lines)


STEPS = [("worker start", "worker start (Python, nbgrader; once per worker)"),
         ("setup", "notebook and Box in place"),
         ("kernel start", "kernel start, with the libraries' imports the guard snapshots"),
         ("imports", "setup cell"), ("cells", "the other cells"),
         ("rest", "nbgrader's own work in autograde, kernel stop included"),
         ("autograde", "autograde in all (the four rows above)"),
         ("feedback", "feedback HTML")]


def steps(results):
    """One student's time split into steps: the first graded student of the --jobs 1 run."""
    first = next(r for r in results if r.status.startswith("graded"))
    t = dict(first.timings)
    t["rest"] = t["autograde"] - t["kernel start"] - t["imports"] - t["cells"]
    lines = [f"One student's steps ({first.student}, the first a worker graded):",
             "| step | seconds |", "|---|---:|"]
    lines += [f"| {label} | {t[key]:.2f} |" for key, label in STEPS if key in t]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
