"""Download CBS wijk- en buurtkaart boundaries and figures from PDOK, as PDOK really answers.

PDOK publishes the CBS wijk- en buurtkaart as OGC API Features services on its
own server software (gokoala): one per year from 2023
(``https://api.pdok.nl/cbs/wijken-en-buurten-<jaar>/ogc/v1``) and a
"historisch" service for older years, plus the statistics per four-digit
postcode (``https://api.pdok.nl/cbs/postcode4/ogc/v1``, every year in one
collection). What the server does, and so what this client must do:

* it answers **HTTP 400** to any query parameter it does not know, and a
  property filter (``gemeentecode=…``) is known only where it is configured
  for that collection. The client reads ``/collections`` and each
  collection's ``/queryables`` first; it filters on a property only where the
  collection offers it, and otherwise asks for a bounding box (CRS84) and
  filters on its own side;
* ``limit`` is at most 1,000; pages are linked by an absolute ``rel="next"``
  link with a ``cursor``;
* ``crs`` and ``bbox-crs`` are full URIs (``http://www.opengis.net/def/crs/…``).

:func:`download_gemeenten` fetches everything for one or more gemeenten and
writes ONE GeoPackage shaped like the file CBS ships itself: layers
``gemeenten``, ``wijken``, ``buurten`` (and ``pc4``) in EPSG:28992 with the
lower-case snake_case column names, plus a ``metadata`` table saying where and
when the data came from and which postcode year was used.

The whole download has one deadline; paging is bounded; every page is
validated before anything is cached, and the GeoPackage appears only when
complete. Every complete answer of a query is cached on disk, so a second
download of the same gemeente needs no network. Transient failures
(connection errors, time-outs, HTTP 5xx and 429) are retried with exponential
back-off within the deadline; everything else becomes a :class:`DownloadError`
with a Dutch message for the user.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import geopandas as gpd
import pandas as pd
import pyogrio
import requests
import shapely
import urllib3
from shapely.errors import GEOSException
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_any,
    wait_exponential,
)

log = logging.getLogger(__name__)

#: OGC API Features of the CBS wijk- en buurtkaart; ``{jaar}`` is filled in.
DEFAULT_BASE_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{jaar}/ogc/v1"
#: The same for the years before the first per-year service.
DEFAULT_HISTORIC_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-historisch/ogc/v1"
#: The first year with its own OGC API service at PDOK.
FIRST_SERVICE_YEAR = 2023
#: PDOK's WFS of the wijk- en buurtkaart per year (camelCase properties): the way to a
#: year that the OGC API services do not hold.
DEFAULT_WFS_URL = "https://service.pdok.nl/cbs/wijkenbuurten/{jaar}/wfs/v1_0"
#: OGC API Features of the CBS statistics per four-digit postcode (all years).
DEFAULT_PC4_BASE_URL = "https://api.pdok.nl/cbs/postcode4/ogc/v1"
#: PDOK's name for the PC4 collection; its features carry ``postcode`` and ``jaarcode``.
DEFAULT_PC4_COLLECTION = "postcode4"
#: Collections fetched, in the order they are fetched (gemeenten first: their
#: outline is the bounding box where a collection offers no gemeente filter).
COLLECTIONS: tuple[str, ...] = ("gemeenten", "wijken", "buurten")
#: PDOK's maximum page size (gokoala clamps larger values).
PAGE_LIMIT = 1000
#: The query parameters every gokoala ``/items`` accepts; others only where configured.
KNOWN_PARAMETERS = frozenset({"f", "limit", "cursor", "crs", "datetime", "bbox", "bbox-crs",
                              "filter", "filter-crs", "filter-lang", "profile"})
#: OGC's URI for lon/lat WGS84, the default CRS of OGC API Features.
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: Seconds the whole download may take, all requests and retries together.
DEFAULT_DEADLINE = 300.0
#: Pages per query at most (a national buurten layer is 15 pages of 1,000).
MAX_PAGES = 100
#: Bytes per page at most (a page of 1,000 detailed buurten is some tens of MB).
MAX_PAGE_BYTES = 200 * 2**20
#: Postcode years tried below the kaart year when looking for the newest one.
PC4_YEARS_BACK = 4
#: CRS of the output, as CBS ships the wijk- en buurtkaart.
OUTPUT_CRS = "EPSG:28992"
#: Environment variable that moves the cache root (default ``~/.cache/citisens``).
CACHE_ENV = "CITISENS_CACHE"
#: A PC4 area belongs to the download when at least this share of it lies in the gemeenten.
PC4_MIN_OVERLAP = 0.5

_USER_AGENT = "citisens-atlas/0.1 (+https://github.com/; CBS download via PDOK)"
_GEMEENTECODE = re.compile(r"^(?:GM)?(\d{1,4})$", re.IGNORECASE)

Progress = Callable[[str, int, int], None]


class DownloadError(RuntimeError):
    """A download from PDOK failed; the message is Dutch and meant for the user."""


class _NoCollection(DownloadError):
    """The OGC API service has no collection for this level and year (try the WFS)."""


class DownloadWarning(UserWarning):
    """Part of a download failed without making the rest useless (e.g. the PC4 figures)."""


class _RetryableStatus(Exception):
    """HTTP status worth another attempt (5xx, 429)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


