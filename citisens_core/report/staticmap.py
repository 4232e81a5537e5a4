"""Static map images (PNG, SVG) of a choropleth, for downloads and the PDF report.

A map people can read on paper: title, the areas in their colours, uncertain
areas hatched, water and gemeente borders from the CBS data, names of the areas,
a legend, a scale bar, a north arrow and the attribution. Drawn with matplotlib
(Agg backend, no display needed) in the Dutch national grid (RD New,
EPSG:28992), so distances on the scale bar are true metres.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import matplotlib
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from citisens_core.report.fonts import FONT_FAMILY

# Figures are made with matplotlib's object API (no pyplot), so the app's threads each
# draw into their own Figure. The few settings read at draw time are set once here:
# SVG text stays text (searchable, editable), and the doubt hatch is thin and dark.
matplotlib.rcParams.update({"font.family": FONT_FAMILY, "svg.fonttype": "none",
                            "hatch.linewidth": 0.6, "hatch.color": "#444444"})

RD_NEW = "EPSG:28992"
NO_DATA_COLOUR = "#d9d9d9"
WATER_COLOUR = "#b7d3e9"
BORDER_COLOUR = "#333333"
HATCH = "////"
DOUBT_LABEL = "gearceerd: meest voorkomend profiel onzeker"
#: Share of the image width taken by the map; the legend has the rest.
MAP_PANEL = 0.64
#: At most this many names on one map; more would cover the colours.
MAX_LABELS = 45


@dataclass(frozen=True)
class MapSpec:
    """What one map shows.

    Attributes
    ----------
    areas : geopandas.GeoDataFrame
        The level's areas: ``code``, ``naam``, geometry (any CRS, usually WGS84).
    colours : mapping
        Area code → fill colour ``"#rrggbb"``; areas not in it are grey.
    legend : sequence of (colour, label)
        In legend order; entries whose colour is not on the map are left out.
    legend_title : str
    title : str
    credit : str
        The attribution line ("© Kadaster / CBS, 2024").
    fictional : bool
        Writes "FICTIEF" on the map (the demo gemeente).
    highlight : tuple of str
        Codes outlined in black (the chosen areas); the map zooms to them.
    doubt : frozenset of str
        Codes drawn hatched: their most common profile is not clear.
    water : geopandas.GeoSeries, optional
    borders : geopandas.GeoSeries, optional
        Gemeente outlines (lines).
    labels : geopandas.GeoDataFrame, optional
        ``naam`` + point geometry, biggest areas first (see ``context.label_points``).
    """

    areas: gpd.GeoDataFrame
    colours: Mapping[str, str]
    legend: Sequence[tuple[str, str]]
    legend_title: str
    title: str
    credit: str
    fictional: bool = False
    highlight: tuple[str, ...] = ()
    doubt: frozenset[str] = field(default_factory=frozenset)
    water: gpd.GeoSeries | None = None
    borders: gpd.GeoSeries | None = None
    labels: gpd.GeoDataFrame | None = None


def render_map(spec: MapSpec, fmt: str = "png", size: tuple[float, float] = (9.0, 6.0),
               dpi: int = 150) -> bytes:
    """Draw the map and return the image file's bytes.

    Parameters
    ----------
    spec : MapSpec
    fmt : {"png", "svg"}
    size : (float, float)
        Width and height in inches (the legend takes the right third).
    dpi : int
        Resolution of a PNG.

    Returns
    -------
    bytes
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
    areas = spec.areas[spec.areas.geometry.notna()].to_crs(RD_NEW)
    bounds = _frame_bounds(areas, spec.highlight)
    fig = Figure(figsize=size)
    ax = fig.add_axes((0.01, 0.07, MAP_PANEL, 0.83))
    _draw_areas(ax, areas, spec)
    _draw_context(ax, spec, bounds)
    _draw_labels(ax, spec, bounds, size)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False,
                           edgecolor="#999999", linewidth=0.8))
    _scale_bar(ax, bounds)
    _north_arrow(ax)
    if spec.fictional:
        ax.text(0.02, 0.97, "FICTIEF", transform=ax.transAxes, fontsize=11,
                fontweight="bold", color="#8a1c1c", va="top",
                bbox={"facecolor": "white", "edgecolor": "#8a1c1c", "pad": 3})
    fig.text(0.01, 0.955, spec.title, fontsize=13, fontweight="bold", va="center")
    fig.text(0.01, 0.03, spec.credit, fontsize=8.5, color="#333333", va="center")
    _legend(fig, areas, spec)
    out = io.BytesIO()
    fig.savefig(out, format=fmt, dpi=dpi, facecolor="white",
                metadata={"Date": None} if fmt == "svg" else None)
    return out.getvalue()


