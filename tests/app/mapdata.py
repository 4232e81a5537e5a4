"""What the browser receives for a map (atlas_ui.maps.draw_map), read back from an AppTest."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa

ARROW_REF = "__streamlit_arrow_ref__"


def _decode(proto) -> dict:
    """The component's data as the browser gets it: JSON with Arrow tables as DataFrames."""
    if proto.WhichOneof("data") == "json":  # plain data (the map context): no Arrow
        return json.loads(proto.json)
    data = json.loads(proto.mixed.json)
    for name, value in data.items():
        if isinstance(value, dict) and ARROW_REF in value:
            blob = proto.mixed.arrow_blobs[value[ARROW_REF]].data
            data[name] = pa.ipc.open_stream(blob).read_all().to_pandas()
    return data


def map_elements(at) -> list[dict]:
    """Per map on the page: its data, with ``gebieden`` = one row per drawn area
    (fixed properties from the geometry, then the layer's colour and texts)."""
    decoded = [_decode(e.proto) for e in at.get("bidi_component")
               if e.proto.component_name == "citisens_kaart"]
    geometries = {d["id"]: d for d in decoded if d["rol"] == "geometrie"}
    maps = []
    for data in (d for d in decoded if d["rol"] == "kaart"):
        shapes = geometries[data["geometrie"]]
        data["gebieden"] = pd.concat([shapes["eigenschappen"], data["kleuren"]], axis=1)
        data["geometrie_data"] = shapes
        maps.append(data)
    assert maps, "no map on the page"
    return maps


def map_areas(at) -> pd.DataFrame:
    """The areas of the first map on the page."""
    return map_elements(at)[0]["gebieden"]
