"""Map colouring: class breaks, colour-blind-safe palettes and the legend entries.

Pure functions (numpy only), so the exact colours the map uses and the legend
shows come from one place and can be tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: ColorBrewer YlGnBu, 5 classes: sequential and safe for colour-blind readers.
SEQUENTIAL: tuple[str, ...] = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
#: Areas without an estimate or figure; light grey, labelled "geen gegevens".
NO_DATA_HEX = "#d9d9d9"
NO_DATA_LABEL = "geen gegevens"
FILL_ALPHA = 215
#: Where the most common profile is not clear (P(first > second) < 0.8, see
#: citisens_core.estimate.dominant_probability): a neutral dark grey, not a profile colour.
UNCLEAR_HEX = "#4a4a4a"  # dark enough that pale it still differs from no-data grey
UNCLEAR_LABEL = "geen duidelijk meest voorkomend profiel"
#: Low-confidence areas are drawn paler in every colouring.
PALE_ALPHA = 95
LOW_CONFIDENCE = ("laag", "zeer laag")
PALE_LABEL = "bleker: betrouwbaarheid laag of zeer laag (kenmerken geleend of weinig huishoudens)"


def hex_to_rgba(colour: str, alpha: int = FILL_ALPHA) -> list[int]:
    """``"#1f5c99"`` → ``[31, 92, 153, alpha]`` for pydeck."""
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: a colour, a text label and how many areas carry it."""

    colour: str
    label: str
    count: int
    no_data: bool = False
    pale: bool = False


def fill_alphas(confidence) -> list[int]:
    """Per area the fill opacity: paler where the confidence is low or very low."""
    return [PALE_ALPHA if str(c) in LOW_CONFIDENCE else FILL_ALPHA for c in confidence]


def doubt_legend(alphas: list[int], has: np.ndarray) -> list[LegendEntry]:
    """The legend line explaining paleness, when any area with an estimate is pale."""
    pale = int(sum(1 for a, h in zip(alphas, has, strict=True) if h and a == PALE_ALPHA))
    return [LegendEntry("#7f7f7f", PALE_LABEL, pale, pale=True)] if pale else []


def class_breaks(values: np.ndarray, k: int = 5) -> np.ndarray:
    """Quantile class breaks over the finite values, merged where they coincide.

    Parameters
    ----------
    values : numpy.ndarray
        Values to classify; NaN is ignored.
    k : int
        Wanted number of classes.

    Returns
    -------
    numpy.ndarray
        Increasing edges ``[min, …, max]``; ``len(edges) - 1`` classes (at least
        one; a single class when all values are equal; empty without values).
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return np.array([])
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, k + 1)))
    if edges.size == 1:
        edges = np.array([edges[0], edges[0]])
    return edges


def classify(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Class index per value (0 … len(edges) - 2), -1 for NaN or without edges."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, -1, dtype=int)
    if len(edges) < 2:
        return out
    finite = np.isfinite(values)
    inner = edges[1:-1]
    out[finite] = np.searchsorted(inner, values[finite], side="right")
    return out


def sequential_colours(n_classes: int) -> list[str]:
    """``n_classes`` colours spread over the sequential palette, light to dark."""
    if n_classes <= 0:
        return []
    idx = np.round(np.linspace(0, len(SEQUENTIAL) - 1, n_classes)).astype(int)
    return [SEQUENTIAL[i] for i in idx]


def sequential_legend(
    values: np.ndarray, edges: np.ndarray, classes: np.ndarray, fmt
) -> list[LegendEntry]:
    """Legend entries for a classed sequential map, plus "geen gegevens" when needed.

    Parameters
    ----------
    values : numpy.ndarray
        The mapped values (NaN for areas without data).
    edges : numpy.ndarray
        From :func:`class_breaks`.
    classes : numpy.ndarray
        From :func:`classify`.
    fmt : callable
        Formats one edge value as text (e.g. a percentage).
    """
    colours = sequential_colours(max(len(edges) - 1, 0))
    entries = [
        LegendEntry(colour, f"{fmt(edges[i])} – {fmt(edges[i + 1])}",
                    int((classes == i).sum()))
        for i, colour in enumerate(colours)
    ]
    missing = int((classes < 0).sum())
    if missing:
        entries.append(LegendEntry(NO_DATA_HEX, NO_DATA_LABEL, missing, no_data=True))
    return entries
