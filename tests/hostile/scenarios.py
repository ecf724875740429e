"""The hostile corpus: chapter 02 submissions that attack the grader, and what each must get.

Each scenario starts from a sample submission, ``right`` (ada-complete, 16/16) or ``wrong``
(dee-plausible-mistakes, 10/16: the honest wrong canary), and edits it. ``make.py`` writes
them to tests/hostile/<scenario>/; tests/test_hostile.py grades them all in one batch next to
the two canaries and checks ``EXPECTED``: the exact score and a piece of the status.

The test accepts ``LEAK:`` lines only for what a kernel is meant to reach: its own Box, the
chapter's reference file, and (bwrap) its private /tmp.

Listener ports are filled in by the test (``__TCP_PORT__``, ``__UDP_PORT__``). Code that tries
to read or write outside its folder, or to connect, prints ``LEAK: ...`` when it succeeds (the
marker is assembled at run time, so the code itself does not contain it).
"""
NAME = "02_cross_correlation"
RIGHT, WRONG = 16, 10

HANG_IGNORING_SIGNALS = """import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    time.sleep(0.01)
"""

FORK_STORM = """import subprocess
children = []
try:
    while True:
        children.append(subprocess.Popen(["sleep", "3600"]))
except OSError as err:
    print("process limit reached after", len(children), "children:", type(err).__name__)
"""

SNOOP = """import os, sys, course
def _leak_read(path):
    try:
        with open(path, "rb") as f:
            f.read(64)
        print("LE" + "AK:", "read", path)
    except OSError:
        pass
here = os.getcwd()
root = os.path.dirname(os.path.dirname(course.__file__))
for guess in ("source/02_cross_correlation/02_cross_correlation.ipynb", "nbgrader_config.py",
              "autograder/samples/02_cross_correlation/ada-complete/02_cross_correlation.ipynb",
              "autograder/cases/02_cross_correlation.py", "gradebook.db"):
    _leak_read(os.path.join(root, guess))
python = (sys.prefix, sys.base_prefix)     # the Python installation: readable by design
for top, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(top, d) not in ("/proc", "/sys", "/usr", "/dev", *python)]
    for name in files:
        path = os.path.join(top, name)
        if not path.startswith(here) and name.endswith((".ipynb", ".db", ".csv", ".html", ".json")):
            _leak_read(path)
print("snooping done")
"""

WRITE_EVERYWHERE = """import os
here = os.getcwd()
for top, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(top, d) not in ("/proc", "/sys", "/dev")]
    if top.startswith(here):
        continue
    try:
        with open(os.path.join(top, "planted-by-a-student.txt"), "w") as f:
            f.write("x")
        print("LE" + "AK:", "write", top)
    except OSError:
        pass
    for name in files:
        if name.endswith((".db", ".ipynb", ".csv")):
            try:
                with open(os.path.join(top, name), "r+b") as f:
                    f.write(b"corrupted")
                print("LE" + "AK:", "write", os.path.join(top, name))
            except OSError:
                pass
print("writing done")
"""

DAEMON = """import os, sqlite3, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        end = time.time() + 300
        while time.time() < end:
            for top, dirs, files in os.walk("/"):
                dirs[:] = [d for d in dirs if os.path.join(top, d) not in ("/proc", "/sys", "/usr")]
                for name in files:
                    if name == "gradebook.db":
                        try:
                            db = sqlite3.connect(os.path.join(top, name))
                            db.execute("UPDATE grade SET manual_score = 100")
                            db.commit()
                        except Exception:
                            pass
            time.sleep(0.5)
    os._exit(0)
"""

BACKGROUND = """import subprocess, threading, time
subprocess.Popen(["sleep", "3137"], start_new_session=True)
threading.Thread(target=time.sleep, args=(3137,)).start()
"""

TCP = """import socket
try:
    with socket.create_connection(("127.0.0.1", __TCP_PORT__), timeout=3) as s:
        s.sendall(b"LEAK over TCP")
    print("LE" + "AK:", "tcp connected")
except OSError as err:
    print("tcp blocked:", type(err).__name__)
"""

