"""The synthetic population: characters, members, CBS aggregation, secrecy, truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from citisens_core.demographics import DIMENSIONS
from citisens_core.fictional.population import (
    CHARACTERS,
    SECRET,
    aggregate_cbs,
    aggregate_postcode,
    simulate_population,
    true_mix,
    urbanity_class,
)

# Two buurten per character, so a "wijk" of two buurten can be checked.
BUURTEN = pd.DataFrame({
    "code": [f"BU{i:02d}" for i in range(12)],
    "karakter": [k for k in CHARACTERS for _ in range(2)],
    "huishoudens": [700, 500, 800, 600, 700, 650, 500, 450, 120, 90, 9, 14],
})
URBANITY = {"oude_kern": {2}, "naoorlogs": {2, 3}, "nieuwbouw": {3}, "dorp": {4, 5},
            "buitengebied": {5}, "bedrijventerrein": {3, 4}}
PERCENTAGES = [
    "percentage_personen_0_tot_15_jaar", "percentage_eenpersoonshuishoudens",
    "percentage_huishoudens_met_kinderen", "percentage_koopwoningen",
    "percentage_huishoudens_met_laag_inkomen",
]


@pytest.fixture(scope="module")
def population(scheme):
    pop = simulate_population(BUURTEN, scheme=scheme, seed=7)
    hh = pop.households
    # Pair the buurten into "wijken" of one character each.
    hh["wijkcode"] = "WK" + hh["buurtcode"].str[2:].astype(int).floordiv(2).astype(str)
    return pop


def test_every_household_and_person_is_accounted_for(population):
    hh, persons = population.households, population.persons
    assert hh.groupby("buurtcode").size().reindex(BUURTEN["code"]).tolist() == \
        BUURTEN["huishoudens"].tolist()
    assert (persons.groupby("huishouden_id").size().reindex(hh["huishouden_id"]).to_numpy()
            == hh["grootte"].to_numpy()).all()
    heads = persons[persons["rol"] == "hoofd"]
    assert heads["huishouden_id"].is_unique and len(heads) == len(hh)
    for dim, categories in DIMENSIONS.items():
        assert set(hh[dim]) <= set(categories), dim


def test_members_are_plausible(population):
    hh = population.households.set_index("huishouden_id")
    persons = population.persons.merge(hh[["leeftijd", "huishouden", "samenstelling"]],
                                       left_on="huishouden_id", right_index=True,
                                       suffixes=("", "_band"))
    heads = persons[persons["rol"] == "hoofd"]
    bounds = {"18-24": (18, 24), "25-44": (25, 44), "45-64": (45, 64), "65+": (65, 110)}
    for band, (low, high) in bounds.items():
        ages = heads.loc[heads["leeftijd_band"] == band, "leeftijd"]
        assert ages.between(low, high).all(), band
    kids = persons[persons["rol"] == "kind"]
    assert kids["leeftijd"].between(0, 24).all()
    assert set(kids["huishouden"]) == {"met_kinderen"}
    assert (persons.loc[persons["rol"] != "kind", "leeftijd"] >= 18).all()
    families = hh[hh["huishouden"] == "met_kinderen"]
    couples = (families["samenstelling"] == "tweeouder").mean()
    assert 0.85 < couples < 0.95
    assert (hh.loc[hh["huishouden"] == "alleenstaand", "grootte"] == 1).all()
    assert (hh.loc[hh["huishouden"] == "zonder_kinderen", "grootte"] == 2).all()
    assert hh.loc[hh["huishouden"] == "met_kinderen", "grootte"].between(2, 5).all()


def test_marginals_follow_the_character(population):
    hh = population.households
    for key, character in CHARACTERS.items():
        rows = hh[hh["karakter"] == key]
        if len(rows) < 300:  # too few households for a stable share
            continue
        for dim in ("huishouden", "woning", "inkomen", "leeftijd"):
            realised = rows[dim].value_counts(normalize=True).reindex(DIMENSIONS[dim],
                                                                      fill_value=0)
            expected = np.asarray(getattr(character, dim))
            assert np.abs(realised.to_numpy() - expected).max() < 0.12, (key, dim)


def test_urbanity_is_one_class_per_buurt_from_its_density(population):
    hh = population.households
    per_buurt = hh.groupby("buurtcode").agg(klassen=("stedelijkheid", "nunique"),
                                            klasse=("stedelijkheid", "first"),
                                            karakter=("karakter", "first"),
                                            dichtheid=("adressendichtheid", "first"))
    assert (per_buurt["klassen"] == 1).all()
    assert (per_buurt["klasse"].astype(int) == urbanity_class(per_buurt["dichtheid"])).all()
    for row in per_buurt.itertuples():
        assert int(row.klasse) in URBANITY[row.karakter], row


def test_buurten_differ_like_real_ones(population):
    """Families in new-build, singles and renters in the centre, villagers act locally."""
    mix = true_mix(population.households, "karakter").set_index("karakter")
    assert mix.loc["nieuwbouw", "geinformeerde_gezinsdrukte"] > \
        2 * mix.loc["oude_kern", "geinformeerde_gezinsdrukte"]
    assert mix.loc["oude_kern", "stadse_nomaden"] > 2 * mix.loc["dorp", "stadse_nomaden"]
    assert mix.loc["dorp", "zelfbewuste_aanpakkers"] > \
        2 * mix.loc["oude_kern", "zelfbewuste_aanpakkers"]
    stats = aggregate_cbs(population.households, population.persons, "karakter", publish=False)
    stats = stats.set_index("karakter")
    assert stats.loc["naoorlogs", "perc_huurwoningen_in_bezit_woningcorporaties"] > \
        stats.loc["nieuwbouw", "perc_huurwoningen_in_bezit_woningcorporaties"]
    assert stats.loc["nieuwbouw", "percentage_personen_0_tot_15_jaar"] > \
        stats.loc["oude_kern", "percentage_personen_0_tot_15_jaar"]
    assert stats.loc["buitengebied", "gemiddelde_woningwaarde"] > \
        stats.loc["naoorlogs", "gemiddelde_woningwaarde"]


def test_true_mix_sums_to_one_per_area(population, scheme):
    mix = true_mix(population.households, "buurtcode", scheme)
    assert list(mix.columns) == ["buurtcode", "huishoudens", *scheme.keys]
    np.testing.assert_allclose(mix[list(scheme.keys)].sum(axis=1), 1.0)
    assert mix["huishoudens"].tolist() == BUURTEN["huishoudens"].tolist()


def test_true_mix_rejects_unknown_profiles(population, scheme):
    bad = population.households.head(3).assign(profiel="onbekend")
    with pytest.raises(ValueError, match="column profiel has keys \\['onbekend'\\]"):
        true_mix(bad, "buurtcode", scheme)


def test_wijk_figures_are_household_weighted_combinations_of_buurten(population):
    hh, persons = population.households, population.persons
    buurt = aggregate_cbs(hh, persons, "buurtcode", publish=False)
    buurt["wijkcode"] = "WK" + buurt["buurtcode"].str[2:].astype(int).floordiv(2).astype(str)
    wijk = aggregate_cbs(hh, persons, "wijkcode", publish=False).set_index("wijkcode")
    sums = buurt.groupby("wijkcode")[["aantal_huishoudens", "aantal_inwoners"]].sum()
    np.testing.assert_allclose(wijk[sums.columns], sums)
    weights = buurt["aantal_huishoudens"]
    for col in ("percentage_eenpersoonshuishoudens", "percentage_koopwoningen",
                "percentage_huishoudens_met_laag_inkomen", "gemiddelde_woningwaarde",
                "omgevingsadressendichtheid"):
        combined = (buurt[col] * weights).groupby(buurt["wijkcode"]).sum() / \
            weights.groupby(buurt["wijkcode"]).sum()
        np.testing.assert_allclose(wijk[col], combined, err_msg=col)
    by_inhabitants = buurt["aantal_inwoners"]
    combined = (buurt["percentage_personen_65_jaar_en_ouder"] * by_inhabitants).groupby(
        buurt["wijkcode"]).sum() / by_inhabitants.groupby(buurt["wijkcode"]).sum()
    np.testing.assert_allclose(wijk["percentage_personen_65_jaar_en_ouder"], combined)


def test_published_figures_have_cbs_units_and_rounding(population):
    hh, persons = population.households, population.persons
    exact = aggregate_cbs(hh, persons, "buurtcode", publish=False).set_index("buurtcode")
    published = aggregate_cbs(hh, persons, "buurtcode", seed=3).set_index("buurtcode")
    visible = exact["aantal_inwoners"] >= 50
    for col in ("aantal_inwoners", "aantal_huishoudens", "mannen", "vrouwen"):
        assert (published[col] % 5 == 0).all(), col
        assert ((published[col] - exact[col]).abs() < 5).all(), col
    for col in PERCENTAGES:
        values = published.loc[visible, col]
        assert values.between(0, 100).all() and (values == values.round()).all()
        assert ((values - exact.loc[visible, col]).abs() <= 0.5).all(), col
    ages = published.loc[visible, [c for c in published if c.startswith("percentage_personen")]]
    assert ages.sum(axis=1).between(97, 103).all()
    assert published.loc[visible, "stedelijkheid_adressen_per_km2"].isin(range(1, 6)).all()
    size = published.loc[visible, "gemiddelde_huishoudsgrootte"]
    assert size.between(1.2, 3.5).all() and (size == size.round(1)).all()


def test_secrecy_below_fifty_inhabitants(population):
    hh, persons = population.households, population.persons
    exact = aggregate_cbs(hh, persons, "buurtcode", publish=False).set_index("buurtcode")
    published = aggregate_cbs(hh, persons, "buurtcode").set_index("buurtcode")
    small = exact.index[exact["aantal_inwoners"] < 50]
    assert len(small) >= 1, "the fixture needs a buurt below 50 inhabitants"
    for col in (*PERCENTAGES, "gemiddelde_huishoudsgrootte", "gemiddeld_inkomen_per_inwoner",
                "gemiddelde_woningwaarde"):
        assert (published.loc[small, col] == SECRET).all(), col
    # counts stay published (rounded); density needs only 10 inhabitants
    assert (published.loc[small, "aantal_inwoners"] >= 0).all()
    dense = small[exact.loc[small, "aantal_inwoners"] >= 10]
    assert (published.loc[dense, "omgevingsadressendichtheid"] > 0).all()
    large = exact.index[exact["aantal_inwoners"] >= 100]
    assert (published.loc[large, PERCENTAGES] != SECRET).all().all()


def test_postcode_statistics_are_counts_with_secrecy_below_five(population):
    hh = population.households.copy()
    # Blocks of 10 households, and the first household of each buurt alone in a block.
    block = (hh.groupby("buurtcode").cumcount() + 9) // 10
    hh["pc6"] = hh["buurtcode"] + "-" + block.astype(str)
    persons = population.persons
    exact = aggregate_postcode(hh, persons, "pc6", publish=False).set_index("pc6")
    published = aggregate_postcode(hh, persons, "pc6", seed=1).set_index("pc6")
    ages = [c for c in exact if c.startswith("aantal_inwoners_")]
    np.testing.assert_allclose(exact[ages].sum(axis=1), exact["aantal_inwoners"])
    kinds = ["aantal_eenpersoonshuishoudens", "aantal_meerpersoonshuishoudens_zonder_kind",
             "aantal_eenouderhuishoudens", "aantal_tweeouderhuishoudens"]
    np.testing.assert_allclose(exact[kinds].sum(axis=1), exact["aantal_part_huishoudens"])
    tiny = exact["aantal_inwoners"] < 5
    assert tiny.any()
    hidden = published.loc[tiny, ["aantal_inwoners", "percentage_koopwoningen"]]
    assert (hidden == SECRET).all().all()
    shown = published.loc[~tiny, [*ages, "aantal_inwoners"]]
    assert ((shown % 5) == 0).all().all()


def test_same_seed_same_population_other_seed_other(scheme):
    small = BUURTEN.iloc[[0, 6, 10]]
    a = simulate_population(small, scheme=scheme, seed=11)
    b = simulate_population(small, scheme=scheme, seed=11)
    c = simulate_population(small, scheme=scheme, seed=12)
    pd.testing.assert_frame_equal(a.households, b.households)
    pd.testing.assert_frame_equal(a.persons, b.persons)
    assert not a.households["profiel"].equals(c.households["profiel"])
    pd.testing.assert_frame_equal(aggregate_cbs(a.households, a.persons, "buurtcode", seed=2),
                                  aggregate_cbs(b.households, b.persons, "buurtcode", seed=2))


@pytest.mark.parametrize(("density", "klasse"), [
    (3000, 1), (2500, 1), (2499, 2), (1500, 2), (1499, 3), (1000, 3), (999, 4), (500, 4),
    (499, 5), (0, 5),
])
def test_urbanity_class_follows_cbs_bounds(density, klasse):
    assert int(urbanity_class(density)) == klasse


@pytest.mark.parametrize(("table", "message"), [
    (BUURTEN.drop(columns="karakter"), "missing columns \\['karakter'\\]"),
    (BUURTEN.assign(karakter="stadspark"), "unknown values \\['stadspark'\\]"),
    (BUURTEN.assign(huishoudens=-1), "negative counts"),
])
def test_bad_buurten_table_is_refused_with_a_clear_message(table, message):
    with pytest.raises(ValueError, match=message):
        simulate_population(table, seed=0)
