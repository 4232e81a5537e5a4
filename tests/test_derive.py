"""Each derivation rule, driven by the rule table itself."""

import numpy as np
import pandas as pd
import pytest

from citisens_core.derive import derivations, derive_figures, parse_derivations

#: One case per rule: the inputs, the expected derived value.
CASES = {
    ("stedelijkheid", "adressendichtheid"): [
        ({"adressendichtheid": 2500.0}, 1.0), ({"adressendichtheid": 2499.0}, 2.0),
        ({"adressendichtheid": 1500.0}, 2.0), ({"adressendichtheid": 1200.0}, 3.0),
        ({"adressendichtheid": 999.0}, 4.0), ({"adressendichtheid": 500.0}, 4.0),
        ({"adressendichtheid": 499.0}, 5.0), ({"adressendichtheid": 0.0}, 5.0)],
    ("inwoners", "mannen"): [({"mannen": 50.0, "vrouwen": 65.0}, 115.0)],
    ("huishoudens", "inwoners"): [({"inwoners": 230.0, "gem_huishoudgrootte": 2.3}, 100.0)],
    ("gem_huishoudgrootte", "inwoners"): [({"inwoners": 230.0, "huishoudens": 100.0}, 2.3)],
    ("aandeel_huur", "aandeel_koop"): [({"aandeel_koop": 0.7}, 0.3)],
    ("aandeel_koop", "aandeel_huur"): [({"aandeel_huur": 0.45}, 0.55)],
    ("aandeel_eenpersoons", "aandeel_zonder_kinderen"): [
        ({"aandeel_zonder_kinderen": 0.3, "aandeel_met_kinderen": 0.3}, 0.4)],
    ("aandeel_zonder_kinderen", "aandeel_eenpersoons"): [
        ({"aandeel_eenpersoons": 0.4, "aandeel_met_kinderen": 0.3}, 0.3)],
    ("aandeel_met_kinderen", "aandeel_eenpersoons"): [
        ({"aandeel_eenpersoons": 0.4, "aandeel_zonder_kinderen": 0.35}, 0.25)],
    ("aandeel_0_15", "aandeel_15_25"): [
        ({"aandeel_15_25": 0.1, "aandeel_25_45": 0.3, "aandeel_45_65": 0.25,
          "aandeel_65_plus": 0.2}, 0.15)],
    ("aandeel_65_plus", "aandeel_0_15"): [
        ({"aandeel_0_15": 0.15, "aandeel_15_25": 0.1, "aandeel_25_45": 0.3,
          "aandeel_45_65": 0.25}, 0.2)],
}


@pytest.mark.parametrize("rule", derivations(), ids=lambda r: f"{r.target}<-{r.inputs[0]}")
def test_every_rule_derives_its_figure_and_says_so(rule):
    cases = CASES[(rule.target, rule.inputs[0])]
    for inputs, expected in cases:
        table = pd.DataFrame([inputs])
        filled, how = derive_figures(table, (rule,))
        assert filled.loc[0, rule.target] == pytest.approx(expected)
        assert how.loc[0, rule.target].startswith("afgeleid uit")
        assert rule.source


def test_every_rule_has_a_case():
    assert {(r.target, r.inputs[0]) for r in derivations()} == set(CASES)


def test_a_published_figure_is_never_overwritten():
    table = pd.DataFrame([{"adressendichtheid": 3000.0, "stedelijkheid": 3.0}])
    filled, how = derive_figures(table)
    assert filled.loc[0, "stedelijkheid"] == 3.0
    assert "stedelijkheid" not in how or how.loc[0, "stedelijkheid"] == ""


def test_derived_figures_feed_other_rules():
    table = pd.DataFrame([{"mannen": 120.0, "vrouwen": 110.0, "gem_huishoudgrootte": 2.3}])
    filled, _ = derive_figures(table)
    assert filled.loc[0, "huishoudens"] == pytest.approx(100.0)


def test_missing_inputs_derive_nothing():
    table = pd.DataFrame([{"adressendichtheid": np.nan, "mannen": 5.0}])
    filled, _ = derive_figures(table)
    assert np.isnan(filled.loc[0, "stedelijkheid"]) if "stedelijkheid" in filled else True
    assert np.isnan(filled.loc[0, "inwoners"]) if "inwoners" in filled else True


def test_a_bad_rule_is_named():
    with pytest.raises(ValueError, match=r"afleidingen\[0\] \(stedelijkheid\).*grenzen"):
        parse_derivations("afleidingen:\n  - {doel: stedelijkheid, uit: [adressendichtheid],"
                          " methode: klassen, bron: CBS}\n")
    with pytest.raises(ValueError, match="unknown canonical columns"):
        parse_derivations("afleidingen:\n  - {doel: foo, uit: [bar], methode: som, bron: x}\n")
