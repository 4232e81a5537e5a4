"""Derive canonical figures that CBS defines from the figures a file does have.

A first release of a year may fill only address density and men/women; CBS
defines the urbanity class from address density and the inhabitants as men plus
women, so those figures are the area's own, not something to borrow. The rules
are data (``data/afleidingen.yaml``), each with its source; :func:`derive_figures`
applies them where the target is missing and says per row which were derived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

import numpy as np
import pandas as pd
import yaml

from citisens_core.demographics import DEMOGRAPHIC_COLUMNS

METHODS = ("klassen", "som", "quotient", "product", "rest")


@dataclass(frozen=True)
class Derivation:
    """One rule: `target` from `inputs` by `method` (see ``afleidingen.yaml``)."""

    target: str
    inputs: tuple[str, ...]
    method: str
    source: str
    exact: bool = True
    bounds: MappingProxyType[int, float] = field(default_factory=lambda: MappingProxyType({}))

    def describe(self) -> str:
        """Dutch phrase for the sources text, e.g. "afgeleid uit adressendichtheid"."""
        names = [DEMOGRAPHIC_COLUMNS.get(c, c).lower() for c in self.inputs]
        text = "afgeleid uit " + (" en ".join(names) if len(names) < 3 else "de andere groepen")
        return text if self.exact else text + " (benadering)"

    def apply(self, table: pd.DataFrame) -> pd.Series:
        """The derived values for every row (NaN where an input is missing)."""
        values = [pd.to_numeric(table[c], errors="coerce") if c in table
                  else pd.Series(np.nan, index=table.index) for c in self.inputs]
        first = values[0]
        if self.method == "klassen":
            classes = sorted(self.bounds.items(), key=lambda item: -item[1])
            out = pd.Series(np.nan, index=table.index)
            for klasse, lower in reversed(classes):  # highest lower bound last wins
                out = out.mask(first >= lower, float(klasse))
            return out.where(first.notna())
        if self.method == "som":
            return sum(values[1:], first)
        if self.method == "quotient":
            return first / values[1].where(values[1] > 0)
        if self.method == "product":
            return first * values[1]
        # rest: the missing part of a whole, impossible sums are no figure
        rest = 1.0 - sum(values[1:], first)
        return rest.where(rest >= -0.02).clip(lower=0.0)


@cache
def derivations() -> tuple[Derivation, ...]:
    """The package's derivation rules, in the order they are applied."""
    text = resources.files("citisens_core.data").joinpath("afleidingen.yaml").read_text("utf-8")
    return parse_derivations(text)


def parse_derivations(text: str) -> tuple[Derivation, ...]:
    """Parse and check a derivation table (see ``data/afleidingen.yaml``).

    Raises
    ------
    ValueError
        Naming the rule and the field that is wrong.
    """
    raw = yaml.safe_load(text) or {}
    rules = []
    for i, entry in enumerate(raw.get("afleidingen") or []):
        where = f"afleidingen[{i}] ({entry.get('doel', '?')})"
        for name in ("doel", "uit", "methode", "bron"):
            if not entry.get(name):
                raise ValueError(f"{where}: field {name!r} is missing")
        if entry["methode"] not in METHODS:
            raise ValueError(f"{where}: methode {entry['methode']!r} is not one of {METHODS}")
        unknown = [c for c in [entry["doel"], *entry["uit"]] if c not in DEMOGRAPHIC_COLUMNS]
        if unknown:
            raise ValueError(f"{where}: unknown canonical columns {unknown}")
        if entry["methode"] == "klassen" and not entry.get("grenzen"):
            raise ValueError(f"{where}: methode 'klassen' needs 'grenzen'")
        rules.append(Derivation(
            target=entry["doel"], inputs=tuple(entry["uit"]), method=entry["methode"],
            source=" ".join(str(entry["bron"]).split()), exact=bool(entry.get("exact", True)),
            bounds=MappingProxyType({int(k): float(v) for k, v in
                                     (entry.get("grenzen") or {}).items()})))
    return tuple(rules)


def derive_figures(areas: pd.DataFrame, rules: tuple[Derivation, ...] | None = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill missing canonical figures that the rules can derive.

    Parameters
    ----------
    areas : pandas.DataFrame
        Canonical area table; not changed.
    rules : tuple of Derivation, optional
        Default: :func:`derivations`.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The table with derived values filled in, and a frame of the same index
        with one text column per derived target: the rule's description where
        that row's value was derived, empty otherwise.
    """
    rules = derivations() if rules is None else rules
    table = areas.copy()
    how = pd.DataFrame(index=areas.index)
    for _ in range(3):  # a derived figure can feed another rule (men + women → households)
        changed = False
        for rule in rules:
            current = (pd.to_numeric(table[rule.target], errors="coerce") if rule.target in table
                       else pd.Series(np.nan, index=table.index))
            derived = rule.apply(table)
            fill = current.isna() & derived.notna()
            if not fill.any():
                continue
            table[rule.target] = current.where(~fill, derived)
            if rule.target not in how:
                how[rule.target] = ""
            how.loc[fill, rule.target] = rule.describe()
            changed = True
        if not changed:
            break
    return table, how
