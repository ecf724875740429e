"""The hostile corpus (tests/hostile/) graded in one batch by `course grade`, as root with
bubblewrap (what CI runs), next to two canaries that must keep their honest scores; and a
smaller batch under the Landlock fallback. See tests/hostile/scenarios.py for the scenarios."""
import contextlib
import csv
import io
import os
import re
import shutil
import socket
import sys
import threading
import time

import psutil
import pytest

from conftest import ROOT
from course import cli, sandbox

sys.path.insert(0, str(ROOT / "tests" / "hostile"))
import make  # noqa: E402
from scenarios import EXPECTED, NAME, SCENARIOS, WRONG  # noqa: E402

# One batch per run: with `-n 2 --dist loadgroup` (dev.py test) every test that uses it runs
# in the same worker, so the module fixture is built once.
pytestmark = [pytest.mark.nbgrader, pytest.mark.xdist_group("hostile")]
HOSTILE = ROOT / "tests" / "hostile"
BATCH_BUDGET = 900     # seconds; measured 251-284 s alone on 2 cores, under 600 s inside the full suite
CELL_TIMEOUT = 30     # long enough for any honest cell of chapter 02 on a busy machine


class Listener:
    """A TCP and a UDP socket on 127.0.0.1 that record anything they receive."""

    def __init__(self):
        self.received = []
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        for target in (self._accept, self._receive):
            threading.Thread(target=target, daemon=True).start()

    def _accept(self):
        while True:
            conn, _ = self.tcp.accept()
            self.received.append(("tcp", conn.recv(1024)))

    def _receive(self):
        while True:
            self.received.append(("udp", self.udp.recv(1024)))

    def ports(self):
        return self.tcp.getsockname()[1], self.udp.getsockname()[1]


def submissions(folder, scenarios, listener):
    """Copy the canaries and ``scenarios`` into ``folder``, with the listener's ports filled in."""
    samples = ROOT / "autograder" / "samples" / NAME
    for canary, sample in (("canary-right", "ada-complete"), ("canary-wrong", "dee-plausible-mistakes")):
        shutil.copytree(samples / sample, folder / canary)
    tcp, udp = listener.ports()
    for scenario in scenarios:
        shutil.copytree(HOSTILE / scenario, folder / scenario)
        nb = folder / scenario / f"{NAME}.ipynb"
        nb.write_text(nb.read_text().replace("__TCP_PORT__", str(tcp)).replace("__UDP_PORT__", str(udp)))


