"""The command line end to end, as a user would run it."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from citisens_core.cli import main
from tests.conftest import REPO

DEMO = REPO / "geodata" / "demo-gemeente.gpkg"


def output_columns(keys):
    return ["code", "naam", *keys, *(f"{k}_laag" for k in keys), *(f"{k}_hoog" for k in keys),
            "dominant_profiel", "dominant_duidelijk", "tweede_profiel", "betrouwbaarheid"]


def test_every_command_has_help(capsys):
    for command in ("survey", "fit", "estimate", "download", "advise"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        assert "usage:" in capsys.readouterr().out


def test_survey_fit_estimate_chain(tmp_path, scheme, capsys):
    survey, model, out = tmp_path / "survey.csv", tmp_path / "model.joblib", tmp_path / "s.gpkg"
    assert main(["survey", "--n", "3000", "--seed", "2", "--out", str(survey)]) == 0
    assert main(["fit", str(survey), "--out", str(model), "--bootstrap", "10"]) == 0
    assert main(["estimate", str(DEMO), "--model", str(model), "--out", str(out)]) == 0

    result = gpd.read_file(out)
    assert set(output_columns(scheme.keys)) <= set(result.columns)
    assert len(result) == 64  # the land buurten of the demo gemeente; the lake is left out
    np.testing.assert_allclose(result[list(scheme.keys)].sum(axis=1), 1.0, atol=1e-9)
    assert result.geometry.notna().all()
    assert "areas estimated" in capsys.readouterr().out


def test_estimate_runs_on_every_real_buurt_file(real_cbs, tmp_path, scheme):
    files = sorted((real_cbs / "buurt-2015").glob("*.geojson"))
    assert len(files) == 23
    for path in files:
        out = tmp_path / f"{path.stem}.csv"
        assert main(["estimate", str(path), "--out", str(out)]) == 0, path.name
        result = pd.read_csv(out)
        assert len(result) > 50, path.name
        assert set(output_columns(scheme.keys)) <= set(result.columns)
        inhabited = result["heeft_schatting"]
        np.testing.assert_allclose(result.loc[inhabited, list(scheme.keys)].sum(axis=1), 1.0,
                                   atol=1e-9)
        assert result.loc[~inhabited, list(scheme.keys)].isna().all().all(), path.name


@pytest.mark.parametrize(("args", "message"), [
    (["estimate", "bestaat-niet.gpkg", "--out", "x.csv"], "file not found"),
    (["estimate", str(DEMO), "--out", "x.xlsx"], "--out must end in .csv or .gpkg"),
    (["survey", "--n", "0", "--out", "x.csv"], "--n must be at least 1"),
])
def test_errors_are_one_line_without_traceback(args, message, capsys):
    assert main(args) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_non_cbs_file_gets_a_clear_error(tmp_path, capsys):
    path = tmp_path / "punten.geojson"
    gpd.GeoDataFrame({"naam": ["a"]}, geometry=gpd.points_from_xy([5.0], [52.0]),
                     crs=4326).to_file(path)
    assert main(["estimate", str(path), "--out", str(tmp_path / "x.csv")]) == 1
    assert "punten.geojson" in capsys.readouterr().err


@pytest.fixture(scope="module")
def v1_file(tmp_path_factory):
    """The demo in the shape of a first CBS release: inhabitants known, all else -99995."""
    path = tmp_path_factory.mktemp("v1") / "wijkenbuurten_2024_v1.gpkg"
    for layer in ("gemeenten", "wijken", "buurten"):
        frame = gpd.read_file(DEMO, layer=layer)
        figures = [c for c in frame.select_dtypes("number").columns
                   if c not in ("aantal_inwoners",)]
        frame[figures] = -99995
        frame.to_file(path, layer=layer)
    return path


def test_a_first_release_with_few_figures_still_gets_flagged_estimates(v1_file, tmp_path,
                                                                      scheme, capsys):
    out = tmp_path / "v1.csv"
    assert main(["estimate", str(v1_file), "--out", str(out)]) == 0
    result = pd.read_csv(out)
    assert set(result["betrouwbaarheid"]) == {"zeer laag"}
    np.testing.assert_allclose(result[list(scheme.keys)].sum(axis=1), 1.0, atol=1e-9)

    code = result.loc[0, "code"]
    assert main(["advise", str(v1_file), "--code", code, "--format", "md"]) == 0
    assert "Betrouwbaarheid van de schatting: zeer laag" in capsys.readouterr().out


def test_a_release_with_only_address_density_gives_buurten_that_differ(real_cbs, tmp_path,
                                                                       scheme):
    """Only OAD and men/women filled: the urbanity class is derived as CBS defines it."""
    frame = gpd.read_file(real_cbs / "buurt-2015" / "gooi_en_vechtstreek.geojson")
    keep = {"OAD", "AANT_MAN", "AANT_VROUW"}
    for column in frame.select_dtypes("number").columns:
        if column not in keep:
            frame[column] = -99995
    path = tmp_path / "buurt_2015_v1.geojson"
    frame.to_file(path)
    out = tmp_path / "v1.csv"
    assert main(["estimate", str(path), "--out", str(out)]) == 0
    result = pd.read_csv(out)
    inhabited = result[result["heeft_schatting"]]
    assert inhabited["dominant_profiel"].nunique() >= 2
    assert inhabited["zelfbewuste_aanpakkers"].std() > 0.05
    derived = inhabited["bronnen"].str.contains("afgeleid uit omgevingsadressendichtheid")
    assert derived.mean() > 0.9
    assert "zeer laag" not in set(inhabited["betrouwbaarheid"])  # urbanity is its own
