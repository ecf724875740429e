"""Start one command (a student's kernel) confined: ``python -m course.jail SPEC.json -- CMD...``.

Runs as the grader, before anything of the student's exists, and then becomes the
confined command (or, for Landlock, its reaping parent). SPEC is the JSON written by
``course.sandbox.Box.write_spec``:

    mode     "bwrap", "landlock" or "none"
    uid/gid  the dedicated account to run as (only when the grader is root), or null
    limits   {"data": bytes, "as": bytes, "nproc": n, "cpu": seconds, "fsize": bytes}
    ro, rw   folders the command may read / read and write; everything else is invisible
    hide     folders inside ``ro`` to replace by an empty one (bwrap only)
    work     the working directory (the student's scratch folder)
    env      the complete environment of the command

- **bwrap**: a new mount, PID, network, IPC and UTS namespace in which only ``ro`` and ``rw``
  (plus /usr, /proc, /dev and a small /tmp) exist; the network has no interface but a
  loopback of its own; when the command ends (or the grader dies) every process in it dies.
- **landlock**: the command is a child of this process, which is a child subreaper; Landlock
  denies opening any path but ``ro`` and ``rw`` (``stat`` still sees names and sizes) and
  blocks TCP (UDP only when the grader is root, through a network namespace of its own); when
  the command ends, every process it left (daemons included: they are reparented here) is
  killed.
- **none**: rlimits only. ``course grade`` warns loudly that the run is not isolated.
In every mode: rlimits on memory (RLIMIT_DATA: the heap and private writable mappings, what a
process allocates; RLIMIT_AS only as a loose backstop, because PyTorch and TensorFlow reserve
far more address space than they use: 1.5 GB after import, measured), processes, CPU seconds
and file size; core dumps off.
"""
import ctypes
import json
import os
import resource
import shutil
import signal
import sys
from pathlib import Path

CLONE_NEWNET = 0x40000000
SYSTEM_RO = ("/usr", "/etc/fonts", "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf",
             "/etc/ld.so.conf.d", "/etc/localtime", "/etc/passwd", "/etc/group")
LANDLOCK_RO = ("/proc", "/sys/devices/system/cpu", "/dev/urandom", "/dev/zero")
LINKS = ("bin", "lib", "lib32", "lib64", "libx32", "sbin")   # merged-/usr symlinks

# Drop to the dedicated account inside the sandbox (no site, no course import: fast and small).
DROP = ("import os, sys; u, g = int(sys.argv[1]), int(sys.argv[2]); os.setgroups([]); "
        "os.setresgid(g, g, g); os.setresuid(u, u, u); os.execv(sys.argv[3], sys.argv[3:])")


def set_limits(limits):
    """Apply the rlimits; they are inherited by every process the command starts."""
    pairs = {"data": resource.RLIMIT_DATA, "as": resource.RLIMIT_AS, "nproc": resource.RLIMIT_NPROC,
             "cpu": resource.RLIMIT_CPU, "fsize": resource.RLIMIT_FSIZE}
    limits = dict(limits)
    if limits.get("nproc") and os.geteuid() != 0:   # the cap counts all of this user's tasks
        limits["nproc"] += user_tasks(os.getuid())
    for key, which in pairs.items():
        if limits.get(key):
            resource.setrlimit(which, (int(limits[key]), int(limits[key])))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def user_tasks(uid):
    """Processes and threads running as ``uid`` now (RLIMIT_NPROC counts both)."""
    total = 0
    for entry in os.scandir("/proc"):
        try:
            with open(f"/proc/{entry.name}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            continue
    return total


def drop_argv(spec):
    """Command prefix that switches to the dedicated uid/gid (empty when there is none)."""
    if spec.get("uid") is None:
        return []
    return [sys.executable, "-I", "-S", "-c", DROP, str(spec["uid"]), str(spec["gid"])]


def bwrap_argv(spec):
    """bubblewrap's arguments: only the listed folders exist inside."""
    args = [shutil.which("bwrap") or "bwrap", "--die-with-parent", "--new-session",
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--clearenv", "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(64 << 20), "--tmpfs", "/tmp"]   # before binds below
    if os.geteuid() != 0:
        args.insert(2, "--unshare-user")
    bound = {*SYSTEM_RO, *spec["ro"], *spec["rw"]}
    parents = {str(p) for path in bound for p in Path(path).parents} - bound - {"/", "/tmp"}
    for folder in sorted(parents, key=lambda p: p.count("/")):   # bwrap would make them 0700
        args += ["--perms", "0755", "--dir", folder]
    for path in SYSTEM_RO:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    for link in LINKS:
        target = os.path.join("/", link)
        if os.path.islink(target):
            args += ["--symlink", os.readlink(target), target]
    for path in spec["ro"]:
        args += ["--ro-bind", path, path]
    for path in spec.get("hide", ()):      # e.g. the base Python's own site-packages
        args += ["--tmpfs", path]
    for path in spec["rw"]:
        args += ["--bind", path, path]
    for key, value in spec["env"].items():
        args += ["--setenv", key, value]
    return args + ["--chdir", spec["work"], "--"]


def run_landlock(spec, cmd):
    """Fork the command under Landlock; reap and kill whatever it leaves; exit with its status."""
    from course import landlock
    if os.geteuid() == 0:   # root may take a network namespace of its own: no TCP, no UDP
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
    landlock.set_child_subreaper()
    pid = os.fork()
    if pid == 0:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG: die with this process
            os.chdir(spec["work"])
            landlock.restrict(read_only=[*SYSTEM_RO, *LANDLOCK_RO, *spec["ro"]],
                              read_write=[*spec["rw"], "/dev/null"])
            argv = drop_argv(spec) + cmd
            os.execve(argv[0], argv, spec["env"])
        finally:
            os._exit(127)
    signal.signal(signal.SIGTERM, lambda *a: (os.kill(pid, signal.SIGKILL)))
    _, status = os.waitpid(pid, 0)
    landlock.kill_descendants()
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m course.jail SPEC.json -- CMD...", file=sys.stderr)
        return 2
    with open(argv[0]) as f:
        spec = json.load(f)
    cmd = argv[2:]
    set_limits(spec["limits"])
    if spec["mode"] == "bwrap":
        full = bwrap_argv(spec) + drop_argv(spec) + cmd
        os.execv(full[0], full)
    if spec["mode"] == "landlock":
        run_landlock(spec, cmd)
    os.chdir(spec["work"])
    full = drop_argv(spec) + cmd
    os.execve(full[0], full, spec["env"])


if __name__ == "__main__":
    sys.exit(main())
