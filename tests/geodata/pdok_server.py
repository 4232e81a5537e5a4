"""A tiny stand-in for PDOK's OGC API Features, served on 127.0.0.1 for tests.

It answers ``GET <prefix>/collections/<name>/items`` like PDOK does: a GeoJSON
``FeatureCollection`` with ``numberMatched``, ``numberReturned``, ``timeStamp``
and ``links`` (``self`` and, while more remain, an absolute ``next`` link with
an opaque ``cursor``). Every query parameter other than ``f``, ``limit``,
``cursor``, ``bbox`` and ``crs`` filters on a property of that name.

Faults are scripted per request so tests can check retries: answer with an
HTTP status, sleep longer than the client waits, or send broken JSON.

Data sets: :func:`synthetic_dataset` (always available) and
:func:`real_dataset`, built from the real CBS 2015 samples in
``/work/shared/real-cbs`` renamed to the 2024 PDOK property names.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from shapely.geometry import box, mapping, shape

Feature = dict[str, Any]

#: 2015 shapefile-style names → 2024 PDOK OGC API names.
RENAME_2015_TO_2024: dict[str, str] = {
    "BU_CODE": "buurtcode",
    "BU_NAAM": "buurtnaam",
    "WK_CODE": "wijkcode",
    "WK_NAAM": "wijknaam",
    "GM_CODE": "gemeentecode",
    "GM_NAAM": "gemeentenaam",
    "OAD": "omgevingsadressendichtheid",
    "STED": "stedelijkheid_adressen_per_km2",
    "AANT_INW": "aantal_inwoners",
    "AANT_MAN": "mannen",
    "AANT_VROUW": "vrouwen",
    "P_00_14_JR": "percentage_personen_0_tot_15_jaar",
    "P_15_24_JR": "percentage_personen_15_tot_25_jaar",
    "P_25_44_JR": "percentage_personen_25_tot_45_jaar",
    "P_45_64_JR": "percentage_personen_45_tot_65_jaar",
    "P_65_EO_JR": "percentage_personen_65_jaar_en_ouder",
    "P_ONGEHUWD": "percentage_ongehuwd",
    "P_GEHUWD": "percentage_gehuwd",
    "P_GESCHEID": "percentage_gescheid",
    "P_VERWEDUW": "percentage_verweduwd",
    "BEV_DICHTH": "bevolkingsdichtheid_inwoners_per_km2",
    "AANTAL_HH": "aantal_huishoudens",
    "P_EENP_HH": "percentage_eenpersoonshuishoudens",
    "P_HH_Z_K": "percentage_huishoudens_zonder_kinderen",
    "P_HH_M_K": "percentage_huishoudens_met_kinderen",
    "GEM_HH_GR": "gemiddelde_huishoudsgrootte",
    "OPP_TOT": "oppervlakte_totaal_in_ha",
    "OPP_LAND": "oppervlakte_land_in_ha",
    "OPP_WATER": "oppervlakte_water_in_ha",
}

_RESERVED = {"f", "limit", "cursor", "bbox", "crs"}


def to_camel_case(name: str) -> str:
    """``percentage_personen_0_tot_15_jaar`` → ``percentagePersonen0Tot15Jaar``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass
class Fault:
    """A scripted misbehaviour for requests whose path contains ``match``."""

    match: str
    status: int | None = None  # answer with this HTTP status
    delay: float = 0.0  # sleep this long before answering
    garbage: bool = False  # send a body that is not JSON
    times: int | None = None  # how many matching requests it affects (None: all)


