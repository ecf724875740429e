"""A confined kernel per student, for ``course grade``.

nbgrader (run by ``course grade`` in a subprocess) executes a student's notebook with
``SandboxExecute``: its kernel is started by ``course.jail`` inside a ``Box``, a folder that
holds the student's scratch folder (the kernel's working directory and HOME) and the kernel's
connection file and IPC sockets. The kernel sees only the Box, the Python installation, the
course package and this chapter's reference file; no network; limited memory, processes and
CPU; and it runs as a dedicated account when the grader is root. The course root (gradebook,
source, CSV, feedback) is never visible to it. ``SandboxExecute`` also bounds every cell's
and the notebook's wall time and output, survives a dead or hung kernel, restores the
tests' tools before each test cell (course.seal) and reports what happened to ``course
grade`` in an events file.
"""
import ast
import contextlib
import fcntl
import functools
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ISOLATIONS = ("auto", "bwrap", "landlock", "none")
BASE_UID = 61000      # the dedicated accounts: BASE_UID and up (only when run as root)
UID_RANGE = 1000
LOCKS = (Path("/run/lock/convnets-course") if Path("/run/lock").is_dir()   # one lock per uid
         else Path("/tmp/.convnets-course-locks"))
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Limits:
    memory: int = 2 << 30          # bytes a process may allocate (RLIMIT_DATA)
    processes: int = 512           # processes and threads of the sandbox account
    cell_timeout: int = 300        # wall seconds per cell
    timeout: int = 900             # wall seconds per notebook
    output: int = 10 << 20         # bytes of output per notebook before the kernel is stopped
    file_size: int = 1 << 30       # bytes per file written


@functools.lru_cache(maxsize=None)
def bwrap_works():
    """True when bubblewrap is installed and may create namespaces here."""
    if not shutil.which("bwrap"):
        return False
    cmd = ["bwrap", "--unshare-all", "--ro-bind", "/usr", "/usr", "--proc", "/proc",
           "--dev", "/dev", *sum((["--symlink", f"usr/{d}", f"/{d}"] for d in ("bin", "lib", "lib64")
                                  if os.path.islink(f"/{d}")), []), "true"]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.lru_cache(maxsize=None)
def landlock_works():
    """Landlock that blocks TCP (ABI 4); as root also signal scoping (ABI 6), without which
    a kernel left running as root could kill any process on the machine."""
    from course import landlock
    return landlock.abi_version() >= (6 if os.geteuid() == 0 else 4)


def choose(isolation="auto"):
    """The isolation to use: the requested one (RuntimeError if impossible) or the best here."""
    if isolation not in ISOLATIONS:
        raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, not {isolation!r}")
    if isolation == "auto":
        return "bwrap" if bwrap_works() else "landlock" if landlock_works() else "none"
    if isolation == "bwrap" and not bwrap_works():
        raise RuntimeError("--isolation bwrap: bubblewrap is missing or may not create namespaces "
                           "here (Debian/Ubuntu: apt-get install bubblewrap; Ubuntu 24.04 also needs "
                           "an AppArmor profile or kernel.apparmor_restrict_unprivileged_userns=0)")
    if isolation == "landlock" and not landlock_works():
        raise RuntimeError("--isolation landlock: this Linux kernel lacks Landlock ABI 4 (Linux "
                           "6.7+), or ABI 6 (6.12+) when grading as root")
    return isolation


def describe(isolation, as_root=None):
    """One line for the terminal and the CSV: what confines the students' kernels."""
    as_root = os.geteuid() == 0 if as_root is None else as_root
    return {
        "bwrap": "bwrap: own file system view, no network, own PID namespace, rlimits"
                 + (", dedicated uid" if as_root else ""),
        "landlock": "landlock: file access and TCP blocked outside the box, rlimits, subreaper"
                    + (", no network (own namespace)" if as_root else "; UDP NOT blocked"),
        "none": "NOT ISOLATED: rlimits and timeouts only; student code can read and write "
                "anything this user can and reach the network",
    }[isolation]


def _world_traversable(path):
    """True when every folder above ``path`` lets other users through (mode o+x)."""
    path = Path(path).resolve()
    return all(p.stat().st_mode & stat.S_IXOTH for p in path.parents if p.exists())


