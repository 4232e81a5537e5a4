"""The embedded demo gemeente: a fictional gemeente in the real CBS 2024 schema.

*Lindewaarde (fictief)*, code ``GM9901``, is a town with three villages
(Zandhoeve, Eikenrode, Heidebroek), countryside and a lake. Everything is
generated here from a fixed seed:

1. **Boundaries.** An irregular outline; seed points placed the way a Dutch
   gemeente grows (a dense old centre, a ring of post-war estates, a new-build
   extension, business parks, compact villages, sparse countryside); a Voronoi
   tessellation of those points clipped to the outline gives the buurten, a
   lake is cut out as a water buurt; buurten are grouped into wijken by the
   settlement they belong to.
2. **Population.** Households per buurt follow from the buurt's area and
   character and are drawn by :func:`citisens_core.fictional.population.simulate_population`
   (the same generative model as the reference survey), so the true profile
   mix of every area is known.
3. **Postcodes.** Households get an address point; k-means clusters of the
   address points make PC6 blocks (a Voronoi tessellation of the cluster
   centres within the buurt); PC6 blocks are grouped into PC4 areas that cross
   buurt borders, as real ones do.
4. **Figures.** Every layer's figures are counted from the households of its
   areas with :func:`citisens_core.fictional.population.aggregate_cbs` /
   :func:`~citisens_core.fictional.population.aggregate_postcode`, never averaged.

:func:`generate_demo` writes ``demo-gemeente.gpkg`` (layers ``gemeenten``,
``wijken``, ``buurten``, ``pc4``, ``pc6``, tables ``postcode_buurt`` and
``metadata``) and ``demo-waarheid.csv`` (the true mix per area).
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from sklearn.cluster import KMeans

from citisens_core.fictional.population import (
    MIN_INHABITANTS_DENSITY,
    SECRET,
    Population,
    aggregate_cbs,
    aggregate_postcode,
    simulate_population,
    true_mix,
)
from citisens_core.scheme import Scheme, load_scheme

DEMO_SEED = 9901
GEMEENTECODE = "GM9901"  # real codes run from GM0003 to GM1999; GM0998 is Buitenland
GEMEENTENAAM = "Lindewaarde (fictief)"
JAAR = 2024
CRS = "EPSG:28992"
#: Four-digit codes that CBS's 2022 PC4 statistics do not use (3654-3700 is a gap).
PC4_CODES: tuple[str, ...] = ("3691", "3692", "3693", "3694", "3695", "3696", "3697")
GPKG_NAME = "demo-gemeente.gpkg"
TRUTH_NAME = "demo-waarheid.csv"

# Centre of the gemeente in RD New (inland, on the edge of the Utrecht hill ridge).
_CENTRE = np.array([158_500.0, 446_500.0])
_RADIUS = 5_900.0  # mean radius of the outline, m
_TOWN = _CENTRE + np.array([-500.0, 300.0])
# Households per km² of a buurt's area, and the range a buurt may take (assumption).
_DWELLING_DENSITY = {"oude_kern": 2300, "naoorlogs": 1500, "nieuwbouw": 1250, "dorp": 750,
                     "buitengebied": 9, "bedrijventerrein": 12}
_HOUSEHOLD_RANGE = {"oude_kern": (180, 900), "naoorlogs": (250, 950),
                    "nieuwbouw": (250, 1000), "dorp": (110, 650), "buitengebied": (12, 140),
                    "bedrijventerrein": (3, 22)}
_HOUSEHOLDS_PER_PC6 = 18
_PRECISION = 0.001  # coordinates rounded to 1 mm


@dataclass(frozen=True)
class _Wijk:
    nummer: int
    naam: str
    buurten: tuple[tuple[str, str], ...]  # (buurtnaam, karakter) in seed order


@dataclass(frozen=True)
class _Village:
    naam: str
    angle: float  # degrees from the town centre, counter-clockwise from east
    distance: float  # m
    wijk: int


_VILLAGES = (
    _Village("Zandhoeve", 40.0, 3900.0, 6),
    _Village("Eikenrode", 160.0, 3600.0, 7),
    _Village("Heidebroek", 285.0, 3400.0, 8),
)
_LAKE_ANGLE, _LAKE_DISTANCE = 100.0, 3100.0

_WIJKEN = (
    _Wijk(1, "Centrum", (("Oude Kern", "oude_kern"), ("Marktkwartier", "oude_kern"),
                         ("Kerkbuurt", "oude_kern"), ("Havenkwartier", "oude_kern"),
                         ("Sint-Jacobsoord", "oude_kern"), ("Ruïnepark", "oude_kern"))),
    _Wijk(2, "Lindewaarde-Noord", (("Molenwijk", "naoorlogs"), ("Bloemenbuurt", "naoorlogs"),
                                   ("Vogelbuurt", "naoorlogs"), ("Schildersbuurt", "naoorlogs"),
                                   ("Componistenbuurt", "naoorlogs"),
                                   ("Rivierenbuurt", "naoorlogs"))),
    _Wijk(3, "Lindewaarde-Zuid", (("Het Broek", "naoorlogs"), ("Boomgaardbuurt", "naoorlogs"),
                                  ("Zonnehof", "naoorlogs"), ("Lindenhof", "naoorlogs"),
                                  ("Kastanjebuurt", "naoorlogs"), ("De Weverij", "naoorlogs"))),
    _Wijk(4, "De Vliethoven", (("Vliethoven-Oost", "nieuwbouw"), ("Waterrijk", "nieuwbouw"),
                               ("Kreekrand", "nieuwbouw"), ("Meidoornhof", "nieuwbouw"),
                               ("Het Lageveld", "nieuwbouw"), ("Esdoornveld", "nieuwbouw"),
                               ("Beekpark", "nieuwbouw"), ("Vliethoven-West", "nieuwbouw"))),
    _Wijk(5, "Bedrijventerreinen", (("Bedrijvenpark De Vaart", "bedrijventerrein"),
                                    ("Industrieterrein Oost", "bedrijventerrein"),
                                    ("Spoorzone", "bedrijventerrein"))),
    _Wijk(6, "Zandhoeve", (("Zandhoeve-Dorp", "dorp"), ("Zandhoeve-Noord", "dorp"),
                           ("Zandhoeve-Zuid", "dorp"), ("Kerkeveld", "dorp"),
                           ("Bedrijventerrein Zandhoeve", "bedrijventerrein"))),
    _Wijk(7, "Eikenrode", (("Eikenrode-Dorp", "dorp"), ("'t Veld", "dorp"),
                           ("Eikenrode-Oost", "dorp"))),
    _Wijk(8, "Heidebroek", (("Heidebroek-Dorp", "dorp"), ("Brinkzicht", "dorp"),
                            ("Heidebroek-West", "dorp"))),
    _Wijk(9, "Buitengebied", ()),
)
# Names for countryside buurten, handed out in order of the seed points.
_COUNTRYSIDE_NAMES = (
    "De Koekoek", "Hoge Erven", "Lage Weide", "Het Ven", "Broekhuizen", "Kampenveld",
    "Elzenhoek", "Vossenberg", "De Maten", "Ganzenwei", "Rietkamp", "Hooiland",
    "Weteringhoek", "Klaverkamp", "Hulstkamp", "Reigersbroek", "Zandkuilen", "Bremheide",
    "Oude Dijk", "Heidehoeve", "De Hessel", "Wildveld", "Boskant", "Schaapsdrift",
)
_LAKE_NAME = "Lindermeer"

# Buurt figure columns in the order of the CBS 2024 wijk- en buurtkaart.
_AREA_TAIL = ("oppervlakte_totaal_in_ha", "oppervlakte_land_in_ha", "oppervlakte_water_in_ha",
              "jrstatcode", "jaar", "fictief")


@dataclass(frozen=True)
class DemoGemeente:
    """The generated demo gemeente, in memory.

    Attributes
    ----------
    layers : dict of str → geopandas.GeoDataFrame
        ``gemeenten``, ``wijken``, ``buurten``, ``pc4``, ``pc6`` in EPSG:28992.
    postcode_buurt : pandas.DataFrame
        The crosswalk per address, like CBS's ``PC6;Huisnummer;Buurt2024;…``.
    waarheid : pandas.DataFrame
        The true profile mix per area (``code``, ``niveau``, ``huishoudens``,
        one column per profile key).
    metadata : pandas.DataFrame
        Key/value rows (``sleutel``, ``waarde``) marking the data as fictional.
    population : Population
        The synthetic households and persons, with their area codes.
    """

    layers: dict[str, gpd.GeoDataFrame]
    postcode_buurt: pd.DataFrame
    waarheid: pd.DataFrame
    metadata: pd.DataFrame
    population: Population


def generate_demo(out_dir: str | Path, seed: int = DEMO_SEED,
                  scheme: Scheme | None = None) -> dict[str, Path]:
    """Generate the demo gemeente and write its GeoPackage and truth CSV.

    Parameters
    ----------
    out_dir : str or Path
        Directory to write ``demo-gemeente.gpkg`` and ``demo-waarheid.csv`` into
        (created if needed; existing files are replaced).
    seed : int
        Seed of all random draws; the same seed gives the same figures.
    scheme : Scheme, optional
        Profile scheme; default the package's scheme.

    Returns
    -------
    dict
        ``{"gpkg": path, "waarheid": path}``.
    """
    demo = build_demo(seed=seed, scheme=scheme)
    return write_demo(demo, out_dir)


def build_demo(seed: int = DEMO_SEED, scheme: Scheme | None = None) -> DemoGemeente:
    """Build the demo gemeente in memory (see the module docstring for the steps).

    Parameters
    ----------
    seed : int
        Seed of all random draws.
    scheme : Scheme, optional
        Profile scheme; default the package's scheme.

    Returns
    -------
    DemoGemeente
    """
    scheme = scheme or load_scheme()
    rng = np.random.default_rng(seed)
    outline = _outline(rng)
    lake = _lake(rng)
    buurten = _buurt_geometry(rng, outline, lake)
    buurten["huishoudens"] = _household_counts(rng, buurten)
    land = buurten[buurten["water"] == "NEE"]
    population = simulate_population(
        land.rename(columns={"buurtcode": "code"})[["code", "karakter", "huishoudens"]],
        scheme=scheme, seed=seed + 1)
    households = population.households.merge(
        buurten[["buurtcode", "wijkcode"]], on="buurtcode", how="left")
    households["gemeentecode"] = GEMEENTECODE
    pc6, households = _pc6_areas(rng, buurten, households)
    pc4, pc6, households = _pc4_areas(pc6, households, lake)
    population = Population(households, population.persons, population.buurten)
    layers = _layers(buurten, pc4, pc6, outline, lake, population, seed)
    return DemoGemeente(layers=layers, postcode_buurt=_crosswalk(rng, households),
                        waarheid=_truth(households, scheme),
                        metadata=_metadata(seed, scheme, population), population=population)


def write_demo(demo: DemoGemeente, out_dir: str | Path) -> dict[str, Path]:
    """Write a built demo gemeente to ``out_dir`` (GeoPackage and truth CSV).

    Parameters
    ----------
    demo : DemoGemeente
    out_dir : str or Path

    Returns
    -------
    dict
        ``{"gpkg": path, "waarheid": path}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gpkg = out / GPKG_NAME
    tmp = out / f".{GPKG_NAME[:-5]}.partial.gpkg"
    tmp.unlink(missing_ok=True)
    for name, layer in demo.layers.items():
        pyogrio.write_dataframe(layer, tmp, layer=name, driver="GPKG", append=tmp.exists())
    pyogrio.write_dataframe(demo.postcode_buurt, tmp, layer="postcode_buurt", driver="GPKG",
                            append=True)
    pyogrio.write_dataframe(demo.metadata, tmp, layer="metadata", driver="GPKG", append=True)
    tmp.replace(gpkg)  # never leave a half-written file under the final name
    truth = out / TRUTH_NAME
    demo.waarheid.to_csv(truth, index=False, float_format="%.6f", lineterminator="\n")
    return {"gpkg": gpkg, "waarheid": truth}


