"""Every file of the fuzz corpus through the CLI and the app's upload path.

Each gives, within a time limit, either a result or one Dutch sentence that
names the file and the problem: never a traceback, a hang, English library
text, a file left on disk or a page that loses what it showed.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import pytest

from citisens_core.cli import main
from citisens_core.geodata.memfile import memory_files

from .fuzz_corpus import CORPUS

pytestmark = pytest.mark.slow

#: Seconds one file may take: the upload deadline is 300 s; these files are small.
TIME_LIMIT = 120
DUTCH = re.compile(r"\b(het|de|een|geen|niet|bestand|is|zijn|kan|met|van|bij)\b")
ENGLISH = re.compile(r"Traceback|not recognized|No such file|Error:|failed|Exception|"
                     r"unable|cannot|invalid", re.IGNORECASE)


def test_the_corpus_has_at_least_40_kinds():
    assert len(CORPUS) >= 40


def assert_clear(message: str, name: str) -> None:
    """One Dutch line that names the file, without library English."""
    assert "\n" not in message.strip(), message
    assert name in message, message
    assert DUTCH.search(message), message
    assert not ENGLISH.search(message), message


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    for name, make in CORPUS.values():
        (folder / name).write_bytes(make())
    return folder


@pytest.mark.parametrize("kind", list(CORPUS))
def test_cli_gives_a_result_or_one_dutch_line(kind, corpus_dir, tmp_path, capsys):
    name = CORPUS[kind][0]
    start = time.perf_counter()
    code = main(["estimate", str(corpus_dir / name), "--out", str(tmp_path / "uit.csv")])
    elapsed = time.perf_counter() - start
    err = capsys.readouterr().err.strip().splitlines()[-1]  # after the progress lines
    assert elapsed < TIME_LIMIT, f"{kind}: {elapsed:.0f} s"
    assert code in (0, 1), err
    if code == 1:
        assert err.startswith("error: ")
        assert_clear(err.removeprefix("error: "), name)
    else:
        assert (tmp_path / "uit.csv").stat().st_size > 0


@pytest.fixture(scope="module")
def model():
    from citisens_core.model import default_model

    return default_model()


@pytest.mark.parametrize("kind", list(CORPUS))
def test_app_upload_gives_a_result_or_one_dutch_sentence(kind, corpus_dir, model):
    from atlas_ui.upload import upload_job

    name = CORPUS[kind][0]
    # (other users of this machine may have temporary folders: look for this file's copy)
    before = set(Path(tempfile.gettempdir()).glob(f"*/{name}"))
    job = upload_job(name, (corpus_dir / name).read_bytes(), None, model)
    assert job.wait(TIME_LIMIT), f"{kind}: still running after {TIME_LIMIT} s"
    if job.error is not None:
        assert_clear(job.error, name)
    else:
        areas = job.result
        level = areas.most_detailed
        assert areas.bron == name and len(areas.levels[level])
        assert len(areas.estimates(level, model)) == len(areas.levels[level])
    # read from memory: no temporary copy on disk, nothing left in GDAL's memory files
    assert set(Path(tempfile.gettempdir()).glob(f"*/{name}")) <= before
    assert not memory_files()