@dataclass
class PdokStub:
    """Serves ``services`` (prefix → collection → features) on 127.0.0.1.

    Use as a context manager; ``url(prefix)`` gives the landing page URL and
    ``requests`` lists every request path received (faulty ones included).
    """

    services: dict[str, dict[str, list[Feature]]]
    page_size: int = 10
    camel_case: bool = False
    faults: list[Fault] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> PdokStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.handle_error = lambda request, address: None  # client gave up: fine
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def url(self, prefix: str) -> str:
        """Landing page URL of a service, e.g. ``http://127.0.0.1:PORT/wb``."""
        return f"http://127.0.0.1:{self.port}/{prefix}"

    def count(self, match: str = "") -> int:
        """Number of requests received whose path contains ``match``."""
        with self._lock:
            return sum(match in r for r in self.requests)

    # -- answering -------------------------------------------------------------------
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            self.requests.append(path)
            for fault in self.faults:
                if fault.match in path and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        fault = self._take_fault(handler.path)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.garbage:
                return _send(handler, 200, b"<html>Service Unavailable</html>")
            if fault.status is not None:
                return _send(handler, fault.status, b'{"code": "error"}')
        parts = urlsplit(handler.path)
        segments = parts.path.strip("/").split("/")
        if len(segments) != 4 or segments[1:4:2] != ["collections", "items"]:
            return _send(handler, 404, b'{"code": "Not Found"}')
        prefix, _, name, _ = segments
        features = self.services.get(prefix, {}).get(name)
        if features is None:
            return _send(handler, 404, b'{"code": "Not Found"}')
        query = dict(parse_qsl(parts.query))
        body = self._page(prefix, name, features, query)
        _send(handler, 200, json.dumps(body).encode("utf-8"))

    def _page(
        self, prefix: str, name: str, features: list[Feature], query: dict[str, str]
    ) -> dict[str, Any]:
        matched = [f for f in features if _matches(f, query)]
        start = int(query.get("cursor", "0"))
        limit = min(int(query.get("limit", "10")), self.page_size)
        page = matched[start : start + limit]
        if self.camel_case:
            page = [
                {**f, "properties": {to_camel_case(k): v for k, v in f["properties"].items()}}
                for f in page
            ]
        items = f"{self.url(prefix)}/collections/{name}/items"
        links = [
            {"rel": "self", "type": "application/geo+json", "href": f"{items}?{urlencode(query)}"}
        ]
        if start + limit < len(matched):
            nxt = urlencode({**query, "cursor": str(start + limit)})
            links.append({"rel": "next", "type": "application/geo+json", "href": f"{items}?{nxt}"})
        return {
            "type": "FeatureCollection",
            "timeStamp": "2024-11-01T12:00:00Z",
            "numberMatched": len(matched),
            "numberReturned": len(page),
            "links": links,
            "features": page,
        }


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/geo+json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _matches(feature: Feature, query: dict[str, str]) -> bool:
    props = feature["properties"]
    for key, value in query.items():
        if key not in _RESERVED and str(props.get(key)) != value:
            return False
    if "bbox" in query:
        minx, miny, maxx, maxy = (float(v) for v in query["bbox"].split(","))
        if not shape(feature["geometry"]).intersects(box(minx, miny, maxx, maxy)):
            return False
    return True


