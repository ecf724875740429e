"""course.landlock: every confinement runs in a fresh `python -c` child, never in pytest."""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from course import landlock

ROOT = Path(__file__).resolve().parents[1]
ABI = landlock.abi_version()

pytestmark = pytest.mark.skipif(
    ABI == 0, reason="Landlock is not available here (abi_version() == 0: kernel without "
                     "Landlock, disabled at boot, seccomp-blocked or unsupported architecture)")

# What a confined interpreter needs to start another `python` (measured: the venv, the base
# prefix with libpython and the standard library, and the C libraries; /etc/ld.so.cache is
# optional), plus the repository's course/ for the editable install. Missing ones are skipped.
INTERPRETER = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
               "/usr/lib", "/usr/lib64", "/lib", "/lib64", "/etc/ld.so.cache",
               str(ROOT / "course")]

PRELUDE = """
import json, os, signal, socket, subprocess, sys, time
from course import landlock
ARGS = json.loads(sys.argv[1])
RESULT = {}

def attempt(fn):
    try:
        return ["ok", fn()]
    except OSError as e:
        return [type(e).__name__, e.errno]

if ARGS["confine"]:
    start = time.perf_counter()
    RESULT["abi"] = landlock.restrict(ARGS["read_only"], ARGS["read_write"], ARGS["block_tcp"])
    RESULT["restrict_seconds"] = time.perf_counter() - start
"""