UDP = """import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"LEAK over UDP", ("127.0.0.1", __UDP_PORT__))
    print("udp sent (delivery is what the test checks)")
except OSError as err:
    print("udp blocked:", type(err).__name__)
"""

PATCH_NUMPY = """np.allclose = np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.testing.assert_allclose = np.testing.assert_array_equal = lambda *a, **k: None
np.testing.assert_equal = np.testing.assert_almost_equal = lambda *a, **k: None
"""

PATCH_COURSE = """import course.checks, course.reference
_nothing = lambda *a, **k: None
for _name in ("assert_close", "check_dtype", "check_shape", "check_type", "check_raises"):
    setattr(course.checks, _name, _nothing)
course.checks.is_close = lambda *a, **k: True
course.checks.call = lambda fn, *a, name=None, hints=(), **k: fn(*a, **k)
course.reference.check_cases = _nothing
class _Anything:
    def __getattr__(self, name):
        return _nothing
checks = reference = _Anything()
"""

REBIND_ASSERTION = """import builtins
class _Silent(Exception):
    pass
builtins.AssertionError = _Silent
builtins.ValueError = _Silent
"""

QUIET_TRACEBACKS = """import sys
get_ipython().showtraceback = lambda *a, **k: None
get_ipython()._showtraceback = lambda *a, **k: None
sys.excepthook = lambda *a: None
"""

EMPTY_TESTS = """def _blank_tests(lines):
    text = "".join(lines)
    return [] if ("checks." in text or "assert " in text or "reference." in text) else lines
get_ipython().input_transformers_cleanup.append(_blank_tests)
"""

REPATCH_BEFORE_EACH_CELL = """def _repatch(*args):
    import course.checks, course.reference
    course.checks.assert_close = course.checks.check_dtype = lambda *a, **k: None
    course.reference.check_cases = lambda *a, **k: None
get_ipython().events.register("pre_run_cell", _repatch)
"""

FAKE_NUMPY = '''"""A numpy.py beside the notebook: would make every comparison pass if it were imported."""
import sys
raise SystemExit("the shadowing numpy.py was imported")
'''

# the test cells the honest wrong canary fails
FAILING_TESTS = ["test_corr2d_values", "test_corr2d_errors", "test_conv2d_worked_example",
                 "test_conv2d_hidden", "test_symmetric_kernels_answer"]

# scenario: (base, [edits]); an edit is (action, cell grade_id or None, code)
SCENARIOS = {
    "kills-kernel-os-exit": ("right", [("append", "conv2d", "import os\nos._exit(1)")]),
    "kills-kernel-segfault": ("right", [("append", "conv2d", "import ctypes\nctypes.string_at(0)")]),
    "calls-exit": ("right", [("prepend", "conv2d", "exit()")]),
    "raises-systemexit": ("right", [("prepend", "conv2d", "raise SystemExit(3)")]),
    "hangs-in-sleep": ("right", [("prepend", "conv2d", "import time\ntime.sleep(3600)")]),
    "hangs-ignoring-sigint-and-sigterm": ("right", [("prepend", "conv2d", HANG_IGNORING_SIGNALS)]),
    "allocates-6-gb": ("right", [("prepend", "conv2d", "big = np.ones(6 * 2**30 // 8)")]),
    "fork-storm": ("right", [("insert", "test_learn_kernel_hidden", FORK_STORM)]),
    "floods-200-mb-of-output": ("right", [("prepend", "conv2d",
                                           "for _ in range(200):\n    print('x' * (1 << 20))")]),
    "kills-every-process-it-can": ("right", [("insert", "setup",
                                              "import os, signal\nos.kill(-1, signal.SIGKILL)")]),
    "reads-sources-gradebooks-and-other-students": ("right", [("insert", "setup", SNOOP)]),
    "writes-other-students-and-gradebooks": ("right", [("insert", "setup", WRITE_EVERYWHERE)]),
    "detached-daemon-rewrites-gradebooks": ("wrong", [("insert", "setup", DAEMON)]),
    "leaves-background-processes": ("right", [("insert", "setup", BACKGROUND)]),
    "connects-over-tcp": ("right", [("insert", "setup", TCP)]),
    "sends-over-udp": ("right", [("insert", "setup", UDP)]),
    "replaces-test-cells": ("wrong", [("replace", t, "pass") for t in FAILING_TESTS]),
    "deletes-test-cells": ("wrong", [("delete", t, None) for t in FAILING_TESTS]),
    "turns-test-cells-into-markdown": ("wrong", [("markdown", t, None) for t in FAILING_TESTS]),
    "turns-test-cells-into-solutions": ("wrong", [("solution", t, None) for t in FAILING_TESTS]),
    "monkeypatches-numpy-comparisons": ("wrong", [("insert", "setup", PATCH_NUMPY)]),
    "patches-the-course-package": ("wrong", [("insert", "setup", PATCH_COURSE)]),
    "rebinds-assertionerror": ("wrong", [("insert", "setup", REBIND_ASSERTION)]),
    "silences-tracebacks": ("wrong", [("insert", "setup", QUIET_TRACEBACKS)]),
    "blanks-test-cells-with-an-input-transformer": ("wrong", [("insert", "setup", EMPTY_TESTS)]),
    "repatches-before-every-cell": ("wrong", [("insert", "setup", REPATCH_BEFORE_EACH_CELL)]),
    "ships-a-shadowing-numpy-and-course": ("wrong", [("file", "numpy.py", FAKE_NUMPY),
                                                     ("file", "course/checks.py", FAKE_NUMPY)]),
    "corrupt-json": ("text", "{ this is not a notebook"),
    "empty-file": ("text", ""),
}

