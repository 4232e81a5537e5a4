"""Altair charts shared by the pages (mix with intervals, index, characteristics, k-selection)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from citisens_core.scheme import CHARACTERISTICS, Scheme

#: Series colours: dark blue for the area itself, then lighter references (colour-blind safe).
SERIES_COLOURS = ("#1f5c99", "#7fa7cf", "#b8b8b8", "#e08b3a")
FONT_SIZE = 14
TEXT_COLOUR = "#333333"
#: Numbers as Dutch readers write them: 4,6 and 19.800 (set first: configure() replaces).
DUTCH = alt.Locale(number=alt.NumberLocale(decimal=",", thousands=".", grouping=[3],
                                           currency=["€\u00a0", ""]))


def styled(chart: alt.TopLevelMixin, label_limit: int = 260,
           **legend: object) -> alt.TopLevelMixin:
    """The project's chart style: Dutch numbers, projector-size text, legend below.

    The legend is vertical by default: a row of three is cut off in the narrow
    side panel. `legend` overrides legend settings (e.g. ``direction``).
    """
    # configure(locale=…) replaces the whole config, so it comes first
    # dark labels: Vega's default grey is below 4.5:1 contrast on white
    return chart.configure(locale=DUTCH).configure_axis(
        labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=label_limit,
        labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR,
    ).configure_legend(**{"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE,
                          "labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR,
                          "orient": "bottom", "direction": "vertical", **legend}
    ).configure_header(labelFontSize=FONT_SIZE, labelFontWeight="bold",
                       labelLimit=label_limit, title=None)


def mix_frame(series: dict[str, pd.DataFrame], scheme: Scheme) -> pd.DataFrame:
    """Long table for :func:`mix_chart`.

    Parameters
    ----------
    series : dict of str to pandas.DataFrame
        Per series name a frame indexed by profile key with ``aandeel`` and
        optionally ``laag`` / ``hoog``.
    """
    names = scheme.names()
    rows = []
    for name, frame in series.items():
        for key, row in frame.iterrows():
            rows.append({"profiel": names.get(key, key), "reeks": name,
                         "aandeel": float(row["aandeel"]) * 100,
                         "laag": float(row.get("laag", np.nan)) * 100,
                         "hoog": float(row.get("hoog", np.nan)) * 100})
    return pd.DataFrame(rows)


def mix_chart(long: pd.DataFrame, scheme: Scheme, height: int = 420) -> alt.Chart:
    """Grouped horizontal bars of profile shares per series, with 90 % error bars."""
    order = [p.naam for p in scheme.profielen]
    series = list(dict.fromkeys(long["reeks"]))
    colour = alt.Color("reeks:N", title=None, sort=series,
                       scale=alt.Scale(domain=series, range=list(SERIES_COLOURS[: len(series)])))
    base = alt.Chart(long).encode(
        y=alt.Y("profiel:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False)),
        yOffset=alt.YOffset("reeks:N", sort=series),
    )
    bars = base.mark_bar().encode(
        x=alt.X("aandeel:Q", title="Aandeel (%)"),
        color=colour,
        tooltip=[alt.Tooltip("profiel:N", title="Profiel"), alt.Tooltip("reeks:N", title="Reeks"),
                 alt.Tooltip("aandeel:Q", title="Aandeel (%)", format=".1f"),
                 alt.Tooltip("laag:Q", title="90 %-interval van (%)", format=".1f"),
                 alt.Tooltip("hoog:Q", title="90 %-interval tot (%)", format=".1f")],
    )
    errors = base.transform_filter("isValid(datum.laag)").mark_rule(
        color="black", strokeWidth=2).encode(x="laag:Q", x2="hoog:Q")
    return styled((bars + errors).properties(height=height))


def index_chart(frame: pd.DataFrame, height: int = 220) -> alt.Chart:
    """Characteristics as an index (100 = Nederland), bars from the 100 line.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``kenmerk``, ``gebied``, ``index``.
    """
    areas = list(dict.fromkeys(frame["gebied"]))
    base = alt.Chart(frame.assign(basis=100.0))
    bars = base.mark_bar().encode(
        y=alt.Y("kenmerk:N", title=None, sort=list(dict.fromkeys(frame["kenmerk"])),
                axis=alt.Axis(labelOverlap=False)),
        yOffset=alt.YOffset("gebied:N", sort=areas),
        x=alt.X("index:Q", title="Index (Nederland = 100)", scale=alt.Scale(zero=False)),
        x2="basis:Q",
        color=alt.Color("gebied:N", title=None, sort=areas,
                        scale=alt.Scale(domain=areas, range=list(SERIES_COLOURS[: len(areas)]))),
        tooltip=[alt.Tooltip("gebied:N", title="Gebied"), alt.Tooltip("kenmerk:N"),
                 alt.Tooltip("index:Q", format=".0f")],
    )
    rule = alt.Chart(pd.DataFrame({"x": [100]})).mark_rule(color="black").encode(x="x:Q")
    return styled((bars + rule).properties(height=height))


def profile_characteristics_chart(profile, scheme: Scheme) -> alt.Chart:
    """A small bar chart of one profile's four characteristics on the 1–5 scale."""
    names = {c.key: c.naam for c in scheme.kenmerken}
    frame = pd.DataFrame({"kenmerk": [names.get(c, c) for c in CHARACTERISTICS],
                          "score": [profile.kenmerken[c] for c in CHARACTERISTICS]})
    chart = alt.Chart(frame).mark_bar(color=profile.kleur).encode(
        y=alt.Y("kenmerk:N", title=None, sort=list(frame["kenmerk"]),
                axis=alt.Axis(labelOverlap=False)),
        x=alt.X("score:Q", title="Score (1 = laag, 5 = hoog)", scale=alt.Scale(domain=[0, 5])),
        tooltip=["kenmerk", alt.Tooltip("score:Q", format=".1f")],
    )
    text = chart.mark_text(align="left", dx=4, fontSize=FONT_SIZE).encode(
        text=alt.Text("score:Q", format=".1f"), color=alt.value("black"))
    return styled((chart + text).properties(height=190))