# --- small public helpers -------------------------------------------------------------


def normalise_gemeentecode(code: str) -> str:
    """Return a gemeente code in CBS form, ``GM`` plus four digits.

    Parameters
    ----------
    code : str
        ``"GM0344"``, ``"gm0344"``, ``"0344"`` or ``"344"``.

    Returns
    -------
    str
        For example ``"GM0344"``.

    Raises
    ------
    ValueError
        When the code is not a gemeente code (Dutch message).
    """
    match = _GEMEENTECODE.match(str(code).strip())
    if match is None:
        raise ValueError(
            f"Ongeldige gemeentecode {code!r}: verwacht GM gevolgd door vier cijfers, "
            "bijvoorbeeld GM0344."
        )
    return f"GM{int(match.group(1)):04d}"


def snake_case(name: str) -> str:
    """Turn a PDOK/CBS property name into CBS's lower-case snake_case.

    Names that are already snake_case come back unchanged; camelCase names, as
    some PDOK services return them, are split at capitals and before numbers,
    except the unit ``km2``: ``percentagePersonen0Tot15Jaar`` becomes
    ``percentage_personen_0_tot_15_jaar`` and ``stedelijkheidAdressenPerKm2``
    becomes ``stedelijkheid_adressen_per_km2``, as in the CBS files.

    Parameters
    ----------
    name : str
        A property name.

    Returns
    -------
    str
        The snake_case name.
    """
    if not any(ch.isupper() for ch in name):
        return name
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    name = re.sub(r"(?<=[A-Za-z])(?<!km)(?<!Km)(?=\d)", "_", name)
    return name.lower()


def default_cache_dir() -> Path:
    """Directory for cached PDOK answers.

    Returns
    -------
    pathlib.Path
        ``$CITISENS_CACHE/pdok`` when that variable is set, else
        ``~/.cache/citisens/pdok``.
    """
    root = os.environ.get(CACHE_ENV)
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "citisens"
    return base / "pdok"


def default_filename(codes: Sequence[str], jaar: int) -> str:
    """File name of a download: ``wijkenbuurten_<jaar>_<codes>.gpkg``.

    Parameters
    ----------
    codes : sequence of str
        Gemeente codes in any accepted form.
    jaar : int
        Year of the wijk- en buurtkaart.

    Returns
    -------
    str
        For example ``wijkenbuurten_2024_GM0344_GM0345.gpkg``.
    """
    return f"wijkenbuurten_{jaar}_{'_'.join(_unique_codes(codes))}.gpkg"


# --- HTTP: one answer, with retries, within the deadline --------------------------------


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _offline_message(url: str) -> str:
    return (
        f"Geen verbinding met PDOK ({_host(url)}). Controleer de internetverbinding "
        "of kies een eigen adres (--base-url)."
    )


