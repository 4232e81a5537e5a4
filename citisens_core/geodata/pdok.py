"""Download CBS wijk- en buurtkaart boundaries and figures from PDOK.

PDOK publishes the CBS wijk- en buurtkaart as an OGC API Features service
(``https://api.pdok.nl/cbs/wijken-en-buurten-<jaar>/ogc/v1``) with the
collections ``gemeenten``, ``wijken`` and ``buurten``, and the statistics per
four-digit postcode at ``https://api.pdok.nl/cbs/postcode4/ogc/v1``. Both answer
in GeoJSON (CRS84) pages of at most 1,000 features, linked by ``rel="next"``.

:func:`download_gemeenten` fetches everything for one or more gemeenten and
writes ONE GeoPackage shaped like the file CBS ships itself: layers
``gemeenten``, ``wijken``, ``buurten`` (and ``pc4``) in EPSG:28992 with the
lower-case snake_case column names, plus a ``metadata`` table saying where and
when the data came from. The readers in :mod:`citisens_core.geodata` can then
treat a download exactly like a file from the CBS website.

Every complete answer of a query is cached on disk, so a second download of
the same gemeente needs no network. Transient failures (connection errors,
time-outs, HTTP 5xx and 429) are retried with exponential back-off; everything
else becomes a :class:`DownloadError` with a Dutch message for the user.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
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
from shapely.errors import GEOSException
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

#: OGC API Features of the CBS wijk- en buurtkaart; ``{jaar}`` is filled in.
DEFAULT_BASE_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{jaar}/ogc/v1"
#: OGC API Features of the CBS statistics per four-digit postcode (all years).
DEFAULT_PC4_BASE_URL = "https://api.pdok.nl/cbs/postcode4/ogc/v1"
#: PDOK's name for the PC4 collection; its features carry ``postcode`` and ``jaarcode``.
DEFAULT_PC4_COLLECTION = "postcode4"
#: Collections fetched per gemeente, in the order they are fetched.
COLLECTIONS: tuple[str, ...] = ("buurten", "wijken", "gemeenten")
#: PDOK's maximum page size.
PAGE_LIMIT = 1000
#: CRS of the output, as CBS ships the wijk- en buurtkaart.
OUTPUT_CRS = "EPSG:28992"
#: Environment variable that moves the cache root (default ``~/.cache/citisens``).
CACHE_ENV = "CITISENS_CACHE"
#: A PC4 area belongs to the download when at least this share of it lies in the gemeenten.
PC4_MIN_OVERLAP = 0.5

_USER_AGENT = "citisens-atlas/0.1 (+https://github.com/; CBS download via PDOK)"
_GEMEENTECODE = re.compile(r"^(?:GM)?(\d{1,4})$", re.IGNORECASE)
_MAX_PAGES = 10_000  # guards against a server whose next links never end

Progress = Callable[[str, int, int], None]


class DownloadError(RuntimeError):
    """A download from PDOK failed; the message is Dutch and meant for the user."""


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


# --- HTTP: one page, with retries ------------------------------------------------------


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _offline_message(url: str) -> str:
    return (
        f"Geen verbinding met PDOK ({_host(url)}). Controleer de internetverbinding "
        "of kies een eigen adres (--base-url)."
    )


@dataclass(frozen=True)
class _Query:
    """One filtered collection query; ``what`` names it in messages (``buurten van GM0344``)."""

    base_url: str
    collection: str
    params: tuple[tuple[str, str], ...]
    what: str

    @property
    def url(self) -> str:
        return f"{self.base_url}/collections/{self.collection}/items?{urlencode(self.params)}"

    @property
    def cache_key(self) -> str:
        text = "\n".join([self.base_url, self.collection, urlencode(sorted(self.params))])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


class _Client:
    """Fetches pages over one HTTP session, retrying what is worth retrying."""

    def __init__(
        self, timeout: float, max_attempts: int, backoff: float, progress: Progress | None
    ) -> None:
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.progress = progress
        self.session = requests.Session()
        self.session.headers.update(
            {"User-Agent": _USER_AGENT, "Accept": "application/geo+json, application/json"}
        )
        self._retrying = Retrying(
            stop=stop_after_attempt(max_attempts),
            wait=wait_exponential(multiplier=backoff, max=max(backoff, 1.0) * 30),
            retry=retry_if_exception_type(
                (
                    requests.ConnectionError,
                    requests.Timeout,
                    requests.exceptions.ChunkedEncodingError,  # connection dropped mid-answer
                    _RetryableStatus,
                )
            ),
            reraise=True,
        )

    def close(self) -> None:
        self.session.close()

    def _get_once(self, url: str) -> requests.Response:
        response = self.session.get(url, timeout=self.timeout)
        if response.status_code == 429 or response.status_code >= 500:
            raise _RetryableStatus(response.status_code)
        return response

    def get_page(self, url: str, what: str) -> dict[str, Any]:
        """GET one GeoJSON page; raise DownloadError with a Dutch message on failure."""
        try:
            response = self._retrying(self._get_once, url)
        except _RetryableStatus as exc:
            raise DownloadError(
                f"PDOK gaf een foutmelding (HTTP {exc.status}) voor {what}. "
                f"Ook na {self.max_attempts} pogingen; probeer het later opnieuw."
            ) from exc
        except requests.ReadTimeout as exc:
            raise DownloadError(
                f"PDOK ({_host(url)}) antwoordde niet binnen {self.timeout:g} seconden "
                f"voor {what} (na {self.max_attempts} pogingen). Probeer het later opnieuw."
            ) from exc
        except requests.ConnectionError as exc:
            raise DownloadError(_offline_message(url)) from exc
        except requests.RequestException as exc:
            raise DownloadError(f"Ophalen van {what} bij PDOK mislukt: {exc}") from exc
        if response.status_code >= 400:
            raise DownloadError(
                f"PDOK gaf een foutmelding (HTTP {response.status_code}) voor {what}. "
                f"Controleer het jaar en het adres: {url}"
            )
        return _parse_page(response, what)


def _parse_page(response: requests.Response, what: str) -> dict[str, Any]:
    try:
        page = response.json()
    except ValueError as exc:
        raise DownloadError(
            f"PDOK gaf een onleesbaar antwoord (geen geldige JSON) voor {what}."
        ) from exc
    if (
        not isinstance(page, dict)
        or page.get("type") != "FeatureCollection"
        or not isinstance(page.get("features"), list)
    ):
        raise DownloadError(
            f"PDOK gaf een onverwacht antwoord (geen GeoJSON FeatureCollection) voor {what}."
        )
    return page


def _next_link(page: dict[str, Any], current: str) -> str | None:
    for link in page.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return urljoin(current, str(link["href"]))
    return None


# --- collecting all pages of a query, with the disk cache --------------------------------


@dataclass(frozen=True)
class _Result:
    features: list[dict[str, Any]]
    fetched_at: str  # ISO 8601, UTC
    from_cache: bool


def _read_cache(path: Path) -> _Result | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _Result(list(data["features"]), str(data["fetched_at"]), True)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or damaged: fetch again


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _fetch_all(
    client: _Client, query: _Query, cache_dir: Path | None, refresh: bool, stage: str
) -> _Result:
    """All features of a query: from the cache, else page by page from the server."""
    cache_file = cache_dir / f"{query.collection}-{query.cache_key}.json" if cache_dir else None
    if cache_file is not None and not refresh:
        cached = _read_cache(cache_file)
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
        if url in seen or len(seen) >= _MAX_PAGES:
            raise DownloadError(f"PDOK bleef naar dezelfde pagina verwijzen voor {query.what}.")
        seen.add(url)
        page = client.get_page(url, query.what)
        features.extend(page["features"])
        matched = page.get("numberMatched")
        if client.progress:
            client.progress(stage, len(features), matched if isinstance(matched, int) else 0)
        url = _next_link(page, url)

    result = _Result(features, fetched_at, False)
    if cache_file is not None and features:  # an empty answer may be transient: not cached
        payload = {"url": query.url, "fetched_at": fetched_at, "features": features}
        _write_atomically(cache_file, json.dumps(payload, ensure_ascii=False))
    return result


# --- features → frames --------------------------------------------------------------


def _normalised_features(features: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for feature in features:
        props = {snake_case(k): v for k, v in (feature.get("properties") or {}).items()}
        out.append({"type": "Feature", "geometry": feature.get("geometry"), "properties": props})
    return out


def _frame(features: list[dict[str, Any]], key: str | None) -> gpd.GeoDataFrame:
    """GeoDataFrame in CRS84 from GeoJSON features; duplicates of ``key`` dropped."""
    frame = gpd.GeoDataFrame.from_features(features, crs="OGC:CRS84")
    if key is not None and key in frame.columns:
        frame = frame.drop_duplicates(subset=[key]).reset_index(drop=True)
    return frame


def _code_column(collection: str) -> str:
    return {"buurten": "buurtcode", "wijken": "wijkcode", "gemeenten": "gemeentecode"}[collection]


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


# --- the download ---------------------------------------------------------------------


def _unique_codes(codes: Sequence[str] | str) -> list[str]:
    if isinstance(codes, str):
        codes = [codes]
    normalised = list(dict.fromkeys(normalise_gemeentecode(c) for c in codes))
    if not normalised:
        raise ValueError("Geef minstens één gemeentecode, bijvoorbeeld GM0344.")
    return normalised


def _fetch_levels(
    client: _Client,
    base: str,
    codes: list[str],
    jaar: int,
    cache_dir: Path | None,
    refresh: bool,
) -> tuple[dict[str, gpd.GeoDataFrame], list[str]]:
    """Buurten, wijken and gemeenten of all codes as CRS84 frames, plus fetch times."""
    frames: dict[str, gpd.GeoDataFrame] = {}
    times: list[str] = []
    for collection in COLLECTIONS:
        collected: list[dict[str, Any]] = []
        for code in codes:
            params = (("gemeentecode", code), ("f", "json"), ("limit", str(PAGE_LIMIT)))
            query = _Query(base, collection, params, f"{collection} van {code}")
            stage = f"{collection} ophalen voor {code}"
            result = _fetch_all(client, query, cache_dir, refresh, stage)
            features = [
                f
                for f in _normalised_features(result.features)
                # a server that ignores the filter must not smuggle in other gemeenten
                if f["properties"].get("gemeentecode", code) == code
            ]
            if not features:
                raise DownloadError(f"PDOK kent geen {collection} voor gemeente {code} in {jaar}.")
            collected.extend(features)
            times.append(result.fetched_at)
        frames[collection] = _frame(collected, _code_column(collection))
    return frames, times


def _fetch_pc4(
    client: _Client,
    base: str,
    collection: str,
    jaar: int,
    gemeenten: gpd.GeoDataFrame,
    cache_dir: Path | None,
    refresh: bool,
) -> tuple[gpd.GeoDataFrame, str]:
    """PC4 areas of the gemeenten (EPSG:28992); raises DownloadError when none come back."""
    minx, miny, maxx, maxy = (round(float(v), 6) for v in gemeenten.total_bounds)
    params = (
        ("bbox", f"{minx},{miny},{maxx},{maxy}"),
        ("jaarcode", str(jaar)),
        ("f", "json"),
        ("limit", str(PAGE_LIMIT)),
    )
    query = _Query(base, collection, params, f"postcodegebieden (pc4) {jaar}")
    result = _fetch_all(client, query, cache_dir, refresh, "postcodecijfers (pc4) ophalen")
    features = _normalised_features(result.features)
    if not features:
        raise DownloadError(f"PDOK heeft geen postcodecijfers (pc4) voor {jaar} in dit gebied.")
    frame = _frame(features, None)
    if "postcode" in frame.columns:
        frame["postcode"] = frame["postcode"].astype(str).str.zfill(4)
        frame = frame.drop_duplicates(subset=["postcode"]).reset_index(drop=True)
    frame = _pc4_in_gemeenten(frame.to_crs(OUTPUT_CRS), gemeenten.to_crs(OUTPUT_CRS))
    return frame, result.fetched_at


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


def _describe(
    layers: dict[str, gpd.GeoDataFrame],
    jaar: int,
    codes: list[str],
    base: str,
    fetched: str,
    pc4_source: str,
    pc4_jaar: int,
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
    pc4_collection: str = DEFAULT_PC4_COLLECTION,
    pc4_jaar: int | None = None,
    refresh: bool = False,
    max_attempts: int = 4,
    backoff: float = 1.0,
) -> Path:
    """Download the wijk- en buurtkaart of one or more gemeenten into one GeoPackage.

    Fetches ``buurten``, ``wijken`` and ``gemeenten`` per gemeente from PDOK's
    OGC API Features (following ``rel="next"`` links), plus the PC4 statistics
    of the postcodes lying mostly inside those gemeenten, and writes them as
    layers in EPSG:28992 with CBS's snake_case columns, with a ``metadata``
    table (``sleutel``, ``waarde``: jaar, bron, download time, attribution). The
    file appears at ``out`` only when complete.

    Parameters
    ----------
    codes : sequence of str
        Gemeente codes, ``"GM0344"`` or ``"0344"``.
    jaar : int
        Year of the wijk- en buurtkaart.
    out : pathlib.Path
        GeoPackage to write (replaced when it exists).
    base_url : str, optional
        OGC API landing page; default ``DEFAULT_BASE_URL`` for ``jaar``. A
        ``{jaar}`` in it is filled in.
    cache_dir : pathlib.Path, optional
        Where complete answers are cached; default :func:`default_cache_dir`.
    progress : callable, optional
        Called as ``progress(stage, done, total)`` after each page, with the
        features so far and PDOK's ``numberMatched`` (0 when unknown).
    timeout : float
        Seconds to wait for a connection and for each answer.
    pc4 : bool
        Also fetch the PC4 statistics (a failure there only warns).
    pc4_base_url : str, optional
        OGC API landing page of the PC4 statistics; default ``DEFAULT_PC4_BASE_URL``.
    pc4_collection : str
        Name of the PC4 collection.
    pc4_jaar : int, optional
        ``jaarcode`` of the PC4 figures; default ``jaar``.
    refresh : bool
        Ignore cached answers (they are still rewritten), e.g. after CBS
        published a newer version with more figures.
    max_attempts : int
        Attempts per page for connection errors, time-outs, HTTP 5xx and 429.
    backoff : float
        First wait between attempts in seconds; it doubles each time.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    DownloadError
        When PDOK cannot be reached, answers with an error or with invalid
        JSON, or knows no features for a gemeente (Dutch message).
    ValueError
        When a gemeente code is invalid.

    Warns
    -----
    DownloadWarning
        When the PC4 statistics could not be fetched; the rest is still written.
    """
    gemeentecodes = _unique_codes(codes)
    out = Path(out)
    base = (base_url or DEFAULT_BASE_URL).format(jaar=jaar).rstrip("/")
    pc4_base = (pc4_base_url or DEFAULT_PC4_BASE_URL).rstrip("/")
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    client = _Client(timeout, max_attempts, backoff, progress)
    try:
        frames, times = _fetch_levels(client, base, gemeentecodes, jaar, cache, refresh)
        pc4_frame, pc4_time = None, None
        if pc4:
            try:
                pc4_frame, pc4_time = _fetch_pc4(
                    client,
                    pc4_base,
                    pc4_collection,
                    pc4_jaar or jaar,
                    frames["gemeenten"],
                    cache,
                    refresh,
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
    pc4_source = f"{pc4_base}/collections/{pc4_collection}" if pc4_frame is not None else ""
    descriptions, meta = _describe(
        layers, jaar, gemeentecodes, base, min(times), pc4_source, pc4_jaar or jaar, pc4_time
    )
    _write_geopackage(out, layers, descriptions, meta)
    return out
