"""Linux Landlock for the grading sandbox's fallback (when bubblewrap is unavailable).

Standard library only (ctypes).  `restrict()` confines the *calling process* and every
process it starts afterwards; call it in a single-threaded child between fork and exec
(for instance in a launcher right before ``os.execvpe``).  Landlock confines only the
calling thread, so never call it in a process that already runs other threads.

What the confinement does (measured on Linux 6.18, Landlock ABI 7):

* Files: ``open()``/``exec``/``listdir`` work only below the listed paths; everything
  else fails with EACCES (PermissionError).  ``read_only`` paths get read files, list
  directories and execute; ``read_write`` paths get every right the running ABI knows
  (create, remove, rename, truncate, device ioctls, ...).
* Landlock does **not** hide whether a path exists: ``os.stat``, ``os.path.exists``,
  ``os.access``, ``readlink`` and walking through denied directories all still work on
  every path (the kernel documents stat, chdir, chmod, chown, utime, access, flock, fcntl
  and setxattr as not restrictable), so names, sizes, modes and times stay visible.
  Only the *contents* are protected.
* Network (``block_tcp`` and ABI >= 4): TCP ``bind`` and ``connect`` on IPv4/IPv6 fail
  with EACCES, for every address including 127.0.0.1.  **UDP is not covered**: a
  confined process can still send and receive UDP datagrams (DNS, exfiltration to any
  host), as can raw/other socket families and *pathname* unix sockets.  Landlock cannot
  filter by address, so there is no "loopback only" mode.
* Scoping (ABI >= 6): the confined processes cannot send signals to, nor connect to
  abstract unix sockets of, processes outside their Landlock domain.  Inside the domain
  (the confined process and its descendants) both still work.
* Files and sockets opened *before* ``restrict()`` keep working (inherited stdout, pipes).
  Nothing else is implied: ``/dev/null``, ``/proc``, ``/dev/shm`` and ``/tmp`` are denied
  unless listed.  ``os.access`` still answers from permission bits (it said True for a
  file that ``open`` then refused).

Rights are requested per running ABI (REFER from 2, TRUNCATE from 3, TCP from 4,
IOCTL_DEV from 5, scoping from 6), so the same call works on every Landlock kernel; a
newer kernel simply gets the ABI-6 policy.  Syscall numbers 444/445/446 are the same on
x86_64 (arch/x86/entry/syscalls/syscall_64.tbl) and on aarch64 (asm-generic/unistd.h).

Also here: `set_child_subreaper` and `kill_descendants`, so a launcher can collect and
kill daemons (double fork + setsid) that a confined program leaves behind.
"""
import ctypes
import os
import signal
import stat
import time

__all__ = ["abi_version", "restrict", "set_child_subreaper", "kill_descendants"]

# Syscall numbers: x86_64 syscall_64.tbl and the asm-generic table used by aarch64.
_SYSCALLS = {
    "x86_64": (444, 445, 446),
    "aarch64": (444, 445, 446),
}

LANDLOCK_CREATE_RULESET_VERSION = 1 << 0
LANDLOCK_RULE_PATH_BENEATH = 1
LANDLOCK_RULE_NET_PORT = 2  # unused: no TCP port is ever allowed

ACCESS_FS_EXECUTE = 1 << 0
ACCESS_FS_WRITE_FILE = 1 << 1
ACCESS_FS_READ_FILE = 1 << 2
ACCESS_FS_READ_DIR = 1 << 3
ACCESS_FS_REMOVE_DIR = 1 << 4
ACCESS_FS_REMOVE_FILE = 1 << 5
ACCESS_FS_MAKE_CHAR = 1 << 6
ACCESS_FS_MAKE_DIR = 1 << 7
ACCESS_FS_MAKE_REG = 1 << 8
ACCESS_FS_MAKE_SOCK = 1 << 9
ACCESS_FS_MAKE_FIFO = 1 << 10
ACCESS_FS_MAKE_BLOCK = 1 << 11
ACCESS_FS_MAKE_SYM = 1 << 12
ACCESS_FS_REFER = 1 << 13       # ABI 2
ACCESS_FS_TRUNCATE = 1 << 14    # ABI 3
ACCESS_FS_IOCTL_DEV = 1 << 15   # ABI 5

