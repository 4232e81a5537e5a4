import numpy as np
import pandas as pd
import pytest

from citisens_core.demographics import N_CELLS, NATIONAL_MARGINALS
from citisens_core.estimate import (
    TWO_PARENT_SHARE,
    combine_mix,
    estimate_areas,
)
from citisens_core.fictional.synthetic import cell_distribution, profile_given_cell


def area(code="BU09990101", wijk="WK099901", huishoudens=800.0, **marginals) -> dict:
    """A canonical area row from head-age, household, urbanity, tenure and income shares."""
    m = {**NATIONAL_MARGINALS, **marginals}
    # invert estimate.head_ages: heads and partners spread over bands like the heads,
    # half a child aged 15-25 at home per family, 15 % of inhabitants under 15
    heads, households = np.asarray(m["leeftijd"]), np.asarray(m["huishouden"])
    partners = households[1] + TWO_PARENT_SHARE * households[2]
    per_household = heads * (1 + partners)
    per_household[0] += 0.5 * households[2]
    size = per_household.sum() / 0.85
    adults = per_household / size
    return {
        "code": code, "naam": f"Buurt {code[-2:]}", "niveau": "buurt",
        "gemeentecode": "GM0999", "wijkcode": wijk, "huishoudens": huishoudens,
        "gem_huishoudgrootte": size,
        "aandeel_0_15": 0.15, "aandeel_15_25": adults[0], "aandeel_25_45": adults[1],
        "aandeel_45_65": adults[2], "aandeel_65_plus": adults[3],
        "aandeel_eenpersoons": m["huishouden"][0], "aandeel_zonder_kinderen": m["huishouden"][1],
        "aandeel_met_kinderen": m["huishouden"][2],
        "stedelijkheid": float(m.get("klasse", 3)),
        "aandeel_koop": m["woning"][0], "aandeel_huur": m["woning"][1],
        "aandeel_laag_inkomen": m["inkomen"][0], "aandeel_hoog_inkomen": m["inkomen"][2],
    }


YOUNG_CITY = dict(leeftijd=(0.35, 0.45, 0.15, 0.05), huishouden=(0.7, 0.2, 0.1), klasse=1,
                  woning=(0.2, 0.8), inkomen=(0.55, 0.35, 0.10))
OLD_VILLAGE = dict(leeftijd=(0.02, 0.18, 0.40, 0.40), huishouden=(0.25, 0.5, 0.25), klasse=5,
                   woning=(0.8, 0.2), inkomen=(0.3, 0.45, 0.25))


@pytest.fixture
def areas():
    return pd.DataFrame([
        area("BU09990101", **YOUNG_CITY),
        area("BU09990102", **OLD_VILLAGE),
        area("BU09990103"),
    ])


def test_shares_sum_to_one_and_intervals_contain_the_estimate(areas, true_model, scheme):
    est = estimate_areas(areas, true_model)
    keys = list(scheme.keys)
    np.testing.assert_allclose(est[keys].sum(axis=1), 1.0)
    for key in keys:
        assert (est[f"{key}_laag"] <= est[key]).all()
        assert (est[key] <= est[f"{key}_hoog"]).all()
        assert ((est[f"{key}_laag"] >= 0) & (est[f"{key}_hoog"] <= 1)).all()


def test_recovers_the_true_mix_when_the_model_is_right(areas, true_model, scheme):
    """With the generating link, the estimate equals the generating expectation."""
    link = profile_given_cell(scheme).reshape(N_CELLS, -1)
    est = estimate_areas(areas, true_model)
    for i, marginals in enumerate([YOUNG_CITY, OLD_VILLAGE, {}]):
        m = {**NATIONAL_MARGINALS, **marginals}
        klasse = marginals.get("klasse", 3)
        m["stedelijkheid"] = tuple(np.eye(5)[klasse - 1])
        truth = cell_distribution(m).reshape(-1) @ link
        np.testing.assert_allclose(est.loc[i, list(scheme.keys)], truth, atol=1e-4)


def test_different_areas_get_different_profiles(areas, true_model):
    est = estimate_areas(areas, true_model).set_index("code")
    assert est.loc["BU09990101", "dominant_profiel"] == "stadse_nomaden"
    assert est.loc["BU09990102", "dominant_profiel"] in {"zelfbewuste_aanpakkers",
                                                         "gevestigde_beinvloeders"}
    assert est.loc["BU09990101", "tweede_profiel"] != est.loc["BU09990101", "dominant_profiel"]


def test_missing_marginals_lower_confidence_and_widen_the_interval(true_model):
    complete = area("BU09990101", **YOUNG_CITY)
    partial = {**complete, "code": "BU09990102", "aandeel_laag_inkomen": np.nan,
               "aandeel_hoog_inkomen": np.nan, "aandeel_koop": -99997.0, "aandeel_huur": np.nan}
    est = estimate_areas(pd.DataFrame([complete, partial]), true_model)
    assert list(est["betrouwbaarheid"]) == ["hoog", "redelijk"]
    assert est.loc[1, "volledigheid"] == pytest.approx(0.6)
    width = est["stadse_nomaden_hoog"] - est["stadse_nomaden_laag"]
    assert width[1] > width[0]
    assert "inkomen huishouden: cijfers van de wijk" in est.loc[1, "bronnen"]


