"""The worker process: a result, a Dutch failure, the deadline and cancel (real processes)."""

from __future__ import annotations

import time

from citisens_core.worker import Job


def slow(seconds: float, *, progress) -> str:
    progress("bezig met wachten", 0.5)
    time.sleep(seconds)
    return "klaar"


def broken(*, progress) -> None:
    raise MemoryError


def explain(exc: BaseException) -> str:
    return f"proef.gpkg: {type(exc).__name__}"


def job(function, args=(), deadline=60.0) -> Job:
    return Job(function, args, deadline=deadline, explain=explain,
               timeout_message="proef.gpkg: te lang").start()


def test_a_result_comes_back():
    done = job(slow, (0.1,))
    assert done.wait(120) and done.result == "klaar" and done.error is None


def test_a_failure_becomes_the_sentence_for_the_user():
    done = job(broken)
    assert done.wait(120) and done.error == "proef.gpkg: MemoryError"


def test_the_deadline_stops_the_work():
    start = time.monotonic()
    done = job(slow, (600,), deadline=2)
    assert done.wait(120) and done.error == "proef.gpkg: te lang"
    assert time.monotonic() - start < 60


def test_cancel_stops_the_work_and_keeps_nothing():
    running = job(slow, (600,))
    deadline = time.monotonic() + 60
    while running.stage != "bezig met wachten" and time.monotonic() < deadline:
        time.sleep(0.1)
    running.cancel()
    assert running.wait(60) and running.cancelled and running.result is None
