"""A stand-in for PDOK's OGC API Features, served on 127.0.0.1 for tests, as strict as PDOK.

PDOK runs its own server software, gokoala; this stand-in does what its
source does (``internal/ogc/features/url.go``), so a client that works here
is not refused there:

* ``/{prefix}``, ``/collections``, ``/collections/{c}`` and
  ``/collections/{c}/queryables`` (the property filters configured for that
  collection) answer JSON;
* ``/items`` answers HTTP 400 with a problem+json ``detail`` to any query
  parameter it does not know (``f``, ``limit``, ``cursor``, ``crs``,
  ``datetime``, ``bbox``, ``bbox-crs``, ``filter*``, ``profile`` plus the
  configured property filters), to a CRS that is not a full URI, to a
  malformed bbox and to CQL (not enabled);
* ``limit`` defaults to 10 and is clamped to 1,000 (``page_size`` can lower
  the server's own maximum to test paging); pages link by an absolute
  ``rel="next"`` with a ``cursor``; there is no ``numberMatched``.

Faults are scripted per request so tests can check what a hostile network
does: an HTTP status, a delay, broken JSON, a body of our choosing, an
answer dripping one byte at a time, or next links without end.

Data sets: :func:`synthetic_dataset` (always available), :func:`layout_services`
(the 2015, 2022, 2024 and 2025 layouts, in per-year and historisch services)
and :func:`real_dataset`, built from the real CBS 2015 samples in
``/work/shared/real-cbs`` renamed to the 2024 PDOK property names.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
import shapely
from pyproj import Transformer
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

#: What gokoala's ``/items`` accepts besides the property filters configured per collection.
KNOWN_PARAMETERS = {"f", "limit", "cursor", "crs", "datetime", "bbox", "bbox-crs", "filter",
                    "filter-crs", "filter-lang", "profile"}
#: gokoala's page size limit: a larger ``limit`` is clamped, not refused.
MAX_LIMIT = 1000
CRS_URI_PREFIX = "http://www.opengis.net/def/crs/"
#: Property filters offered by default, where the collection's features carry them.
DEFAULT_FILTERS = {"gemeentecode", "jaarcode"}


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
    drip: float = 0.0  # send the answer one byte per `drip` seconds
    endless: bool = False  # a fresh next link on every page, for ever
    cut: bool = False  # promise the whole answer, send half of it, close the connection
    body: Any = None  # answer with this JSON instead


class BadRequest(Exception):
    """What gokoala answers with HTTP 400 (problem+json ``detail``)."""


@dataclass
class PdokStub:
    """Serves ``services`` (prefix → collection → features) on 127.0.0.1, strict like gokoala.

    ``filters`` (prefix → collection → property names) are the property filters
    configured per collection; by default ``gemeentecode`` and ``jaarcode``
    where the features carry them. Use as a context manager; ``url(prefix)``
    gives the landing page URL and ``requests`` lists every request path
    received (faulty ones included); ``refused`` the 400 answers' reasons.
    """

    services: dict[str, dict[str, list[Feature]]]
    page_size: int = MAX_LIMIT
    camel_case: bool = False
    faults: list[Fault] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    filters: dict[str, dict[str, set[str]]] | None = None
    refused: list[str] = field(default_factory=list)

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

    def filters_of(self, prefix: str, name: str) -> set[str]:
        """The property filters configured for one collection."""
        if self.filters is not None:
            return set(self.filters.get(prefix, {}).get(name, set()))
        features = self.services[prefix][name]
        keys = set(features[0]["properties"]) if features else set()
        return DEFAULT_FILTERS & keys

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
            if fault.body is not None:
                return _send(handler, 200, json.dumps(fault.body).encode("utf-8"))
        try:
            status, body = self._answer(handler.path, fault)
        except BadRequest as exc:
            with self._lock:
                self.refused.append(str(exc))
            status, body = 400, {"title": "Bad Request", "status": 400, "detail": str(exc)}
        data = json.dumps(body).encode("utf-8")
        if fault is not None and fault.drip:
            return _drip(handler, data, fault.drip)
        if fault is not None and fault.cut:
            return _cut(handler, data)
        _send(handler, status, data)

    def _answer(self, path: str, fault: Fault | None) -> tuple[int, Any]:
        parts = urlsplit(path)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = dict(pairs)
        if query.get("f", "json") not in ("json", "jsonfg"):
            raise BadRequest(f"format {query['f']} is not supported here")
        segments = parts.path.strip("/").split("/")
        prefix, rest = segments[0], segments[1:]
        collections = self.services.get(prefix)
        if collections is None:
            return 404, {"title": "Not Found", "status": 404}
        base = self.url(prefix)
        if rest == ["wfs"]:
            return 200, self._wfs(collections, query)
        if not rest:
            return 200, {"title": prefix, "links": [
                {"rel": "data", "href": f"{base}/collections?f=json"}]}
        if rest == ["collections"]:
            return 200, {"collections": [
                {"id": name, "title": name.capitalize(),
                 "links": [{"rel": "items", "href": f"{base}/collections/{name}/items?f=json"}]}
                for name in collections]}
        name = rest[1] if len(rest) >= 2 and rest[0] == "collections" else None
        if name not in collections:
            return 404, {"title": "Not Found", "status": 404}
        if rest[2:] == []:
            return 200, {"id": name, "title": name.capitalize()}
        if rest[2:] == ["queryables"]:
            props = {"geometry": {"x-ogc-role": "primary-geometry"}}
            for key in sorted(self.filters_of(prefix, name)):
                props[key] = {"description": "Filter features by this property", "type": "string"}
            return 200, {"$id": f"{base}/collections/{name}/queryables", "type": "object",
                         "properties": props, "additionalProperties": False}
        if rest[2:] != ["items"]:
            return 404, {"title": "Not Found", "status": 404}
        if len(pairs) != len(query):
            raise BadRequest("query parameters may not repeat")
        return 200, self._page(prefix, name, collections[name], query, fault)

    def _wfs(self, collections: dict[str, list[Feature]], query: dict[str, str]) -> Any:
        name = query.get("typeNames", "").removeprefix("wijkenbuurten:")
        if name not in collections:
            raise BadRequest(f"WFS: unknown typeNames {query.get('typeNames')}")
        return _wfs_page(collections[name], query)

    def _page(self, prefix: str, name: str, features: list[Feature], query: dict[str, str],
              fault: Fault | None) -> dict[str, Any]:
        filters = self.filters_of(prefix, name)
        unknown = sorted(set(query) - KNOWN_PARAMETERS - filters)
        if unknown:
            raise BadRequest(f"unknown query parameter(s) found: {', '.join(unknown)}")
        for key in ("filter", "filter-lang", "filter-crs"):
            if key in query:
                raise BadRequest("CQL support is not enabled for this API")
        if "datetime" in query:
            raise BadRequest("datetime param is currently not supported for this collection")
        limit = _limit(query)
        out_crs = _crs(query, "crs")
        bbox = _bbox(query)
        matched = [
            f for f in features
            if all(str(f["properties"].get(k)) == query[k] for k in filters if k in query)
            and (bbox is None or shape(f["geometry"]).intersects(bbox))
        ]
        cursor = query.get("cursor", "0")
        if not cursor.isdigit():
            raise BadRequest("cursor is not valid")
        start, size = int(cursor), min(limit, self.page_size)
        page = matched[start: start + size]
        if fault is not None and fault.endless:
            page = matched[:size]
        page = [_reproject(f, out_crs) for f in page]
        if self.camel_case:
            page = [
                {**f, "properties": {to_camel_case(k): v for k, v in f["properties"].items()}}
                for f in page
            ]
        items = f"{self.url(prefix)}/collections/{name}/items"
        links = [{"rel": "self", "type": "application/geo+json",
                  "href": f"{items}?{urlencode(query)}"}]
        if start + size < len(matched) or (fault is not None and fault.endless):
            nxt = urlencode({**query, "cursor": str(start + size)})
            links.append({"rel": "next", "type": "application/geo+json", "href": f"{items}?{nxt}"})
        return {
            "type": "FeatureCollection",
            "timeStamp": "2024-11-01T12:00:00Z",
            "numberReturned": len(page),
            "links": links,
            "features": page,
        }


WFS_PARAMETERS = {"service", "version", "request", "typeNames", "outputFormat", "srsName",
                  "count", "startIndex", "filter"}
_LITERAL = re.compile(r"<(?:fes:)?ValueReference>(\w+)</(?:fes:)?ValueReference>\s*"
                      r"<(?:fes:)?Literal>([^<]*)</(?:fes:)?Literal>")


def _wfs_page(features: list[Feature], query: dict[str, str]) -> dict[str, Any]:
    """A WFS 2.0 GetFeature answer as GeoJSON, camelCase properties, as PDOK's MapServer."""
    unknown = sorted(set(query) - WFS_PARAMETERS)
    if unknown or query.get("service") != "WFS" or query.get("request") != "GetFeature":
        raise BadRequest(f"WFS: unsupported parameters {unknown or query.get('request')}")
    if query.get("outputFormat") not in ("application/json", "json"):
        raise BadRequest("WFS: only outputFormat=application/json here")
    wanted = dict(_LITERAL.findall(query.get("filter", "")))
    matched = [f for f in features
               if all(str(f["properties"].get(k)) == v for k, v in wanted.items())]
    start, count = int(query.get("startIndex", "0")), min(int(query.get("count", "10")), 10)
    rd = query.get("srsName", "").endswith("28992")
    page = [_reproject(f, "28992") if rd else f for f in matched[start: start + count]]
    page = [{**f, "properties": {to_camel_case(k): v for k, v in f["properties"].items()}}
            for f in page]
    return {"type": "FeatureCollection", "numberReturned": len(page), "features": page}