def test_missing_marginal_is_borrowed_from_the_wijk_before_the_country(true_model, scheme):
    rich = area("BU09990101", inkomen=(0.1, 0.4, 0.5))
    sibling = {**area("BU09990102"), "aandeel_laag_inkomen": np.nan,
               "aandeel_hoog_inkomen": np.nan}
    same_gemeente = {**sibling, "code": "BU09990201", "wijkcode": "WK099902"}
    elsewhere = {**sibling, "code": "BU08880101", "wijkcode": "WK088801",
                 "gemeentecode": "GM0888"}
    est = estimate_areas(pd.DataFrame([rich, sibling, same_gemeente, elsewhere]), true_model)
    assert "cijfers van de wijk" in est.loc[1, "bronnen"]
    assert "cijfers van de gemeente" in est.loc[2, "bronnen"]
    assert "landelijke cijfers" in est.loc[3, "bronnen"]
    # the borrowed high income shows: more Gevestigde Beïnvloeders than with national income
    assert est.loc[1, "gevestigde_beinvloeders"] > est.loc[3, "gevestigde_beinvloeders"]


def test_an_area_without_usable_figures_still_gets_a_flagged_estimate(true_model, scheme):
    empty = {"code": "BU09990199", "naam": "Leeg", "niveau": "buurt",
             "gemeentecode": "GM0998", "wijkcode": None}
    est = estimate_areas(pd.DataFrame([empty]), true_model)
    assert est.loc[0, "betrouwbaarheid"] == "zeer laag"
    assert est.loc[0, "volledigheid"] == 0
    np.testing.assert_allclose(est.loc[0, list(scheme.keys)].to_numpy(dtype=float),
                               scheme.shares, atol=0.02)


def test_small_areas_are_never_high_confidence(true_model):
    est = estimate_areas(pd.DataFrame([area(huishoudens=20.0)]), true_model)
    assert est.loc[0, "betrouwbaarheid"] == "redelijk"


def test_combined_mix_is_household_weighted(areas, true_model, scheme):
    est = estimate_areas(areas, true_model)
    est.loc[0, "huishoudens"] = 3000.0
    est.loc[1, "huishoudens"] = 1000.0
    mix = combine_mix(est, ["BU09990101", "BU09990102"])
    expected = (3 * est.loc[0, list(scheme.keys)] + est.loc[1, list(scheme.keys)]) / 4
    np.testing.assert_allclose(mix.to_numpy(), expected.to_numpy(dtype=float), atol=1e-9)
    with pytest.raises(ValueError, match="has an estimate"):
        combine_mix(est, ["BU00000000"])


def test_areas_without_households_get_no_mix(true_model, scheme):
    keys = list(scheme.keys)
    empty = {**area("BU09990109"), "huishoudens": 0.0}
    est = estimate_areas(pd.DataFrame([area("BU09990101"), empty]), true_model)
    assert list(est["heeft_schatting"]) == [True, False]
    assert est.loc[1, keys].isna().all() and pd.isna(est.loc[1, "dominant_profiel"])
    assert est.loc[1, "betrouwbaarheid"] == "geen huishoudens"
    mix = combine_mix(est, ["BU09990101", "BU09990109"])  # the empty area adds nothing
    np.testing.assert_allclose(mix.to_numpy(), est.loc[0, keys].to_numpy(dtype=float))


def test_postcode_mixes_sum_up_to_buurten(true_model, scheme):
    keys = list(scheme.keys)
    pcs = pd.DataFrame([area("1011AA", **YOUNG_CITY, huishoudens=30.0),
                        area("1011AB", **OLD_VILLAGE, huishoudens=10.0)])
    est = estimate_areas(pcs, true_model)
    mapping = pd.DataFrame({"postcode": ["1011AA", "1011AB", "1011AB"],
                            "buurtcode": ["BU1", "BU1", "BU2"], "gewicht": [1.0, 0.5, 0.5]})

    from citisens_core.estimate import aggregate_mix
    out = aggregate_mix(est, mapping, "buurtcode").set_index("code")

    expected = (30 * est.loc[0, keys] + 5 * est.loc[1, keys]) / 35
    np.testing.assert_allclose(out.loc["BU1", keys].to_numpy(dtype=float),
                               expected.to_numpy(dtype=float), atol=1e-9)
    np.testing.assert_allclose(out.loc["BU2", keys].to_numpy(dtype=float),
                               est.loc[1, keys].to_numpy(dtype=float), atol=1e-9)
    assert out.loc["BU1", "huishoudens"] == pytest.approx(35)
    assert (out[[f"{k}_laag" for k in keys]].to_numpy() <= out[keys].to_numpy() + 1e-9).all()


