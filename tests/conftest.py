"""Shared fixtures: paths to the real CBS samples and a model built from the truth."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from citisens_core.demographics import N_CELLS
from citisens_core.fictional.synthetic import national_cell_distribution, profile_given_cell
from citisens_core.scheme import load_scheme

REPO = Path(__file__).resolve().parents[1]
REAL_CBS = REPO.parent / "shared" / "real-cbs"


@pytest.fixture(scope="session")
def real_cbs() -> Path:
    """The folder of real CBS samples; skips the test where it is absent."""
    if not REAL_CBS.is_dir():
        pytest.skip(f"real CBS samples not found at {REAL_CBS} (../shared is absent)")
    return REAL_CBS


@pytest.fixture(scope="session")
def scheme():
    return load_scheme()


@pytest.fixture(scope="session")
def true_model(scheme):
    """A stand-in EngagementModel whose link is the generating truth.

    Lets the estimator be tested without fitting: anything it gets wrong here
    is the estimator's fault, not the segmentation's.
    """
    link = profile_given_cell(scheme).reshape(N_CELLS, -1)
    rng = np.random.default_rng(0)
    boot = link[np.newaxis] * np.exp(rng.normal(0, 0.05, (20, *link.shape)))
    boot /= boot.sum(axis=-1, keepdims=True)
    return SimpleNamespace(profile_keys=scheme.keys, link_probabilities=link,
                           bootstrap_probabilities=boot,
                           cell_seed=national_cell_distribution().reshape(-1))
