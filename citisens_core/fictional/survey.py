"""The synthetic national reference survey, drawn from the generative model.

It has exactly the format of a real survey (:mod:`citisens_core.survey`), plus
``ware_profiel``, the generating profile, for validation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from citisens_core.demographics import CELL_SHAPE, DIMENSIONS, N_CELLS
from citisens_core.fictional.synthetic import national_cell_distribution, profile_given_cell
from citisens_core.scheme import CHARACTERISTICS, Scheme, load_scheme
from citisens_core.survey import (
    ID_COLUMN,
    LIKERT,
    TRUE_PROFILE,
    channel_columns,
    load_questionnaire,
)

# Spread of answers within a profile (assumption, tuned so that profiles overlap
# as real survey clusters do: a profile is a tendency, not a type).
PERSON_SD = 0.45  # a respondent's own position around the profile's score
ITEM_SD = 0.75  # noise of a single answer
CHANNEL_SD = 0.85


def draw_cells(rng: np.random.Generator, n: int, distribution: np.ndarray) -> np.ndarray:
    """Draw `n` flat cell numbers from a cell distribution."""
    flat = distribution.reshape(-1)
    return rng.choice(N_CELLS, size=n, p=flat / flat.sum())


def draw_profiles(rng: np.random.Generator, cells: np.ndarray,
                  p_profile: np.ndarray) -> np.ndarray:
    """Draw a profile index per household from P(profile | cell)."""
    probs = p_profile.reshape(N_CELLS, -1)[cells]
    u = rng.random(len(cells))[:, np.newaxis]
    return (probs.cumsum(axis=1) < u).sum(axis=1).clip(max=probs.shape[1] - 1)


def cells_frame(cells: np.ndarray) -> pd.DataFrame:
    """Category labels per dimension for flat cell numbers."""
    positions = np.unravel_index(cells, CELL_SHAPE)
    return pd.DataFrame({dim: np.asarray(cats, dtype=object)[pos]
                         for (dim, cats), pos in zip(DIMENSIONS.items(), positions, strict=True)})


def generate_survey(n: int = 16_000, seed: int = 1, scheme: Scheme | None = None) -> pd.DataFrame:
    """Draw a synthetic national reference survey.

    Parameters
    ----------
    n : int
        Number of respondents.
    seed : int
        Seed of the random generator: the same seed gives the same survey.
    scheme : Scheme, optional
        Profile scheme; default the package's scheme.

    Returns
    -------
    pandas.DataFrame
        The survey in the format of :func:`column_dictionary`, including
        ``ware_profiel`` (the generating profile key).
    """
    scheme = scheme or load_scheme()
    rng = np.random.default_rng(seed)
    cells = draw_cells(rng, n, national_cell_distribution())
    profiles = draw_profiles(rng, cells, profile_given_cell(scheme))
    frame = pd.DataFrame({ID_COLUMN: np.arange(1, n + 1)})
    answers = _answers(rng, scheme, profiles)
    frame = pd.concat([frame, answers, cells_frame(cells)], axis=1)
    frame["opleiding"] = _education(rng, frame["inkomen"].to_numpy())
    frame["pc4"] = rng.integers(1000, 10000, size=n)
    frame[TRUE_PROFILE] = np.asarray(scheme.keys, dtype=object)[profiles]
    return frame


def _answers(rng: np.random.Generator, scheme: Scheme, profiles: np.ndarray) -> pd.DataFrame:
    n = len(profiles)
    scores = np.array([[p.kenmerken[c] for c in CHARACTERISTICS] for p in scheme.profielen])
    traits = scores[profiles] + rng.normal(0, PERSON_SD, size=(n, len(CHARACTERISTICS)))
    columns = {}
    for item in load_questionnaire().items:
        raw = traits[:, CHARACTERISTICS.index(item.kenmerk)] + rng.normal(0, ITEM_SD, n)
        answer = np.clip(np.rint(raw), *LIKERT).astype(int)
        columns[item.code] = 6 - answer if item.omgekeerd else answer
    affinity = np.array([[p.kanalen[k] for k in scheme.kanalen] for p in scheme.profielen])
    channel = affinity[profiles] + rng.normal(0, CHANNEL_SD, size=(n, affinity.shape[1]))
    channel = np.clip(np.rint(channel), *LIKERT).astype(int)
    for j, col in enumerate(channel_columns(scheme)):
        columns[col] = channel[:, j]
    return pd.DataFrame(columns)


def _education(rng: np.random.Generator, income: np.ndarray) -> np.ndarray:
    """Education loosely follows income (assumption)."""
    table = {"laag": [0.45, 0.35, 0.20], "midden": [0.25, 0.45, 0.30], "hoog": [0.08, 0.35, 0.57]}
    probs = np.array([table[i] for i in income])
    u = rng.random(len(income))[:, np.newaxis]
    idx = (probs.cumsum(axis=1) < u).sum(axis=1).clip(max=2)
    return np.array(["laag", "midden", "hoog"], dtype=object)[idx]