# --- parts ---------------------------------------------------------------------------------


def _frame_bounds(areas: gpd.GeoDataFrame, highlight: Sequence[str]
                  ) -> tuple[float, float, float, float]:
    """The chosen areas with room around them (at least 600 m), else all areas."""
    chosen = areas[areas["code"].astype(str).isin(set(highlight))] if highlight else areas
    if chosen.empty:
        chosen = areas
    minx, miny, maxx, maxy = chosen.total_bounds
    pad = max(maxx - minx, maxy - miny) * (0.25 if highlight else 0.03) + (300 if highlight
                                                                            else 0)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    # the map panel is about 1.25 times as wide as high: widen the shorter side
    width, height = maxx - minx, maxy - miny
    want = 1.25
    if width / height < want:
        grow = (height * want - width) / 2
        minx, maxx = minx - grow, maxx + grow
    else:
        grow = (width / want - height) / 2
        miny, maxy = miny - grow, maxy + grow
    return float(minx), float(miny), float(maxx), float(maxy)


def _draw_areas(ax, areas: gpd.GeoDataFrame, spec: MapSpec) -> None:
    codes = areas["code"].astype(str)
    colours = [spec.colours.get(c, NO_DATA_COLOUR) for c in codes]
    areas.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.6)
    doubtful = areas[codes.isin(spec.doubt)]
    if len(doubtful):
        doubtful.plot(ax=ax, facecolor="none", edgecolor="#444444", hatch=HATCH, linewidth=0)
        doubtful.plot(ax=ax, facecolor="none", edgecolor="white", linewidth=0.6)


def _draw_context(ax, spec: MapSpec, bounds: tuple[float, float, float, float]) -> None:
    if spec.water is not None and len(spec.water):
        spec.water.to_crs(RD_NEW).plot(ax=ax, color=WATER_COLOUR, edgecolor="#7fa9cc",
                                       linewidth=0.4)
    if spec.borders is not None and len(spec.borders):
        spec.borders.to_crs(RD_NEW).plot(ax=ax, color=BORDER_COLOUR, linewidth=1.4,
                                         linestyle=(0, (6, 2)))
    if spec.highlight:
        chosen = spec.areas[spec.areas["code"].astype(str).isin(set(spec.highlight))]
        chosen = chosen[chosen.geometry.notna()].to_crs(RD_NEW)
        chosen.boundary.plot(ax=ax, color="black", linewidth=2.4)


def _draw_labels(ax, spec: MapSpec, bounds: tuple[float, float, float, float],
                 size: tuple[float, float]) -> None:
    """Names of the areas in view, biggest first, skipping any that would overlap."""
    if spec.labels is None or spec.labels.empty:
        return
    points = spec.labels.to_crs(RD_NEW)
    minx, miny, maxx, maxy = bounds
    inside = points[points.geometry.x.between(minx, maxx) & points.geometry.y.between(miny, maxy)]
    metres_per_inch = (maxx - minx) / (size[0] * MAP_PANEL)
    fontsize = 7.5
    char_w = fontsize / 72 * 0.62 * metres_per_inch
    line_h = fontsize / 72 * 1.6 * metres_per_inch
    taken: list[tuple[float, float, float, float]] = []
    # a light box, not a stroke path effect: that would turn SVG text into paths
    halo = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none",
            "alpha": 0.72}
    chosen = set(spec.highlight)
    shown = 0
    for row in inside.itertuples(index=False):
        half_w = len(row.naam) * char_w / 2
        box = (row.geometry.x - half_w, row.geometry.y - line_h / 2,
               row.geometry.x + half_w, row.geometry.y + line_h / 2)
        if any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3]
               for t in taken):
            continue
        taken.append(box)
        ax.text(row.geometry.x, row.geometry.y, row.naam, fontsize=fontsize, ha="center",
                va="center", color="black", bbox=halo,
                fontweight="bold" if row.code in chosen else "normal", clip_on=True)
        shown += 1
        if shown >= MAX_LABELS:
            break