# --- geometry -------------------------------------------------------------------------

def _polar(origin: np.ndarray, angle_deg: float | np.ndarray, r: float | np.ndarray) -> np.ndarray:
    a = np.radians(angle_deg)
    return np.column_stack([origin[0] + r * np.cos(a), origin[1] + r * np.sin(a)])


def _outline(rng: np.random.Generator) -> Polygon:
    """An irregular gemeente outline: a circle bent by a few low harmonics and noise."""
    theta = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    r = np.ones_like(theta)
    for k, amp in ((2, 0.13), (3, 0.08), (5, 0.05), (9, 0.02)):
        r += amp * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    r *= _RADIUS * (1 + rng.normal(0, 0.008, len(theta)))
    ring = np.column_stack([_CENTRE[0] + r * np.cos(theta), _CENTRE[1] + r * np.sin(theta)])
    return _clean(Polygon(ring))


def _lake(rng: np.random.Generator) -> Polygon:
    centre = _polar(_TOWN, _LAKE_ANGLE, _LAKE_DISTANCE)[0]
    theta = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    r = 1 + 0.12 * np.sin(3 * theta + rng.uniform(0, 6)) + rng.normal(0, 0.02, len(theta))
    x, y = 700 * r * np.cos(theta), 380 * r * np.sin(theta)
    turn = np.radians(25)
    ring = np.column_stack([centre[0] + x * np.cos(turn) - y * np.sin(turn),
                            centre[1] + x * np.sin(turn) + y * np.cos(turn)])
    return _clean(Polygon(ring))