def leftovers(boxes):
    """Processes of this batch still running: kernels and their forks (their command line
    names their Box under ``boxes``) and the corpus's background ``sleep`` commands."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if boxes in cmd or "sleep 3137" in cmd or "sleep 3600" in cmd:
            found.append((proc.pid, cmd[:100]))
    return found


def leaks(feedback_folder, isolation):
    """``LEAK:`` paths (tests/hostile/scenarios.py) a kernel should not have reached."""
    return [leak for html in feedback_folder.rglob("*.html")
            for leak in _leaks(html.read_text(), isolation, html.parent.name)]


def _leaks(text, isolation, student):
    allowed = [rf"/tmp/course-boxes-[^/]+/{re.escape(student)}(/|$)",   # its own Box
               re.escape(str(ROOT / "autograder" / "references" / f"{NAME}.json"))]
    if isolation == "bwrap":
        allowed.append(r"/tmp\b")                                   # a private tmpfs
    found = re.findall(r"LEAK: (?:read|write|tcp) ?(\S*)", text)
    return [path for path in found if not any(re.match(a, path) for a in allowed)]


def run_batch(tmp_path, scenarios, isolation):
    listener = Listener()
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    submissions(subs, scenarios, listener)
    start = time.perf_counter()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = cli.main(["grade", NAME, "--submissions", str(subs), "--out", str(out),
                         "--jobs", "2", "--timeout", "150", "--cell-timeout", str(CELL_TIMEOUT),
                         "--isolation", isolation])
    seconds = time.perf_counter() - start
    print(printed.getvalue())
    print(f"{isolation} batch of {len(scenarios) + 2} submissions: {seconds:.0f} s")
    assert code == cli.OK
    boxes = re.search(r"kernels run in (\S+)/<student>", printed.getvalue()).group(1)
    with open(out / "grades.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    time.sleep(1)      # give a surviving daemon the chance to show itself
    return {"rows": rows, "seconds": seconds, "out": out, "subs": subs, "listener": listener,
            "left": leftovers(boxes)}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    if os.geteuid() != 0 or not sandbox.bwrap_works():
        pytest.skip("needs root and bubblewrap (CI: .ci/run installs it)")
    return run_batch(tmp_path_factory.mktemp("hostile"), list(SCENARIOS), "bwrap")


def test_fixtures_are_what_make_writes():
    for rel, text in make.fixtures().items():
        assert (HOSTILE / rel).read_text() == text, f"{rel} is stale: run python tests/hostile/make.py"
    assert len(SCENARIOS) >= 25 and set(EXPECTED) == {*SCENARIOS, "canary-right", "canary-wrong"}


@pytest.mark.parametrize("student", list(EXPECTED))
def test_each_submission_gets_its_exact_score_and_a_status_saying_why(batch, student):
    row = batch["rows"][student]
    total, status = EXPECTED[student]
    assert float(row["total"]) == total and status in row["status"], (row["total"], row["status"])
    assert row["isolation"] == "bwrap"
    if student != "canary-wrong" and SCENARIOS.get(student, ("",))[0] == "wrong":
        assert float(row["total"]) <= WRONG


def test_nothing_leaks_nothing_survives_nothing_is_received(batch):
    assert batch["left"] == [], "processes of the students survived their grading"
    assert batch["listener"].received == []
    feedback = {p.parent.name: p.read_text() for p in (batch["out"] / "feedback").rglob("*.html")}
    assert leaks(batch["out"] / "feedback", "bwrap") == []
    assert "snooping done" in feedback["reads-sources-gradebooks-and-other-students"]
    assert "writing done" in feedback["writes-other-students-and-gradebooks"]
    assert "tcp blocked" in feedback["connects-over-tcp"]
    assert "process limit reached after" in feedback["fork-storm"]
    assert not list(batch["subs"].rglob("planted-by-a-student.txt"))
    assert not list(batch["out"].rglob("planted-by-a-student.txt"))
    samples = ROOT / "autograder" / "samples" / NAME
    for canary, sample in (("canary-right", "ada-complete"), ("canary-wrong", "dee-plausible-mistakes")):
        assert (batch["subs"] / canary / f"{NAME}.ipynb").read_bytes() == \
            (samples / sample / f"{NAME}.ipynb").read_bytes()
    assert not list(ROOT.rglob("planted-by-a-student.txt"))


def test_the_gradebook_a_daemon_attacked_and_the_csv_are_untouched(batch):
    time.sleep(2)          # the daemon would rewrite gradebooks every 0.5 s if it were alive
    with open(batch["out"] / "grades.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert rows == batch["rows"]
    assert float(rows["detached-daemon-rewrites-gradebooks"]["total"]) == WRONG


def test_hidden_tests_stay_out_of_the_feedback(batch):
    source = (ROOT / "source" / NAME / f"{NAME}.ipynb").read_text()
    hidden_line = 'reference.check_cases(corr2d_torch, \\"02_cross_correlation\\")'
    assert hidden_line in source
    for html in (batch["out"] / "feedback").rglob("*.html"):
        text = html.read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "check_cases(corr2d_torch" not in text, html


def test_suspicious_code_is_flagged_for_a_person_and_honest_code_is_not(batch):
    rows = batch["rows"]
    assert rows["canary-right"]["flags"] == rows["canary-wrong"]["flags"] == ""
    for student in ("patches-the-course-package", "monkeypatches-numpy-comparisons",
                    "connects-over-tcp", "detached-daemon-rewrites-gradebooks"):
        assert rows[student]["flags"], student


def test_the_batch_finishes_within_its_budget(batch):
    assert batch["seconds"] < BATCH_BUDGET, f"{batch['seconds']:.0f} s"


LANDLOCK = ["reads-sources-gradebooks-and-other-students", "writes-other-students-and-gradebooks",
            "connects-over-tcp", "detached-daemon-rewrites-gradebooks", "kills-kernel-os-exit"]


@pytest.mark.xdist_group("landlock")
def test_the_landlock_fallback_confines_files_tcp_and_leftovers(tmp_path):
    from course import landlock
    if landlock.abi_version() < 4:
        pytest.skip("this kernel has no Landlock ABI 4")
    result = run_batch(tmp_path, LANDLOCK, "landlock")
    for student in ["canary-right", "canary-wrong", *LANDLOCK]:
        row = result["rows"][student]
        assert (float(row["total"]), row["isolation"]) == (EXPECTED[student][0], "landlock"), row
    assert result["left"] == [] and result["listener"].received == []
    feedback = "".join(p.read_text() for p in (result["out"] / "feedback").rglob("*.html"))
    assert leaks(result["out"] / "feedback", "landlock") == []
    assert "snooping done" in feedback and "tcp blocked" in feedback
    assert not list(result["subs"].rglob("planted-by-a-student.txt"))
