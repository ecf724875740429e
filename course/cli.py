"""The `course` command.

    course build [NAME ...] [--check]     source/ -> release/, references, samples
    course grade NAME --submissions PATH  autograde a class in confined kernels: CSV + HTML
                                          feedback, Canvas and Gradescope exports
                  [--scheduler tcp://HOST:8786]  ... on the workers of a Dask cluster
    course check NAME [NOTEBOOK]          self-study: grade your own notebook with every test,
                                          hidden ones included, and say what failed
    course demo                           build if needed, grade the bundled samples

Exit codes: 0 success, 1 the job ran and found a problem (stale files, a failed
build, a test `course check` ran that failed), 2 the command line or an input path is wrong.
"""
import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

from course import build, classroom, grade, sandbox

OK, PROBLEM, USAGE = 0, 1, 2


def _names(given, parser):
    names = given or build.available()
    unknown = [n for n in names if n not in build.ASSIGNMENTS]
    missing = [n for n in names if n in build.ASSIGNMENTS and n not in build.available()]
    if unknown:
        parser.error(f"unknown assignment {unknown[0]!r}; expected one of: "
                     + ", ".join(build.ASSIGNMENTS))
    if missing:
        parser.error(f"{missing[0]} has no source notebook yet (source/{missing[0]}/)")
    return names


def cmd_build(args, parser):
    names = _names(args.names, parser)
    if args.check:
        bad = build.stale(names)
        for path in bad:
            print(f"stale: {path}")
        print(f"{len(bad)} stale file(s); run `course build` to regenerate." if bad
              else f"up to date: {', '.join(names)}")
        return PROBLEM if bad else OK
    build.build(names)
    print(f"built: {', '.join(names)}")
    return OK


def cmd_grade(args, parser):
    (name,) = _names([args.name], parser)
    if not Path(args.submissions).exists():
        parser.error(f"--submissions {args.submissions}: no such file or folder")
    out = Path(args.out or f"grading/{name}")
    limits = sandbox.Limits(memory=args.memory << 20, processes=args.processes,
                            cell_timeout=args.cell_timeout)
    try:
        results = grade.grade(name, args.submissions, out, jobs=args.jobs, timeout=args.timeout,
                              isolation=args.isolation, limits=limits, student_id=args.student_id,
                              resume=not args.restart, log=_warn_unisolated,
                              scheduler=args.scheduler, progress=sys.stderr.isatty())
    except (ValueError, re.error) as err:       # a bad --student-id pattern
        parser.error(str(err))
    except OSError as err:                      # the Dask scheduler cannot be reached
        if not args.scheduler or isinstance(err, FileNotFoundError):
            raise
        print(f"course: could not reach the Dask scheduler at {args.scheduler} ({err}); "
              f"expected a running `dask scheduler` (see the README)", file=sys.stderr)
        return PROBLEM
    per_exercise = grade.exercises(name)
    print(grade.table(results, per_exercise))
    maximum = sum(per_exercise.values())
    classroom.write_canvas_csv(out / "canvas.csv", results, maximum, name)
    for r in results:
        classroom.write_gradescope_json(out / "gradescope" / f"{r.student}.json", r, maximum)
    print(f"\nscores: {out / 'grades.csv'}  (Canvas import: {out / 'canvas.csv'}; "
          f"Gradescope: {out / 'gradescope'}/<student>.json)")
    print(f"feedback: {out / 'feedback'}/<student>/{name}.html")
    return OK


def _warn_unisolated(message):
    if message.startswith("isolation: NOT ISOLATED"):
        bar = "!" * 78
        print(f"{bar}\nWARNING: {message}\nUse --isolation bwrap (apt-get install bubblewrap) or a "
              f"Linux with Landlock to confine students' code.\n{bar}")
    else:
        print(message)