class _Deadline:
    """The one time limit of a whole download."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def check(self, what: str) -> None:
        if self.remaining() <= 0:
            raise DownloadError(
                f"PDOK was na {self.seconds:g} seconden nog niet klaar (bij {what}); de "
                "download is afgebroken. Probeer het later opnieuw of kies minder gemeenten."
            )


class _Client:
    """Fetches JSON over one HTTP session, retrying what is worth retrying."""

    def __init__(
        self,
        timeout: float,
        max_attempts: int,
        backoff: float,
        progress: Progress | None,
        deadline: _Deadline,
    ) -> None:
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.progress = progress
        self.deadline = deadline
        self.session = requests.Session()
        self.session.headers.update(
            {"User-Agent": _USER_AGENT, "Accept": "application/geo+json, application/json"}
        )
        self._retrying = Retrying(
            stop=stop_any(
                stop_after_attempt(max_attempts), lambda _: self.deadline.remaining() <= 0
            ),
            wait=wait_exponential(multiplier=backoff, max=max(backoff, 1.0) * 30),
            retry=retry_if_exception_type(
                (
                    requests.ConnectionError,
                    requests.Timeout,
                    requests.exceptions.ChunkedEncodingError,  # connection dropped mid-answer
                    _RetryableStatus,
                )
            ),
            sleep=lambda s: time.sleep(max(0.0, min(s, self.deadline.remaining()))),
            reraise=True,
        )

    def close(self) -> None:
        self.session.close()

    def _get_once(self, url: str, what: str) -> tuple[int, bytes]:
        """Status and body; the body is read in pieces so the deadline holds even for a
        server that sends one byte at a time (a socket time-out would never fire)."""
        self.deadline.check(what)
        wait = max(0.05, min(self.timeout, self.deadline.remaining()))
        with self.session.get(url, timeout=wait, stream=True) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise _RetryableStatus(response.status_code)
            body = bytearray()
            try:
                while chunk := response.raw.read1(65536):
                    body += chunk
                    self.deadline.check(what)
                    if len(body) > MAX_PAGE_BYTES:
                        raise DownloadError(
                            f"PDOK stuurde voor {what} een antwoord groter dan "
                            f"{MAX_PAGE_BYTES // 2**20} MB; de download is afgebroken."
                        )
            # reading the raw stream bypasses requests' wrapping of urllib3's errors:
            # wrap them here, so they are retried and end in a Dutch sentence
            except urllib3.exceptions.ReadTimeoutError as exc:
                raise requests.ReadTimeout(str(exc)) from exc
            except urllib3.exceptions.HTTPError as exc:  # connection dropped mid-answer
                raise requests.exceptions.ChunkedEncodingError(str(exc)) from exc
            return response.status_code, bytes(body)

    def get_json(self, url: str, what: str, *, missing_ok: bool = False) -> Any:
        """GET one JSON answer; None for 404 when `missing_ok`; DownloadError otherwise."""
        try:
            status, body = self._retrying(self._get_once, url, what)
        except _RetryableStatus as exc:
            self.deadline.check(what)
            raise DownloadError(
                f"PDOK gaf een foutmelding (HTTP {exc.status}) voor {what}. "
                f"Ook na {self.max_attempts} pogingen; probeer het later opnieuw."
            ) from exc
        except requests.Timeout as exc:
            self.deadline.check(what)
            raise DownloadError(
                f"PDOK ({_host(url)}) antwoordde niet binnen {self.timeout:g} seconden "
                f"voor {what} (na {self.max_attempts} pogingen). Probeer het later opnieuw."
            ) from exc
        except requests.exceptions.ChunkedEncodingError as exc:
            self.deadline.check(what)
            raise DownloadError(
                f"De verbinding met PDOK ({_host(url)}) werd verbroken tijdens het ophalen van "
                f"{what}, ook na {self.max_attempts} pogingen. Probeer het later opnieuw."
            ) from exc
        except requests.ConnectionError as exc:
            raise DownloadError(_offline_message(url)) from exc
        except requests.RequestException as exc:  # the library's English stays in the log
            log.warning("PDOK request for %s failed: %r", what, exc)
            raise DownloadError(
                f"Ophalen van {what} bij PDOK ({_host(url)}) mislukte; probeer het later opnieuw."
            ) from exc
        if status in (404, 400) and missing_ok:
            return None
        if status >= 400:
            raise DownloadError(
                f"PDOK gaf een foutmelding (HTTP {status}) voor {what}{_problem(body)}. "
                f"Controleer het jaar en het adres: {url}"
            )
        try:
            return json.loads(body)
        except ValueError as exc:
            raise DownloadError(
                f"PDOK gaf een onleesbaar antwoord (geen geldige JSON) voor {what}."
            ) from exc


def _problem(body: bytes) -> str:
    """PDOK's own reason from a problem+json answer, shown as text after a colon."""
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        return ""
    return f" ({str(detail)[:200]})" if detail else ""


# --- pages: validated before anything is kept --------------------------------------------

_POLYGONAL = ("Polygon", "MultiPolygon")


def _validate_page(page: Any, what: str) -> list[dict[str, Any]]:
    """The features of a GeoJSON page; DownloadError when anything in it is not an area."""
    if (
        not isinstance(page, dict)
        or page.get("type") != "FeatureCollection"
        or not isinstance(page.get("features"), list)
    ):
        raise DownloadError(
            f"PDOK gaf een onverwacht antwoord (geen GeoJSON FeatureCollection) voor {what}."
        )
    for number, feature in enumerate(page["features"], start=1):
        problem = _feature_problem(feature)
        if problem:
            raise DownloadError(
                f"PDOK gaf een onbruikbaar antwoord voor {what}: object {number} op de pagina "
                f"{problem}. Er is niets bewaard; probeer het later opnieuw."
            )
    return page["features"]


def _feature_problem(feature: Any) -> str | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return "is geen GeoJSON-object (Feature)"
    if not isinstance(feature.get("properties"), dict):
        return "heeft geen eigenschappen"
    geometry = feature.get("geometry")
    if geometry is None:
        return None  # an area without a boundary: the readers report it
    if not isinstance(geometry, dict) or geometry.get("type") not in _POLYGONAL:
        return "heeft geen vlak als grens"
    if not isinstance(geometry.get("coordinates"), list):
        return "heeft geen coördinaten"
    return None


def _next_link(page: dict[str, Any], current: str) -> str | None:
    for link in page.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return urljoin(current, str(link["href"]))
    return None


# --- the service: which collections, which filters ----------------------------------------


@dataclass(frozen=True)
class _Collection:
    """A collection of a service and the property filters it offers."""

    base_url: str
    id: str
    filters: frozenset[str]


def _collections(client: _Client, base: str) -> list[dict[str, Any]]:
    answer = client.get_json(f"{base}/collections?f=json", "de lijst van collecties")
    items = answer.get("collections") if isinstance(answer, dict) else None
    if not isinstance(items, list):
        raise DownloadError(f"PDOK gaf geen lijst van collecties op {base}/collections.")
    return [c for c in items if isinstance(c, dict) and isinstance(c.get("id"), str)]


def _queryables(client: _Client, base: str, collection: str) -> frozenset[str]:
    """The property filters a collection offers (none when it has no queryables page)."""
    answer = client.get_json(
        f"{base}/collections/{collection}/queryables?f=json",
        f"de zoekvelden van {collection}",
        missing_ok=True,
    )
    properties = answer.get("properties") if isinstance(answer, dict) else None
    if not isinstance(properties, dict):
        return frozenset()
    return frozenset(str(k) for k in properties if k != "geometry")


