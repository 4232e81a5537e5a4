"""An uploaded area file read and estimated in a worker process, with progress and cancel.

The work itself is :func:`atlas_ui.data.load_upload` (in memory, within the
limits) plus the estimates of every level; :class:`citisens_core.worker.Job`
runs it in a separate process with a deadline, so one file cannot hold the
server. While it runs the page shows the stage and an "Annuleren" button; a
click (or leaving the page) stops the process and keeps the earlier data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from atlas_ui.data import UploadError, current_model, load_upload
from atlas_ui.format import LEVEL_PLURAL, literal
from atlas_ui.state import session_key
from citisens_core.atlas import AreaSet
from citisens_core.failures import explain
from citisens_core.geodata.limits import DEFAULT_LIMITS
from citisens_core.geodata.memfile import safe_name
from citisens_core.worker import Job

__all__ = ["read_in_worker", "upload_job"]

CANCEL_KEY = session_key("upload_cancel")


def read_in_worker(name: str, data: bytes, gemeente: str | None, model: Any, *,
                   progress: Callable[[str, float], None]) -> AreaSet:
    """In the worker: the area set of an upload, its estimates for `model` memoised in it
    (under the model's fingerprint, which is the same in the app's process)."""
    progress("bestand lezen en grenzen vereenvoudigen", 0.05)
    dataset = load_upload(name, data, gemeente)
    del data
    for done, level in enumerate(dataset.levels):
        progress(f"profielen schatten ({LEVEL_PLURAL[level]})",
                 0.5 + 0.5 * done / len(dataset.levels))
        dataset.estimates(level, model)
    return dataset


def _explain(exc: BaseException, display: str) -> str:
    return str(exc) if isinstance(exc, UploadError) else explain(exc, display)


def upload_job(name: str, data: bytes, gemeente: str | None, model: Any,
               seconds: float = DEFAULT_LIMITS.seconds) -> Job:
    """A started worker job reading one upload (see :func:`read_in_worker`)."""
    import functools

    display = safe_name(name)
    return Job(read_in_worker, (name, data, gemeente, model), deadline=seconds,
               explain=functools.partial(_explain, display=display),
               timeout_message=(f"{display}: het lezen duurde langer dan {seconds:.0f} "
                                "seconden en is afgebroken; probeer één gemeente (vul die "
                                "hierboven in) of een kleiner bestand")).start()


def read_with_progress(name: str, data: bytes, gemeente: str | None) -> AreaSet:
    """Read an upload in a worker, showing its progress and a cancel button.

    A click on "Annuleren" (or on anything else) reruns the page, which stops
    this run and with it the worker. Streamlit may start the next run before
    this one has unwound, so the page learns of the interruption from a marker
    it set before the read (see ``pages/gegevens.py``), not from here.

    Raises
    ------
    UploadError
        Unusable file, a limit or the deadline passed (Dutch, names the file).
    """
    model = current_model()
    job = upload_job(name, data, gemeente, model)
    # a click reruns the page, which stops this loop; `finally` then ends the worker
    st.button("Annuleren", key=CANCEL_KEY, help="Stopt het lezen; de vorige gegevens blijven.")
    bar = st.progress(0.0, text=f"{literal(safe_name(name))}: wacht op een vrije plek …")
    try:
        while not job.wait(0.3):
            bar.progress(min(job.fraction, 1.0),
                         text=f"{literal(safe_name(name))}: {job.stage} …")
    finally:
        if not job.done:
            job.cancel()
    bar.empty()
    if job.error or job.result is None:
        raise UploadError(job.error or f"{safe_name(name)}: het lezen is afgebroken")
    return job.result