def diagnostics_chart(diagnostics: pd.DataFrame) -> alt.Chart:
    """One small line chart per k-selection score (silhouette, BIC, …) against k."""
    k_col = "k" if "k" in diagnostics else diagnostics.columns[0]
    numeric = [c for c in diagnostics.columns
               if c != k_col and pd.api.types.is_numeric_dtype(diagnostics[c])]
    long = diagnostics.melt(id_vars=[k_col], value_vars=numeric, var_name="maat",
                            value_name="waarde").rename(columns={k_col: "k"})
    chart = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("k:O", title="Aantal profielen (k)"),
        y=alt.Y("waarde:Q", title=None, scale=alt.Scale(zero=False)),
        tooltip=["maat", "k", alt.Tooltip("waarde:Q", format=".3f")],
    ).properties(width=220, height=170)
    return styled(chart.facet(facet=alt.Facet("maat:N", title=None), columns=3).resolve_scale(
        y="independent"))


# --- the figures behind the charts (their text alternative) ------------------------------


def _percent(value: float) -> str:
    """A percentage already in 0..100 as Dutch text ("23 %")."""
    return "–" if not np.isfinite(value) else f"{value:.0f} %"


def mix_figures(long: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """The figures of :func:`mix_chart` as a table: profile × series, "23 % (19–27 %)"."""
    order = [p.naam for p in scheme.profielen]
    text = long.assign(tekst=[
        _percent(r.aandeel) + (f" ({r.laag:.0f}–{r.hoog:.0f} %)"
                               if np.isfinite(r.laag) and np.isfinite(r.hoog) else "")
        for r in long.itertuples()])
    table = text.pivot(index="profiel", columns="reeks", values="tekst")
    table = table.reindex([p for p in order if p in table.index])
    table = table[list(dict.fromkeys(long["reeks"]))]
    table.index.name, table.columns.name = "Profiel", None
    return table


def mix_lines(long: pd.DataFrame, scheme: Scheme) -> list[str]:
    """The figures of :func:`mix_chart` as one line per profile, for narrow columns
    where a table would scroll sideways: "Stadse Nomaden: Dit gebied 12 % (10–15 %), …"."""
    figures = mix_figures(long, scheme)
    return [f"{profile}: " + ", ".join(f"{series} {text}" for series, text in row.items())
            for profile, row in figures.iterrows()]


def index_figures(frame: pd.DataFrame) -> pd.DataFrame:
    """The figures of :func:`index_chart` as a table: characteristic × area, index 100 = NL."""
    return pivot_figures(frame.assign(tekst=[f"{v:.0f}" for v in frame["index"]]),
                         "kenmerk", "gebied", "tekst", "Kenmerk (Nederland = 100)")


def mix_summary(long: pd.DataFrame) -> str:
    """A one-sentence description of a :func:`mix_chart` for screen readers."""
    first = str(long["reeks"].iloc[0])
    own = long[long["reeks"] == first].sort_values("aandeel", ascending=False)
    top = "; ".join(f"{r.profiel} {_percent(r.aandeel)}" for r in own.head(3).itertuples())
    others = [s for s in dict.fromkeys(long["reeks"]) if s != first]
    return (f"Staafdiagram van de geschatte profielmix ({first}"
            + (f", vergeleken met {', '.join(others)}" if others else "")
            + f"). Grootste profielen: {top}. De tabel eronder geeft alle cijfers.")


def pivot_figures(long: pd.DataFrame, rows: str, columns: str, values: str,
                  row_title: str) -> pd.DataFrame:
    """A chart's long table as a readable table: `rows` × `columns`, in first-seen order."""
    table = long.pivot(index=rows, columns=columns, values=values)
    table = table.reindex(list(dict.fromkeys(long[rows])))[list(dict.fromkeys(long[columns]))]
    table.index.name, table.columns.name = row_title, None
    return table