ACCESS_NET_BIND_TCP = 1 << 0     # ABI 4
ACCESS_NET_CONNECT_TCP = 1 << 1  # ABI 4

SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1                # ABI 6

PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

_FS_ABI1 = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
_READ_ONLY = ACCESS_FS_EXECUTE | ACCESS_FS_READ_FILE | ACCESS_FS_READ_DIR
# The only rights the kernel accepts on a rule whose path is not a directory.
_FILE_RIGHTS = (ACCESS_FS_EXECUTE | ACCESS_FS_WRITE_FILE | ACCESS_FS_READ_FILE
                | ACCESS_FS_TRUNCATE | ACCESS_FS_IOCTL_DEV)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64),
                ("handled_access_net", ctypes.c_uint64),   # ABI 4
                ("scoped", ctypes.c_uint64)]               # ABI 6


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)) in the kernel header: 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64),
                ("parent_fd", ctypes.c_int32)]


_libc = None


def _lib():
    global _libc
    if _libc is None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        libc.prctl.restype = ctypes.c_int
        _libc = libc
    return _libc


def _numbers():
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return None
    return _SYSCALLS.get(os.uname().machine)


def _syscall(number, *args):
    """Raw syscall; returns the result or raises OSError from errno."""
    ctypes.set_errno(0)
    result = _lib().syscall(ctypes.c_long(number), *args)
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def _prctl(option, value):
    ctypes.set_errno(0)
    if _lib().prctl(ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0),
                    ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}, {value}) failed: {os.strerror(err)}")


def abi_version():
    """The running kernel's Landlock ABI version, 0 when Landlock is unavailable.

    0 covers: not Linux or an architecture without verified syscall numbers, a kernel
    without Landlock (ENOSYS), Landlock built in but not enabled at boot (EOPNOTSUPP),
    and a seccomp filter refusing the call (e.g. EPERM in some containers).
    """
    numbers = _numbers()
    if numbers is None:
        return 0
    try:
        return int(_syscall(numbers[0], ctypes.c_void_p(None), ctypes.c_size_t(0),
                            ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION)))
    except OSError:
        return 0


def _handled_fs(abi):
    rights = _FS_ABI1
    if abi >= 2:
        rights |= ACCESS_FS_REFER
    if abi >= 3:
        rights |= ACCESS_FS_TRUNCATE
    if abi >= 5:
        rights |= ACCESS_FS_IOCTL_DEV
    return rights


