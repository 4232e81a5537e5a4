"""Learn how far Dutch areas lie from the national figures; write data/spreiding.yaml.

The estimate borrows a figure an area lacks from its wijk, its gemeente or the
country. How wrong that can be is learnt from areas that do have the figure;
when a file has too few of them, the estimate uses the national between-area
spread written here: the covariance of (area figure − national figure) over
the real 2015 buurten (age, household) and the real 2022 PC4 areas (tenure).
No real file here has income per area: its spread is an assumption, as wide
relative to its shares as tenure's (the same Dirichlet concentration).

Run (needs ../shared/real-cbs):

    python scripts/learn_spread.py
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from citisens_core.demographics import NATIONAL_MARGINALS
from citisens_core.derive import derive_figures
from citisens_core.estimate import _own_marginals
from citisens_core.geodata import read_areas

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "real-cbs"
OUT = REPO / "citisens_core" / "data" / "spreiding.yaml"


def buurten_2015() -> pd.DataFrame:
    files = sorted((REAL / "buurt-2015").glob("*.geojson"))
    frames = [pd.DataFrame(read_areas(f, level="buurt").drop(columns="geometry")) for f in files]
    return pd.concat(frames).drop_duplicates("code")


def covariance(table: pd.DataFrame, dim: str) -> tuple[np.ndarray, int]:
    own = _own_marginals(derive_figures(table)[0])[dim]
    own = own[~np.isnan(own).any(axis=1)]
    residual = own - np.asarray(NATIONAL_MARGINALS[dim])
    return residual.T @ residual / len(residual), len(residual)


def dirichlet_concentration(cov: np.ndarray, shares: np.ndarray) -> float:
    """α such that a Dirichlet around `shares` has about this total variance."""
    total = np.trace(cov)
    return float(max((1 - (shares**2).sum()) / total - 1, 1.0))


def main() -> None:
    buurten = buurten_2015()
    pc4 = pd.DataFrame(read_areas(REAL / "pc4-2022-v1-statistiek.csv").drop(columns="geometry"))
    entries = {}
    for dim in ("leeftijd", "huishouden"):
        cov, n = covariance(buurten, dim)
        entries[dim] = (cov, f"{n} buurten, wijk- en buurtkaart 2015 (CBS)")
    cov, n = covariance(pc4, "woning")
    entries["woning"] = (cov, f"{n} PC4-gebieden, CBS statistiek per postcode 2022 v1")
    alpha = dirichlet_concentration(cov, np.asarray(NATIONAL_MARGINALS["woning"]))
    p = np.asarray(NATIONAL_MARGINALS["inkomen"])
    entries["inkomen"] = ((np.diag(p) - np.outer(p, p)) / (alpha + 1),
                          f"aanname: Dirichlet-spreiding met de concentratie van koop/huur "
                          f"op PC4 (α = {alpha:.1f})")
    doc = {
        "schema_versie": 1,
        "gemaakt": f"{date.today().isoformat()} met scripts/learn_spread.py",
        "uitleg": "Covariantie van (gebiedscijfer - landelijk cijfer) per kenmerk, over "
                  "echte gebieden; categorieën in de volgorde van citisens_core.demographics.",
        "spreiding": {dim: {"bron": source,
                            "covariantie": [[round(float(x), 6) for x in row] for row in cov]}
                      for dim, (cov, source) in entries.items()},
    }
    OUT.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for dim, (cov, source) in entries.items():
        print(f"{dim}: sd per category {np.sqrt(np.diag(cov)).round(3)} ({source})")
    print(f"written: {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
