"""nbgrader add-ons for confined grading (loaded by the config ``course grade`` writes).

- ``SandboxKernelManager`` starts the kernel through ``course.jail`` with IPC sockets in the
  Box's kernel folder (the kernel has no network, so no TCP) and interrupts by message
  (a SIGINT would reach the jail, not the kernel).
- ``SandboxExecute`` replaces nbgrader's Execute: a wall-time budget per cell and per
  notebook, an output budget, and the memory limit (a MemoryError ends the kernel); a kernel
  that dies or ignores interrupts stops the run but not the grading (every test cell not run
  gets an error, so it scores 0, never full marks); the tests' tools are restored before
  every test cell (course.seal); a JSON events file says what happened.
- ``HideHiddenTests`` keeps hidden tests out of the HTML feedback: their code and the
  traceback lines that would quote it.
"""
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Integer, Unicode

from course import landlock, sandbox, seal

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?",
                    re.S | re.M)


class SandboxKernelManager(AsyncKernelManager):
    box_spec = Unicode("", help="the course.jail spec of this student's Box").tag(config=True)

    async def _async_pre_start_kernel(self, **kw):
        spec = json.loads(open(self.box_spec).read())
        kernel_dir = spec["rw"][1]
        self.transport, self.ip = "ipc", os.path.join(kernel_dir, "ipc")
        self.connection_file = os.path.join(kernel_dir, "kernel.json")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        spec = json.loads(open(self.box_spec).read())
        if spec["uid"] is not None:
            os.chown(self.connection_file, spec["uid"], spec["gid"])
        self.kernel_spec.interrupt_mode = "message"
        kw["env"], kw["cwd"] = dict(os.environ), spec["work"]
        # The kernel process's own stdout and stderr carry only ipykernel's banner (cell
        # output travels over the kernel's sockets): keep it off the grader's terminal.
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        cmd = [sys.executable, "-m", "course.jail", self.box_spec, "--", *kernel_cmd]
        return await super()._async_launch_kernel(cmd, **kw)


def _is_test(cell):
    grading = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and grading.get("grade") and not grading.get("solution")


def _label(cell, index):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"#{index}"


def _error(ename, evalue):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


