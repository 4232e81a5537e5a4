"""Downloading from PDOK, against a local stand-in server on 127.0.0.1 only."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pyogrio
import pytest

from citisens_core.cli import main
from citisens_core.geodata import read_areas
from citisens_core.geodata.pdok import (
    DEFAULT_BASE_URL,
    DEFAULT_HISTORIC_URL,
    DownloadError,
    DownloadWarning,
    _offline_message,
    default_cache_dir,
    default_filename,
    download_gemeenten,
    normalise_gemeentecode,
    read_metadata,
    service_url,
    snake_case,
)

try:
    from .pdok_server import (
        Fault,
        PdokStub,
        closed_port,
        layout_services,
        real_dataset,
        synthetic_dataset,
    )
except ImportError:  # tests/geodata is not a package: pytest put it on sys.path
    from pdok_server import (
        Fault,
        PdokStub,
        closed_port,
        layout_services,
        real_dataset,
        synthetic_dataset,
    )

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "real-cbs"
needs_real = pytest.mark.skipif(
    not (SHARED / "buurt-2015" / "gooi_en_vechtstreek.geojson").exists(),
    reason=f"real CBS samples not found in {SHARED}",
)

# generous per-read timeout: the local test server reprojects pages, slow on a busy machine
FAST = {"timeout": 15.0, "max_attempts": 3, "backoff": 0.01}


@pytest.fixture(autouse=True)
def _no_home_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITISENS_CACHE", str(tmp_path / "env-cache"))


@pytest.fixture
def stub():
    with PdokStub(synthetic_dataset(2024), page_size=10) as server:
        yield server


def fetch(server: PdokStub, tmp_path: Path, codes=("GM9001",), **kwargs) -> Path:
    """Download from the stub into tmp_path/out/…; kwargs override the defaults."""
    options = {
        "base_url": server.url("wb"),
        "pc4_base_url": server.url("pc4"),
        "cache_dir": tmp_path / "cache",
        **FAST,
        **kwargs,
    }
    return download_gemeenten(list(codes), 2024, tmp_path / "out" / "wb.gpkg", **options)


def settled_count(server: PdokStub, match: str, wait: float = 3.0) -> int:
    """Requests received, once the server has read the last one (a client that timed
    out may be faster than the server's thread on a busy machine)."""
    import time

    end = time.monotonic() + wait
    count = server.count(match)
    while time.monotonic() < end:
        time.sleep(0.2)
        if server.count(match) == count:
            return count
        count = server.count(match)
    return count


def layer(path: Path, name: str):
    return pyogrio.read_dataframe(path, layer=name)


def metadata(path: Path) -> dict[str, str]:
    table = layer(path, "metadata")
    return dict(zip(table["sleutel"], table["waarde"], strict=True))


# --- small helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("buurtcode", "buurtcode"),
        ("percentage_personen_0_tot_15_jaar", "percentage_personen_0_tot_15_jaar"),
        ("aantalInwoners", "aantal_inwoners"),
        ("percentagePersonen0Tot15Jaar", "percentage_personen_0_tot_15_jaar"),
        ("percentagePersonen65JaarEnOuder", "percentage_personen_65_jaar_en_ouder"),
        ("stedelijkheidAdressenPerKm2", "stedelijkheid_adressen_per_km2"),
        ("percentageBouwjaarklasseVanaf2000", "percentage_bouwjaarklasse_vanaf_2000"),
    ],
)
def test_snake_case_matches_cbs_names(given: str, expected: str) -> None:
    assert snake_case(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [("GM0344", "GM0344"), ("gm0344", "GM0344"), ("0344", "GM0344"), (" 344 ", "GM0344")],
)
def test_gemeentecode_forms(given: str, expected: str) -> None:
    assert normalise_gemeentecode(given) == expected


@pytest.mark.parametrize("bad", ["Utrecht", "BU03440101", "GM03440", ""])
def test_invalid_gemeentecode_is_refused_in_dutch(bad: str) -> None:
    with pytest.raises(ValueError, match="Ongeldige gemeentecode"):
        normalise_gemeentecode(bad)


