"""source/ -> release/, reference outputs and sample submissions.

Everything this module writes is generated: ``course build`` makes it and
``course build --check`` regenerates it in a scratch folder and names what differs
from the committed files.
"""
import contextlib
import dataclasses
import importlib.util
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from course import notebook, reference

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ("01_receptive_fields", "02_cross_correlation", "03_padding_stride",
               "04_multichannel", "05_pooling", "06_backprop", "07_upsampling", "08_mnist_cnn")


def available(root=ROOT):
    """The assignments that have a source notebook, in course order."""
    return [n for n in ASSIGNMENTS if (root / "source" / n / f"{n}.ipynb").exists()]


def source_path(name, root=ROOT):
    return root / "source" / name / f"{name}.ipynb"


def nbgrader(args, cwd, timeout=600, threads=None):
    """Run an nbgrader command in ``cwd`` (a course root); return the CompletedProcess.

    The interpreter's bin folder goes first on PATH: nbgrader runs the `alembic`
    command, which a virtual environment that was not activated would not find.
    ``threads``, when given, caps the math libraries' threads in the kernel (unless the
    environment already does), so that several students graded at once share the cores.
    On a timeout the whole process group is killed, kernels included, and
    subprocess.TimeoutExpired is raised.
    """
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable),
                                                 os.environ.get("PATH", "")]))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") if threads else ():
        env.setdefault(var, str(threads))
    cmd = [sys.executable, "-m", "nbgrader", *args]
    with subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def make_course_root(name, workdir, root=ROOT):
    """A scratch nbgrader course root holding one assignment's source and the config."""
    workdir = Path(workdir)
    shutil.copytree(root / "source" / name, workdir / "source" / name,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(root / "nbgrader_config.py", workdir / "nbgrader_config.py")
    return workdir


def generate_release(name, workdir, root=ROOT):
    """Run nbgrader generate_assignment in a scratch root; return {relative path: text}."""
    course = make_course_root(name, workdir, root)
    done = nbgrader(["generate_assignment", name, "--force",
                     f"--CourseDirectory.root={course}"], cwd=course)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{done.stderr[-3000:]}")
    out = {}
    for path in sorted((course / "release" / name).rglob("*")):
        if path.is_file():
            rel = path.relative_to(course)
            out[str(rel)] = normalize(path.read_text()) if path.suffix == ".ipynb" else path.read_text()
    return out


def normalize(text):
    """Notebook JSON in one stable form: outputs and execution counts cleared, keys sorted."""
    nb = json.loads(text)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def load_spec(name, root=ROOT):
    """The module autograder/cases/<name>.py: cases(), SAMPLES and, optionally, CALLS.

    CALLS = {function: make(ns) -> callable} says how to call a graded function on a case's
    JSON-storable arguments when it takes something JSON cannot hold (ns: the solution
    namespace), e.g. a model built by a locked helper from a stored description.
    """
    path = root / "autograder" / "cases" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"cases_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def solution_namespace(name, root=ROOT):
    """Globals after running the source notebook's locked and solution cells."""
    nb = notebook.read(source_path(name, root))
    ns = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in nb.cells:
            if notebook.is_locked(cell) or notebook.is_solution(cell):
                source = cell.source
                exec(compile(source, f"<{name}: {notebook.meta(cell)['grade_id']}>", "exec"), ns)
    return ns


def reference_text(name, root=ROOT):
    """Run the reference solutions on the chapter's cases; return the reference JSON."""
    ns = solution_namespace(name, root)
    spec = load_spec(name, root)
    cases = {function: [dataclasses.replace(case) for case in items]  # one copy per function
             for function, items in spec.cases().items()}
    adapters = getattr(spec, "CALLS", {})
    for function, items in cases.items():
        call = adapters[function](ns) if function in adapters else ns[function]
        for case in items:
            if case.raises:
                problem = reference.run_case(call, case)
                if problem:
                    raise RuntimeError(f"reference {function} on {case.id!r}: {problem}")
            else:
                case.expected = call(*case.args, **case.kwargs)
    return reference.dumps(cases)


def sample_notebooks(name, release_text, root=ROOT):
    """{student: notebook text} for the demo's sample submissions.

    SAMPLES in the chapter's spec maps a student to "all" (every reference solution),
    a list of exercise ids to solve, or a dict {exercise id: code} of wrong answers
    (the other exercises get the reference solution).
    """
    right = notebook.solutions(notebook.read(source_path(name, root)))
    release = notebook.nbformat.reads(release_text, as_version=4)
    out = {}
    for student, plan in load_spec(name, root).SAMPLES.items():
        if plan == "all":
            code = right
        elif isinstance(plan, dict):
            code = {**right, **plan}
        else:
            code = {k: right[k] for k in plan}
        nb = notebook.with_solutions(release, code)
        out[student] = normalize(notebook.nbformat.writes(nb))
    return out


def generated(name, root=ROOT):
    """Every generated file of one assignment: {path relative to root: text}."""
    with tempfile.TemporaryDirectory(prefix=f"build-{name}-") as tmp:
        files = generate_release(name, tmp, root)
    release_nb = files[f"release/{name}/{name}.ipynb"]
    files[f"autograder/references/{name}.json"] = reference_text(name, root)
    for student, text in sample_notebooks(name, release_nb, root).items():
        files[f"autograder/samples/{name}/{student}/{name}.ipynb"] = text
    return files


def _owned(name, root):
    """Generated files of ``name`` that exist now (to find stale leftovers)."""
    paths = [*(root / "release" / name).rglob("*"), *(root / "autograder" / "samples" / name).rglob("*"),
             root / "autograder" / "references" / f"{name}.json"]
    return {str(p.relative_to(root)) for p in paths if p.is_file()}


def build(names, root=ROOT, log=print):
    """Write the generated files of ``names``; remove generated files that are no longer made.

    Returns the paths (relative to root) that were written or removed.
    """
    changed = []
    for name in names:
        files = generated(name, root)
        for rel in sorted(_owned(name, root) - files.keys()):
            (root / rel).unlink()
            changed.append(rel)
            log(f"removed {rel}")
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or not _same(rel, path.read_text(), text):
                path.write_text(text)
                changed.append(rel)
                log(f"wrote {rel}")
    return changed


def stale(names, root=ROOT):
    """Paths whose committed content differs from what ``build`` would write now."""
    bad = []
    for name in names:
        files = generated(name, root)
        bad += sorted(f"{rel} (should not exist)" for rel in _owned(name, root) - files.keys())
        for rel, text in files.items():
            path = root / rel
            if not path.exists():
                bad.append(f"{rel} (missing)")
            elif not _same(rel, path.read_text(), text):
                bad.append(rel)
    return bad


def _same(rel, old, new):
    """Equal text, or for reference JSON equal up to last-bit differences between CPUs.

    That is 1e-12, or 1e-6 for cases whose own tolerance is at least that loose: those hold
    what a framework computed in float32 (chapter 08's logits), whose last bits depend on the
    CPU and on TensorFlow's oneDNN setting.
    """
    if old == new:
        return True
    if not rel.endswith(".json"):
        return False
    a, b = reference.loads(old), reference.loads(new)
    if a.keys() != b.keys() or any(len(a[k]) != len(b[k]) for k in a):
        return False
    for key in a:
        for x, y in zip(a[key], b[key]):
            x_exp, y_exp = x.expected, y.expected
            if x.id != y.id or x.raises != y.raises or type(x_exp) is not type(y_exp):
                return False
            if hasattr(x_exp, "shape"):
                tol = 1e-6 if min(x.rtol, x.atol) >= 1e-6 else 1e-12
                if not reference.checks.is_close(x_exp, y_exp, rtol=tol, atol=tol):
                    return False
            elif x_exp != y_exp:
                return False
    return True