def _limit(query: dict[str, str]) -> int:
    text = query.get("limit", "10")
    try:
        limit = int(text)
    except ValueError:
        raise BadRequest("limit must be numeric") from None
    if limit < 0:
        raise BadRequest("limit can't be negative")
    return min(limit, MAX_LIMIT)


def _crs(query: dict[str, str], key: str) -> str | None:
    """"CRS84", "4326" or "28992" from a CRS URI; 400 on the short form or another CRS."""
    value = query.get(key)
    if value is None:
        return None
    if not value.strip().startswith(CRS_URI_PREFIX):
        raise BadRequest(f"{key} param should start with {CRS_URI_PREFIX}, got: {value}")
    code = value.rstrip("/").rsplit("/", 1)[-1]
    if code not in ("CRS84", "4326", "28992"):
        raise BadRequest(f"unsupported CRS: {value}")
    return code


def _bbox(query: dict[str, str]) -> Any:
    crs = _crs(query, "bbox-crs")
    if "bbox" not in query:
        return None
    values = query["bbox"].split(",")
    if len(values) != 4:
        raise BadRequest("bbox should contain exactly 4 values separated by commas")
    try:
        minx, miny, maxx, maxy = (float(v) for v in values)
    except ValueError:
        raise BadRequest(f"failed to parse value in bbox {query['bbox']}") from None
    area = box(minx, miny, maxx, maxy)
    if area.area <= 0:
        raise BadRequest("bbox has no surface area")
    if crs == "28992":
        area = _transformed(area, 28992, 4326)
    return area