def _ring(rng: np.random.Generator, origin: np.ndarray, n: int, radius: float,
          start: float, stop: float, jitter: float = 0.25) -> np.ndarray:
    """`n` points spread over the arc start…stop (degrees) at about `radius` m."""
    step = (stop - start) / n
    angles = start + step * (np.arange(n) + 0.5 + rng.uniform(-jitter, jitter, n))
    radii = radius * (1 + rng.uniform(-0.12, 0.12, n))
    return _polar(origin, angles, radii)


def _settlement_seeds(rng: np.random.Generator) -> list[tuple[np.ndarray, int, str, str]]:
    """Seed points of the built-up buurten: (point, wijk, name, character)."""
    wijk = {w.nummer: w for w in _WIJKEN}
    seeds: list[tuple[np.ndarray, int, str, str]] = []

    def add(points: np.ndarray, number: int, names: tuple[tuple[str, str], ...]) -> None:
        for point, (name, character) in zip(points, names, strict=True):
            seeds.append((point, number, name, character))

    centre = np.vstack([_TOWN + rng.normal(0, 40, 2), _ring(rng, _TOWN, 5, 400, 0, 360)])
    add(centre, 1, wijk[1].buurten)
    add(_ring(rng, _TOWN, 6, 980, 0, 180), 2, wijk[2].buurten)
    add(_ring(rng, _TOWN, 6, 980, 180, 360), 3, wijk[3].buurten)
    vinex = np.vstack([_ring(rng, _TOWN, 4, 1550, 195, 265), _ring(rng, _TOWN, 4, 2150, 195, 265)])
    add(vinex, 4, wijk[4].buurten)
    business = np.vstack([_ring(rng, _TOWN, 2, 1700, -25, 15),
                          _ring(rng, _TOWN, 1, 1650, 300, 320)])
    add(business, 5, wijk[5].buurten)
    for village in _VILLAGES:
        heart = _polar(_TOWN, village.angle, village.distance)[0]
        names = wijk[village.wijk].buurten
        dorp = [n for n in names if n[1] == "dorp"]
        points = np.vstack([heart + rng.normal(0, 30, 2),
                            _ring(rng, heart, len(dorp) - 1, 380, village.angle + 40,
                                  village.angle + 400)])
        add(points, village.wijk, tuple(dorp))
        extra = [n for n in names if n[1] != "dorp"]
        if extra:
            add(_ring(rng, heart, len(extra), 800, village.angle - 60, village.angle - 20),
                village.wijk, tuple(extra))
    return seeds