class SandboxExecute(Execute):
    """nbgrader's Execute with a confined kernel and budgets; never raises for the student."""
    box_spec = Unicode("").tag(config=True)
    events_file = Unicode("").tag(config=True)
    notebook_timeout = Integer(900, help="wall seconds for the whole notebook").tag(config=True)
    max_output = Integer(10 << 20, help="bytes of output before the kernel is stopped").tag(config=True)
    probe_timeout = Integer(10, help="seconds an interrupted kernel has to answer").tag(config=True)
    memory_limit = Integer(2 << 30, help="bytes a kernel process may allocate").tag(config=True)

    def create_kernel_manager(self):
        self.km = SandboxKernelManager(kernel_name=self.kernel_name or "python3",
                                       config=self.config, box_spec=self.box_spec)
        return self.km

    def preprocess(self, nb, resources=None, km=None):
        self._stopped, self._events, self._done, self._bytes = None, [], set(), 0
        self._tampered, self._cell_timeout = False, self.timeout or 300
        self._deadline = time.monotonic() + self.notebook_timeout
        self._clock = time.monotonic()     # timings: kernel start, setup cell (imports), the rest
        self._timings = {"kernel start": 0.0, "imports": 0.0, "cells": 0.0}
        wanted = sandbox.imported_modules(nb)
        modules = [m for m in seal.MODULES if m in wanted or m.split(".")[0] in wanted]
        self.extra_arguments = [*self.extra_arguments, "--IPKernelApp.exec_lines="
                                f"__import__('course.seal').seal.seal({modules!r})"]
        landlock.set_child_subreaper()   # daemons the kernel leaves are reparented here
        try:
            super().preprocess(nb, resources, km)
        except Exception as err:  # noqa: BLE001 - the kernel did not start or died between cells
            self._stop(f"the kernel failed: {type(err).__name__}: {err}"[:300])
        finally:
            landlock.kill_descendants()
            for index, cell in enumerate(nb.cells):
                if _is_test(cell) and index not in self._done:
                    cell.outputs = [_error("NotRun", f"not run: {self._stopped or 'stopped'}")]
            self._write_events()
        return nb, self.resources

    def preprocess_cell(self, cell, resources, index):
        if self._stopped or cell.cell_type != "code":
            return cell, self.resources
        remaining = self._deadline - time.monotonic()
        if remaining <= 1:
            self._stop(f"the notebook ran past its {self.notebook_timeout} s")
            return cell, self.resources
        self.timeout = max(1, int(min(self._cell_timeout, remaining)))
        self._tick("kernel start" if not self._timings["kernel start"] else "cells")
        try:
            if _is_test(cell):
                self._run_guard(sandbox.import_bindings(self.nb, index))
            cell = self.execute_cell(cell, index, store_history=True)
        except (DeadKernelError, CellTimeoutError, asyncio.TimeoutError, RuntimeError) as err:
            self._stop(self._stopped or f"the kernel died in cell {_label(cell, index)}"
                       + ("" if isinstance(err, DeadKernelError) else f" ({type(err).__name__})"))
            cell.outputs.append(_error("KernelDied", self._stopped))
            return cell, self.resources
        if any(o.get("ename") == "MemoryError" for o in cell.get("outputs", [])):
            self._stop(f"the memory limit ({self.memory_limit >> 20} MB) was reached in cell "
                       f"{_label(cell, index)}")        # a limit ends the whole kernel
            self._kill_kernel()
        if not self._stopped:
            self._done.add(index)
        self._tick("cells" if self._timings["imports"] else "imports")
        return cell, self.resources

    def _tick(self, step):
        now = time.monotonic()
        self._timings[step] += now - self._clock
        self._clock = now

    async def _check_raise_for_error(self, cell, cell_index, exec_reply):
        """exit() in a cell asks the kernel to quit a moment later: stop here, not at random."""
        payload = (exec_reply or {}).get("content", {}).get("payload", [])
        if any(p.get("source") == "ask_exit" for p in payload):
            self._stop(f"the notebook called exit() in cell {_label(cell, cell_index)}")
            self._kill_kernel()
        return await super()._check_raise_for_error(cell, cell_index, exec_reply)

    def _run_guard(self, bindings):
        """course.seal.guard as a user expression: IPython evaluates those without the input
        transformers a student may have installed."""
        guard = f"__import__('course.seal').seal.guard({bindings!r})"
        msg_id = self.kc.execute("", silent=True, store_history=False,
                                 user_expressions={"guard": guard})
        reply = self.wait_for_reply(msg_id)
        if reply is None:
            raise DeadKernelError("the kernel did not answer before a test cell")
        result = reply["content"].get("user_expressions", {}).get("guard", {})
        if result.get("status") != "ok":
            self._events.append(f"guard failed: {result.get('ename')}: {result.get('evalue')}")
        elif result.get("data", {}).get("text/plain", "[]") != "[]" and not self._tampered:
            self._tampered = True
            self._events.append("restored tools the tests use: "
                                + result["data"]["text/plain"][:200])

    async def _async_handle_timeout(self, timeout, cell=None):
        """Interrupt; a kernel that does not answer within probe_timeout is stopped."""
        await self.km.interrupt_kernel()
        label = _label(cell, "?") if cell is not None else "?"
        try:
            await self.kc.shell_channel.get_msg(timeout=self.probe_timeout)
            self._events.append(f"cell {label} was interrupted after {timeout} s")
        except Exception:  # noqa: BLE001 - queue.Empty: no answer, it ignores interrupts
            self._stop(f"cell {label} ran past {timeout} s and ignored the interrupt")
            self._kill_kernel()
        return {"content": {**self.error_on_timeout, "status": "error"}}

    def output(self, outs, msg, display_id, cell_index):
        self._bytes += len(json.dumps(msg.get("content", {}), default=str))
        if self._bytes > self.max_output:
            if not self._stopped:
                self._stop(f"the output passed {self.max_output >> 20} MB")
                self._kill_kernel()
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _kill_kernel(self):
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None:
            try:
                os.kill(process.pid, signal.SIGKILL)
            except OSError:
                pass

    def _stop(self, reason):
        if not self._stopped:
            self._stopped = reason
            self._events.append(reason)

    def _write_events(self):
        if self.events_file:
            with open(self.events_file, "w") as f:
                json.dump({"stopped": self._stopped, "events": self._events,
                           "timings": self._timings}, f)


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback only: hidden test code out of test cells and out of their tracebacks."""

    def preprocess_cell(self, cell, resources, index):
        if not _is_test(cell) or "BEGIN HIDDEN TESTS" not in cell.source:
            return cell, resources
        cell.source = HIDDEN.sub("# (hidden tests: run when graded, not shown)\n", cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
        return cell, resources