def cmd_check(args, parser):
    (name,) = _names([args.name], parser)
    path = Path(args.notebook) if args.notebook else build.ROOT / "release" / name / f"{name}.ipynb"
    if not path.is_file():
        parser.error(f"{path}: no such notebook")
    feedback = path.with_name(f"{path.stem}-feedback.html")
    per_exercise = grade.exercises(name)
    with tempfile.TemporaryDirectory(prefix="course-check-") as tmp:
        mine = Path(tmp) / "submissions" / "your-notebook"
        mine.mkdir(parents=True)
        shutil.copyfile(path, mine / f"{name}.ipynb")
        (result,) = grade.grade(name, mine.parent, Path(tmp) / "out", jobs=1, resume=False,
                                isolation=args.isolation, log=_isolation_only)
        if result.feedback:
            shutil.copyfile(result.feedback, feedback)
    print(grade.table([result], per_exercise))
    failed = [(test, message) for test, (score, top, message) in result.tests.items() if score < top]
    for test, message in failed:
        print(f"  {test}: {message or 'failed (see the feedback)'}")
    if result.feedback:
        print(f"feedback: {feedback}")
    return OK if result.total == sum(per_exercise.values()) else PROBLEM


def _isolation_only(message):
    if message.startswith("isolation:"):
        print(message)


def cmd_demo(args, parser):
    names = build.available()
    if not names:
        print("no chapters in source/ yet", file=sys.stderr)
        return PROBLEM
    _warn_unisolated(f"isolation: {sandbox.describe(sandbox.choose('auto'))}")
    changed = build.build(names, log=lambda m: None)   # builds only what is out of date
    if changed:
        print(f"rebuilt {len(changed)} generated file(s) that were out of date")
    for name in names:
        samples = build.ROOT / "autograder" / "samples" / name
        print(f"\n== {name}: grading the sample submissions in {samples.relative_to(build.ROOT)}")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(args.out) / name if args.out else Path(tmp)
            results = grade.grade(name, samples, out, jobs=args.jobs, log=lambda m: None)
            print(grade.table(results, grade.exercises(name)))
    return OK


def parser():
    p = argparse.ArgumentParser(prog="course", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="generate release/, reference outputs and samples")
    b.add_argument("names", nargs="*", metavar="NAME", help="assignments (default: all)")
    b.add_argument("--check", action="store_true", help="exit 1 and name stale files")
    b.set_defaults(run=cmd_build)
    g = sub.add_parser("grade", help="autograde a folder or zip of submissions")
    g.add_argument("name", metavar="NAME")
    g.add_argument("--submissions", required=True, metavar="PATH")
    g.add_argument("--out", metavar="DIR", help="where to write grades.csv and feedback/")
    g.add_argument("--jobs", type=int, default=2, help="students graded at once (default 2)")
    g.add_argument("--timeout", type=int, default=900, help="wall seconds per notebook (default 900)")
    g.add_argument("--cell-timeout", type=int, default=300, help="wall seconds per cell (default 300)")
    g.add_argument("--memory", type=int, default=2048, metavar="MB",
                   help="memory a student's process may allocate (default 2048)")
    g.add_argument("--processes", type=int, default=512,
                   help="processes and threads per student (default 512)")
    g.add_argument("--isolation", choices=sandbox.ISOLATIONS, default="auto",
                   help="how students' kernels are confined (default: the best available)")
    g.add_argument("--student-id", metavar="REGEX",
                   help="a regular expression with a (?P<student>...) group (and optionally "
                        "(?P<late>...)), matched against each file's path in the submissions")
    g.add_argument("--restart", action="store_true",
                   help="grade everyone again instead of continuing an interrupted run")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="grade on the workers of a Dask cluster (e.g. tcp://host:8786) instead "
                        "of --jobs local workers")
    g.set_defaults(run=cmd_grade)
    c = sub.add_parser("check", help="grade your own notebook with every test (self-study)")
    c.add_argument("name", metavar="NAME")
    c.add_argument("notebook", nargs="?", metavar="NOTEBOOK",
                   help="the notebook to check (default: release/NAME/NAME.ipynb)")
    c.add_argument("--isolation", choices=sandbox.ISOLATIONS, default="auto",
                   help="how the notebook's kernel is confined (default: the best available)")
    c.set_defaults(run=cmd_check)
    d = sub.add_parser("demo", help="build if needed and grade the bundled samples")
    d.add_argument("--out", metavar="DIR", help="keep the CSV and feedback here")
    d.add_argument("--jobs", type=int, default=2)
    d.set_defaults(run=cmd_demo)
    return p


def main(argv=None):
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as exit_:
        return USAGE if exit_.code else OK
    try:
        return args.run(args, p)
    except SystemExit as exit_:  # parser.error inside a command
        return USAGE if exit_.code else OK
    except (FileNotFoundError, RuntimeError) as err:
        print(f"course: {err}", file=sys.stderr)
        return PROBLEM


if __name__ == "__main__":
    sys.exit(main())
