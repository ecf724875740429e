"""`course grade --scheduler`: the same grades and feedback from a Dask cluster's workers as
from the local pool, and a worker that dies in the middle of a student loses nobody.

The cluster is a dask.distributed LocalCluster with two worker processes (started with
nannies, as `dask worker` does), in this test process."""
import contextlib
import os
import signal
import threading
import time

import nbformat
import pytest

from conftest import ROOT
from course import grade, notebook

pytestmark = [pytest.mark.nbgrader, pytest.mark.xdist_group("dask")]
CH02 = "02_cross_correlation"
SAMPLES = ROOT / "autograder" / "samples" / CH02


@pytest.fixture(scope="module")
def cluster():
    import dask
    from distributed import Client, LocalCluster
    # What the README asks of a course's scheduler: a student whose worker dies is run once more.
    # worker-saturation 1: a worker is sent a task only when its thread is free, so a killed
    # worker takes exactly one student's task with it.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.scheduler.worker-saturation": 1.0}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=None) as local, Client(local) as client:
        yield local, client


def outputs(out):
    """{relative path: text} of everything a grading run leaves for the instructor to read."""
    files = [out / "grades.csv", *sorted((out / "feedback").rglob("*.html"))]
    return {str(p.relative_to(out)): p.read_text() for p in files}


def test_a_dask_cluster_gives_the_same_csv_and_feedback_as_local_grading(cluster, tmp_path):
    local_cluster, _ = cluster
    said = []
    remote = grade.grade(CH02, SAMPLES, tmp_path / "dask", scheduler=local_cluster.scheduler_address,
                         log=said.append)
    local = grade.grade(CH02, SAMPLES, tmp_path / "local", jobs=2, log=lambda m: None)
    assert [(r.student, r.scores, r.status) for r in remote] == \
        [(r.student, r.scores, r.status) for r in local]
    assert [r.total for r in remote] == [16, 10, 0, 10]
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")
    assert any("2 worker(s)" in m and "graded again 1 time(s)" in m for m in said), said
    assert {r.isolation for r in remote} == {r.isolation for r in local} != {""}


def slow_copy(sample, dest, seconds=15):
    """A sample with a first cell that sleeps: a window to kill its worker in."""
    nb = notebook.read(SAMPLES / sample / f"{CH02}.ipynb")
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})"))
    dest.mkdir(parents=True)
    nbformat.write(nb, str(dest / f"{CH02}.ipynb"))


def test_a_worker_killed_mid_task_is_retried_once_then_the_student_is_an_error_row(
        cluster, tmp_path):
    """ada's worker is killed once: graded elsewhere. cy's is killed twice: an error row."""
    local_cluster, client = cluster
    for student in ("ada-complete", "cy-untouched"):
        slow_copy(student, tmp_path / "subs" / student)
    kills = {"ada-complete": 1, "cy-untouched": 2}
    finished = threading.Event()

    def kill_workers_mid_task():
        while not finished.is_set() and any(kills.values()):
            with contextlib.suppress(Exception):      # a worker may be restarting just now
                pids = client.run(os.getpid, on_error="ignore")
                for address, keys in client.processing().items():
                    if len(keys) != 1:
                        continue
                    student = next((s for s in kills if s in str(keys[0])), None)
                    if student and kills[student] and address in pids:
                        time.sleep(5)          # the kernel is up and sleeping in the first cell
                        os.kill(pids[address], signal.SIGKILL)
                        kills[student] -= 1
                        time.sleep(1)          # the scheduler notices and moves the task
                        break
            time.sleep(0.2)
    thread = threading.Thread(target=kill_workers_mid_task, daemon=True)
    thread.start()
    try:
        results = {r.student: r for r in grade.grade(
            CH02, tmp_path / "subs", tmp_path / "out",
            scheduler=local_cluster.scheduler_address, log=lambda m: None)}
    finally:
        finished.set()
        thread.join()
    assert kills == {"ada-complete": 0, "cy-untouched": 0}
    assert results["ada-complete"].total == 16 and results["ada-complete"].status == "graded"
    assert results["cy-untouched"].status.startswith(
        "error: the worker grading this student died 2 time(s)"), results["cy-untouched"].status
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert len(rows) == 3 and "died 2 time(s)" in rows[2]