# scenario: (exact total, a piece of the status); every "wrong" base must stay <= WRONG
EXPECTED = {
    "canary-right": (RIGHT, "graded"),
    "canary-wrong": (WRONG, "graded"),
    "kills-kernel-os-exit": (4, "stopped: the kernel died in cell conv2d"),
    "kills-kernel-segfault": (4, "stopped: the kernel died in cell conv2d"),
    "calls-exit": (4, "stopped: the notebook called exit() in cell conv2d"),
    "raises-systemexit": (13, "graded"),
    "hangs-in-sleep": (13, "cell conv2d was interrupted"),
    "hangs-ignoring-sigint-and-sigterm": (4, "stopped: cell conv2d ran past"),
    "allocates-6-gb": (4, "stopped: the memory limit (2048 MB) was reached in cell conv2d"),
    "fork-storm": (RIGHT, "graded"),
    "floods-200-mb-of-output": (4, "stopped: the output passed 10 MB"),
    "kills-every-process-it-can": (RIGHT, "graded"),
    "reads-sources-gradebooks-and-other-students": (RIGHT, "graded"),
    "writes-other-students-and-gradebooks": (RIGHT, "graded"),
    "detached-daemon-rewrites-gradebooks": (WRONG, "graded"),
    "leaves-background-processes": (RIGHT, "graded"),
    "connects-over-tcp": (RIGHT, "graded"),
    "sends-over-udp": (RIGHT, "graded"),
    "replaces-test-cells": (WRONG, "graded"),
    "deletes-test-cells": (WRONG, "graded"),
    "turns-test-cells-into-markdown": (WRONG, "graded"),
    "turns-test-cells-into-solutions": (0, "error: RuntimeError: Inconsistent checksums"),
    "monkeypatches-numpy-comparisons": (WRONG, "restored tools the tests use"),
    "patches-the-course-package": (WRONG, "restored tools the tests use"),
    "rebinds-assertionerror": (WRONG, "restored tools the tests use"),
    "silences-tracebacks": (WRONG, "restored tools the tests use"),
    "blanks-test-cells-with-an-input-transformer": (WRONG, "restored tools the tests use"),
    "repatches-before-every-cell": (WRONG, "restored tools the tests use"),
    "ships-a-shadowing-numpy-and-course": (WRONG, "graded"),
    "corrupt-json": (0, "error: not a valid notebook"),
    "empty-file": (0, "error: the file is empty"),
}