def restrict(read_only=(), read_write=(), block_tcp=True):
    """Confine this process and its future children with Landlock; returns the ABI used.

    File access is allowed only below ``read_only`` (read, list, execute) and
    ``read_write`` (everything) paths; paths that do not exist are skipped.  With
    ``block_tcp`` and ABI >= 4, TCP bind and connect are denied.  With ABI >= 6 the
    process is also scoped: no signals to, and no abstract-unix-socket connections to,
    processes outside the sandbox.  Sets PR_SET_NO_NEW_PRIVS (as Landlock requires).

    The interpreter loads modules lazily: import what you need before calling this,
    or list the interpreter's prefixes in ``read_only``.  Irreversible.

    Raises RuntimeError when Landlock is not available, OSError naming the step (and
    path) that failed otherwise.
    """
    for name, paths in (("read_only", read_only), ("read_write", read_write)):
        if isinstance(paths, (str, bytes, os.PathLike)):  # would grant "/" via its first letter
            raise TypeError(f"{name} must be a list of paths, not a single path: {paths!r}")
    abi = abi_version()
    if abi == 0:
        raise RuntimeError("Landlock is not available on this system (kernel without "
                           "Landlock, disabled at boot, blocked by seccomp, or an "
                           "unsupported architecture)")
    create, add_rule, restrict_self = _numbers()
    handled_fs = _handled_fs(abi)
    attr = _RulesetAttr(handled_access_fs=handled_fs)
    size = 8
    if abi >= 4:
        size = 16
        if block_tcp:
            attr.handled_access_net = ACCESS_NET_BIND_TCP | ACCESS_NET_CONNECT_TCP
    if abi >= 6:
        size = 24
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL

    try:
        ruleset = _syscall(create, ctypes.byref(attr), ctypes.c_size_t(size),
                           ctypes.c_uint32(0))
    except OSError as e:
        raise OSError(e.errno, f"Landlock: landlock_create_ruleset (ABI {abi}) failed: "
                               f"{e.strerror}") from None
    try:
        rules = [(p, _READ_ONLY) for p in read_only] + [(p, handled_fs) for p in read_write]
        for path, access in rules:
            _add_path(add_rule, ruleset, os.fspath(path), access & handled_fs)
        try:
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
        except OSError as e:
            raise OSError(e.errno, f"Landlock: prctl(PR_SET_NO_NEW_PRIVS) failed: "
                                   f"{e.strerror}") from None
        try:
            _syscall(restrict_self, ctypes.c_int(ruleset), ctypes.c_uint32(0))
        except OSError as e:
            raise OSError(e.errno, f"Landlock: landlock_restrict_self failed: "
                                   f"{e.strerror}") from None
    finally:
        os.close(ruleset)
    return abi


def _add_path(add_rule, ruleset, path, access):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return  # a path that does not exist grants nothing
    except OSError as e:
        raise OSError(e.errno, f"Landlock: cannot open {path!r} to add a rule: "
                               f"{e.strerror}", path) from None
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            access &= _FILE_RIGHTS
        rule = _PathBeneathAttr(allowed_access=access, parent_fd=fd)
        try:
            _syscall(add_rule, ctypes.c_int(ruleset), ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH),
                     ctypes.byref(rule), ctypes.c_uint32(0))
        except OSError as e:
            raise OSError(e.errno, f"Landlock: landlock_add_rule for {path!r} failed: "
                                   f"{e.strerror}", path) from None
    finally:
        os.close(fd)


def set_child_subreaper():
    """Make this process the subreaper of its descendants: orphans are reparented here
    (instead of to init), so `kill_descendants` can still find them."""
    _prctl(PR_SET_CHILD_SUBREAPER, 1)


def _process_table():
    """{pid: (ppid, state)} from /proc/*/stat (processes that vanish are skipped)."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may itself contain spaces and parentheses.
        fields = data[data.rindex(b")") + 2:].split()
        table[int(name)] = (int(fields[1]), fields[0].decode())
    return table


def _descendants(table, root):
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_descendants(timeout=2.0):
    """SIGKILL every process whose parent chain leads to this one; returns how many.

    Repeats (killing, then reaping zombies with ``waitpid(-1, WNOHANG)``) until no
    descendant is left or ``timeout`` seconds have passed.  Meant for a subreaper (see
    `set_child_subreaper`) after its main child has exited *and been waited for*: the
    reaping would otherwise steal that child's exit status.
    """
    me = os.getpid()
    deadline = time.monotonic() + timeout
    killed = set()
    while True:
        _reap()
        table = _process_table()
        found = _descendants(table, me)
        if not found or time.monotonic() > deadline:
            return len(killed)
        # Zombies cannot be killed: ours are reaped above, a live parent's once it dies.
        alive = [p for p in found if table[p][1] not in ("Z", "X")]
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
            except PermissionError:
                pass  # not ours to kill (setuid); keeps us looping until the deadline
        time.sleep(0.005)