_STEMS = {"gemeenten": "gemeente", "wijken": "wijk", "buurten": "buurt", "postcode4": "postcode4"}
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _pick_collection(items: list[dict[str, Any]], name: str, jaar: int | None) -> str | None:
    """The id of the collection holding `name` (and `jaar`, where ids or titles name years)."""
    ids = [str(c["id"]) for c in items]
    if name in ids:
        return name
    stem = _STEMS.get(name, name)
    candidates = []
    for item in items:
        text = f"{item['id']} {item.get('title') or ''}".lower()
        if stem not in text:
            continue
        years = {int(y) for y in _YEAR_IN_NAME.findall(text)}
        if jaar is None or not years or jaar in years:
            candidates.append((bool(years), str(item["id"])))
    # a collection that names our year beats one without a year
    return max(candidates)[1] if candidates else None


class _Service:
    """One OGC API landing page, discovered once per download (and cached with it)."""

    def __init__(self, client: _Client, base: str, cache: _Cache) -> None:
        self.client, self.base, self.cache = client, base, cache
        self._items: list[dict[str, Any]] | None = None

    def collection(self, name: str, jaar: int | None) -> _Collection:
        key = f"{self.base}\n{name}\n{jaar}"
        cached = self.cache.read_json("dienst", key)
        if cached is not None:
            return _Collection(self.base, str(cached["id"]), frozenset(cached["filters"]))
        if self._items is None:
            self._items = _collections(self.client, self.base)
        found = _pick_collection(self._items, name, jaar)
        if found is None:
            known = ", ".join(str(c["id"]) for c in self._items[:12]) or "geen"
            raise _NoCollection(
                f"PDOK heeft geen collectie {name}"
                f"{f' voor {jaar}' if jaar else ''} op {self.base} (wel: {known})."
            )
        collection = _Collection(self.base, found, _queryables(self.client, self.base, found))
        self.cache.write_json(
            "dienst", key, {"id": collection.id, "filters": sorted(collection.filters)}
        )
        return collection


# --- collecting all pages of a query, with the disk cache --------------------------------


@dataclass(frozen=True)
class _Query:
    """One query on a collection; ``what`` names it in messages (``buurten van GM0344``)."""

    collection: _Collection
    params: tuple[tuple[str, str], ...]
    what: str

    @property
    def url(self) -> str:
        unknown = {k for k, _ in self.params} - KNOWN_PARAMETERS - self.collection.filters
        assert not unknown, f"PDOK refuses unknown parameters {unknown}"  # a bug, not input
        query = urlencode((*self.params, ("f", "json"), ("limit", str(PAGE_LIMIT))))
        return f"{self.collection.base_url}/collections/{self.collection.id}/items?{query}"

    @property
    def key(self) -> str:
        return self.url


@dataclass(frozen=True)
class _Result:
    features: list[dict[str, Any]]
    fetched_at: str  # ISO 8601, UTC
    from_cache: bool


class _Cache:
    """Complete, validated answers on disk, keyed by what was asked."""

    def __init__(self, folder: Path | None, refresh: bool) -> None:
        self.folder, self.refresh = folder, refresh

    def _path(self, kind: str, key: str) -> Path | None:
        if self.folder is None:
            return None
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
        return self.folder / f"{kind}-{digest}.json"

    def read_json(self, kind: str, key: str) -> Any:
        path = self._path(kind, key)
        if path is None or self.refresh:
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # absent or damaged: ask again

    def write_json(self, kind: str, key: str, value: Any) -> None:
        path = self._path(kind, key)
        if path is not None:
            _write_atomically(path, json.dumps(value, ensure_ascii=False))


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _cached(cache: _Cache, query: _Query) -> _Result | None:
    data = cache.read_json(query.collection.id, query.key)
    try:
        features = list(data["features"])
        _validate_page({"type": "FeatureCollection", "features": features}, query.what)
        return _Result(features, str(data["fetched_at"]), True)
    except (TypeError, KeyError, DownloadError):
        return None


def _fetch_all(client: _Client, query: _Query, cache: _Cache, stage: str) -> _Result:
    """All features of a query: from the cache, else page by page from the server."""
    cached = _cached(cache, query)
    if cached is not None:
        if client.progress:
            n = len(cached.features)
            client.progress(f"{stage} (uit cache)", n, n)
        return cached

    if client.progress:  # show the stage before the first answer (which may take retries)
        client.progress(stage, 0, 0)
    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    features: list[dict[str, Any]] = []
    url: str | None = query.url
    seen: set[str] = set()
    while url is not None:
        if url in seen:
            raise DownloadError(f"PDOK bleef naar dezelfde pagina verwijzen voor {query.what}.")
        if len(seen) >= MAX_PAGES:
            raise DownloadError(
                f"PDOK bleef nieuwe pagina's sturen voor {query.what} (meer dan {MAX_PAGES}); "
                "de download is afgebroken en er is niets bewaard."
            )
        seen.add(url)
        page = client.get_json(url, query.what)
        features.extend(_validate_page(page, query.what))
        matched = page.get("numberMatched")
        matched = matched if isinstance(matched, int) and matched >= 0 else 0
        if matched and len(features) > matched:
            raise DownloadError(
                f"PDOK stuurde voor {query.what} meer gebieden dan het zelf telde "
                f"({len(features)} van {matched}); de download is afgebroken."
            )
        if client.progress:
            client.progress(stage, len(features), matched)
        url = _next_link(page, url)

    if features:  # an empty answer may be transient: not cached
        payload = {"url": query.url, "fetched_at": fetched_at, "features": features}
        cache.write_json(query.collection.id, query.key, payload)
    return _Result(features, fetched_at, False)