def _countryside_seeds(rng: np.random.Generator, outline: Polygon, lake: Polygon,
                       taken: np.ndarray) -> np.ndarray:
    """Sparse countryside points: rings round the town and the villages, then a fill.

    Ring points keep 650 m from the built-up seeds (so villages stay compact),
    fill points 1.4 km from everything (so the open countryside stays sparse).
    """
    candidates = [(p, 650.0) for p in _ring(rng, _TOWN, 12, 2450, 0, 360, jitter=0.15)]
    for village in _VILLAGES:
        heart = _polar(_TOWN, village.angle, village.distance)[0]
        candidates += [(p, 650.0) for p in _ring(rng, heart, 6, 1150, 0, 360, jitter=0.2)]
    minx, miny, maxx, maxy = outline.bounds
    fill = np.column_stack([rng.uniform(minx, maxx, 400), rng.uniform(miny, maxy, 400)])
    candidates += [(p, 1400.0) for p in fill]
    keep: list[np.ndarray] = []
    inner = outline.buffer(-250)
    for point, spacing in candidates:
        built = np.hypot(*(taken - point).T).min()
        country = np.hypot(*(np.array(keep) - point).T).min() if keep else np.inf
        if (built > spacing and country > max(spacing, 950.0)
                and inner.contains(Point(point)) and lake.distance(Point(point)) > 350):
            keep.append(point)
        if len(keep) >= len(_COUNTRYSIDE_NAMES):
            break
    return np.array(keep)


# Countryside wijken as sectors seen from the town centre (degrees, counter-clockwise
# from east): each village's surroundings, and the lake's as Buitengebied.
_SECTORS = ((-20.0, 75.0, 6), (75.0, 125.0, 9), (125.0, 215.0, 7), (215.0, 340.0, 8))


def _countryside_wijk(point: np.ndarray) -> int:
    """The wijk of a countryside buurt, by its direction from the town centre."""
    angle = math.degrees(math.atan2(point[1] - _TOWN[1], point[0] - _TOWN[0]))
    for low, high, wijk in _SECTORS:
        if low <= angle < high or low <= angle + 360 < high:
            return wijk
    raise AssertionError(f"sectors do not cover angle {angle}")