def run(body, *, read_only=(), read_write=(), block_tcp=True, confine=True, **args):
    """Run `body` in a child (confined unless `confine` is false); returns its RESULT dict."""
    args.update(confine=confine, block_tcp=block_tcp,
                read_only=[str(p) for p in read_only] + INTERPRETER,
                read_write=[str(p) for p in read_write])
    code = PRELUDE + textwrap.dedent(body) + "\nprint(json.dumps(RESULT))\n"
    done = subprocess.run([sys.executable, "-c", code, json.dumps(args)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


DENIED = ["PermissionError", 13]  # EACCES


def test_abi_version():
    assert ABI >= 1


def test_restrict_without_landlock_raises():
    result = run("""
        landlock.abi_version = lambda: 0
        try:
            landlock.restrict(["/"])
        except RuntimeError as e:
            RESULT["error"] = str(e)
    """, confine=False)
    assert result["error"].startswith("Landlock is not available")


def test_files(tmp_path):
    ro, rw = tmp_path / "ro", tmp_path / "rw"
    ro.mkdir()
    rw.mkdir()
    (ro / "data.txt").write_text("hello")
    (tmp_path / "secret.txt").write_text("answers")
    result = run("""
        ro, rw, top = ARGS["ro"], ARGS["rw"], ARGS["top"]
        def write_and_read():
            with open(rw + "/out.txt", "w") as f:
                f.write("written")
            os.mkdir(rw + "/sub")
            os.rename(rw + "/out.txt", rw + "/sub/moved.txt")
            with open(rw + "/sub/moved.txt", "r+") as f:
                f.truncate(3)
                return f.read()
        RESULT["read_ro"] = attempt(lambda: open(ro + "/data.txt").read())
        RESULT["append_ro"] = attempt(lambda: open(ro + "/data.txt", "a"))
        RESULT["create_in_ro"] = attempt(lambda: open(ro + "/new.txt", "w"))
        RESULT["list_ro"] = attempt(lambda: os.listdir(ro))
        RESULT["write_rw"] = attempt(write_and_read)
        RESULT["read_outside"] = attempt(lambda: open(top + "/secret.txt").read())
        RESULT["list_outside"] = attempt(lambda: os.listdir(top))
        RESULT["create_outside"] = attempt(lambda: open(top + "/new.txt", "w"))
        RESULT["stat_outside"] = attempt(lambda: os.stat(top + "/secret.txt").st_size)
    """, read_only=[ro, tmp_path / "missing", tmp_path / "secret.txt" / "not-a-dir"],
        read_write=[rw], ro=str(ro), rw=str(rw), top=str(tmp_path))
    assert result["abi"] == ABI
    assert result["read_ro"] == ["ok", "hello"]
    assert result["append_ro"] == DENIED
    assert result["create_in_ro"] == DENIED
    assert result["list_ro"] == ["ok", ["data.txt"]]
    assert result["write_rw"] == ["ok", "wri"]
    assert result["read_outside"] == DENIED
    assert result["list_outside"] == DENIED
    assert result["create_outside"] == DENIED
    # Landlock protects contents, not existence: stat still sees every path.
    assert result["stat_outside"] == ["ok", len("answers")]
    assert not (tmp_path / "new.txt").exists() and (ro / "data.txt").read_text() == "hello"
    assert result["restrict_seconds"] < 0.5


def test_read_only_file_rule(tmp_path):
    """A rule may name a single file: only file rights are granted on it."""
    (tmp_path / "one.txt").write_text("1")
    (tmp_path / "two.txt").write_text("2")
    result = run("""
        RESULT["one"] = attempt(lambda: open(ARGS["top"] + "/one.txt").read())
        RESULT["two"] = attempt(lambda: open(ARGS["top"] + "/two.txt").read())
    """, read_only=[tmp_path / "one.txt"], read_write=[os.devnull], top=str(tmp_path))
    assert result["one"] == ["ok", "1"]
    assert result["two"] == DENIED


def test_single_path_instead_of_a_list_is_refused():
    result = run("""
        try:
            landlock.restrict("/usr")  # iterated, it would allow "/" (its first letter)
        except TypeError as e:
            RESULT["error"] = str(e)
    """, confine=False)
    assert "list of paths" in result["error"]


def test_rule_error_names_the_path(tmp_path):
    (tmp_path / "loop").symlink_to("loop")
    result = run("""
        try:
            landlock.restrict([ARGS["loop"]])
            RESULT["error"] = None
        except OSError as e:
            RESULT["error"] = str(e)
    """, confine=False, loop=str(tmp_path / "loop"))
    assert "loop" in result["error"] and "Landlock" in result["error"]


def test_child_process_is_confined(tmp_path):
    (tmp_path / "ok.txt").write_text("fine")
    (tmp_path / "secret.txt").write_text("answers")
    result = run("""
        def child(path):
            done = subprocess.run([sys.executable, "-c", f"print(open({path!r}).read())"],
                                  capture_output=True, text=True)
            return [done.returncode, done.stdout.strip(), done.stderr.strip().splitlines()[-1:]]
        RESULT["allowed"] = child(ARGS["top"] + "/ok.txt")
        RESULT["denied"] = child(ARGS["top"] + "/secret.txt")
    """, read_only=[tmp_path / "ok.txt"], top=str(tmp_path))
    assert result["allowed"] == [0, "fine", []]
    code, out, err = result["denied"]
    assert code == 1 and out == "" and err[0].startswith("PermissionError: [Errno 13]")


CONNECT = """
    s = socket.socket()
    s.settimeout(5)
    RESULT["connect"] = attempt(lambda: s.connect(("127.0.0.1", ARGS["port"])))
"""


def pending(server):
    return bool(select.select([server], [], [], 0.2)[0])


def test_tcp_connect_is_blocked():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert run(CONNECT, port=port)["connect"] == DENIED
        assert not pending(server)  # the listener received nothing
        assert run(CONNECT, port=port, confine=False)["connect"] == ["ok", None]
        assert pending(server)
        server.accept()[0].close()
        # The file-system rules alone leave TCP open.
        assert run(CONNECT, port=port, block_tcp=False)["connect"] == ["ok", None]


def test_tcp_bind_is_blocked():
    result = run("""
        RESULT["any_port"] = attempt(lambda: socket.socket().bind(("127.0.0.1", 0)))
        RESULT["port"] = attempt(lambda: socket.socket().bind(("127.0.0.1", 50123)))
        RESULT["ipv6"] = attempt(lambda: socket.socket(socket.AF_INET6).bind(("::1", 0)))
    """)
    assert result["any_port"] == DENIED and result["port"] == DENIED
    assert result["ipv6"] in (DENIED, ["OSError", 99])  # 99: no IPv6 loopback here


def test_udp_is_not_covered():
    """A documented limit of Landlock (no UDP rights up to ABI 7): datagrams still go out."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(5)
        result = run("""
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            RESULT["send"] = attempt(lambda: u.sendto(b"leak", ("127.0.0.1", ARGS["port"])))
        """, port=server.getsockname()[1])
        assert result["send"] == ["ok", 4]
        assert server.recv(16) == b"leak"


@pytest.mark.skipif(ABI < 6, reason="signal and abstract-unix-socket scoping need Landlock ABI 6")
def test_scoping_signals_and_abstract_sockets():
    outside = subprocess.Popen(["sleep", "30"])
    name = f"\0course-landlock-test-{os.getpid()}"
    try:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(name)
            server.listen()
            result = run("""
                RESULT["kill_outside"] = attempt(lambda: os.kill(ARGS["pid"], signal.SIGTERM))
                inside = subprocess.Popen(["sleep", "30"])
                RESULT["kill_inside"] = attempt(lambda: os.kill(inside.pid, signal.SIGTERM))
                inside.wait()
                RESULT["unix"] = attempt(lambda: socket.socket(socket.AF_UNIX).connect(ARGS["name"]))
            """, pid=outside.pid, name=name, read_only=["/usr/bin", "/bin"])
            assert not pending(server)
        assert result["kill_outside"] == ["PermissionError", 1]  # EPERM
        assert result["kill_inside"] == ["ok", None]
        assert result["unix"] == ["PermissionError", 1]
        assert outside.poll() is None
    finally:
        outside.kill()
        outside.wait()


DAEMON = """
import json, os
from course import landlock

landlock.set_child_subreaper()
r, w = os.pipe()
child = os.fork()
if child == 0:                      # the program under test ...
    if os.fork() == 0:              # ... double-forks ...
        os.setsid()
        if os.fork() == 0:          # ... a daemon in its own session
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.write(w, str(os.getpid()).encode())
            os.execvp("sleep", ["sleep", "60"])
        os._exit(0)
    os.wait()
    os._exit(0)
os.close(w)
os.waitpid(child, 0)
daemon = int(os.read(r, 32))

def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return fields[0] != "Z", int(fields[1])
    except FileNotFoundError:
        return False, None

before = alive(daemon)
killed = landlock.kill_descendants()
print(json.dumps({"me": os.getpid(), "daemon": daemon, "before": before, "killed": killed,
                  "after": os.path.exists(f"/proc/{daemon}"),
                  "again": landlock.kill_descendants()}))
"""


def test_kill_descendants_kills_a_double_forked_daemon():
    done = subprocess.run([sys.executable, "-c", DAEMON], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    try:
        assert result["before"] == [True, result["me"]]  # reparented to the subreaper
        assert result["killed"] == 1
        assert result["after"] is False  # killed and reaped
        assert result["again"] == 0
    finally:
        try:
            os.kill(result["daemon"], signal.SIGKILL)  # only when the test failed
        except ProcessLookupError:
            pass