# --- features → frames --------------------------------------------------------------


def _normalised_features(features: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for feature in features:
        props = {snake_case(k): v for k, v in (feature.get("properties") or {}).items()}
        out.append({"type": "Feature", "geometry": feature.get("geometry"), "properties": props})
    return out


def _frame(
    features: list[dict[str, Any]], key: str | None, crs: str = "OGC:CRS84"
) -> gpd.GeoDataFrame:
    """GeoDataFrame from GeoJSON features (CRS84 unless said); duplicates of ``key`` dropped."""
    frame = gpd.GeoDataFrame.from_features(features, crs=crs)
    if key is not None and key in frame.columns:
        frame = frame.drop_duplicates(subset=[key]).reset_index(drop=True)
    return frame


_CODE_COLUMN = {"buurten": "buurtcode", "wijken": "wijkcode", "gemeenten": "gemeentecode"}
_CODE_PREFIX = {"buurten": "BU", "wijken": "WK", "gemeenten": "GM"}


def _of_gemeente(props: dict[str, Any], collection: str, code: str) -> bool:
    """True when a feature belongs to gemeente `code` (its gemeentecode, else its own code)."""
    if props.get("gemeentecode") is not None:
        return str(props["gemeentecode"]).strip().upper() == code
    own = str(props.get(_CODE_COLUMN[collection]) or "").strip().upper()
    return own.startswith(_CODE_PREFIX[collection] + code[2:])


def _of_year(props: dict[str, Any], jaar: int) -> bool:
    """False only for a feature that says it is of another year (historic services)."""
    for key in ("jaar", "jaarcode"):
        value = props.get(key)
        if value is not None and str(value).strip()[:4].isdigit():
            return int(str(value).strip()[:4]) == jaar
    return True


def _bbox(frame: gpd.GeoDataFrame) -> str:
    minx, miny, maxx, maxy = (float(v) for v in frame.to_crs("OGC:CRS84").total_bounds)
    return f"{minx:.6f},{miny:.6f},{maxx:.6f},{maxy:.6f}"


def _pc4_in_gemeenten(pc4: gpd.GeoDataFrame, gemeenten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """PC4 areas lying mostly inside the gemeenten (both in EPSG:28992).

    The bbox query also returns postcodes of neighbouring gemeenten that merely
    touch the bbox; a postcode belongs to the download when at least
    ``PC4_MIN_OVERLAP`` of its area lies inside the gemeenten.
    """
    area = shapely.union_all(shapely.make_valid(gemeenten.geometry.to_numpy()))
    geoms = shapely.make_valid(pc4.geometry.to_numpy())
    own = shapely.area(geoms)
    inside = shapely.area(shapely.intersection(geoms, area))
    share = pd.Series(inside, index=pc4.index).div(pd.Series(own, index=pc4.index))
    keep = share.fillna(0.0) >= PC4_MIN_OVERLAP
    return pc4.loc[keep].reset_index(drop=True)


def _write_geopackage(
    out: Path,
    layers: dict[str, gpd.GeoDataFrame],
    descriptions: dict[str, str],
    meta: dict[str, object],
) -> None:
    """Write all layers and the metadata table to a temp file, then move it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    # same directory (so os.replace is atomic), hidden, and GDAL wants the .gpkg extension
    tmp = out.with_name(f".{out.stem}.{uuid.uuid4().hex[:8]}.partial.gpkg")
    try:
        for name, frame in layers.items():
            pyogrio.write_dataframe(
                frame,
                tmp,
                layer=name,
                driver="GPKG",
                layer_options={"DESCRIPTION": descriptions[name]},
            )
        table = pd.DataFrame({"sleutel": list(meta), "waarde": [str(v) for v in meta.values()]})
        pyogrio.write_dataframe(table, tmp, layer="metadata", driver="GPKG")
        os.replace(tmp, out)
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


# --- the download ---------------------------------------------------------------------


def _unique_codes(codes: Sequence[str] | str) -> list[str]:
    if isinstance(codes, str):
        codes = [codes]
    normalised = list(dict.fromkeys(normalise_gemeentecode(c) for c in codes))
    if not normalised:
        raise ValueError("Geef minstens één gemeentecode, bijvoorbeeld GM0344.")
    return normalised


def service_url(jaar: int) -> str:
    """PDOK's OGC API landing page of the wijk- en buurtkaart of `jaar`.

    Parameters
    ----------
    jaar : int

    Returns
    -------
    str
        The per-year service from 2023, else the historisch service.
    """
    return DEFAULT_BASE_URL.format(jaar=jaar) if jaar >= FIRST_SERVICE_YEAR else (
        DEFAULT_HISTORIC_URL
    )


def _year_params(collection: _Collection, jaar: int) -> tuple[tuple[str, str], ...]:
    """A year filter where a collection holding several years offers one."""
    for key in ("jaar", "jaarcode"):
        if key in collection.filters:
            return ((key, str(jaar)),)
    return ()


def _fetch_level(
    client: _Client,
    service: _Service,
    cache: _Cache,
    name: str,
    code: str,
    jaar: int,
    outline: gpd.GeoDataFrame | None,
) -> tuple[list[dict[str, Any]], str]:
    """The features of one collection for one gemeente: by filter where offered, else by
    the gemeente's bounding box, then filtered here."""
    collection = service.collection(name, jaar)
    params = _year_params(collection, jaar)
    if "gemeentecode" in collection.filters:
        params += (("gemeentecode", code),)
    elif outline is not None:
        params += (("bbox", _bbox(outline)), ("bbox-crs", CRS84))
    # else: the gemeenten themselves without a filter: every page, filtered here
    what = f"{name} van {code}"
    stage = f"{name} ophalen voor {code}"
    result = _fetch_all(client, _Query(collection, params, what), cache, stage)
    features = [
        f
        for f in _normalised_features(result.features)
        # the server may return more than asked (a bbox, an ignored filter): keep only ours
        if _of_gemeente(f["properties"], name, code) and _of_year(f["properties"], jaar)
    ]
    return features, result.fetched_at


def _fetch_levels(
    client: _Client, base: str, codes: list[str], jaar: int, cache: _Cache
) -> tuple[dict[str, gpd.GeoDataFrame], list[str]]:
    """Gemeenten, wijken and buurten of all codes as CRS84 frames, plus fetch times."""
    service = _Service(client, base, cache)
    collected: dict[str, list[dict[str, Any]]] = {name: [] for name in COLLECTIONS}
    times: list[str] = []
    for code in codes:
        outline = None
        for name in COLLECTIONS:
            features, fetched = _fetch_level(client, service, cache, name, code, jaar, outline)
            if not features:
                if name == "gemeenten":
                    raise DownloadError(f"PDOK kent gemeente {code} niet in {jaar}.")
                raise DownloadError(f"PDOK kent geen {name} voor gemeente {code} in {jaar}.")
            if name == "gemeenten":
                outline = _frame(features, None)
            collected[name].extend(features)
            times.append(fetched)
    frames = {name: _frame(feats, _CODE_COLUMN[name]) for name, feats in collected.items()}
    return frames, times


def _wfs_page_url(base: str, name: str, code: str, start: int) -> str:
    """A WFS 2.0 GetFeature page of one level of one gemeente, GeoJSON in RD New."""
    where = (
        '<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:PropertyIsEqualTo>'
        f"<fes:ValueReference>gemeentecode</fes:ValueReference><fes:Literal>{code}</fes:Literal>"
        "</fes:PropertyIsEqualTo></fes:Filter>"
    )
    params = {
        "service": "WFS",
        "version": "2.0.0",
        "request": "GetFeature",
        "typeNames": f"wijkenbuurten:{name}",
        "outputFormat": "application/json",
        "srsName": "EPSG:28992",  # RD New: no doubt about axis order, unlike EPSG:4326 in 2.0
        "count": str(PAGE_LIMIT),
        "startIndex": str(start),
        "filter": where,
    }
    return f"{base}?{urlencode(params)}"


def _fetch_wfs(client: _Client, base: str, name: str, code: str, cache: _Cache) -> _Result:
    """All features of one level of one gemeente from the WFS, paged by ``startIndex``."""
    what = f"{name} van {code} (WFS)"
    first = _wfs_page_url(base, name, code, 0)
    cached = cache.read_json(f"wfs-{name}", first)
    if isinstance(cached, dict) and isinstance(cached.get("features"), list):
        try:
            _validate_page({"type": "FeatureCollection", "features": cached["features"]}, what)
            return _Result(cached["features"], str(cached.get("fetched_at")), True)
        except DownloadError:
            pass  # damaged: ask again
    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    features: list[dict[str, Any]] = []
    for page_number in range(MAX_PAGES + 1):
        if page_number == MAX_PAGES:
            raise DownloadError(
                f"PDOK bleef nieuwe pagina's sturen voor {what} (meer dan {MAX_PAGES}); "
                "de download is afgebroken en er is niets bewaard."
            )
        page = _validate_page(
            client.get_json(_wfs_page_url(base, name, code, len(features)), what), what
        )
        if not page:  # the WFS says "no more" with an empty page
            break
        features.extend(page)
        if client.progress:
            client.progress(f"{name} ophalen voor {code} (WFS)", len(features), 0)
    if features:
        cache.write_json(f"wfs-{name}", first, {"url": first, "fetched_at": fetched_at,
                                                "features": features})
    return _Result(features, fetched_at, False)


def _fetch_levels_wfs(
    client: _Client, base: str, codes: list[str], jaar: int, cache: _Cache
) -> tuple[dict[str, gpd.GeoDataFrame], list[str]]:
    """Gemeenten, wijken and buurten of all codes from the WFS (RD New), plus fetch times."""
    collected: dict[str, list[dict[str, Any]]] = {name: [] for name in COLLECTIONS}
    times: list[str] = []
    for code in codes:
        for name in COLLECTIONS:
            result = _fetch_wfs(client, base, name, code, cache)
            features = [
                f
                for f in _normalised_features(result.features)
                if _of_gemeente(f["properties"], name, code) and _of_year(f["properties"], jaar)
            ]
            if not features:
                raise DownloadError(f"PDOK kent geen {name} voor gemeente {code} in {jaar}.")
            collected[name].extend(features)
            times.append(result.fetched_at)
    frames = {
        name: _frame(feats, _CODE_COLUMN[name], crs=OUTPUT_CRS) for name, feats in collected.items()
    }
    return frames, times


def _fetch_pc4(
    client: _Client,
    service: _Service,
    cache: _Cache,
    jaar: int,
    wanted: int | None,
    gemeenten: gpd.GeoDataFrame,
) -> tuple[gpd.GeoDataFrame, str, int]:
    """PC4 areas of the gemeenten (EPSG:28992), the fetch time and the postcode year used.

    Without `wanted`, the newest year the collection holds up to the kaart year:
    postcode figures lag the kaart by about a year.
    """
    collection = service.collection(DEFAULT_PC4_COLLECTION, None)
    area = (("bbox", _bbox(gemeenten)), ("bbox-crs", CRS84))
    stage = "postcodecijfers (pc4) ophalen"
    if "jaarcode" in collection.filters:
        years = [wanted] if wanted else list(range(jaar, jaar - PC4_YEARS_BACK - 1, -1))
        for year in years:
            query = _Query(collection, (*area, ("jaarcode", str(year))), f"postcodes {year}")
            result = _fetch_all(client, query, cache, stage)
            if result.features:
                return _pc4_frame(result.features, gemeenten), result.fetched_at, year
        raise DownloadError(
            f"PDOK heeft geen postcodecijfers (pc4) voor {' of '.join(map(str, years))} "
            "in dit gebied."
        )
    result = _fetch_all(client, _Query(collection, area, "postcodegebieden (pc4)"), cache, stage)
    features = _normalised_features(result.features)
    held = sorted({int(f["properties"]["jaarcode"]) for f in features
                   if str(f["properties"].get("jaarcode", "")).isdigit()})
    year = wanted or max([y for y in held if y <= jaar] or held or [jaar])
    chosen = [f for f in features if str(f["properties"].get("jaarcode")) == str(year)]
    if not chosen:
        raise DownloadError(f"PDOK heeft geen postcodecijfers (pc4) voor {year} in dit gebied.")
    return _pc4_frame(chosen, gemeenten), result.fetched_at, year


def _pc4_frame(features: list[dict[str, Any]], gemeenten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = _frame(_normalised_features(features), None)
    if "postcode" in frame.columns:
        frame["postcode"] = frame["postcode"].astype(str).str.zfill(4)
        frame = frame.drop_duplicates(subset=["postcode"]).reset_index(drop=True)
    return _pc4_in_gemeenten(frame.to_crs(OUTPUT_CRS), gemeenten.to_crs(OUTPUT_CRS))


def _describe(
    layers: dict[str, gpd.GeoDataFrame],
    jaar: int,
    codes: list[str],
    base: str,
    fetched: str,
    pc4_source: str,
    pc4_jaar: int | None,
    pc4_time: str | None,
) -> tuple[dict[str, str], dict[str, object]]:
    """Layer descriptions and the rows of the ``metadata`` table."""
    descriptions = {
        name: f"CBS wijk- en buurtkaart {jaar}, laag {name}, via PDOK {base} (opgehaald {fetched})"
        for name in ("gemeenten", "wijken", "buurten")
    }
    descriptions["pc4"] = (
        f"CBS statistieken per postcode (pc4) {pc4_jaar}, via PDOK {pc4_source} "
        f"(opgehaald {pc4_time})"
    )
    meta: dict[str, object] = {
        "jaar": jaar,
        "gemeenten": ",".join(codes),
        "bron": base,
        "bron_pc4": pc4_source,
        "gedownload_op": fetched,
        "bestand_gemaakt_op": datetime.now(UTC).isoformat(timespec="seconds"),
        "crs": OUTPUT_CRS,
        **{f"aantal_{name}": len(frame) for name, frame in layers.items()},
        "licentie": "CC BY 4.0",
        "bronvermelding": f"© Kadaster / Centraal Bureau voor de Statistiek, {jaar}",
    }
    if pc4_source:
        meta["pc4_jaar"] = pc4_jaar
        meta["bronvermelding_pc4"] = "© Centraal Bureau voor de Statistiek, © ESRI Nederland"
    return descriptions, meta


def read_metadata(path: Path) -> dict[str, str]:
    """The ``metadata`` table of a download (year, sources, the postcode year used).

    Parameters
    ----------
    path : pathlib.Path
        A GeoPackage written by :func:`download_gemeenten`.

    Returns
    -------
    dict of str to str
        Empty when the file has no such table.
    """
    try:
        table = pyogrio.read_dataframe(path, layer="metadata", read_geometry=False)
    except Exception:  # not a download of ours
        return {}
    return dict(zip(table["sleutel"].astype(str), table["waarde"].astype(str), strict=True))


def download_gemeenten(
    codes: Sequence[str],
    jaar: int,
    out: Path,
    base_url: str | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    timeout: float = 30,
    *,
    pc4: bool = True,
    pc4_base_url: str | None = None,
    pc4_jaar: int | None = None,
    refresh: bool = False,
    max_attempts: int = 4,
    backoff: float = 1.0,
    deadline: float = DEFAULT_DEADLINE,
    wfs_url: str | None = None,
) -> Path:
    """Download the wijk- en buurtkaart of one or more gemeenten into one GeoPackage.

    Discovers the service (``/collections``, ``/queryables``), then fetches
    ``gemeenten``, ``wijken`` and ``buurten`` per gemeente (by the
    ``gemeentecode`` filter where the collection offers it, else by the
    gemeente's bounding box and filtering here), plus the PC4 statistics of
    the postcodes lying mostly inside those gemeenten, and writes them as
    layers in EPSG:28992 with CBS's snake_case columns and a ``metadata``
    table (``sleutel``, ``waarde``: jaar, bron, download time, attribution,
    ``pc4_jaar``). The file appears at ``out`` only when complete.

    Parameters
    ----------
    codes : sequence of str
        Gemeente codes, ``"GM0344"`` or ``"0344"``.
    jaar : int
        Year of the wijk- en buurtkaart.
    out : pathlib.Path
        GeoPackage to write (replaced when it exists).
    base_url : str, optional
        OGC API landing page; default :func:`service_url` of `jaar` (the
        historisch service before 2023). A ``{jaar}`` in it is filled in.
    cache_dir : pathlib.Path, optional
        Where complete answers are cached; default :func:`default_cache_dir`.
    progress : callable, optional
        Called as ``progress(stage, done, total)`` after each page, with the
        features so far and PDOK's ``numberMatched`` (0 when unknown).
    timeout : float
        Seconds to wait for a connection and for each piece of an answer.
    pc4 : bool
        Also fetch the PC4 statistics (a failure there only warns).
    pc4_base_url : str, optional
        OGC API landing page of the PC4 statistics; default ``DEFAULT_PC4_BASE_URL``.
    pc4_jaar : int, optional
        Year of the PC4 figures; default the newest the collection holds up
        to `jaar` (the postcode figures lag the kaart by about a year).
    refresh : bool
        Ignore cached answers (they are still rewritten), e.g. after CBS
        published a newer version with more figures.
    max_attempts : int
        Attempts per request for connection errors, time-outs, HTTP 5xx and 429.
    backoff : float
        First wait between attempts in seconds; it doubles each time.
    deadline : float
        Seconds the whole download may take, retries included.
    wfs_url : str, optional
        PDOK's WFS for the year (``{jaar}`` filled in), asked when the OGC API
        service has no collection for the year; default ``DEFAULT_WFS_URL``
        when `base_url` is not given, else no WFS.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    DownloadError
        When PDOK cannot be reached, answers with an error, invalid JSON or
        pages that are not areas, sends pages without end, takes longer than
        the deadline, or knows no areas for a gemeente (Dutch message).
    ValueError
        When a gemeente code is invalid.

    Warns
    -----
    DownloadWarning
        When the PC4 statistics could not be fetched; the rest is still written.
    """
    gemeentecodes = _unique_codes(codes)
    out = Path(out)
    base = (base_url or service_url(jaar)).format(jaar=jaar).rstrip("/")
    pc4_base = (pc4_base_url or DEFAULT_PC4_BASE_URL).rstrip("/")
    cache = _Cache(cache_dir if cache_dir is not None else default_cache_dir(), refresh)
    client = _Client(timeout, max_attempts, backoff, progress, _Deadline(deadline))
    pc4_frame, pc4_time, pc4_year = None, None, None
    try:
        try:
            frames, times = _fetch_levels(client, base, gemeentecodes, jaar, cache)
        except _NoCollection:
            wfs = wfs_url or (DEFAULT_WFS_URL if base_url is None else None)
            if wfs is None:
                raise
            base = wfs.format(jaar=jaar).rstrip("/")
            frames, times = _fetch_levels_wfs(client, base, gemeentecodes, jaar, cache)
        if pc4:
            try:
                pc4_frame, pc4_time, pc4_year = _fetch_pc4(
                    client, _Service(client, pc4_base, cache), cache, jaar, pc4_jaar,
                    frames["gemeenten"],
                )
            except (DownloadError, ValueError, GEOSException) as exc:
                warnings.warn(
                    DownloadWarning(f"Postcodecijfers (pc4) niet opgehaald: {exc}"), stacklevel=2
                )
    finally:
        client.close()

    layers = {name: frames[name].to_crs(OUTPUT_CRS) for name in ("gemeenten", "wijken", "buurten")}
    if pc4_frame is not None:
        layers["pc4"] = pc4_frame
    # the year in the rows, as CBS's own files carry it (services before 2024 leave it out)
    for name, frame in layers.items():
        if "jaar" not in frame.columns:
            frame["jaar"] = pc4_year if name == "pc4" else jaar
    pc4_source = f"{pc4_base}/collections/{DEFAULT_PC4_COLLECTION}" if pc4_frame is not None else ""
    descriptions, meta = _describe(
        layers, jaar, gemeentecodes, base, min(times), pc4_source, pc4_year, pc4_time
    )
    _write_geopackage(out, layers, descriptions, meta)
    return out