def _buurt_geometry(rng: np.random.Generator, outline: Polygon, lake: Polygon) -> pd.DataFrame:
    """Voronoi buurten clipped to the outline, the lake cut out as a water buurt."""
    built = _settlement_seeds(rng)
    points = np.array([s[0] for s in built])
    country = _countryside_seeds(rng, outline, lake, points)
    rows = [{"wijk": w, "buurtnaam": name, "karakter": kar} for _, w, name, kar in built]
    rows += [{"wijk": _countryside_wijk(p), "buurtnaam": _COUNTRYSIDE_NAMES[i],
              "karakter": "buitengebied"} for i, p in enumerate(country)]
    all_points = np.vstack([points, country])
    cells = shapely.voronoi_polygons(MultiPoint(all_points), extend_to=outline, ordered=True)
    land = outline.difference(lake)
    frame = pd.DataFrame(rows)
    frame["geometry"] = [_clean(cell.intersection(land)) for cell in cells.geoms]
    frame["x"], frame["y"] = all_points[:, 0], all_points[:, 1]
    frame["water"] = "NEE"
    lake_row = {"wijk": 9, "buurtnaam": _LAKE_NAME, "karakter": "water", "geometry": lake,
                "x": lake.centroid.x, "y": lake.centroid.y, "water": "JA"}
    frame = pd.concat([frame, pd.DataFrame([lake_row])], ignore_index=True)
    return _number_buurten(frame)


def _clean(geometry: shapely.Geometry) -> shapely.Geometry:
    """Round to the coordinate grid and keep only polygonal parts.

    Plain rounding, not snap rounding (`shapely.set_precision`): a vertex shared by
    two neighbours lands on the same grid point in both, so no slivers appear.
    """
    geometry = shapely.transform(geometry, lambda xy: np.round(xy / _PRECISION) * _PRECISION)
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        geometry = shapely.union_all(parts)
    return geometry


