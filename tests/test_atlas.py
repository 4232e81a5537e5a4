"""The one area pipeline (citisens_core.atlas): the CLI and the app give the same numbers."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from citisens_core.atlas import (
    MEMO_SIZE,
    AreaSet,
    SelectionError,
    model_fingerprint,
    selection_name,
    weakest_confidence,
)
from citisens_core.cli import main

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "geodata" / "demo-gemeente.gpkg"
LEVELS = ("gemeente", "wijk", "buurt", "pc4", "pc6")


@pytest.fixture(scope="module")
def model():
    from citisens_core.model import default_model

    return default_model()


@pytest.fixture(scope="module")
def app_areas(model):
    """The areas exactly as the app loads them (display geometry and all)."""
    from atlas_ui.data import load_file

    return load_file(DEMO, DEMO.name, key="demo-atlas-test")


def _cli_estimates(level: str, tmp_path: Path) -> pd.DataFrame:
    out = tmp_path / f"schattingen-{level}.csv"
    assert main(["estimate", str(DEMO), "--niveau", level, "--out", str(out)]) == 0
    return pd.read_csv(out, dtype={"code": str})


@pytest.mark.parametrize("level", LEVELS)
def test_cli_estimate_and_app_give_identical_figures_at_every_level(
        level, app_areas, model, tmp_path):
    cli = _cli_estimates(level, tmp_path).set_index("code")
    app = app_areas.estimates(level, model).set_index("code")
    assert list(cli.index) == list(app.index) and len(app) > 0
    keys = list(model.profile_keys)
    numbers = [c for k in keys for c in (k, f"{k}_laag", f"{k}_hoog")] + ["volledigheid"]
    np.testing.assert_allclose(cli[numbers].to_numpy(float), app[numbers].to_numpy(float),
                               rtol=0, atol=1e-12, equal_nan=True)
    for column in ("naam", "betrouwbaarheid", "dominant_profiel", "tweede_profiel", "bronnen"):
        assert cli[column].fillna("").astype(str).tolist() == \
            app[column].fillna("").astype(str).tolist(), column


def _cli_selection(codes: list[str], capsys) -> dict:
    argv = ["advise", str(DEMO)] + [a for c in codes for a in ("--code", c)]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("size", [1, 3])
def test_cli_advise_and_app_give_the_same_selection(level, size, app_areas, model, capsys):
    est = app_areas.estimates(level, model)
    codes = est.loc[est["heeft_schatting"], "code"].astype(str).tolist()[:size]
    if len(codes) < size:
        pytest.skip(f"the demo has fewer than {size} inhabited areas at level {level}")
    out = _cli_selection(codes, capsys)
    app = app_areas.selection(codes, model)
    cli = out["selectie"]
    assert cli["naam"] == app.naam == out["gebied"]
    assert cli["betrouwbaarheid"] == app.betrouwbaarheid == out["betrouwbaarheid"]
    assert cli["codes"] == list(app.codes) and cli["niveau"] == app.level == level
    assert cli["volledigheid"] == pytest.approx(app.volledigheid, abs=1e-12)
    for key, row in app.mix.iterrows():
        for column in ("aandeel", "laag", "hoog"):
            assert cli["mix"][key][column] == pytest.approx(row[column], abs=1e-12)
        assert out["mix"][key] == pytest.approx(row["aandeel"], abs=5e-5)  # advice rounds


def test_a_selection_combines_by_households_inside_its_areas_bounds(app_areas, model):
    est = app_areas.estimates("buurt", model)
    rows = est[est["heeft_schatting"]].iloc[:3]
    selection = app_areas.selection(rows["code"].tolist(), model)
    assert selection.mix["aandeel"].sum() == pytest.approx(1.0)
    weights = rows["huishoudens"] / rows["huishoudens"].sum()
    for key in model.profile_keys:
        assert selection.mix.loc[key, "aandeel"] == pytest.approx(
            float((rows[key] * weights).sum()))
        assert selection.mix.loc[key, "laag"] <= selection.mix.loc[key, "aandeel"] \
            <= selection.mix.loc[key, "hoog"]
    assert selection.huishoudens == pytest.approx(rows["huishoudens"].sum())
    assert selection.dominant == selection.ranked[0]


def test_selections_refuse_unknown_codes_and_mixed_levels(app_areas, model):
    with pytest.raises(SelectionError, match=r"unknown area code\(s\) BU00000000"):
        app_areas.selection(["BU00000000"], model)
    buurt = app_areas.levels["buurt"]["code"].iloc[0]
    wijk = app_areas.levels["wijk"]["code"].iloc[0]
    with pytest.raises(SelectionError, match="mix levels"):
        app_areas.selection([buurt, wijk], model)


def test_codes_are_found_however_they_are_typed(app_areas):
    code = app_areas.levels["pc6"]["code"].iloc[0]
    typed = f" {code[:4]} {code[4:].lower()} "
    assert app_areas.level_of(typed) == "pc6"
    assert app_areas.area(typed)["code"] == code


def test_the_demo_says_it_is_fictional_wherever_it_goes(app_areas, tmp_path):
    assert app_areas.fictief and "Fictieve" in app_areas.attribution
    assert "fictieve demogemeente" in app_areas.title
    plain = tmp_path / "buurten.gpkg"
    app_areas.levels["buurt"].head(3).to_file(plain, driver="GPKG")
    copy = AreaSet.from_file(plain)
    assert not copy.fictief and copy.attribution.startswith("© Kadaster / CBS")


@pytest.mark.parametrize(("names", "expected"), [
    (["A"], "A"), (["A", "B"], "A en B"), (["A", "B", "C"], "A, B en C"),
    (["A", "B", "C", "D", "E"], "A, B en 3 andere gebieden")])
def test_selection_names(names, expected):
    assert selection_name(names) == expected


@pytest.mark.parametrize(("labels", "expected"), [
    (["hoog", "laag", "redelijk"], "laag"), (["hoog"], "hoog"),
    (["geen huishoudens"], "zeer laag"), ([], "zeer laag")])
def test_the_weakest_confidence_of_a_selection(labels, expected):
    assert weakest_confidence(labels) == expected


# --- the memo ---------------------------------------------------------------------------------


def _shifted(model, shift: float):
    """A stand-in model whose link differs from `model` by `shift` (renormalised)."""
    link = np.asarray(model.link_probabilities) + shift
    boot = np.asarray(model.bootstrap_probabilities) + shift
    return SimpleNamespace(
        profile_keys=model.profile_keys, cell_seed=model.cell_seed,
        link_probabilities=link / link.sum(axis=1, keepdims=True),
        bootstrap_probabilities=boot / boot.sum(axis=2, keepdims=True))


def test_estimates_memo_is_bounded_however_often_the_model_is_refitted(model, tmp_path):
    areas = AreaSet.from_file(DEMO, levels=["wijk"])
    for i in range(MEMO_SIZE + 20):
        areas.estimates("wijk", _shifted(model, 0.001 * (i + 1)))
    assert len(areas._memo) <= MEMO_SIZE


def test_estimates_memo_never_returns_another_models_numbers(model):
    areas = AreaSet.from_file(DEMO, levels=["wijk"])
    first = _shifted(model, 0.05)
    first_numbers = areas.estimates("wijk", first).copy()
    reused_id = id(first)
    del first
    gc.collect()
    # a new model, possibly at the same address: it must get its own numbers
    for _ in range(50):
        second = _shifted(model, 0.20)
        if id(second) == reused_id:
            break
    second_numbers = areas.estimates("wijk", second)
    fresh = AreaSet.from_file(DEMO, levels=["wijk"]).estimates("wijk", second)
    pd.testing.assert_frame_equal(second_numbers, fresh)
    key = model.profile_keys[0]
    assert not np.allclose(second_numbers[key], first_numbers[key])


def test_a_fingerprint_follows_what_the_model_computes(model):
    same = SimpleNamespace(profile_keys=model.profile_keys, cell_seed=model.cell_seed,
                           link_probabilities=np.array(model.link_probabilities),
                           bootstrap_probabilities=np.array(model.bootstrap_probabilities))
    assert model_fingerprint(same) == model_fingerprint(model)
    assert model_fingerprint(_shifted(model, 0.01)) != model_fingerprint(model)