def test_file_name_and_cache_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_filename(["0344", "GM0345", "GM0344"], 2024) == (
        "wijkenbuurten_2024_GM0344_GM0345.gpkg"
    )
    monkeypatch.setenv("CITISENS_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c" / "pdok"
    monkeypatch.delenv("CITISENS_CACHE")
    assert default_cache_dir() == Path.home() / ".cache" / "citisens" / "pdok"


def test_offline_message_names_pdok_host() -> None:
    message = _offline_message(DEFAULT_BASE_URL.format(jaar=2024) + "/collections/x/items")
    assert message == (
        "Geen verbinding met PDOK (api.pdok.nl). Controleer de internetverbinding "
        "of kies een eigen adres (--base-url)."
    )


# --- paging and the GeoPackage -----------------------------------------------------------


def test_paging_collects_every_page(stub: PdokStub, tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    out = fetch(stub, tmp_path, progress=lambda *a: calls.append(a))

    buurten = layer(out, "buurten")
    assert len(buurten) == 25  # 3 pages of at most 10
    assert buurten["buurtcode"].is_unique
    assert set(buurten["gemeentecode"]) == {"GM9001"}
    pages = [r for r in stub.requests if "/buurten/items" in r]
    assert len(pages) == 3 and "cursor=20" in pages[-1]
    # gokoala does not count (no numberMatched): the total is unknown (0)
    buurt_calls = [c[1:] for c in calls if c[0].startswith("buurten")]
    assert buurt_calls == [(0, 0), (10, 0), (20, 0), (25, 0)]
    assert stub.refused == []


def test_geopackage_layers_crs_and_schema(stub: PdokStub, tmp_path: Path) -> None:
    out = fetch(stub, tmp_path)

    layers = dict(pyogrio.list_layers(out))
    assert list(layers) == ["gemeenten", "wijken", "buurten", "pc4", "metadata"]
    assert layers["metadata"] is None  # a plain table
    for name, count in {"gemeenten": 1, "wijken": 2, "buurten": 25}.items():
        info = pyogrio.read_info(out, layer=name)
        assert info["crs"] == "EPSG:28992"
        assert info["features"] == count
    buurten = layer(out, "buurten")
    assert {
        "buurtcode",
        "buurtnaam",
        "wijkcode",
        "gemeentecode",
        "water",
        "aantal_inwoners",
        "percentage_personen_0_tot_15_jaar",
    } <= set(buurten.columns)
    # RD New metres, not degrees: Proefstad lies near Hilversum (x ≈ 130-145 km, y ≈ 465-475 km)
    minx, miny, maxx, maxy = buurten.total_bounds
    assert 125_000 < minx < maxx < 150_000 and 460_000 < miny < maxy < 480_000
    assert buurten["percentage_personen_65_jaar_en_ouder"].isna().sum() == 5  # nulls stay missing

    meta = metadata(out)
    assert meta["jaar"] == "2024" and meta["bron"] == stub.url("wb")
    assert meta["gemeenten"] == "GM9001" and meta["aantal_buurten"] == "25"
    assert meta["gedownload_op"].startswith("20")
    assert "Kadaster" in meta["bronvermelding"]
    with sqlite3.connect(out) as db:
        description = dict(db.execute("select table_name, description from gpkg_contents"))
    assert "2024" in description["buurten"] and stub.url("wb") in description["buurten"]
    assert not [p.name for p in out.parent.iterdir() if p != out]  # no temp files left


def test_pc4_keeps_postcodes_of_the_gemeente_and_year(stub: PdokStub, tmp_path: Path) -> None:
    out = fetch(stub, tmp_path)

    pc4 = layer(out, "pc4")
    # 9005 only touches Proefstad's bbox, 9099 lies far away; 2023 rows are filtered
    assert sorted(pc4["postcode"]) == ["9001", "9002", "9003", "9004"]
    assert set(pc4["aantal_inwoners"]) == {1000}
    assert pyogrio.read_info(out, layer="pc4")["crs"] == "EPSG:28992"
    assert "bbox=" in next(r for r in stub.requests if "/postcode4/items" in r)
    assert metadata(out)["pc4_jaar"] == "2024"


def test_several_gemeenten_in_one_file(stub: PdokStub, tmp_path: Path) -> None:
    out = fetch(stub, tmp_path, codes=("GM9001", "9002", "gm9001"))

    assert len(layer(out, "buurten")) == 28
    assert sorted(layer(out, "gemeenten")["gemeentenaam"]) == ["Buurdorp", "Proefstad"]
    assert sorted(layer(out, "pc4")["postcode"]) == ["9001", "9002", "9003", "9004", "9005"]
    assert metadata(out)["gemeenten"] == "GM9001,GM9002"


def test_camel_case_properties_become_snake_case(tmp_path: Path) -> None:
    with PdokStub(synthetic_dataset(), camel_case=True) as server:
        out = fetch(server, tmp_path, pc4=False)
    columns = set(layer(out, "buurten").columns)
    assert {
        "aantal_inwoners",
        "percentage_personen_0_tot_15_jaar",
        "stedelijkheid_adressen_per_km2",
    } <= columns
    assert "aantalInwoners" not in columns


@needs_real
def test_real_hilversum_buurten(tmp_path: Path) -> None:
    source = json.loads((SHARED / "buurt-2015" / "gooi_en_vechtstreek.geojson").read_text())
    hilversum = [
        f["properties"] for f in source["features"] if f["properties"]["GM_CODE"] == "GM0402"
    ]
    with PdokStub(real_dataset(SHARED), page_size=10) as server:
        out = fetch(server, tmp_path, codes=("0402",))

    buurten = layer(out, "buurten")
    assert len(buurten) == len(hilversum) == 42
    assert set(buurten["buurtcode"]) == {p["BU_CODE"] for p in hilversum}
    assert buurten["aantal_inwoners"].sum() == sum(
        p["AANT_INW"] for p in hilversum if p["AANT_INW"] > -99990
    )
    assert len(layer(out, "wijken")) == 9
    gemeenten = layer(out, "gemeenten")
    assert list(gemeenten["gemeentenaam"]) == ["Hilversum"]
    assert gemeenten.crs.to_epsg() == 28992
    # Hilversum in RD New: roughly x 136-146 km, y 462-475 km
    minx, miny, maxx, maxy = gemeenten.total_bounds
    assert 130_000 < minx < maxx < 150_000 and 455_000 < miny < maxy < 480_000
    # stand-in postcodes are the region's wijk shapes: only Hilversum's survive the overlap test
    assert set(layer(out, "pc4")["gemeente_van_test"]) == {"GM0402"}
    assert len(layer(out, "pc4")) == 9


# --- failures ------------------------------------------------------------------------


def test_server_error_recovers_on_retry(stub: PdokStub, tmp_path: Path) -> None:
    stub.faults.append(Fault("/buurten/items", status=500, times=1))
    stub.faults.append(Fault("/wijken/items", status=429, times=1))

    out = fetch(stub, tmp_path)

    assert len(layer(out, "buurten")) == 25
    assert stub.count("/buurten/items") == 3 + 1
    assert stub.count("/wijken/items") == 1 + 1


def test_persistent_server_error(stub: PdokStub, tmp_path: Path) -> None:
    stub.faults.append(Fault("/buurten/items", status=500))
    out = tmp_path / "out" / "wb.gpkg"

    with pytest.raises(
        DownloadError,
        match=r"PDOK gaf een foutmelding \(HTTP 500\) voor buurten "
        r"van GM9001\.",
    ):
        fetch(stub, tmp_path)

    assert stub.count("/buurten/items") == FAST["max_attempts"]
    assert not out.exists()
    assert not out.parent.exists() or not list(out.parent.iterdir())


def test_failure_keeps_the_previous_file(stub: PdokStub, tmp_path: Path) -> None:
    first = fetch(stub, tmp_path)
    before = first.read_bytes()
    stub.faults.append(Fault("/gemeenten/items", status=503))

    with pytest.raises(DownloadError, match="HTTP 503"):
        fetch(stub, tmp_path, refresh=True)

    assert first.read_bytes() == before
    assert [p.name for p in first.parent.iterdir()] == [first.name]


def test_client_error_is_not_retried(stub: PdokStub, tmp_path: Path) -> None:
    stub.faults.append(Fault("/buurten/items", status=404))

    with pytest.raises(DownloadError, match=r"HTTP 404\) voor buurten van GM9001"):
        fetch(stub, tmp_path)

    assert stub.count("/buurten/items") == 1


def test_timeout_is_retried_then_reported(stub: PdokStub, tmp_path: Path) -> None:
    stub.faults.append(Fault("/buurten/items", delay=1.0))

    with pytest.raises(DownloadError, match=r"antwoordde niet binnen 0\.2 seconden voor buurten"):
        fetch(stub, tmp_path, timeout=0.2, max_attempts=2)

    assert settled_count(stub, "/buurten/items") == 2
    assert not (tmp_path / "out" / "wb.gpkg").exists()


def test_timeout_once_then_answer(stub: PdokStub, tmp_path: Path) -> None:
    stub.faults.append(Fault("/gemeenten/items", delay=1.0, times=1))

    out = fetch(stub, tmp_path, timeout=0.3)

    assert len(layer(out, "gemeenten")) == 1


def test_offline(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{closed_port()}/wb"

    with pytest.raises(
        DownloadError,
        match=r"^Geen verbinding met PDOK \(127\.0\.0\.1:\d+\)\. "
        r"Controleer de internetverbinding",
    ):
        download_gemeenten(
            ["GM0344"],
            2024,
            tmp_path / "x.gpkg",
            base_url=base,
            cache_dir=tmp_path / "cache",
            **FAST,
        )

    assert not (tmp_path / "x.gpkg").exists()


def test_invalid_json(stub: PdokStub, tmp_path: Path) -> None:
    stub.faults.append(Fault("/wijken/items", garbage=True))

    with pytest.raises(DownloadError, match="geen geldige JSON\\) voor wijken van GM9001"):
        fetch(stub, tmp_path)


def test_unknown_gemeente(stub: PdokStub, tmp_path: Path) -> None:
    with pytest.raises(
        DownloadError, match=r"^PDOK kent gemeente GM9999 niet in 2024\.$"
    ):
        fetch(stub, tmp_path, codes=("GM9999",))


def test_pc4_failure_only_warns(stub: PdokStub, tmp_path: Path) -> None:
    stub.faults.append(Fault("/pc4/", status=500))

    with pytest.warns(DownloadWarning, match="Postcodecijfers \\(pc4\\) niet opgehaald.*HTTP 500"):
        out = fetch(stub, tmp_path)

    assert [name for name, _ in pyogrio.list_layers(out)] == [
        "gemeenten",
        "wijken",
        "buurten",
        "metadata",
    ]
    assert metadata(out)["bron_pc4"] == ""


def test_pc4_year_without_figures_only_warns(stub: PdokStub, tmp_path: Path) -> None:
    with pytest.warns(DownloadWarning, match="geen postcodecijfers \\(pc4\\) voor 2030"):
        out = fetch(stub, tmp_path, pc4_jaar=2030)
    assert "pc4" not in dict(pyogrio.list_layers(out))


# --- cache -----------------------------------------------------------------------------


def test_cached_download_needs_no_network(stub: PdokStub, tmp_path: Path) -> None:
    first = fetch(stub, tmp_path)
    counts = {name: len(layer(first, name)) for name in ("gemeenten", "wijken", "buurten", "pc4")}
    requests_made = stub.count()
    assert requests_made > 0
    first.unlink()

    calls: list[tuple[str, int, int]] = []
    second = fetch(stub, tmp_path, progress=lambda *a: calls.append(a))

    assert stub.count() == requests_made  # zero new requests
    assert {name: len(layer(second, name)) for name in counts} == counts
    assert ("buurten ophalen voor GM9001 (uit cache)", 25, 25) in calls

    fetch(stub, tmp_path, refresh=True)
    assert stub.count() == 2 * requests_made


def test_cache_is_keyed_on_the_query(stub: PdokStub, tmp_path: Path) -> None:
    fetch(stub, tmp_path, codes=("GM9001",), pc4=False)
    before = stub.count()

    out = fetch(stub, tmp_path, codes=("GM9002",), pc4=False)

    assert stub.count() > before
    assert set(layer(out, "buurten")["gemeentecode"]) == {"GM9002"}


def test_damaged_cache_is_fetched_again(stub: PdokStub, tmp_path: Path) -> None:
    fetch(stub, tmp_path, pc4=False)
    for path in (tmp_path / "cache").glob("buurten-*.json"):
        path.write_text("{not json", encoding="utf-8")
    before = stub.count("/buurten/")

    out = fetch(stub, tmp_path, pc4=False)

    assert stub.count("/buurten/") == before + 3
    assert len(layer(out, "buurten")) == 25


def test_env_var_moves_the_cache(stub: PdokStub, tmp_path: Path) -> None:
    fetch(stub, tmp_path, cache_dir=None, pc4=False)
    assert list((tmp_path / "env-cache" / "pdok").glob("buurten-*.json"))


# --- command line ------------------------------------------------------------------------


def cli_args(server: PdokStub, tmp_path: Path, *codes: str) -> list[str]:
    args = [
        "download",
        "--jaar",
        "2024",
        "--base-url",
        server.url("wb"),
        "--pc4-base-url",
        server.url("pc4"),
        "--cache",
        str(tmp_path / "cache"),
        "--out",
        str(tmp_path / "out"),
        "--timeout",
        "2",
    ]
    for code in codes:
        args += ["--gemeente", code]
    return args


def test_cli_download(stub: PdokStub, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(cli_args(stub, tmp_path, "GM9001", "9002")) == 0

    out = tmp_path / "out" / "wijkenbuurten_2024_GM9001_GM9002.gpkg"
    assert out.exists()
    printed = capsys.readouterr().out
    assert str(out) in printed
    assert "2 gemeenten, 3 wijken, 28 buurten, 5 pc4" in printed
    assert "postcodecijfers (pc4) van 2024" in printed


def test_cli_error_is_one_line(
    stub: PdokStub, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(cli_args(stub, tmp_path, "GM9999")) == 1

    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == "error: PDOK kent gemeente GM9999 niet in 2024."
    assert not list((tmp_path / "out").glob("*.gpkg"))


def test_cli_invalid_code(stub: PdokStub, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(cli_args(stub, tmp_path, "Hilversum")) == 1
    assert "Ongeldige gemeentecode 'Hilversum'" in capsys.readouterr().err
    assert stub.count() == 0


# --- the strict server itself: what PDOK refuses -------------------------------------------


def get(url: str) -> tuple[int, dict]:
    import requests

    response = requests.get(url, timeout=5)
    return response.status_code, response.json()


def test_server_refuses_what_gokoala_refuses() -> None:
    services = synthetic_dataset()
    with PdokStub(services, filters={"wb": {"buurten": {"gemeentecode"}}}) as server:
        items = f"{server.url('wb')}/collections"
        status, body = get(f"{items}/wijken/items?gemeentecode=GM9001")
        assert status == 400 and "unknown query parameter(s) found: gemeentecode" in body["detail"]
        assert get(f"{items}/buurten/items?gemeentecode=GM9001")[0] == 200
        assert get(f"{items}/buurten/items?bbox=5,52,6,53&bbox-crs=EPSG:4326")[0] == 400
        crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        assert get(f"{items}/buurten/items?bbox=5,52,6,53&bbox-crs={crs84}")[0] == 200
        assert get(f"{items}/buurten/items?crs=EPSG:28992")[0] == 400
        rd = "http://www.opengis.net/def/crs/EPSG/0/28992"
        status, body = get(f"{items}/buurten/items?crs={rd}&limit=1")
        assert status == 200 and body["features"][0]["geometry"]["coordinates"][0][0][0] > 1000
        assert get(f"{items}/buurten/items?filter=gemeentecode='GM9001'")[0] == 400
        status, body = get(f"{items}/buurten/items?limit=5000")
        assert status == 200 and len(body["features"]) == 28  # clamped to 1000, not refused
        assert len(get(f"{items}/buurten/items")[1]["features"]) == 10  # default limit
        queryables = get(f"{items}/wijken/queryables")[1]["properties"]
        assert set(queryables) == {"geometry"}


def test_service_per_year_and_historisch() -> None:
    assert service_url(2024) == "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1"
    assert service_url(2025).endswith("wijken-en-buurten-2025/ogc/v1")
    assert service_url(2022) == service_url(2015) == DEFAULT_HISTORIC_URL


# --- every layout, by both routes -----------------------------------------------------------


def _filters(services: dict, route: str) -> dict:
    offered = {"gemeentecode", "jaar", "jaarcode"} if route == "filter" else set()
    return {
        prefix: {
            name: offered & (set(feats[0]["properties"]) if feats else set())
            for name, feats in collections.items()
        }
        for prefix, collections in services.items()
    }


@pytest.mark.parametrize("route", ["filter", "bbox"])
@pytest.mark.parametrize("jaar", [2015, 2022, 2024, 2025])
def test_every_layout_by_both_routes(jaar: int, route: str, tmp_path: Path) -> None:
    services, prefix = layout_services(jaar)
    with PdokStub(services, page_size=10, filters=_filters(services, route)) as server:
        out = download_gemeenten(
            ["GM9001"], jaar, tmp_path / "wb.gpkg", base_url=server.url(prefix),
            pc4_base_url=server.url("pc4"), cache_dir=tmp_path / "cache", **FAST,
        )
        asked = [r for r in server.requests if "/items" in r]
        assert server.refused == []  # nothing PDOK would answer with HTTP 400
    if route == "bbox":
        assert not any("gemeentecode=" in r for r in asked)
        assert any("bbox=" in r and "/buurten" in r for r in asked)
    else:
        assert all("gemeentecode=GM9001" in r for r in asked if "/buurten" in r)
    buurten = read_areas(out, level="buurt")
    assert len(buurten) == 25 and set(buurten["gemeentecode"]) == {"GM9001"}
    assert buurten.attrs["jaar"] == jaar
    assert len(read_areas(out, level="wijk")) == 2
    meta = read_metadata(out)
    assert meta["jaar"] == str(jaar)
    # postcode figures lag the kaart: for 2025 the newest year PDOK holds is 2024
    assert meta["pc4_jaar"] == str(min(jaar, 2024))
    assert sorted(read_areas(out, level="pc4")["code"]) == ["9001", "9002", "9003", "9004"]


# --- a hostile network ----------------------------------------------------------------------


def test_one_byte_at_a_time_meets_the_deadline(stub: PdokStub, tmp_path: Path) -> None:
    import time

    stub.faults.append(Fault("/buurten/items", drip=0.5))
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"na 2 seconden nog niet klaar \(bij buurten"):
        fetch(stub, tmp_path, timeout=1.0, deadline=2.0)
    assert time.monotonic() - start < 6  # each byte came within the socket time-out
    assert not (tmp_path / "out" / "wb.gpkg").exists()
    assert not list((tmp_path / "cache").glob("buurten-*.json"))


def test_endless_next_links_stop(stub: PdokStub, tmp_path: Path, monkeypatch) -> None:
    import citisens_core.geodata.pdok as pdok

    monkeypatch.setattr(pdok, "MAX_PAGES", 20)
    stub.faults.append(Fault("/buurten/items", endless=True))
    with pytest.raises(DownloadError, match="bleef nieuwe pagina's sturen voor buurten"):
        fetch(stub, tmp_path)
    assert stub.count("/buurten/items") == 20
    assert not list((tmp_path / "cache").glob("buurten-*.json"))


@pytest.mark.parametrize(
    "features",
    [[None, 1, "x"], [{"type": "Feature", "properties": {}, "geometry": {"type": "Point",
                                                                       "coordinates": [5, 52]}}]],
)
def test_a_page_of_junk_is_refused_and_never_cached(
    stub: PdokStub, tmp_path: Path, features: list
) -> None:
    stub.faults.append(Fault("/buurten/items", body={"type": "FeatureCollection",
                                                     "features": features}, times=1))
    with pytest.raises(DownloadError, match="onbruikbaar antwoord voor buurten van GM9001"):
        fetch(stub, tmp_path)
    assert not list((tmp_path / "cache").glob("buurten-*.json"))
    assert not (tmp_path / "out" / "wb.gpkg").exists()
    # the next run asks the server again and succeeds
    before = stub.count("/buurten/items")
    out = fetch(stub, tmp_path)
    assert stub.count("/buurten/items") > before
    assert len(layer(out, "buurten")) == 25


def test_a_refusal_names_pdoks_reason(tmp_path: Path) -> None:
    """A server that refuses the gemeente filter: the user sees why (and no file)."""
    with PdokStub(synthetic_dataset(), filters={"wb": {}}) as server:
        from citisens_core.geodata import pdok

        client = pdok._Client(2.0, 1, 0.01, None, pdok._Deadline(10))
        url = f"{server.url('wb')}/collections/buurten/items?gemeentecode=GM9001"
        with pytest.raises(DownloadError, match=r"HTTP 400\) voor buurten \(unknown query"):
            client.get_json(url, "buurten")


def test_a_year_only_the_wfs_holds(tmp_path: Path) -> None:
    """2018: not in the historisch OGC service, so from PDOK's WFS (camelCase, RD New)."""
    services, prefix = layout_services(2018)
    with PdokStub(services, page_size=10) as server:
        out = download_gemeenten(
            ["GM9001"], 2018, tmp_path / "wb.gpkg", base_url=server.url(prefix),
            wfs_url=server.url("wfs{jaar}") + "/wfs", pc4_base_url=server.url("pc4"),
            cache_dir=tmp_path / "cache", **FAST,
        )
        wfs_pages = [r for r in server.requests if "/wfs" in r and "%3Abuurten" in r]
        assert server.refused == []
    assert len(wfs_pages) == 4  # 25 buurten in pages of 10, then an empty page
    buurten = read_areas(out, level="buurt")
    assert len(buurten) == 25 and buurten.attrs["jaar"] == 2018
    assert buurten["inwoners"].notna().all()  # camelCase read as the CBS names
    assert read_metadata(out)["bron"].endswith("/wfs")


def test_a_connection_cut_mid_answer_is_retried_then_said_in_dutch(
    stub: PdokStub, tmp_path: Path
) -> None:
    stub.faults.append(Fault("/buurten/items", cut=True))

    with pytest.raises(DownloadError) as raised:
        fetch(stub, tmp_path, max_attempts=2)

    message = str(raised.value)
    assert "verbinding" in message and "buurten van GM9001" in message and "2 pogingen" in message
    assert not re.search(r"[A-Z][a-z]+(Error|Read)|Connection broken|bytes read", message)
    assert settled_count(stub, "/buurten/items") == 2
    assert not list((tmp_path / "cache").glob("buurten-*.json"))


def test_a_connection_cut_once_then_the_answer(stub: PdokStub, tmp_path: Path) -> None:
    stub.faults.append(Fault("/buurten/items", cut=True, times=1))

    out = fetch(stub, tmp_path, max_attempts=2)

    assert len(read_areas(out, level="buurt")) > 0