@dataclass
class Box:
    """One student's confinement: folders, account, limits and the kernel's environment."""
    folder: Path
    isolation: str
    limits: Limits = field(default_factory=Limits)
    account: int = BASE_UID         # a uid from claim_uids (used only when run as root)
    threads: int = 1
    readable: tuple = ()           # extra read-only files or folders (references, data)
    env: dict = field(default_factory=dict)

    @property
    def work(self):
        return self.folder / "work"

    @property
    def kernel_dir(self):
        return self.folder / "kernel"

    @property
    def uid(self):
        """The dedicated account, or None (not root, or Landlock with an unreachable Python)."""
        if os.geteuid() != 0:
            return None
        needed = [sys.base_prefix + "/bin", sys.prefix + "/bin", ROOT / "course", self.folder,
                  *self.readable]
        if self.isolation != "bwrap" and not all(map(_world_traversable, needed)):
            return None   # the account could not reach Python (e.g. it lives under /root)
        return self.account

    def create(self):
        for path in (self.work, self.kernel_dir, self.work / ".tmp"):
            path.mkdir(parents=True, exist_ok=True)
        if self.uid is not None:
            os.chmod(self.folder, 0o711)
            for path in (self.work, self.kernel_dir, self.work / ".tmp"):
                os.chown(path, self.uid, self.uid)
                os.chmod(path, 0o700)
        return self

    def add_files(self, files):
        """Write the declared files ``files`` ({path relative to the notebook: bytes}) into the
        scratch folder; anything else beside a submitted notebook (a numpy.py, a course/)
        stays out."""
        for name, data in files.items():
            target = (self.work / name).resolve()
            if self.work.resolve() not in target.parents:
                raise ValueError(f"a declared file must lie below the notebook's folder: {name!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            if self.uid is not None:
                os.chown(target, self.uid, self.uid)

    def kernel_env(self):
        home = str(self.work)
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
               "HOME": home, "TMPDIR": str(self.work / ".tmp"), "PYTHONSAFEPATH": "1",
               "PYTHONNOUSERSITE": "1", "MPLBACKEND": "agg", "MPLCONFIGDIR": f"{home}/.mpl",
               "LANG": "C.UTF-8", "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
               "JUPYTER_PLATFORM_DIRS": "1", "JUPYTER_RUNTIME_DIR": str(self.kernel_dir)}
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(self.threads)
        return {**env, **self.env}

    def spec(self):
        """The JSON course.jail reads."""
        python = {sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parents[1])}
        ro = sorted(p for p in {*python, str(ROOT / "course"), *map(str, self.readable)}
                    if not p.startswith("/usr/") and os.path.exists(p))
        return {"mode": self.isolation, "uid": self.uid, "gid": self.uid,
                "limits": {"data": self.limits.memory, "as": max(4 * self.limits.memory, 8 << 30), "nproc": self.limits.processes,
                           "cpu": self.limits.timeout * max(1, self.threads) + 60,
                           "fsize": self.limits.file_size},
                "ro": ro, "rw": [str(self.work), str(self.kernel_dir)], "hide": self._unused(),
                "work": str(self.work), "env": self.kernel_env()}

    @staticmethod
    def _unused():
        """The base interpreter's site-packages: a virtual environment does not use it."""
        base = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
        packages = base / "site-packages"
        return [str(packages)] if sys.prefix != sys.base_prefix and packages.is_dir() else []

    def write_spec(self, path):
        Path(path).write_text(json.dumps(self.spec(), indent=1))
        return Path(path)

    def kill_leftovers(self):
        """Kill every process still running as the box's account; return how many."""
        return kill_uid(self.uid) if self.uid is not None else 0


@contextlib.contextmanager
def claim_uids(count):
    """``count`` dedicated uids no other grading run on this machine is using, held (by a
    lock file each) until the block ends; processes a crashed run left under them are killed.
    Without root there are no accounts to switch to: yields ``count`` times BASE_UID, unused."""
    if os.geteuid() != 0:
        yield [BASE_UID] * count
        return
    LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
    held = []
    try:
        for uid in range(BASE_UID, BASE_UID + UID_RANGE):
            if len(held) == count:
                break
            f = open(LOCKS / f"{uid}.lock", "w")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.close()
                continue
            kill_uid(uid)
            held.append((uid, f))
        if len(held) < count:
            raise RuntimeError(f"no free grading uid in {BASE_UID}-{BASE_UID + UID_RANGE - 1}")
        yield [uid for uid, _ in held]
    finally:
        for uid, f in held:
            kill_uid(uid)
            f.close()


def kill_uid(uid, rounds=50):
    """SIGKILL every process whose real uid is ``uid`` until none is left."""
    killed = 0
    for _ in range(rounds):
        pids = []
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    with open(f"/proc/{entry.name}/status") as f:
                        line = next(ln for ln in f if ln.startswith("Uid:"))
                    if int(line.split()[1]) == uid:
                        pids.append(int(entry.name))
                except (OSError, StopIteration, ValueError):
                    continue
        if not pids:
            return killed
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        time.sleep(0.05)
    return killed


def _instructor_imports(nb, upto=None):
    """The top-level import statements of the locked (instructor) cells before cell ``upto``."""
    for cell in nb.cells[:upto]:
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not grading.get("locked") or grading.get("solution"):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        yield from (n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))


def imported_modules(nb):
    """Module names the instructor's cells import (``from a import b`` gives a and a.b)."""
    names = set()
    for node in _instructor_imports(nb):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def import_bindings(nb, upto=None):
    """{name: (module, attribute or None)} the instructor's imports bind before cell ``upto``."""
    out = {}
    for node in _instructor_imports(nb, upto):
        if isinstance(node, ast.Import):
            for a in node.names:
                top = a.name.split(".")[0]
                out[a.asname or top] = (a.name if a.asname else top, None)
        elif node.module and not node.level:
            out.update({a.asname or a.name: (node.module, a.name) for a in node.names if a.name != "*"})
    return out