# --- derived figures, calibrated borrowing, unclear winners (issue 9) -------------------

def test_a_file_with_only_address_density_gives_buurten_that_differ(true_model):
    """A first release: only address density and men/women. CBS defines the rest."""
    rows = pd.DataFrame([
        {"code": f"BU0999010{i}", "naam": "b", "niveau": "buurt", "gemeentecode": "GM0999",
         "wijkcode": "WK099901", "adressendichtheid": density, "mannen": 400.0,
         "vrouwen": 420.0}
        for i, density in enumerate([6000.0, 1800.0, 1200.0, 700.0, 80.0])])
    est = estimate_areas(rows, true_model)
    assert est["zelfbewuste_aanpakkers"].is_monotonic_increasing  # rural rises as density falls
    assert est.loc[0, "dominant_profiel"] != est.loc[4, "dominant_profiel"]
    assert "stedelijkheid (1 = zeer sterk stedelijk): afgeleid uit omgevingsadressendichtheid" \
        in est.loc[0, "bronnen"]
    assert est.loc[0, "volledigheid"] == pytest.approx(0.2)  # urbanity is its own, derived
    assert est.loc[0, "huishoudens"] == pytest.approx(820 / 2.13)


def _gemeente(incomes: list[tuple[float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame([area(f"BU099901{i:02d}", inkomen=inc) for i, inc in enumerate(incomes)])


def test_a_borrowed_figure_is_as_uncertain_as_the_areas_that_have_it(true_model):
    """The spread of a borrowed figure is learnt from the siblings, not assumed."""
    rng = np.random.default_rng(1)
    alike = [(0.4, 0.4, 0.2)] * 30
    diverse = [tuple(rng.dirichlet([2, 2, 1])) for _ in range(30)]
    widths = {}
    for name, incomes in (("alike", alike), ("diverse", diverse)):
        full = estimate_areas(_gemeente(incomes), true_model)
        masked_rows = _gemeente(incomes)
        masked_rows.loc[0, ["aandeel_laag_inkomen", "aandeel_hoog_inkomen"]] = np.nan
        masked = estimate_areas(masked_rows, true_model)
        assert "inkomen huishouden: cijfers van de wijk" in masked.loc[0, "bronnen"]
        key = "honkvaste_buurtbewoners"
        assert masked.loc[0, f"{key}_laag"] <= full.loc[0, key] <= masked.loc[0, f"{key}_hoog"]
        widths[name] = masked.loc[0, f"{key}_hoog"] - masked.loc[0, f"{key}_laag"]
    assert widths["diverse"] > 1.5 * widths["alike"]


def test_urbanity_from_the_country_is_never_redelijk(true_model):
    rows = pd.DataFrame([{**area("BU09990101"), "stedelijkheid": np.nan}])
    est = estimate_areas(rows, true_model)
    assert est.loc[0, "betrouwbaarheid"] == "laag"
    assert "landelijk ingevuld: stedelijkheid" in est.loc[0, "betrouwbaarheid_reden"]
    # one class per area: the interval spans what the classes would give
    by_class = estimate_areas(pd.DataFrame([area(f"BU0999010{k}", klasse=k)
                                            for k in (2, 3, 4)]), true_model)
    key = "zelfbewuste_aanpakkers"
    assert est.loc[0, f"{key}_laag"] <= by_class[key].min()
    assert by_class[key].max() <= est.loc[0, f"{key}_hoog"]


def test_a_small_area_with_all_its_own_figures_says_why_it_is_not_hoog(true_model):
    est = estimate_areas(pd.DataFrame([area(huishoudens=20.0)]), true_model)
    assert est.loc[0, "betrouwbaarheid"] == "redelijk"
    assert est.loc[0, "betrouwbaarheid_reden"].startswith("klein gebied")
    assert est.loc[0, "bronnen"] == "alle kenmerken uit eigen cijfers"


def test_unclear_winner_from_the_interval_model():
    from citisens_core.estimate import CLEAR_WINNER, dominant_probability

    frame = pd.DataFrame({
        "a": [0.30, 0.50], "a_laag": [0.20, 0.47], "a_hoog": [0.40, 0.53],
        "b": [0.29, 0.10], "b_laag": [0.19, 0.08], "b_hoog": [0.39, 0.12],
        "c": [0.41, 0.40], "c_laag": [0.05, 0.37], "c_hoog": [0.60, 0.43],
    })
    p = dominant_probability(frame)
    # row 0: c leads a by 11 pp, but c's interval is wide: not clear
    assert 0.5 <= p[0] < CLEAR_WINNER
    # row 1: a leads c by 10 pp with narrow intervals: clear
    assert p[1] > 0.99


def test_estimates_say_whether_the_most_common_profile_is_clear(areas, true_model):
    est = estimate_areas(areas, true_model)
    assert est["dominant_duidelijk"].dtype == bool
    assert ((est["dominant_kans"] >= 0.8) == est["dominant_duidelijk"]).all()
