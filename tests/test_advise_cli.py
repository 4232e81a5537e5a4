"""The ``advise`` command: JSON and Markdown advice for areas of an area file.

Most tests run the command against a stand-in reader and estimator behind the area
pipeline (so they pin the command's own behaviour); the last ones run the real chain on the
demo gemeente and on a real CBS file, and skip with a reason where those are absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from citisens_core import atlas
from citisens_core.cli import main
from citisens_core.scheme import load_scheme

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "geodata" / "demo-gemeente.gpkg"
REAL = REPO.parent / "shared" / "real-cbs" / "buurt-2015" / "gooi_en_vechtstreek.geojson"

SCHEME = load_scheme()


def _mix(dominant: str, share: float) -> dict[str, float]:
    rest = [k for k in SCHEME.keys if k != dominant]
    return {dominant: share} | {k: (1 - share) / len(rest) for k in rest}


AREAS = pd.DataFrame([
    {"code": "BU00010001", "naam": "Oude Haven", "niveau": "buurt", "gemeentecode": "GM0001",
     "wijkcode": "WK000100", "huishoudens": 800.0, **_mix("honkvaste_buurtbewoners", 0.6)},
    {"code": "BU00010002", "naam": "Villapark", "niveau": "buurt", "gemeentecode": "GM0001",
     "wijkcode": "WK000100", "huishoudens": 200.0, **_mix("gevestigde_beinvloeders", 0.6)},
    {"code": "WK000100", "naam": "Centrum", "niveau": "wijk", "gemeentecode": "GM0001",
     "wijkcode": "", "huishoudens": 1000.0, **_mix("stadse_nomaden", 0.2)},
])


@pytest.fixture
def fake_chain(monkeypatch, tmp_path) -> Path:
    """An area file whose estimates are known mixes: a stand-in reader and estimator
    behind the real area pipeline (citisens_core.atlas), so the command's own
    behaviour is pinned."""
    path = tmp_path / "gebieden.csv"
    AREAS.to_csv(path, index=False)

    def from_file(cls, p, *, levels=None, **_):
        table = pd.read_csv(p, dtype={"wijkcode": str})
        tables = {lv: gpd.GeoDataFrame(rows.reset_index(drop=True),
                                       geometry=[None] * len(rows), crs="EPSG:4326")
                  for lv, rows in table.groupby("niveau")}
        return cls(levels=tables, bron=Path(p).name, key="stand-in")

    def estimate_areas(areas, model=None, parents=None):
        out = areas[["code", "naam", "niveau", "huishoudens", *SCHEME.keys]].copy()
        for key in SCHEME.keys:
            out[f"{key}_laag"], out[f"{key}_hoog"] = out[key] * 0.8, out[key] * 1.2
        out["betrouwbaarheid"], out["volledigheid"], out["bronnen"] = "redelijk", 1.0, ""
        out["heeft_schatting"] = True
        return out

    monkeypatch.setattr(atlas.AreaSet, "from_file", classmethod(from_file))
    monkeypatch.setattr(atlas, "estimate_areas", estimate_areas)
    return path


def _json(capsys, argv: list[str]) -> dict:
    assert main(["advise", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_ranked_channels_and_instruments_with_reasons(fake_chain, capsys):
    out = _json(capsys, [str(fake_chain), "--code", "BU00010001"])
    assert out["gebied"] == "Oude Haven"
    assert out["codes"] == ["BU00010001"]
    assert len(out["kanalen"]) == len(SCHEME.kanalen)
    assert len(out["instrumenten"]) == len(SCHEME.instrumenten)
    for rec in out["kanalen"] + out["instrumenten"]:
        assert {"naam", "score", "bereik_per_profiel", "reden"} <= set(rec)
        assert set(rec["bereik_per_profiel"]) == set(SCHEME.keys)
        assert "naar schatting" in rec["reden"]
    scores = [r["score"] for r in out["kanalen"]]
    assert scores == sorted(scores, reverse=True)
    assert out["kanalen"][0]["naam"] == "Op straat, aan de deur of pop-up"
    assert "In Oude Haven woont naar schatting 60 % Honkvaste Buurtbewoners" in \
        out["kanalen"][0]["reden"]
    assert set(out["gemist_per_profiel"]) == set(SCHEME.keys)
    assert all(0 <= v <= 1 for v in out["gemist_per_profiel"].values())
    assert out["betrouwbaarheid"] == "redelijk"


def test_different_buurten_get_different_advice(fake_chain, capsys):
    haven = _json(capsys, [str(fake_chain), "--code", "BU00010001"])
    villa = _json(capsys, [str(fake_chain), "--code", "BU00010002"])
    order = {name: [r["naam"] for r in out["kanalen"]] for name, out in
             (("haven", haven), ("villa", villa))}
    meeting, street = "Informatiebijeenkomst", "Op straat, aan de deur of pop-up"
    assert order["haven"].index(street) < order["haven"].index(meeting)
    assert order["villa"].index(meeting) < order["villa"].index(street)


def test_a_selection_is_household_weighted(fake_chain, capsys):
    out = _json(capsys, [str(fake_chain), "--code", "BU00010001", "--code", "BU00010002",
                         "--thema", "vuurwerk", "--fase", "plan_toetsen", "--trede", "adviseren"])
    assert out["gebied"] == "Oude Haven en Villapark"
    assert out["huishoudens"] == 1000
    expected = 0.8 * 0.6 + 0.2 * 0.4 / 7
    assert out["mix"]["honkvaste_buurtbewoners"] == pytest.approx(expected, abs=1e-4)
    assert out["thema"] == "vuurwerk" and out["fase_naam"] == "plan toetsen"
    assert any("69 %" in n for n in out["thema_notities"])


def test_markdown_to_file(fake_chain, tmp_path, capsys):
    target = tmp_path / "advies" / "oude-haven.md"
    assert main(["advise", str(fake_chain), "--code", "BU00010001", "--format", "md",
                 "--thema", "ondermijning", "--out", str(target)]) == 0
    assert "geschreven naar" in capsys.readouterr().out
    text = target.read_text("utf-8")
    assert text.startswith("# Participatieadvies: Oude Haven")
    assert "één gedeelde basisboodschap" in text
    assert "## Wie missen we" in text


@pytest.mark.parametrize(("argv", "message"), [
    (["--code", "BU99999999"], "unknown --code BU99999999 in .*gebieden.csv; the file has 3 "
                               "codes, e.g. BU00010001"),
    (["--code", "BU00010001", "--thema", "carnaval"],
     "unknown --thema 'carnaval'; allowed: algemeen, energietransitie, omgevingsvisie"),
    (["--code", "BU00010001", "--fase", "evalueren"],
     "unknown --fase 'evalueren'; allowed: ideeen_ophalen, plan_toetsen"),
    (["--code", "BU00010001", "--trede", "negeren"],
     "unknown --trede 'negeren'; allowed: informeren, raadplegen"),
])
def test_user_errors_are_one_clear_line(fake_chain, capsys, argv, message):
    assert main(["advise", str(fake_chain), *argv]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert pytest.importorskip("re").search(message, err), err


def test_missing_file_is_named(tmp_path, capsys):
    assert main(["advise", str(tmp_path / "weg.gpkg"), "--code", "BU1"]) == 1
    assert "area file not found" in capsys.readouterr().err


# --- the real chain --------------------------------------------------------------------------


@pytest.fixture
def real_chain(monkeypatch, true_model):
    """The real reader and estimator; the model is the generating truth (no fitting here)."""
    try:
        import citisens_core.model
        from citisens_core.estimate import estimate_areas
        from citisens_core.geodata import read_areas
    except ImportError as exc:
        pytest.skip(f"estimator or area reader not available yet ({exc})")
    monkeypatch.setattr(citisens_core.model, "default_model", lambda: true_model)
    return read_areas, estimate_areas


def _two_different_buurten(path: Path, read_areas, estimate_areas) -> list[str]:
    """The two buurten of the largest gemeente whose estimated mixes differ most."""
    areas = read_areas(path)
    buurten = areas[areas["niveau"] == "buurt"]
    largest = buurten["gemeentecode"].value_counts().sort_index().idxmax()
    estimates = estimate_areas(areas[areas["gemeentecode"] == largest])
    estimates = estimates[estimates["niveau"] == "buurt"].set_index("code")
    shares = estimates[list(SCHEME.keys)]
    a = shares[SCHEME.keys[6]].idxmax()  # most Honkvaste Buurtbewoners
    b = (shares - shares.loc[a]).abs().sum(axis=1).idxmax()
    return [str(a), str(b)]


@pytest.mark.slow
@pytest.mark.parametrize("path", [DEMO, REAL], ids=["demo-gemeente", "gooi-en-vechtstreek"])
def test_real_area_files_get_reasoned_differentiated_advice(real_chain, capsys, path):
    if not path.exists():
        pytest.skip(f"{path} not found")
    codes = _two_different_buurten(path, *real_chain)
    outs = [_json(capsys, [str(path), "--code", code]) for code in codes]
    for out in outs:
        assert len(out["kanalen"]) == len(SCHEME.kanalen)
        assert all("naar schatting" in r["reden"] for r in out["kanalen"])
        assert abs(sum(out["mix"].values()) - 1) < 1e-3
        assert all(0 <= v <= 1 for v in out["gemist_per_profiel"].values())
    distance = sum(abs(outs[0]["mix"][k] - outs[1]["mix"][k]) for k in SCHEME.keys)
    assert distance >= 0.2, "the estimator gave (almost) the same mix to every buurt"
    # clearly different mixes must not get the identical ranking
    assert [r["naam"] for r in outs[0]["kanalen"]] != [r["naam"] for r in outs[1]["kanalen"]]
