"""Heavy work on one file in a separate process: with a deadline, progress and cancel.

GDAL and GEOS cannot be interrupted inside a thread, so a file that takes too
long would hold a server thread (and its share of the CPU) until it is done.
A process can be stopped. Each :class:`Job` runs one function in a process
forked from a small server process (``forkserver``: no copy of the web
server's threads or memory), reports progress through a pipe, and is stopped
at its deadline or on cancel. At most ``MAX_WORKERS`` jobs run at once on the
machine's cores; later ones wait for a free place, so other users keep being
served.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_WORKERS", "Job", "JobFailed", "start_worker_server"]

log = logging.getLogger(__name__)

#: Jobs running at once; the rest wait. Half the cores, at least one.
MAX_WORKERS = max(1, (os.cpu_count() or 2) // 2)
_SLOTS = threading.BoundedSemaphore(MAX_WORKERS)
_CONTEXT_LOCK = threading.Lock()
_CONTEXT: Any = None
#: Modules the fork server imports once, so that each job starts in a fraction of a second.
PRELOAD = ["atlas_ui.upload"]


def start_worker_server() -> None:
    """Start the fork server now (at server start), not when the first upload waits for it.

    It imports :data:`PRELOAD` once; every job is a fork of it.
    """
    import multiprocessing.forkserver

    _context()
    multiprocessing.forkserver.ensure_running()


class JobFailed(Exception):
    """The job's function failed; the message is the Dutch sentence for the user."""


def _context():
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _CONTEXT = context
        return _CONTEXT


def _run(conn, function: Callable[..., Any], args: tuple, explain: Callable[[BaseException], str]
         ) -> None:
    """In the child: run `function(*args, progress=...)` and send its result or message."""
    def progress(text: str, fraction: float) -> None:
        conn.send(("progress", text, float(fraction)))

    try:
        result = function(*args, progress=progress)
    except BaseException as exc:  # everything becomes a Dutch sentence; the log keeps detail
        if not isinstance(exc, ValueError):  # ours (AreaFileError) already say it all
            log.exception("job %s failed", getattr(function, "__name__", function))
        conn.send(("error", explain(exc)))
    else:
        conn.send(("result", result))
    finally:
        conn.close()


@dataclass
class Job:
    """One function run in a worker process with a deadline.

    Parameters
    ----------
    function : callable
        Module-level function ``function(*args, progress=callable)``; its
        result must be picklable.
    args : tuple
    deadline : float
        Seconds from the start of the work (waiting for a place not counted).
    explain : callable
        Turns the child's exception into a Dutch sentence (runs in the child).
    timeout_message : str
        The sentence shown when the deadline passes.
    """

    function: Callable[..., Any]
    args: tuple
    deadline: float
    explain: Callable[[BaseException], str]
    timeout_message: str
    stage: str = "wacht op een vrije plek"
    fraction: float = 0.0
    result: Any = None
    error: str | None = None
    done: bool = False
    cancelled: bool = False
    _process: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> Job:
        """Start watching: the job runs as soon as a place is free."""
        self._thread = threading.Thread(target=self._supervise, daemon=True,
                                        name="atlas-job")
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Stop the work now (the process is ended); nothing of it is kept."""
        with self._lock:
            self.cancelled = True
            process = self._process
        if process is not None and process.is_alive():
            process.terminate()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done (or `timeout` seconds passed); True when done."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.done

    # --- the supervising thread ------------------------------------------------------
    def _supervise(self) -> None:
        while not _SLOTS.acquire(timeout=0.2):
            if self.cancelled:
                self._finish(error=None)
                return
        try:
            self._work()
        except Exception:  # the supervisor itself failed: the job must still end
            log.exception("job supervisor failed")
            self._finish(error="het verwerken kon niet worden gestart")
        finally:
            _SLOTS.release()

    def _work(self) -> None:
        context = _context()
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_run, args=(send, self.function, self.args,
                                                     self.explain), daemon=True)
        with self._lock:
            if self.cancelled:
                self._finish(error=None)
                return
            process.start()
            self._process = process
        send.close()
        ends = time.monotonic() + self.deadline
        self.stage = "bezig"
        try:
            while True:
                remaining = ends - time.monotonic()
                if remaining <= 0:
                    self._finish(error=self.timeout_message)
                    return
                if not receive.poll(min(remaining, 0.5)):
                    if self.cancelled or (not process.is_alive() and not receive.poll(0)):
                        self._finish(error=None if self.cancelled else
                                     "het verwerken stopte onverwacht (te weinig geheugen?)")
                        return
                    continue
                message = receive.recv()
                if message[0] == "progress":
                    self.stage, self.fraction = message[1], message[2]
                elif message[0] == "result":
                    self._finish(result=message[1])
                    return
                else:
                    self._finish(error=message[1])
                    return
        except (EOFError, OSError):
            self._finish(error=None if self.cancelled else
                         "het verwerken stopte onverwacht (te weinig geheugen?)")
        finally:
            receive.close()
            if process.is_alive():
                process.terminate()
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)

    def _finish(self, result: Any = None, error: str | None = None) -> None:
        self.result, self.error = result, error
        self.fraction = 1.0
        self.done = True
