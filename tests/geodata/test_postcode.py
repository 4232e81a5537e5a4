"""Postcode statistics (PC4/PC6) and the postcode → buurt link."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from citisens_core.demographics import DEMOGRAPHIC_COLUMNS, ID_COLUMNS, SHARE_COLUMNS
from citisens_core.geodata import (
    AreaFileError,
    postcode_to_buurt,
    read_areas,
    read_crosswalk,
    read_postcode_stats,
)

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "real-cbs"
PC4_CSV = REAL / "pc4-2022-v1-statistiek.csv"
needs_pc4_csv = pytest.mark.skipif(
    not PC4_CSV.exists(), reason=f"real CBS PC4 sample not found at {PC4_CSV}"
)


@pytest.fixture(scope="module")
def pc4_csv() -> gpd.GeoDataFrame:
    return read_postcode_stats(PC4_CSV)


@needs_pc4_csv
def test_pc4_csv_reads_every_postcode(pc4_csv):
    assert len(pc4_csv) == 4053
    assert list(pc4_csv.columns) == [*ID_COLUMNS, *DEMOGRAPHIC_COLUMNS, "geometry"]
    assert (pc4_csv["niveau"] == "pc4").all()
    assert pc4_csv["code"].str.fullmatch(r"\d{4}").all() and pc4_csv["code"].is_unique
    assert pc4_csv.geometry.isna().all()
    assert pc4_csv.attrs["niveau"] == "pc4" and pc4_csv.attrs["jaar"] == 2022
    assert pc4_csv.attrs["generatie"] == "postcode_csv"


@needs_pc4_csv
def test_pc4_csv_sentinels_become_nan(pc4_csv):
    with PC4_CSV.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[2:]
    corporation_hidden = sum(row[32] == "-99997" for row in rows)
    assert corporation_hidden > 100
    assert pc4_csv["aandeel_huur_corporatie"].isna().sum() >= corporation_hidden
    for col in DEMOGRAPHIC_COLUMNS:
        assert not (pc4_csv[col] <= -99990).any(), col
    for col in SHARE_COLUMNS:
        assert pc4_csv[col].dropna().between(0, 1).all(), col


@needs_pc4_csv
def test_pc4_csv_counts_become_shares(pc4_csv):
    row = pc4_csv.set_index("code").loc["1011"]
    assert row["inwoners"] == 9760 and row["huishoudens"] == 6375
    assert row["aandeel_0_15"] == pytest.approx(710 / 9760)
    assert row["aandeel_65_plus"] == pytest.approx(1915 / 9760)
    assert row["aandeel_eenpersoons"] == pytest.approx(4060 / 6375)
    assert row["aandeel_zonder_kinderen"] == pytest.approx(1485 / 6375)
    assert row["aandeel_met_kinderen"] == pytest.approx((335 + 490) / 6375)
    assert row["aandeel_koop"] == pytest.approx(0.30)
    assert row["aandeel_huur_corporatie"] == pytest.approx(2450 / 6250)
    assert row["gem_huishoudgrootte"] == 1.5
    assert row["woz"] == 509
    assert row["adressendichtheid"] == 7084 and row["stedelijkheid"] == 1
    households = pc4_csv[["aandeel_eenpersoons", "aandeel_zonder_kinderen", "aandeel_met_kinderen"]]
    sums = households.dropna().sum(axis=1)
    assert sums.between(0.85, 1.15).mean() > 0.95  # counts are rounded to multiples of 5


def _write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_release_variant_with_semicolons_and_cp1252(tmp_path):
    text = (
        "Postcode-6;Totaal;tot 15 jaar;Totaal;Eenpersoons;Eenouder;Tweeouder;Koopwoning;;\n"
        "Code;x1;x1;x1;x1;x1;x1;%;adressen/km2;categorie\n"
        "1011AB;100;20;50;10;5;-99997;60;6000;1\n"
        "9999ZZ;-99997;-99997;-99997;-99997;-99997;-99997;-99997;12;5\n"
    )
    table = read_postcode_stats(_write_csv(tmp_path / "pc6_2021.csv", text, "cp1252"))
    assert table.attrs["niveau"] == "pc6"
    row = table.set_index("code").loc["1011AB"]
    assert row["aandeel_0_15"] == pytest.approx(0.2)
    assert row["aandeel_eenpersoons"] == pytest.approx(0.2)
    assert np.isnan(row["aandeel_met_kinderen"])  # one part hidden: no sum
    assert row["stedelijkheid"] == 1 and row["adressendichtheid"] == 6000
    empty = table.set_index("code").loc["9999ZZ"]
    assert empty[["inwoners", "aandeel_0_15", "aandeel_koop"]].isna().all()


def test_csv_without_postcode_column(tmp_path):
    path = _write_csv(tmp_path / "tabel.csv", "naam,waarde\nx,1\n")
    with pytest.raises(AreaFileError, match=r"tabel\.csv: geen kolom met postcodes"):
        read_postcode_stats(path)
    with pytest.raises(AreaFileError, match="het bestand is leeg"):
        read_postcode_stats(_write_csv(tmp_path / "leeg.csv", ""))


def _pc_gpkg(path: Path, codes: list[str]) -> Path:
    frame = gpd.GeoDataFrame(
        {
            "postcode": codes,
            "aantal_inwoners": [200, 100],
            "aantal_inwoners_0_tot_15_jaar": [40, -99997],
            "aantal_part_huishoudens": [100, 50],
            "aantal_eenpersoonshuishoudens": [30, 25],
            "aantal_meerpersoonshuishoudens_zonder_kind": [30, 10],
            "aantal_eenouderhuishoudens": [10, 5],
            "aantal_tweeouderhuishoudens": [30, 10],
            "aantal_woningen": [110, 55],
            "percentage_koopwoningen": [70, -99997],
            "stedelijkheid": [3, 4],
        },
        geometry=[
            shapely.box(121000, 487000, 122000, 488000),
            shapely.box(122000, 487000, 123000, 488000),
        ],
        crs="EPSG:28992",
    )
    pyogrio.write_dataframe(frame, path, layer=path.stem)
    return path


@pytest.mark.parametrize(
    ("codes", "level"), [(["1011", "1012"], "pc4"), (["1011AB", "1011AC"], "pc6")]
)
def test_postcode_geopackage(tmp_path, codes, level):
    table = read_postcode_stats(_pc_gpkg(tmp_path / f"cbs_{level}_2022_v1.gpkg", codes))
    assert table.attrs["niveau"] == level and table.attrs["generatie"] == "postcode_vanaf_2020"
    first = table.set_index("code").loc[codes[0]]
    assert first["aandeel_0_15"] == pytest.approx(0.2)
    assert first["aandeel_met_kinderen"] == pytest.approx(0.4)
    assert first["aandeel_koop"] == pytest.approx(0.7)
    assert table.crs.to_epsg() == 4326 and table.geometry.notna().all()
    assert np.isnan(table.set_index("code").loc[codes[1], "aandeel_0_15"])


def test_postcode_file_cannot_be_filtered_by_gemeente(tmp_path):
    path = _pc_gpkg(tmp_path / "cbs_pc4_2022_v1.gpkg", ["1011", "1012"])
    with pytest.raises(AreaFileError, match="postcodebestand heeft geen gemeentecode"):
        read_areas(path, gemeente="GM0363")


# --- crosswalk ------------------------------------------------------------------------

CROSSWALK = (
    "PC6;Huisnummer;Buurt2023;Wijk2023;Gemeente2023\n"
    "1011AB;1;3630001;36300;363\n"
    "1011AB;3;3630001;36300;363\n"
    "1011AB;5;3630001;36300;363\n"
    "1011AB;7;03630002;036300;0363\n"
    "1011AC;2;3630002;36300;363\n"
    "9011ZZ;1;19000201;190002;1900\n"
)


@pytest.fixture
def crosswalk_path(tmp_path) -> Path:
    return _write_csv(tmp_path / "pc6hnr20230801_gwb.csv", CROSSWALK, "cp1252")


def test_read_crosswalk_adds_prefixes(crosswalk_path):
    table = read_crosswalk(crosswalk_path)
    assert list(table.columns) == [
        "postcode",
        "huisnummer",
        "buurtcode",
        "wijkcode",
        "gemeentecode",
    ]
    assert table.attrs["jaar"] == 2023
    assert set(table["buurtcode"]) == {"BU03630001", "BU03630002", "BU19000201"}
    assert set(table["wijkcode"]) == {"WK036300", "WK190002"}
    assert set(table["gemeentecode"]) == {"GM0363", "GM1900"}


def test_read_crosswalk_rejects_other_tables(tmp_path):
    path = _write_csv(tmp_path / "andere.csv", "a;b\n1;2\n")
    with pytest.raises(AreaFileError, match=r"andere\.csv: geen kolom postcode en buurtcode"):
        read_crosswalk(path)


def test_postcode_to_buurt_weights_by_addresses(crosswalk_path):
    links = postcode_to_buurt(["1011 ab", "1011AC", "2000XX"], crosswalk=crosswalk_path)
    ab = links[links["postcode"] == "1011AB"].set_index("buurtcode")["gewicht"]
    assert ab.to_dict() == pytest.approx({"BU03630001": 0.75, "BU03630002": 0.25})
    assert links.groupby("postcode")["gewicht"].sum().to_numpy() == pytest.approx(1.0)
    assert links.attrs["niet_gevonden"] == ["2000XX"]
    assert set(links.columns) == {"postcode", "buurtcode", "wijkcode", "gemeentecode", "gewicht"}


def test_pc4_to_buurt_aggregates_its_pc6(crosswalk_path):
    links = postcode_to_buurt(["1011"], crosswalk=read_crosswalk(crosswalk_path))
    weights = links.set_index("buurtcode")["gewicht"]
    assert weights.to_dict() == pytest.approx({"BU03630001": 0.6, "BU03630002": 0.4})


# --- spatial join ---------------------------------------------------------------------


@pytest.fixture
def buurten() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["BU03630001", "BU03630002"],
            "wijkcode": ["WK036300", "WK036300"],
            "gemeentecode": ["GM0363", "GM0363"],
        },
        geometry=[
            shapely.box(120000, 480000, 121000, 481000),
            shapely.box(121000, 480000, 122000, 481000),
        ],
        crs="EPSG:28992",
    ).to_crs(4326)


@pytest.fixture
def postcodes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["1011AB", "1011AC", "1011AD"]},
        geometry=[
            shapely.box(120300, 480200, 121300, 480400),  # 70 % in the first buurt
            shapely.Point(121500, 480500),  # a PC6 point
            shapely.box(130000, 480000, 130100, 480100),  # outside every buurt
        ],
        crs="EPSG:28992",
    )


def test_spatial_join_largest_overlap(postcodes, buurten):
    links = postcode_to_buurt(postcodes, buurten=buurten).set_index("postcode")
    assert links.loc["1011AB", "buurtcode"] == "BU03630001"
    assert links.loc["1011AC", "buurtcode"] == "BU03630002"  # centroid fallback
    assert (links["gewicht"] == 1.0).all()
    assert links.attrs["niet_gevonden"] == ["1011AD"]


def test_spatial_join_area_shares(postcodes, buurten):
    links = postcode_to_buurt(postcodes, buurten=buurten, method="area")
    ab = links[links["postcode"] == "1011AB"].set_index("buurtcode")["gewicht"]
    assert ab.to_dict() == pytest.approx({"BU03630001": 0.7, "BU03630002": 0.3}, abs=1e-3)


def test_postcode_to_buurt_needs_a_source():
    with pytest.raises(ValueError, match="give a crosswalk"):
        postcode_to_buurt(["1011AB"])
    with pytest.raises(ValueError, match="method"):
        postcode_to_buurt(["1011AB"], crosswalk=pd.DataFrame(), method="nearest")


# --- the CSV and XLSX release, written here from CBS's display headers ----------------

#: Display header, unit, and the values of two PC4 areas (a third is all secret).
RELEASE_COLUMNS = [
    ("Postcode-4", "Code", ["3511", "3512", "3513"]),
    ("Totaal", "x1", ["2000", "1000", "-99997"]),
    ("tot 15 jaar", "x1", ["200", "300", "-99997"]),
    ("15 tot 25 jaar", "x1", ["400", "100", "-99997"]),
    ("25 tot 45 jaar", "x1", ["800", "300", "-99997"]),
    ("45 tot 65 jaar", "x1", ["400", "200", "-99997"]),
    ("65 jaar en ouder", "x1", ["200", "100", "-99997"]),
    ("Totaal", "x1", ["1000", "400", "-99997"]),
    ("Eenpersoons", "x1", ["500", "100", "-99997"]),
    ("Meerpersoons \nzonder kinderen", "x1", ["300", "100", "-99997"]),
    ("Eenouder", "x1", ["100", "50", "-99997"]),
    ("Tweeouder", "x1", ["100", "150", "-99997"]),
    ("Totaal", "x1", ["900", "420", "-99997"]),
    ("Koopwoning", "%", ["40", "70", "-99997"]),
    ("Huurwoning", "%", ["60", "30", "-99997"]),
    ("WOZ-waarde\nwoning", "x 1 000 Euro", ["-99995", "-99995", "-99997"]),
    ("", "adressen/km2", ["6000", "1200", "-99997"]),
    ("", "categorie", ["1", "3", "-99997"]),
]


def release_rows() -> list[list[str]]:
    return [
        [h for h, _, _ in RELEASE_COLUMNS],
        [u for _, u, _ in RELEASE_COLUMNS],
        *[[v[i] for _, _, v in RELEASE_COLUMNS] for i in range(3)],
    ]


def check_release(table: gpd.GeoDataFrame) -> None:
    row = table.set_index("code").loc["3511"]
    assert row["inwoners"] == 2000 and row["huishoudens"] == 1000
    assert row["aandeel_0_15"] == pytest.approx(0.10)
    assert row["aandeel_met_kinderen"] == pytest.approx(0.20)
    assert row["aandeel_huur"] == pytest.approx(0.60)
    assert row["stedelijkheid"] == 1
    assert table.set_index("code").loc["3513"][["inwoners", "aandeel_0_15"]].isna().all()
    assert table.attrs["niveau"] == "pc4"
    assert table.attrs["jaar"] == 2023 and table.attrs["versie"] == "v1"
    assert table.attrs["ontbrekend"]["woz"] == "nog niet gepubliceerd"


def test_csv_release_from_documented_headers(tmp_path: Path) -> None:
    path = tmp_path / "pc4_2023_v1.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(release_rows())
    check_release(read_postcode_stats(path))


def test_xlsx_release_with_title_lines(tmp_path: Path) -> None:
    """The workbook as CBS publishes it: title and source lines above the header."""
    path = tmp_path / "pc4_2023_v1.xlsx"
    width = len(RELEASE_COLUMNS)
    title = [["Statistische gegevens per viercijferige postcode, 2023"], ["Bron: CBS"], []]
    title = [(row + [""] * width)[:width] for row in title]
    pd.DataFrame(title + release_rows()).to_excel(path, header=False, index=False)
    table = read_areas(path)  # the general reader hands tables to the postcode reader
    check_release(table)


def test_figures_get_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "pc4_2023_v1.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(release_rows())
    figures = read_postcode_stats(path)
    shapes = gpd.GeoDataFrame(
        {"postcode": ["3511", "3512", "3999"], "aantal_inwoners": [1, 1, 1]},
        geometry=[shapely.box(5.10 + i / 100, 52.09, 5.11 + i / 100, 52.10) for i in range(3)],
        crs="EPSG:4326",
    )
    boundary_file = tmp_path / "pc4-grenzen.geojson"
    shapes.to_file(boundary_file)
    from citisens_core.geodata.postcode import attach_boundaries

    mapped = attach_boundaries(figures, read_areas(boundary_file))
    assert mapped["code"].tolist() == ["3511", "3512"]
    assert mapped.geometry.notna().all()
    assert mapped["inwoners"].tolist() == [2000, 1000]  # the figures, not the boundary file's
    assert any("1 van de 3 postcodegebieden" in w for w in mapped.attrs["waarschuwingen"])
    buurten = read_areas(boundary_file)
    buurten.attrs["niveau"] = "buurt"
    with pytest.raises(AreaFileError, match="bevat buurt-gebieden, de cijfers gaan over pc4"):
        attach_boundaries(figures, buurten)


def test_a_postcode_table_has_no_other_levels(tmp_path: Path) -> None:
    path = tmp_path / "pc4_2023_v1.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(release_rows())
    with pytest.raises(AreaFileError, match="bevat alleen postcodegebieden, geen buurten"):
        read_areas(path, level="buurt")
    with pytest.raises(AreaFileError, match="filteren op gemeente kan hier niet"):
        read_areas(path, gemeente="GM0344")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cli_estimates_postcode_figures(suffix: str, tmp_path: Path) -> None:
    from citisens_core.cli import main

    path = tmp_path / f"pc4_2023_v1{suffix}"
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(release_rows())
    else:
        pd.DataFrame(release_rows()).to_excel(path, header=False, index=False)
    out = tmp_path / "schattingen.csv"
    assert main(["estimate", str(path), "--out", str(out)]) == 0
    estimates = pd.read_csv(out, dtype={"code": str})
    assert estimates["code"].tolist() == ["3511", "3512", "3513"]
    assert (estimates["niveau"] == "pc4").all()
