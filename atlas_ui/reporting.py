"""The app's side of the council-ready outputs: report PDF and map images as downloads.

The pages reach :mod:`citisens_core.report` only through here. The files are
made when the user clicks a download (Streamlit calls the function then, on its
own thread) and kept in the area set's memo, so a second click is instant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from atlas_ui.data import scheme
from atlas_ui.maps import MODE_DOMINANT, Colouring
from atlas_ui.state import session_key
from citisens_core.atlas import AreaSet, model_fingerprint
from citisens_core.report.content import (
    AreaSection,
    ReachCheck,
    build_report,
    dominant_colours,
    doubtful_codes,
    reach_from_check,
)
from citisens_core.report.context import gemeente_borders, label_points
from citisens_core.report.source import report_data
from citisens_core.report.staticmap import MapSpec, render_map
from citisens_core.strategy import load_rules

log = logging.getLogger("atlas_ui")

PDF_MIME = "application/pdf"
#: Where the Consultatie page keeps its upload (atlas_ui.consultation.upload_section).
CONSULTATION_UPLOAD = session_key("consultatie_upload")
IMAGE_MIME = {"png": "image/png", "svg": "image/svg+xml"}


# --- map context shared with the report ------------------------------------------------


def _borders(dataset: AreaSet):
    """Gemeente borders of the area set (the same memo the report uses)."""
    return dataset.memo(("gemeentegrenzen",), lambda: gemeente_borders(
        dataset.levels[dataset.most_detailed], dataset.levels.get("gemeente")))


# --- downloads ---------------------------------------------------------------------------


def _safe(make: Callable[[], bytes], what: str) -> Callable[[], bytes]:
    """Run a file maker for a download; on failure hand over a short Dutch text
    instead of letting the download thread die without a word."""
    def run() -> bytes:
        try:
            return make()
        except Exception:  # the download must never take the app down
            log.exception("making %s failed", what)
            return (f"Het maken van {what} is mislukt. Probeer een andere keuze of laad de "
                    "pagina opnieuw.").encode()
    return run


def report_button(dataset: AreaSet, level: str, codes: Sequence[str], model: Any, *,
                  key: str, notes: dict[str, str] | None = None, thema: str = "algemeen",
                  fase: str = "ideeen_ophalen", trede: str = "raadplegen",
                  label: str = "Gebiedsrapport (PDF)") -> None:
    """A download button for the area report of `codes` (made when clicked)."""
    codes = tuple(str(c) for c in codes)
    notes = dict(notes or {})
    # read here: make() runs on Streamlit's download thread, outside the script run
    upload = st.session_state.get(CONSULTATION_UPLOAD)
    sch = scheme()

    def make() -> bytes:
        from citisens_core.report.pdf import report_pdf

        reach = reach_of(dataset, model, upload, sch)
        memo_key = ("rapport-pdf", level, codes, model_fingerprint(model), thema, fase, trede,
                    reach.summary if reach else None,
                    tuple(sorted(notes.items())))

        def compute() -> bytes:
            where = codes[0] if len(codes) == 1 else "selectie"
            report = build_report(report_data(dataset, level, model, sch), codes, sch,
                                  load_rules(), thema=thema, fase=fase, trede=trede,
                                  notes=notes, reach={where: reach} if reach else None)
            return report_pdf(report, sch)
        return dataset.memo(memo_key, compute)

    names = dataset.names(level)
    stem = _stem([names.get(c, c) for c in codes])
    st.download_button(label, _safe(make, "het rapport"), file_name=f"gebiedsrapport-{stem}.pdf",
                       mime=PDF_MIME, key=key, on_click="ignore", width="stretch",
                       disabled=not codes, icon=":material/picture_as_pdf:",
                       help="Kaart, samenstelling met intervallen, vier kenmerken, portretten, "
                            "uw eigen gebiedskennis, advies en bronnen. Eén gebied: "
                            "hoogstens 2 A4; meerdere: een voorblad en één A4 per gebied.")


def reach_of(dataset: AreaSet, model: Any, upload: Any, sch) -> ReachCheck | None:
    """The reach check of the consultation loaded on the Consultatie page (`upload`), if any."""
    if upload is None:
        return None

    def compute() -> ReachCheck | None:
        from atlas_ui.consultation import dataset_residents
        from citisens_core.consultation import reach_check
        from citisens_core.respondents import assign_profiles

        placed = assign_profiles(upload.responses, dataset_residents(dataset, model), model)
        if len(placed) == 0:
            return None
        return reach_from_check(reach_check(placed, scheme=sch), upload.responses.source)

    return dataset.memo(("rapport-bereik", upload.file_id, model_fingerprint(model)), compute)


def map_spec(dataset: AreaSet, level: str, gemeente: str, colouring: Colouring, mode: str,
             model: Any, title: str, highlight: Sequence[str] = ()) -> MapSpec:
    """The static map of one map view: the same colours and legend as on screen."""
    inside = dataset.in_gemeente(level, gemeente)
    table = dataset.levels[level][inside]
    colours = dict(zip(table["code"].astype(str), colouring.colours, strict=True))
    doubt = (doubtful_codes(dataset.estimates(level, model)[inside.to_numpy()])
             if mode == MODE_DOMINANT else frozenset())
    return MapSpec(
        areas=table, colours=colours, legend=[(e.colour, e.label) for e in colouring.legend],
        legend_title=colouring.title, title=title, credit=dataset.attribution,
        fictional=dataset.fictief, highlight=tuple(highlight), doubt=doubt,
        water=dataset.water, borders=_borders(dataset),
        labels=dataset.memo(("naampunten", level, gemeente), lambda: label_points(table)))


def dominant_map_spec(dataset: AreaSet, level: str, model: Any, title: str,
                      highlight: Sequence[str]) -> MapSpec:
    """The static map of a level coloured by the most common profile, zoomed to `highlight`."""
    est = dataset.estimates(level, model)
    colours, legend = dominant_colours(est, scheme())
    return MapSpec(
        areas=dataset.levels[level], colours=colours, legend=legend,
        legend_title="Meest voorkomend profiel", title=title, credit=dataset.attribution,
        fictional=dataset.fictief, highlight=tuple(highlight), doubt=doubtful_codes(est),
        water=dataset.water, borders=_borders(dataset),
        labels=dataset.memo(("naampunten", level, ""),
                            lambda: label_points(dataset.levels[level])))


def map_image_buttons(spec: MapSpec, stem: str, key: str, png: bytes | None = None) -> None:
    """Two download buttons: the map view as PNG and as SVG (made when clicked, unless
    the page already made the PNG)."""
    left, right = st.columns(2)
    for column, fmt in ((left, "png"), (right, "svg")):
        make = (png if fmt == "png" and png is not None else
                _safe(lambda fmt=fmt: render_map(spec, fmt, dpi=200), "het kaartbeeld"))
        column.download_button(f"Kaartbeeld ({fmt.upper()})", make,
                               file_name=f"{stem}.{fmt}", mime=IMAGE_MIME[fmt],
                               key=f"{key}_{fmt}", on_click="ignore", width="stretch",
                               icon=":material/image:",
                               help="De kaart met titel, legenda, schaalbalk, noordpijl en "
                                    "bronvermelding, voor een presentatie of notitie.")


def _stem(names: Sequence[str]) -> str:
    from atlas_ui.advice import file_stem

    if not names:
        return "gebied"
    text = names[0] if len(names) == 1 else f"{names[0]} en {len(names) - 1} andere"
    return file_stem(text, prefix="").strip("-") or "gebied"


def notes_by_area(codes: Sequence[str], text: str) -> dict[str, str]:
    """The notes field of a page belongs to its whole choice: one area, or the selection."""
    return {(codes[0] if len(codes) == 1 else "selectie"): text} if text.strip() else {}


def area_section(dataset: AreaSet, level: str, code: str, model: Any) -> AreaSection:
    """The report's section on one area, with its map (for presentation mode)."""
    sch = scheme()

    def compute() -> AreaSection:
        report = build_report(report_data(dataset, level, model, sch), [code], sch,
                              load_rules())
        return report.sections[0]
    return dataset.memo(("rapport-sectie", level, code, model_fingerprint(model)), compute)