def _number_buurten(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes BU9901WWBB: buurten numbered per wijk from north-west to south-east."""
    frame = frame.copy()
    frame["_order"] = -frame["y"].round(-2) * 1e6 + frame["x"]
    frame["_settled"] = frame["karakter"].isin(["buitengebied", "water"])
    frame = frame.sort_values(["wijk", "_settled", "_order"], kind="stable", ignore_index=True)
    frame["nummer"] = frame.groupby("wijk").cumcount() + 1
    gm = GEMEENTECODE[2:]
    frame["wijkcode"] = [f"WK{gm}{w:02d}" for w in frame["wijk"]]
    frame["buurtcode"] = [f"BU{gm}{w:02d}{n:02d}" for w, n in zip(frame["wijk"], frame["nummer"],
                                                                  strict=True)]
    names = {w.nummer: w.naam for w in _WIJKEN}
    frame["wijknaam"] = frame["wijk"].map(names)
    return frame.drop(columns=["_order", "_settled", "nummer"])


def _household_counts(rng: np.random.Generator, buurten: pd.DataFrame) -> np.ndarray:
    """Households per buurt: area × a density typical of the character, within a range."""
    counts = []
    for row in buurten.itertuples(index=False):
        if row.water == "JA":
            counts.append(0)
            continue
        km2 = row.geometry.area / 1e6
        low, high = _HOUSEHOLD_RANGE[row.karakter]
        n = km2 * _DWELLING_DENSITY[row.karakter] * rng.uniform(0.75, 1.25)
        counts.append(int(np.clip(round(n), low, high)))
    return np.array(counts)


def _random_points(rng: np.random.Generator, polygon: shapely.Geometry, n: int) -> np.ndarray:
    """`n` uniform random points inside a polygon (rejection sampling, vectorised)."""
    minx, miny, maxx, maxy = polygon.bounds
    found = np.empty((0, 2))
    shapely.prepare(polygon)
    while len(found) < n:
        m = max(64, 3 * (n - len(found)))
        xy = np.column_stack([rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)])
        inside = shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])
        found = np.vstack([found, xy[inside]])
    return found[:n]


def _pc6_areas(rng: np.random.Generator, buurten: pd.DataFrame,
               households: pd.DataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Address points per household; k-means blocks of them become PC6 areas."""
    households = households.copy()
    households["x"], households["y"], households["_blok"] = 0.0, 0.0, ""
    blocks = []
    for row in buurten[buurten["water"] == "NEE"].itertuples(index=False):
        mask = (households["buurtcode"] == row.buurtcode).to_numpy()
        n = int(mask.sum())
        xy = _random_points(rng, row.geometry, n)
        k = max(1, round(n / _HOUSEHOLDS_PER_PC6))
        if k == 1:
            labels, geoms = np.zeros(n, dtype=int), [row.geometry]
        else:
            km = KMeans(n_clusters=k, n_init=1, random_state=int(rng.integers(2**31))).fit(xy)
            labels = km.labels_
            cells = shapely.voronoi_polygons(MultiPoint(km.cluster_centers_),
                                             extend_to=row.geometry, ordered=True)
            geoms = [_clean(c.intersection(row.geometry)) for c in cells.geoms]
        households.loc[mask, "x"] = np.round(xy[:, 0], 1)
        households.loc[mask, "y"] = np.round(xy[:, 1], 1)
        households.loc[mask, "_blok"] = [f"{row.buurtcode}-{label}" for label in labels]
        blocks += [{"_blok": f"{row.buurtcode}-{i}", "buurtcode": row.buurtcode, "geometry": g}
                   for i, g in enumerate(geoms)]
    pc6 = gpd.GeoDataFrame(blocks, crs=CRS)
    # A block whose cluster centre's cell holds no address (rare) is merged away later.
    return pc6[pc6["_blok"].isin(households["_blok"])].reset_index(drop=True), households


def _pc4_areas(pc6: gpd.GeoDataFrame, households: pd.DataFrame, lake: Polygon
               ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """Group PC6 blocks into PC4 areas around fixed centres; assign PC6 codes."""
    centres = np.vstack([
        _polar(_TOWN, 90, 700), _polar(_TOWN, 300, 700), _polar(_TOWN, 225, 1800),
        _polar(_TOWN, 0, 1800),
        *[_polar(_TOWN, v.angle, v.distance) for v in _VILLAGES],
    ])
    rep = shapely.point_on_surface(pc6.geometry.to_numpy())
    xy = shapely.get_coordinates(rep)
    distance = np.hypot(xy[:, :1] - centres[:, 0], xy[:, 1:] - centres[:, 1])
    pc6 = pc6.copy()
    pc6["pc4"] = np.asarray(PC4_CODES)[distance.argmin(axis=1)]
    pc6["_x"], pc6["_y"] = xy[:, 0], xy[:, 1]
    pc6 = pc6.sort_values(["pc4", "_y", "_x"], ascending=[True, False, True], ignore_index=True)
    letters = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase
               if a + b not in ("SA", "SD", "SS")]  # PostNL does not issue these
    largest = int(pc6["pc4"].value_counts().max())
    if largest > len(letters):
        raise ValueError(f"PC4 area with {largest} PC6 blocks; at most {len(letters)} fit")
    pc6["postcode"] = pc6["pc4"] + pc6.groupby("pc4").cumcount().map(lambda i: letters[i])
    households = households.merge(pc6[["_blok", "postcode", "pc4"]], on="_blok", how="left")
    households = households.rename(columns={"postcode": "pc6"}).drop(columns="_blok")
    pc4_geoms = pc6.groupby("pc4")["geometry"].agg(shapely.union_all)
    lake_centre = np.array([lake.centroid.x, lake.centroid.y])
    lake_pc4 = PC4_CODES[int(np.hypot(*(centres - lake_centre).T).argmin())]
    pc4_geoms[lake_pc4] = shapely.union_all([pc4_geoms[lake_pc4], lake])
    pc4 = gpd.GeoDataFrame({"postcode": pc4_geoms.index,
                            "geometry": [_clean(g) for g in pc4_geoms]}, crs=CRS)
    pc6 = pc6[["postcode", "pc4", "buurtcode", "geometry"]]
    return pc4, pc6, households


# --- layers ---------------------------------------------------------------------------

def _coverage(households: pd.DataFrame, by: str) -> pd.DataFrame:
    """Most common PC4 per area and how many addresses have it, as a class 1-5."""
    counts = households.groupby([by, "pc4"]).size().rename("n").reset_index()
    top = counts.sort_values(["n", "pc4"], ascending=[False, True]).drop_duplicates(by)
    share = top.set_index(by)["n"] / households.groupby(by).size()
    # 1: more than 90 % of the addresses have that PC4, 2: 80-90 %, 3: 70-80 %,
    # 4: 50-70 %, 5: half or fewer.
    klasse = 5 - (share.to_numpy()[:, np.newaxis] > np.array([0.5, 0.7, 0.8, 0.9])).sum(axis=1)
    return pd.DataFrame({"meest_voorkomende_postcode": top.set_index(by)["pc4"],
                         "dekkingspercentage": klasse}, index=share.index)


def _areas(geometry: gpd.GeoSeries, water: gpd.GeoSeries | None = None) -> pd.DataFrame:
    total = geometry.area / 1e4
    wet = geometry.intersection(water.union_all()).area / 1e4 if water is not None else 0 * total
    return pd.DataFrame({"oppervlakte_totaal_in_ha": total.round().astype(int),
                         "oppervlakte_land_in_ha": (total - wet).round().astype(int),
                         "oppervlakte_water_in_ha": np.asarray(wet).round().astype(int)},
                        index=geometry.index)


def _figures(frame: gpd.GeoDataFrame, key: str, population: Population, seed: int,
             water: gpd.GeoSeries) -> gpd.GeoDataFrame:
    """Attach counted figures, coverage, density and areas to an area layer."""
    hh = population.households
    stats = aggregate_cbs(hh, population.persons, key, seed=seed).set_index(key)
    frame = frame.join(_coverage(hh, key), on=key).join(stats, on=key)
    frame = pd.concat([frame, _areas(frame.geometry, water)], axis=1)
    land_km2 = frame["oppervlakte_land_in_ha"] / 100
    exact = hh.groupby(key).size().reindex(frame[key]).fillna(0).to_numpy()
    persons = population.persons["huishouden_id"].map(hh.set_index("huishouden_id")[key])
    exact_inw = persons.value_counts().reindex(frame[key]).fillna(0).to_numpy()
    density = (exact_inw / land_km2.where(land_km2 > 0)).round()
    frame["bevolkingsdichtheid_inwoners_per_km2"] = density.where(
        exact_inw >= MIN_INHABITANTS_DENSITY, SECRET).astype(int)
    frame["meest_voorkomende_postcode"] = frame["meest_voorkomende_postcode"].fillna("")
    for col in stats.columns:
        integer = col not in ("gemiddelde_huishoudsgrootte", "gemiddeld_inkomen_per_inwoner")
        empty = 0 if col in ("aantal_inwoners", "mannen", "vrouwen", "aantal_huishoudens",
                             "woningvoorraad") else SECRET
        filled = frame[col].where(exact > 0, empty).fillna(empty)
        frame[col] = filled.astype(int) if integer else filled.astype(float)
    frame["dekkingspercentage"] = frame["dekkingspercentage"].fillna(SECRET).astype(int)
    return frame


def _order(frame: gpd.GeoDataFrame, head: tuple[str, ...]) -> gpd.GeoDataFrame:
    figures = ["omgevingsadressendichtheid", "stedelijkheid_adressen_per_km2",
               "bevolkingsdichtheid_inwoners_per_km2"]
    rest = [c for c in frame.columns if c not in (*head, *figures, *_AREA_TAIL, "geometry")]
    return frame[[*head, *figures, *rest, *_AREA_TAIL, "geometry"]]


def _layers(buurten: pd.DataFrame, pc4: gpd.GeoDataFrame, pc6: gpd.GeoDataFrame,
            outline: Polygon, lake: Polygon, population: Population,
            seed: int) -> dict[str, gpd.GeoDataFrame]:
    water = gpd.GeoSeries([lake], crs=CRS)
    common = {"gemeentecode": GEMEENTECODE, "gemeentenaam": GEMEENTENAAM,
              "indelingswijziging_wijken_en_buurten": 1}
    b = gpd.GeoDataFrame(buurten[["buurtcode", "buurtnaam", "wijkcode", "water"]],
                         geometry=buurten["geometry"].to_list(), crs=CRS)
    b = b.assign(**common)
    b = _figures(b, "buurtcode", population, seed + 11, water)
    b["jrstatcode"] = f"{JAAR}" + b["buurtcode"]
    b["jaar"], b["fictief"] = JAAR, "JA"
    b = _order(b, ("buurtcode", "buurtnaam", "wijkcode", "gemeentecode", "gemeentenaam",
                   "indelingswijziging_wijken_en_buurten", "water", "meest_voorkomende_postcode",
                   "dekkingspercentage"))

    w_geom = buurten.groupby("wijkcode")["geometry"].agg(shapely.union_all)
    w = gpd.GeoDataFrame({"wijkcode": w_geom.index,
                          "wijknaam": buurten.groupby("wijkcode")["wijknaam"].first().to_numpy(),
                          "water": "NEE"}, geometry=[_clean(g) for g in w_geom], crs=CRS)
    w = _figures(w.assign(**common), "wijkcode", population, seed + 12, water)
    w["jrstatcode"] = f"{JAAR}" + w["wijkcode"]
    w["jaar"], w["fictief"] = JAAR, "JA"
    w = _order(w, ("wijkcode", "wijknaam", "gemeentecode", "gemeentenaam",
                   "indelingswijziging_wijken_en_buurten", "water", "meest_voorkomende_postcode",
                   "dekkingspercentage"))

    # Like CBS: a land row and a water row for the gemeente.
    g = gpd.GeoDataFrame({"gemeentecode": [GEMEENTECODE, GEMEENTECODE],
                          "gemeentenaam": [GEMEENTENAAM, GEMEENTENAAM], "water": ["NEE", "JA"]},
                         geometry=[_clean(outline.difference(lake)), _clean(lake)], crs=CRS)
    land_row = _figures(g.iloc[:1].copy(), "gemeentecode", population, seed + 13, water)
    water_row = _figures(g.iloc[1:].assign(gemeentecode="GM_water"), "gemeentecode",
                         population, seed + 13, water).assign(gemeentecode=GEMEENTECODE)
    g = pd.concat([land_row, water_row], ignore_index=True)
    g["indelingswijziging_wijken_en_buurten"] = 1
    g["jrstatcode"] = f"{JAAR}" + g["gemeentecode"]
    g["jaar"], g["fictief"] = JAAR, "JA"
    g = _order(g.drop(columns=["meest_voorkomende_postcode", "dekkingspercentage"]),
               ("gemeentecode", "gemeentenaam", "water", "indelingswijziging_wijken_en_buurten"))

    return {"gemeenten": g, "wijken": w, "buurten": b,
            "pc4": _postcode_layer(pc4, "pc4", population, seed + 14),
            "pc6": _postcode_layer(pc6.drop(columns=["pc4", "buurtcode"]), "pc6", population,
                                   seed + 15)}


def _postcode_layer(frame: gpd.GeoDataFrame, key: str, population: Population,
                    seed: int) -> gpd.GeoDataFrame:
    stats = aggregate_postcode(population.households, population.persons, key, seed=seed)
    stats = stats.rename(columns={key: "postcode"})
    out = frame.merge(stats, on="postcode", how="left")
    for col in stats.columns.drop("postcode"):
        out[col] = out[col].fillna(0 if col.startswith("aantal_") else SECRET)
    out["jaar"], out["fictief"] = JAAR, "JA"
    columns = [c for c in out.columns if c != "geometry"]
    return gpd.GeoDataFrame(out[columns], geometry=out.geometry, crs=CRS)


def _crosswalk(rng: np.random.Generator, households: pd.DataFrame) -> pd.DataFrame:
    """One row per address, like CBS's postcode-huisnummer file (codes without prefix)."""
    hh = households.sort_values(["pc6", "huishouden_id"], kind="stable")
    position = hh.groupby("pc6").cumcount().to_numpy()
    first = hh["pc6"].map({p: 1 + 2 * int(rng.integers(0, 30)) for p in sorted(hh["pc6"].unique())})
    return pd.DataFrame({
        "PC6": hh["pc6"].to_numpy(),
        "Huisnummer": (first.to_numpy() + 2 * position).astype(int),
        "Buurt2024": hh["buurtcode"].str[2:].to_numpy(),
        "Wijk2024": hh["wijkcode"].str[2:].to_numpy(),
        "Gemeente2024": hh["gemeentecode"].str[2:].to_numpy(),
    })


def _truth(households: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    parts = []
    for by, level in (("buurtcode", "buurt"), ("wijkcode", "wijk"),
                      ("gemeentecode", "gemeente"), ("pc4", "pc4")):
        mix = true_mix(households, by, scheme).rename(columns={by: "code"})
        mix.insert(1, "niveau", level)
        parts.append(mix)
    return pd.concat(parts, ignore_index=True)


def _metadata(seed: int, scheme: Scheme, population: Population) -> pd.DataFrame:
    hh = population.households
    rows = {
        "fictief": "JA",
        "beschrijving": "Fictieve gemeente, gegenereerd door citisens_core.fictional.demo; "
                        "geen echte gemeente, geen echte inwoners.",
        "gemeentecode": GEMEENTECODE,
        "gemeentenaam": GEMEENTENAAM,
        "jaar_schema": str(JAAR),
        "seed": str(seed),
        "opdracht": "python scripts/make_demo.py",
        "profielschema": scheme.id,
        "huishoudens": str(len(hh)),
        "inwoners": str(len(population.persons)),
        "waarheid": "demo-waarheid.csv: het werkelijke profielaandeel per gebied",
        "crs": CRS,
        "postcodes": f"PC4 {PC4_CODES[0]}-{PC4_CODES[-1]} zijn fictief",
    }
    return pd.DataFrame({"sleutel": list(rows), "waarde": list(rows.values())})


def describe(demo: DemoGemeente) -> dict[str, float]:
    """Headline counts of a demo gemeente (for the README and the make script).

    Returns
    -------
    dict
        Numbers of wijken, buurten, PC4, PC6, households and inhabitants.
    """
    layers = demo.layers
    return {
        "wijken": len(layers["wijken"]),
        "buurten": len(layers["buurten"]),
        "buurten_land": int((layers["buurten"]["water"] == "NEE").sum()),
        "pc4": len(layers["pc4"]),
        "pc6": len(layers["pc6"]),
        "huishoudens": len(demo.population.households),
        "inwoners": len(demo.population.persons),
        "adressen": len(demo.postcode_buurt),
        "oppervlakte_km2": math.fsum(layers["buurten"].area) / 1e6,
    }