def nice_length(span: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10ⁿ metres) of about a fifth of `span`."""
    target = max(span / 5, 1.0)
    power = 10 ** math.floor(math.log10(target))
    return max(f * power for f in (1, 2, 5) if f * power <= target)


def scale_label(metres: float) -> str:
    """"500 m", "2 km", "1,5 km" (Dutch decimal comma)."""
    if metres < 1000:
        return f"{metres:g} m"
    return f"{metres / 1000:g} km".replace(".", ",")


def _scale_bar(ax, bounds: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = bounds
    length = nice_length(maxx - minx)
    x0 = minx + (maxx - minx) * 0.04
    y0 = miny + (maxy - miny) * 0.05
    h = (maxy - miny) * 0.012
    ax.add_patch(Rectangle((x0 - (maxx - minx) * 0.01, y0 - h * 1.5),
                           length + (maxx - minx) * 0.02, h * 6.2, facecolor="white",
                           edgecolor="none", alpha=0.8, zorder=5))
    for i in range(2):  # two halves, black and white, as on topographic maps
        ax.add_patch(Rectangle((x0 + i * length / 2, y0), length / 2, h,
                               facecolor="black" if i == 0 else "white", edgecolor="black",
                               linewidth=0.8, zorder=6))
    ax.text(x0 + length / 2, y0 + h * 1.6, scale_label(length), ha="center", va="bottom",
            fontsize=8, zorder=6)


def _north_arrow(ax) -> None:
    """North arrow at the top right (RD New's grid north is true north within ~2°)."""
    ax.annotate("N", xy=(0.955, 0.95), xytext=(0.955, 0.84), xycoords="axes fraction",
                ha="center", va="center", fontsize=11, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "facecolor": "black", "linewidth": 1.5,
                            "mutation_scale": 16}, zorder=7)


def _legend(fig, areas: gpd.GeoDataFrame, spec: MapSpec) -> None:
    shown = {spec.colours.get(c, NO_DATA_COLOUR).lower() for c in areas["code"].astype(str)}
    handles = [Patch(facecolor=c, edgecolor="#555555", label=_wrap(label))
               for c, label in spec.legend if c.lower() in shown]
    codes = set(areas["code"].astype(str))
    if spec.doubt & codes:
        handles.append(Patch(facecolor="white", edgecolor="#444444", hatch=HATCH,
                             label=_wrap(DOUBT_LABEL)))
    if spec.highlight:
        handles.append(Patch(facecolor="none", edgecolor="black", linewidth=2,
                             label="gekozen gebied" if len(spec.highlight) == 1
                             else "gekozen gebieden"))
    if spec.water is not None and len(spec.water):
        handles.append(Patch(facecolor=WATER_COLOUR, edgecolor="#7fa9cc", label="water"))
    if spec.borders is not None and len(spec.borders):
        handles.append(Line2D([], [], color=BORDER_COLOUR, linewidth=1.4, linestyle=(0, (6, 2)),
                              label="gemeentegrens"))
    legend = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(MAP_PANEL + 0.02, 0.90),
                        title=spec.legend_title, fontsize=7.5, title_fontsize=8.5,
                        frameon=False, alignment="left", handlelength=1.6)
    legend.get_title().set_fontweight("bold")


def _wrap(label: str, width: int = 26) -> str:
    """Long legend labels on two lines, so the legend stays inside the image."""
    return "\n".join(textwrap.wrap(label, width)) or label