def _transformed(geometry: Any, source: int, target: int) -> Any:
    transformer = Transformer.from_crs(source, target, always_xy=True)
    return shapely.transform(
        geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def _reproject(feature: Feature, crs: str | None) -> Feature:
    if crs != "28992" or feature.get("geometry") is None:
        return feature
    geometry = mapping(_transformed(shape(feature["geometry"]), 4326, 28992))
    return {**feature, "geometry": geometry}


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/geo+json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _drip(handler: BaseHTTPRequestHandler, body: bytes, every: float) -> None:
    """One byte at a time: each read arrives well within a socket time-out."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/geo+json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    for i in range(len(body)):
        try:
            handler.wfile.write(body[i: i + 1])
            handler.wfile.flush()
        except OSError:  # the client gave up
            return
        time.sleep(every)


def _cut(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    """The full length announced, half the body sent, then the connection closed."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/geo+json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body[: len(body) // 2])
    handler.wfile.flush()
    handler.close_connection = True
    handler.connection.shutdown(socket.SHUT_RDWR)


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


# --- the layouts of 2015, 2022, 2024 and 2025 ------------------------------------------------


def _with(features: list[Feature], **extra: Any) -> list[Feature]:
    return [{**f, "properties": {**f["properties"], **extra}} for f in features]


def layout_services(jaar: int) -> tuple[dict[str, dict[str, list[Feature]]], str]:
    """The synthetic gemeenten as PDOK serves year `jaar`, and the service prefix to ask.

    * 2024 and 2025: their own service ``wb{jaar}``; 2024 carries the renamed
      household column, 2025 camelCase duplicates beside the snake_case names.
      The postcode collection holds figures up to the year before 2025 only
      (postcode figures lag the kaart).
    * 2022: the historisch service ``hist`` with collections that hold every
      year, told apart by a ``jaar`` property (2021 is there too).
    * 2015: the historisch service ``histy`` with a collection per year
      (``buurten_2015``).
    """
    data = synthetic_dataset(jaar)
    levels = data["wb"]
    pc4 = data["pc4"]
    if jaar == 2024:
        levels["buurten"] = _with(levels["buurten"], aantal_particuliere_huishoudens=40,
                                  jaar=jaar)
        return {f"wb{jaar}": levels, "pc4": pc4}, f"wb{jaar}"
    if jaar == 2025:
        levels = {n: [{**f, "properties": {**f["properties"], "aantalInwoners":
                                           f["properties"].get("aantal_inwoners")}}
                      for f in feats] for n, feats in levels.items()}
        pc4 = {"postcode4": [f for f in pc4["postcode4"] if f["properties"]["jaarcode"] < jaar]}
        return {f"wb{jaar}": levels, "pc4": pc4}, f"wb{jaar}"
    if jaar == 2022:
        older = synthetic_dataset(2021)["wb"]
        both = {n: _with(levels[n], jaar=2022) + _with(
            [{**f, "id": f"{f['id']}-2021"} for f in older[n]], jaar=2021) for n in levels}
        return {"hist": both, "pc4": pc4}, "hist"
    if jaar == 2018:  # a year only the WFS holds (its layers: gemeenten, wijken, buurten)
        return {"histy": {f"{n}_2015": [] for n in levels}, "wfs2018": levels, "pc4": pc4}, (
            "histy")
    per_year = {f"{n}_{jaar}": feats for n, feats in levels.items()}
    per_year.update({f"{n}_{jaar + 1}": [] for n in levels})
    return {"histy": per_year, "pc4": pc4}, "histy"
