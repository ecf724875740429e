"""Where students are graded: a pool of local worker processes, or a Dask cluster.

Both run course.worker's code, call ``save(job, result, html)`` as each student is done
and yield the Results in the caller's thread. A worker that dies in the middle of a student
(killed, out of memory) does not lose the student: a fresh worker grades them again, once;
a second death makes the student an error row that says why.
"""
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path

from course import sandbox, worker


class WorkerLost(Exception):
    """The worker process died, or did not answer in time and was killed."""

    def __init__(self, reason, retry=True):
        super().__init__(reason)
        self.retry = retry


class LocalWorker:
    """A ``python -m course.worker`` process in its own session (Ctrl-C does not reach it),
    talking over two pipes; its own output goes to ``log``."""

    def __init__(self, log, boxes, startup=300):
        self.scratch = Path(tempfile.mkdtemp(prefix="course-worker-"))
        down, up = os.pipe(), os.pipe()
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "course.worker", str(down[0]), str(up[1]), str(self.scratch),
                 str(boxes)],
                pass_fds=(down[0], up[1]), stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        os.close(down[0])
        os.close(up[1])
        self.inbox, self.outbox = Connection(down[1], readable=False), Connection(up[0], writable=False)
        started = time.perf_counter()
        self._receive(startup)
        self.startup = time.perf_counter() - started   # Python, nbgrader, the course: once

    def grade(self, job, template, timeout):
        """(Result, html) for ``job``; WorkerLost if the process dies or takes over ``timeout`` s."""
        try:
            self.inbox.send((job, template))
        except OSError as err:
            self.close(kill=True)
            raise WorkerLost(f"the grading worker could not be reached ({err})") from None
        data, html = self._receive(timeout)
        return worker.Result(**data), html

    def _receive(self, timeout):
        if not self.outbox.poll(timeout):
            self.close(kill=True)
            raise WorkerLost(f"grading took over {timeout:g} s and was stopped", retry=False)
        try:
            return self.outbox.recv()
        except (EOFError, OSError):
            code = self.proc.wait()
            self.close(kill=True)
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            raise WorkerLost(f"the grading worker died ({how})") from None

    def close(self, kill=False):
        if not kill:
            try:
                self.inbox.send(None)
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                kill = True
        if kill:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait()
        self.inbox.close()
        self.outbox.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def _with_retry(grade_once, job):
    """grade_once() -> (Result, html); a lost worker gets one more try, then an error row."""
    reasons = []
    while len(reasons) < 2:
        try:
            result, html = grade_once()
        except WorkerLost as lost:
            reasons.append(str(lost))
            if lost.retry:
                continue
            break
        if reasons:
            result.status += f"; graded again after: {reasons[0]}"
        return result, html
    again = ", and again when retried" if len(reasons) > 1 else ""
    return worker.Result(job.student, status=f"error: {reasons[0]}{again}"), None


def run_local(jobs, template, workers, timeout, save, log, log_dir):
    """Grade ``jobs`` with ``workers`` local processes, each holding one uid (see
    sandbox.claim_uids) and working through the queue; yield each Result when done.
    The workers' own output goes to files in ``log_dir``.

    Closing the generator early (Ctrl-C in the caller) lets the students being graded
    finish and be saved; no other starts. ``timeout``: seconds for one student, beyond the
    kernel's own deadlines.
    """
    todo, done, stop = queue.SimpleQueue(), queue.SimpleQueue(), threading.Event()
    for job in jobs:
        todo.put(job)
    boxes = Path(tempfile.mkdtemp(prefix="course-boxes-"))
    log(f"kernels run in {boxes}/<student>")

    def slot(index, uid):
        proc, logfile = [None], Path(log_dir) / f"worker-{index}.log"

        def once(job):
            try:
                fresh = proc[0] is None
                proc[0] = proc[0] or LocalWorker(logfile, boxes)
                result, html = proc[0].grade(job, template, timeout)
                if fresh:          # what starting the worker cost, once per worker
                    result.timings["worker start"] = proc[0].startup
                return result, html
            except WorkerLost:
                proc[0] = None
                if os.geteuid() == 0:
                    sandbox.kill_uid(uid)        # whatever the lost worker's kernel left
                raise
        try:
            while not stop.is_set():
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    break
                job.uid = uid
                result, html = _with_retry(lambda: once(job), job)
                save(job, result, html)
                done.put(result)
        except BaseException as err:  # noqa: BLE001 - raised again in the caller's thread
            done.put(err)
        finally:
            if proc[0] is not None:
                proc[0].close()

    with sandbox.claim_uids(workers) as uids:
        threads = [threading.Thread(target=slot, args=(i, uid), daemon=True)
                   for i, uid in enumerate(uids)]
        for t in threads:
            t.start()
        try:
            while any(t.is_alive() for t in threads) or not done.empty():
                try:
                    item = done.get(timeout=0.2)   # short waits: Ctrl-C gets through
                except queue.Empty:
                    continue
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            for t in threads:
                t.join()
            shutil.rmtree(boxes, ignore_errors=True)


def run_dask(jobs, template, address, save, log):
    """Grade ``jobs`` as tasks on the Dask cluster at ``address``; yield each Result when done.

    ``template`` is the packed course root (worker.pack), a task every grading depends on. A task
    whose worker dies is run again elsewhere as many times as the scheduler's
    ``distributed.scheduler.allowed-failures`` says (the course's clusters set 1), then
    becomes the student's error row.
    """
    from distributed import Client, as_completed
    from distributed.scheduler import KilledWorker
    with Client(address, timeout="30s") as client:
        retries = client.run_on_scheduler(_allowed_failures)
        workers = len(client.scheduler_info()["workers"])
        log(f"dask: {workers} worker(s) at {address}; a student whose worker dies is graded "
            f"again {retries} time(s)")
        run = uuid.uuid4().hex[:8]
        # A task, not scattered data: measured, killing the workers that held a scattered copy
        # lost it for good and cancelled every student still to grade; a task's result is
        # computed again wherever it is needed.
        shared = client.submit(_same, template, key=f"course-template-{run}")
        futures = {client.submit(worker.dask_grade, job, shared, pure=False,
                                 key=f"grade-{job.name}-{job.student}-{run}"): job for job in jobs}
        try:
            for future in as_completed(futures):
                job = futures.pop(future)
                try:
                    data, html = future.result()
                    result = worker.Result(**data)
                except KilledWorker as err:
                    tries = getattr(err, "allowed_failures", 0) + 1
                    result, html = worker.Result(job.student, status=(
                        f"error: the worker grading this student died {tries} time(s)")), None
                except Exception as err:  # noqa: BLE001 - one student's failure is that student's row
                    result, html = worker.Result(
                        job.student, status=f"error: {type(err).__name__}: {err}"[:300]), None
                save(job, result, html)
                yield result
        finally:
            client.cancel(list(futures))


def _same(value):
    return value


def _allowed_failures(dask_scheduler):
    return dask_scheduler.allowed_failures
