"""Set up a fresh machine and run the course's two jobs (needs only Python 3.11 and pip).

    python3 dev.py demo     create .venv, install the course, run `course demo`
    python3 dev.py test     create .venv, install the course and test tools, check every
                            chapter's time and memory budgets (tools/budgets.py), run the tests

The virtual environment is reused while pyproject.toml stays the same. Extra arguments
after the job go to `course demo` or to pytest.
"""
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
MNIST = ROOT.parent / "shared" / "data" / "mnist"


def ensure_venv():
    """Create .venv and install the course (editable) with its test tools, once per pyproject."""
    stamp = VENV / ".installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    print("installing the course and its pinned dependencies into .venv ...", flush=True)
    subprocess.run([str(BIN / "python"), "-m", "pip", "install", "-qq",
                    "--disable-pip-version-check", "-e", f"{ROOT}[test]"], check=True)
    stamp.write_text(wanted)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    if sys.version_info[:2] != (3, 11):
        print(f"warning: the course is pinned for Python 3.11, this is {sys.version.split()[0]}")
    ensure_venv()
    env = dict(os.environ)
    if "COURSE_MNIST_DIR" not in env and MNIST.is_dir():
        env["COURSE_MNIST_DIR"] = str(MNIST)   # the offline copy next to the repository
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    run = lambda cmd: subprocess.run(cmd, cwd=ROOT, env=env).returncode  # noqa: E731
    if argv[0] == "demo":
        return run([str(BIN / "course"), "demo", *argv[1:]])
    budgets = 0 if argv[1:] else run([str(BIN / "python"), "tools/budgets.py", "--all"])
    # Two pytest workers on two cores: one thread each for PyTorch's and NumPy's math libraries
    # (measured: with their default of one thread per core, the workers' threads oversubscribe
    # the cores and single chapter-08 runs took 20-220 s instead of about 1 s).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    # loadgroup: tests marked xdist_group("...") share a worker (and a module fixture).
    default = ["-n", "2", "--dist", "loadgroup"]
    tests = run([str(BIN / "python"), "-m", "pytest", *(argv[1:] or default)])
    return tests or budgets


if __name__ == "__main__":
    sys.exit(main())