def closed_port() -> int:
    """A loopback port nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- data sets ------------------------------------------------------------------------


def _feature(fid: str, geometry: Any, properties: dict[str, Any]) -> Feature:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": properties}


def synthetic_dataset(jaar: int = 2024) -> dict[str, dict[str, list[Feature]]]:
    """Two small gemeenten on a grid near Hilversum, with PC4 areas.

    ``GM9001`` (Proefstad) is 0.1° × 0.05° split into 2 wijken of 5 × 5 = 25
    buurten in all; ``GM9002`` (Buurdorp) lies east of it with 1 wijk of 3
    buurten. PC4: ``9001``-``9004`` are the quadrants of Proefstad, ``9005``
    overlaps Proefstad's bbox by a sliver but lies in Buurdorp, ``9099`` is far
    away; every PC4 area exists for ``jaar`` and for the year before.
    """
    x0, y0, dx, dy = 5.10, 52.20, 0.02, 0.01
    buurten, wijken = [], []
    for i in range(5):
        for j in range(5):
            wijk = "WK900100" if i < 2 else "WK900101"
            code = f"BU9001{wijk[-2:]}{i * 5 + j:02d}"
            cell = box(x0 + i * dx, y0 + j * dy, x0 + (i + 1) * dx, y0 + (j + 1) * dy)
            props = {
                "buurtcode": code,
                "buurtnaam": f"Buurt {i}-{j}",
                "wijkcode": wijk,
                "gemeentecode": "GM9001",
                "gemeentenaam": "Proefstad",
                "water": "NEE",
                "aantal_inwoners": 100 + 10 * (i * 5 + j),
                "percentage_personen_0_tot_15_jaar": 15,
                "percentage_personen_65_jaar_en_ouder": None if j == 4 else 20,
                "stedelijkheid_adressen_per_km2": 1 + i,
            }
            buurten.append(_feature(f"b{code}", mapping(cell), props))
    for wk, (a, b) in {"WK900100": (0, 2), "WK900101": (2, 5)}.items():
        geom = box(x0 + a * dx, y0, x0 + b * dx, y0 + 5 * dy)
        props = {
            "wijkcode": wk,
            "wijknaam": f"Wijk {wk[-2:]}",
            "gemeentecode": "GM9001",
            "gemeentenaam": "Proefstad",
            "water": "NEE",
            "aantal_inwoners": 1000,
        }
        wijken.append(_feature(f"w{wk}", mapping(geom), props))
    gm1 = box(x0, y0, x0 + 5 * dx, y0 + 5 * dy)
    gm2 = box(x0 + 5 * dx, y0, x0 + 6 * dx, y0 + 3 * dy)
    for k in range(3):
        code = f"BU90020{k:03d}"
        geom = box(x0 + 5 * dx, y0 + k * dy, x0 + 6 * dx, y0 + (k + 1) * dy)
        props = {
            "buurtcode": code,
            "buurtnaam": f"Dorp {k}",
            "wijkcode": "WK900200",
            "gemeentecode": "GM9002",
            "gemeentenaam": "Buurdorp",
            "water": "NEE",
            "aantal_inwoners": 50,
        }
        buurten.append(_feature(f"b{code}", mapping(geom), props))
    wijken.append(
        _feature(
            "wWK900200",
            mapping(gm2),
            {
                "wijkcode": "WK900200",
                "wijknaam": "Dorp",
                "gemeentecode": "GM9002",
                "gemeentenaam": "Buurdorp",
                "water": "NEE",
                "aantal_inwoners": 150,
            },
        )
    )
    gemeenten = [
        _feature(
            "gGM9001",
            mapping(gm1),
            {
                "gemeentecode": "GM9001",
                "gemeentenaam": "Proefstad",
                "water": "NEE",
                "aantal_inwoners": 4000,
            },
        ),
        _feature(
            "gGM9002",
            mapping(gm2),
            {
                "gemeentecode": "GM9002",
                "gemeentenaam": "Buurdorp",
                "water": "NEE",
                "aantal_inwoners": 150,
            },
        ),
    ]
    mx, my = x0 + 2.5 * dx, y0 + 2.5 * dy
    areas = {
        "9001": box(x0, y0, mx, my),
        "9002": box(mx, y0, x0 + 5 * dx, my),
        "9003": box(x0, my, mx, y0 + 5 * dy),
        "9004": box(mx, my, x0 + 5 * dx, y0 + 5 * dy),
        "9005": box(x0 + 5 * dx - 0.001, y0, x0 + 6 * dx, y0 + 3 * dy),
        "9099": box(6.0, 53.0, 6.1, 53.1),
    }
    pc4 = [
        _feature(
            f"p{pc}-{year}",
            mapping(geom),
            {"postcode": pc, "jaarcode": year, "aantal_inwoners": 1000 + year - jaar},
        )
        for year in (jaar - 1, jaar)
        for pc, geom in areas.items()
    ]
    return {
        "wb": {"buurten": buurten, "wijken": wijken, "gemeenten": gemeenten},
        "pc4": {"postcode4": pc4},
    }


def _renamed(feature: Feature, jaar: int, code_key: str) -> Feature:
    props = {
        RENAME_2015_TO_2024[k]: (None if isinstance(v, int | float) and v <= -99990 else v)
        for k, v in feature["properties"].items()
        if k in RENAME_2015_TO_2024
    }
    props["water"] = "NEE"
    props["jaarstatcode"] = f"{jaar}{props[code_key]}"
    return _feature(props[code_key], feature["geometry"], props)


def real_dataset(shared: Path, jaar: int = 2024) -> dict[str, dict[str, list[Feature]]]:
    """The Gooi en Vechtstreek 2015 samples as a 2024 PDOK service.

    All 166 buurten, 38 wijken and 9 gemeenten of the region are served (so the
    ``gemeentecode`` filter matters); the PC4 collection uses the wijk shapes
    as stand-in postcode areas, numbered ``1000 + index`` in the wijk file.
    """

    def load(name: str) -> list[Feature]:
        return json.loads((shared / name).read_text(encoding="utf-8"))["features"]

    buurten = [
        _renamed(f, jaar, "buurtcode") for f in load("buurt-2015/gooi_en_vechtstreek.geojson")
    ]
    wijken = [_renamed(f, jaar, "wijkcode") for f in load("wijk-2015-gooi-en-vechtstreek.geojson")]
    gemeenten = [
        _renamed(f, jaar, "gemeentecode") for f in load("gemeente-2015-gooi-en-vechtstreek.geojson")
    ]
    pc4 = [
        _feature(
            f"pc{1000 + i}",
            w["geometry"],
            {
                "postcode": str(1000 + i),
                "jaarcode": jaar,
                "aantal_inwoners": w["properties"].get("aantal_inwoners"),
                "gemeente_van_test": w["properties"]["gemeentecode"],
            },
        )
        for i, w in enumerate(wijken)
    ]
    return {
        "wb": {"buurten": buurten, "wijken": wijken, "gemeenten": gemeenten},
        "pc4": {"postcode4": pc4},
    }
