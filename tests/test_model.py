"""Tests for citisens_core.model: segmentation, short form, demographic link, bundle."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from citisens_core import model as model_module
from citisens_core.cli import main
from citisens_core.demographics import DIMENSIONS, N_CELLS, cell_codes
from citisens_core.fictional.survey import generate_survey
from citisens_core.fictional.synthetic import national_cell_distribution, profile_given_cell
from citisens_core.model import (
    DemographicLink,
    EngagementModel,
    ModelError,
    ProfileSegmenter,
    answers_frame,
    archetype_answers,
    default_model,
    default_model_path,
    fit_engagement_model,
    load_model,
    save_model,
    select_k,
    short_form,
    survey_cell_seed,
)
from citisens_core.scheme import load_scheme
from citisens_core.survey import TRUE_PROFILE, answer_columns


@pytest.fixture(scope="module")
def scheme():
    return load_scheme()


@pytest.fixture(scope="module")
def survey(scheme):
    return generate_survey(4000, seed=3, scheme=scheme)


@pytest.fixture(scope="module")
def answers(survey, scheme):
    return answers_frame(survey, scheme)


@pytest.fixture(scope="module")
def segmenter(answers, scheme):
    return ProfileSegmenter(scheme=scheme).fit(answers)


@pytest.fixture(scope="module")
def engagement(survey, scheme):
    return fit_engagement_model(survey, scheme, n_bootstrap=10, source="test")


# --- the scikit-learn estimator contract ----------------------------------------------

@parametrize_with_checks([ProfileSegmenter(n_profiles=3),
                          ProfileSegmenter(n_profiles=3, method="kmeans")])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)


# --- segmentation ----------------------------------------------------------------------

def test_segmentation_recovers_generating_profiles(segmenter, survey):
    assert adjusted_rand_score(survey[TRUE_PROFILE], segmenter.labels_) >= 0.8


def test_cluster_names_match_the_majority_true_profile(segmenter, survey, scheme):
    assert segmenter.profile_keys_ == scheme.keys
    table = pd.crosstab(pd.Series(segmenter.labels_, name="cluster"), survey[TRUE_PROFILE])
    majority = table.idxmax(axis=1)
    assert (majority.index == majority.to_numpy()).all(), majority.to_dict()


def test_predict_proba_rows_sum_to_one_in_scheme_order(segmenter, answers, scheme):
    proba = segmenter.predict_proba(answers)
    assert proba.shape == (len(answers), len(scheme.keys))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(segmenter.classes_) == list(scheme.keys)
    np.testing.assert_array_equal(segmenter.classes_[proba.argmax(axis=1)],
                                  segmenter.predict(answers))


def test_transform_gives_a_distance_per_profile(segmenter, answers, scheme):
    distances = segmenter.transform(answers.head(50))
    assert distances.shape == (50, len(scheme.keys))
    assert (distances >= 0).all()
    nearest = segmenter.classes_[distances.argmin(axis=1)]
    agree = (nearest == segmenter.predict(answers.head(50))).mean()
    assert agree >= 0.8  # the mixture weighs variances, so not always the nearest centre


def test_cluster_centers_are_on_the_answer_scale(segmenter, scheme):
    centres = pd.DataFrame(segmenter.cluster_centers_, index=scheme.keys,
                           columns=segmenter.feature_names_in_)
    assert centres.to_numpy().min() >= 1 and centres.to_numpy().max() <= 5
    # the most engaged profile answers "connected to my neighbourhood" highest
    assert centres["bet1"].idxmax() in ("kritische_vernieuwers", "gevestigde_beinvloeders")
    # the reverse item bet4 ("I leave it to others") runs the other way
    assert centres["bet4"].idxmin() in ("kritische_vernieuwers", "gevestigde_beinvloeders")


def test_archetypes_flip_reverse_items_back(scheme):
    rows = archetype_answers(scheme, ["bet1", "bet4", "kanaal_school"])
    first = scheme.profielen[0]
    assert rows[0].tolist() == [first.kenmerken["betrokkenheid"],
                                6 - first.kenmerken["betrokkenheid"], first.kanalen["school"]]
    with pytest.raises(ValueError, match="leeftijd"):
        archetype_answers(scheme, ["bet1", "leeftijd"])


def test_naming_follows_the_column_order_of_the_frame(answers, survey, scheme):
    shuffled = answers[list(reversed(answers.columns))]
    fitted = ProfileSegmenter(scheme=scheme).fit(shuffled)
    assert adjusted_rand_score(survey[TRUE_PROFILE], fitted.labels_) >= 0.8
    assert (fitted.labels_ == survey[TRUE_PROFILE]).mean() >= 0.9


def test_unnamed_array_input_uses_the_answer_column_order(answers, survey, scheme):
    fitted = ProfileSegmenter(scheme=scheme, method="kmeans").fit(answers.to_numpy())
    assert (fitted.labels_ == survey[TRUE_PROFILE]).mean() >= 0.9
    np.testing.assert_allclose(fitted.predict_proba(answers.to_numpy()[:20]).sum(axis=1), 1)


def test_missing_answers_are_imputed(segmenter, answers):
    rng = np.random.default_rng(0)
    holes = answers.mask(rng.random(answers.shape) < 0.1)
    assert holes.isna().any().all()
    agree = (segmenter.predict(holes) == segmenter.predict(answers)).mean()
    assert agree >= 0.85


def test_without_a_matching_scheme_clusters_are_numbered(answers, scheme):
    fitted = ProfileSegmenter(n_profiles=5, scheme=scheme, n_init=2).fit(answers.head(800))
    assert fitted.profile_keys_ is None
    assert list(fitted.classes_) == [0, 1, 2, 3, 4]


def test_naming_needs_known_columns(answers, scheme):
    renamed = answers.rename(columns={"bet1": "vraag_1"})
    with pytest.raises(ValueError, match="vraag_1"):
        ProfileSegmenter(scheme=scheme).fit(renamed)
    with pytest.raises(ValueError, match="expects 28 answer columns"):
        ProfileSegmenter(scheme=scheme).fit(answers.iloc[:, :20].to_numpy())


@pytest.mark.parametrize(("params", "message"), [
    ({"method": "ward"}, "method must be one of"),
    ({"covariance_type": "round"}, "covariance_type must be one of"),
    ({"n_profiles": 0}, "n_profiles must be a positive integer"),
    ({"n_init": 0}, "n_init must be a positive integer"),
])
def test_invalid_parameters_name_the_parameter(answers, params, message):
    with pytest.raises(ValueError, match=message):
        ProfileSegmenter(**params).fit(answers.head(100))


# --- choosing k ------------------------------------------------------------------------

def test_select_k_recommends_eight_profiles(answers):
    table = select_k(answers)
    assert list(table.columns) == ["k", "silhouette", "bic", "bic_daling",
                                   "calinski_harabasz", "aanbevolen"]
    assert table["k"].tolist() == list(range(4, 13))
    assert table["aanbevolen"].sum() == 1
    assert table.loc[table["aanbevolen"], "k"].item() == 8
    # going from 7 to 8 profiles still buys a clear BIC gain, 8 to 9 hardly any
    bic = table.set_index("k")["bic"]
    assert bic[7] - bic[8] > 5 * abs(bic[8] - bic[9])
    assert table["silhouette"].between(-1, 1).all()


# --- short form ------------------------------------------------------------------------

def test_short_form_reproduces_profiles_with_few_items(engagement, scheme):
    form = engagement.short_form
    assert 1 <= len(form.items) <= 8
    assert set(form.items) <= set(answer_columns(scheme))
    assert form.agreement >= 0.85 and form.reaches_target
    fresh = answers_frame(generate_survey(1500, seed=11, scheme=scheme), scheme)
    agree = (form.predict(fresh) == engagement.segmenter.predict(fresh)).mean()
    assert agree >= 0.82  # new respondents: held-out agreement minus sampling noise


def test_short_form_accepts_arrays_in_item_order(engagement, answers):
    form = engagement.short_form
    from_array = form.predict(answers[list(form.items)].to_numpy())
    np.testing.assert_array_equal(from_array, form.predict(answers))
    with pytest.raises(ValueError, match="expects"):
        form.predict(answers.to_numpy())


def test_short_form_reports_the_best_when_the_target_is_out_of_reach(answers, segmenter):
    form = short_form(answers, segmenter.labels_, max_items=2, target=0.999)
    assert len(form.items) == 2
    assert form.agreement < 0.999 and not form.reaches_target


# --- demographic link ------------------------------------------------------------------

def _weighted_mae(probabilities: np.ndarray, truth: np.ndarray) -> float:
    weights = national_cell_distribution().reshape(-1)
    return float((np.abs(probabilities - truth).mean(axis=1) * weights).sum())


def test_link_probabilities_sum_to_one_per_cell(engagement, scheme):
    probs = engagement.link_probabilities
    assert probs.shape == (N_CELLS, len(scheme.keys))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert (probs > 0).all()


def test_link_recovers_the_generating_profile_mix(engagement, scheme):
    truth = profile_given_cell(scheme).reshape(N_CELLS, -1)
    error = _weighted_mae(engagement.link_probabilities, truth)
    no_demography = _weighted_mae(np.broadcast_to(np.asarray(scheme.shares), truth.shape), truth)
    assert error < 0.025
    assert error < 0.25 * no_demography


def test_link_predict_proba_picks_rows_by_cell(survey, segmenter, scheme):
    cells = survey[list(DIMENSIONS)]
    link = DemographicLink(classes=scheme.keys).fit(cells, segmenter.labels_)
    proba = link.predict_proba(cells.head(3))
    assert proba.shape == (3, len(scheme.keys))
    # households far apart demographically get the profile that generated them most
    households = pd.DataFrame({
        "leeftijd": ["65+", "18-24", "45-64"],
        "huishouden": ["alleenstaand", "alleenstaand", "zonder_kinderen"],
        "stedelijkheid": ["3", "1", "4"], "woning": ["huur", "huur", "koop"],
        "inkomen": ["laag", "midden", "hoog"]})
    truth = profile_given_cell(scheme).reshape(N_CELLS, -1)[cell_codes(households)]
    np.testing.assert_array_equal(link.predict_proba(households).argmax(axis=1),
                                  truth.argmax(axis=1))


def test_link_with_interactions_and_weights(survey, segmenter, scheme):
    cells = survey[list(DIMENSIONS)]
    pairs = (("leeftijd", "huishouden"), ("woning", "inkomen"))
    link = DemographicLink(interactions=pairs, classes=scheme.keys)
    link.fit(cells, segmenter.labels_, sample_weight=np.full(len(cells), 2.0))
    np.testing.assert_allclose(link.cell_probabilities().sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="not a pair of two dimensions"):
        DemographicLink(interactions=[("leeftijd", "leeftijd")]).fit(cells, segmenter.labels_)
    with pytest.raises(ValueError, match="not in classes"):
        DemographicLink(classes=scheme.keys[:3]).fit(cells, segmenter.labels_)


def test_bootstrap_replicates_vary_around_the_estimate(engagement, scheme):
    boot = engagement.bootstrap_probabilities
    assert boot.shape == (10, N_CELLS, len(scheme.keys))
    np.testing.assert_allclose(boot.sum(axis=2), 1.0)
    assert boot.std(axis=0).mean() > 0.002
    lower, upper = np.percentile(boot, [5, 95], axis=0)
    inside = (lower <= engagement.link_probabilities + 1e-9) & (
        engagement.link_probabilities <= upper + 1e-9)
    assert inside.mean() > 0.8


def test_cell_seed_is_positive_and_follows_the_survey(engagement, survey):
    seed = engagement.cell_seed
    assert seed.shape == (N_CELLS,)
    assert (seed > 0).all()
    assert seed.sum() == pytest.approx(1.0)
    truth = national_cell_distribution().reshape(-1)
    assert 0.5 * np.abs(seed - truth).sum() < 0.1  # total variation distance


def test_cell_seed_uses_survey_weights(survey):
    old = (survey["leeftijd"] == "65+").to_numpy()
    weights = np.where(old, 3.0, 1.0)
    seed = survey_cell_seed(survey, weights).reshape(tuple(len(c) for c in DIMENSIONS.values()))
    share_old = seed.sum(axis=(1, 2, 3, 4))[3]
    expected = weights[old].sum() / weights.sum()
    assert share_old == pytest.approx(expected, abs=0.02)


# --- the bundle ------------------------------------------------------------------------

def test_engagement_model_validation_figures(engagement, scheme):
    assert engagement.profile_keys == scheme.keys
    assert engagement.scheme_id == scheme.id
    assert engagement.n_respondents == 4000
    assert engagement.diagnostics is None
    validation = engagement.validation
    assert validation["ari"] >= 0.8
    assert validation["short_form_agreement"] == engagement.short_form.agreement
    assert validation["n_respondents"] == 4000
    assert validation["fit_seconds"] > 0  # recorded for the model card; speed lives in benchmarks


def test_fit_rejects_a_tiny_survey(survey, scheme):
    with pytest.raises(ModelError, match="minstens 80 nodig"):
        fit_engagement_model(survey.head(30), scheme)


def test_save_and_load_round_trip(engagement, answers, tmp_path):
    path = save_model(engagement, tmp_path / "sub" / "model.joblib")
    loaded = load_model(path)
    assert isinstance(loaded, EngagementModel)
    np.testing.assert_array_equal(loaded.segmenter.predict(answers.head(200)),
                                  engagement.segmenter.predict(answers.head(200)))
    np.testing.assert_array_equal(loaded.bootstrap_probabilities,
                                  engagement.bootstrap_probabilities)
    assert loaded.segmenter.scheme.profile("zorgzame_senioren").kenmerken["online"] == 1.3


@pytest.mark.parametrize(("content", "message"), [
    (b"respondent,bet1\n1,3\n", "not a readable model file"),
    (None, "holds a dict, not an EngagementModel"),
])
def test_load_rejects_files_that_are_not_models(tmp_path, content, message):
    path = tmp_path / "model.joblib"
    if content is None:
        joblib.dump({"a": 1}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=message) as info:
        load_model(path)
    assert "model.joblib" in str(info.value)
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "absent.joblib")


def test_default_model_is_cached_on_disk_and_survives_a_corrupt_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CITISENS_CACHE", str(tmp_path))
    monkeypatch.setattr(model_module, "DEFAULT_SURVEY_SIZE", 1500)
    path = default_model_path()
    assert path.parent == tmp_path and "citisens-2019" in path.name and "n1500" in path.name
    path.write_bytes(b"not a model")
    default_model.cache_clear()
    try:
        fitted = default_model()
        assert fitted.n_respondents == 1500
        assert fitted.source == "synthetische referentie-enquête, seed 1"
        assert default_model() is fitted  # in memory
        default_model.cache_clear()
        from_disk = default_model()
        assert from_disk is not fitted
        np.testing.assert_array_equal(from_disk.link_probabilities, fitted.link_probabilities)
    finally:
        default_model.cache_clear()


# --- command line ----------------------------------------------------------------------

def test_cli_fit_writes_a_model(tmp_path, capsys, scheme):
    csv = tmp_path / "enquete.csv"
    generate_survey(1200, seed=4, scheme=scheme).to_csv(csv, index=False)
    out = tmp_path / "model.joblib"
    code = main(["fit", str(csv), "--out", str(out), "--bootstrap", "5", "--diagnostics"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "aanbevolen" in printed and "ARI vs ware_profiel" in printed
    model = load_model(out)
    assert model.bootstrap_probabilities.shape[0] == 5
    assert model.diagnostics is not None and model.source == "enquête enquete.csv"


def test_cli_fit_skips_the_slow_diagnostics_unless_asked(tmp_path, scheme):
    csv = tmp_path / "enquete.csv"
    generate_survey(1200, seed=4, scheme=scheme).to_csv(csv, index=False)
    out = tmp_path / "model.joblib"
    assert main(["fit", str(csv), "--out", str(out), "--bootstrap", "5"]) == 0
    assert load_model(out).diagnostics is None


def test_cli_fit_lists_survey_problems(tmp_path, capsys):
    csv = tmp_path / "kapot.csv"
    csv.write_text("respondent,bet1\n1,7\n", encoding="utf-8")
    code = main(["fit", str(csv), "--out", str(tmp_path / "m.joblib"), "--no-diagnostics"])
    err = capsys.readouterr().err
    assert code == 1
    assert "kapot.csv" in err and "ontbrekende kolommen" in err and "buiten 1-5" in err
    assert not (tmp_path / "m.joblib").exists()


def test_a_survey_whose_answers_do_not_differ_gets_a_clear_error():
    from citisens_core.fictional.survey import generate_survey
    from citisens_core.model import ModelError, fit_engagement_model
    from citisens_core.survey import answer_columns

    survey = generate_survey(300, seed=5)
    survey[list(answer_columns(load_scheme()))] = 3
    with pytest.raises(ModelError, match="de antwoorden verschillen te weinig"):
        fit_engagement_model(survey, n_bootstrap=2)
