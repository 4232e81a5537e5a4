"""The strategy engine: rule tables, ranking with reasons, missed residents, planner, notes."""

from __future__ import annotations

import copy
import itertools
import json
import re
from importlib import resources

import numpy as np
import pytest
import yaml

from citisens_core.strategy import (
    RULE_FILES,
    RulesError,
    advice_to_html,
    advice_to_markdown,
    advise,
    channel_reach,
    fmt_pct,
    instrument_reach,
    load_rules,
    missed_residents,
    mix_vector,
    parse_rules,
    plan_campaign,
    tone_advice,
    tradeoff,
)

LEFTOVER = re.compile(r"[{}]")


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture(scope="module")
def raw_tables() -> dict[str, dict]:
    folder = resources.files("citisens_core.data").joinpath("regels")
    return {name: yaml.safe_load(folder.joinpath(name).read_text("utf-8")) for name in RULE_FILES}


def heavy(scheme, key: str, share: float = 0.6, **others: float) -> dict[str, float]:
    """A mix with `share` for one profile, given shares for others, the rest spread evenly."""
    fixed = {key: share, **others}
    rest = [k for k in scheme.keys if k not in fixed]
    left = 1 - sum(fixed.values())
    return fixed | {k: left / len(rest) for k in rest}


def position(recs, key: str) -> int:
    return [r.key for r in recs].index(key)


# --- formatting ---------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [
    (0.3, "30 %"), (0.035, "3,5 %"), (0.0, "0 %"), (1.0, "100 %"), (0.123, "12 %"),
    (0.0004, "minder dan 0,1 %"), (0.0912, "9,1 %"), (float("nan"), "onbekend"),
])
def test_percentages_are_formatted_dutch_style(value, text):
    assert fmt_pct(value) == text


# --- ranking and reasons --------------------------------------------------------------------

CHANNEL_CASES = [
    # dominant profile, channel that must rank higher, channel that must rank lower
    ("honkvaste_buurtbewoners", "straat", "bijeenkomst"),
    ("gevestigde_beinvloeders", "bijeenkomst", "straat"),
    ("zorgzame_senioren", "brief", "sociale_media"),
    ("geinformeerde_gezinsdrukte", "school", "bijeenkomst"),
    ("zelfbewuste_aanpakkers", "verenigingen", "website"),
    ("stadse_nomaden", "sociale_media", "lokale_krant"),
]


@pytest.mark.parametrize(("profile", "higher", "lower"), CHANNEL_CASES)
def test_channel_ranking_follows_the_dominant_profile(scheme, profile, higher, lower):
    advice = advise(heavy(scheme, profile), area_name="Testbuurt")
    assert position(advice.kanalen, higher) < position(advice.kanalen, lower)
    reason = advice.kanalen[position(advice.kanalen, higher)].reden
    # the reason names the profile that drives the ranking, with its estimated share
    assert scheme.profile(profile).naam in reason
    assert "naar schatting 60 %" in reason
    assert reason.startswith("In Testbuurt woont naar schatting")


def test_honkvaste_and_gevestigde_areas_get_opposite_advice(scheme):
    honk = advise(heavy(scheme, "honkvaste_buurtbewoners"))
    gev = advise(heavy(scheme, "gevestigde_beinvloeders"))
    assert honk.kanalen[0].key == "straat"
    assert gev.kanalen[0].key != "straat"
    assert position(gev.kanalen, "bijeenkomst") < position(gev.kanalen, "straat")
    assert honk.instrumenten[0].key == "straatgesprekken"
    assert (position(gev.instrumenten, "bewonersavond")
            < position(gev.instrumenten, "straatgesprekken"))
    straat = next(r for r in honk.kanalen if r.key == "straat")
    assert "Honkvaste Buurtbewoners" in straat.reden
    assert "zelden naar bijeenkomsten" in straat.reden
    assert straat.bereik_per_profiel["honkvaste_buurtbewoners"] > \
        straat.bereik_per_profiel["gevestigde_beinvloeders"]


INSTRUMENT_CASES = [
    # profile, phase, step, higher, lower
    ("honkvaste_buurtbewoners", "ideeen_ophalen", "raadplegen", "straatgesprekken",
     "bewonersavond"),
    ("gevestigde_beinvloeders", "plan_toetsen", "adviseren", "formele_inspraak",
     "straatgesprekken"),
    ("zorgzame_senioren", "ideeen_ophalen", "raadplegen", "keukentafelgesprekken",
     "online_enquete"),
    ("zelfbewuste_aanpakkers", "samen_uitvoeren", "coproduceren", "buurtbudget",
     "online_enquete"),
    ("kritische_vernieuwers", "ideeen_ophalen", "coproduceren", "ontwerpatelier",
     "inwonerspanel"),
]


@pytest.mark.parametrize(("profile", "fase", "trede", "higher", "lower"), INSTRUMENT_CASES)
def test_instrument_ranking_follows_profile_phase_and_step(scheme, profile, fase, trede, higher,
                                                           lower):
    advice = advise(heavy(scheme, profile), fase=fase, trede=trede)
    assert position(advice.instrumenten, higher) < position(advice.instrumenten, lower)
    rec = advice.instrumenten[position(advice.instrumenten, higher)]
    assert advice.fase_naam in rec.reden and trede in rec.reden


def test_phase_changes_instrument_ranking(scheme):
    mix = heavy(scheme, "zelfbewuste_aanpakkers", 0.4)
    ideas = advise(mix, fase="ideeen_ophalen", trede="raadplegen")
    doing = advise(mix, fase="samen_uitvoeren", trede="coproduceren")
    assert position(doing.instrumenten, "buurtbudget") < position(ideas.instrumenten, "buurtbudget")
    assert position(doing.instrumenten, "online_enquete") > \
        position(ideas.instrumenten, "online_enquete")


def test_a_channel_reason_says_whom_it_misses(scheme):
    mix = heavy(scheme, "gevestigde_beinvloeders", 0.5, honkvaste_buurtbewoners=0.3)
    advice = advise(mix)
    meeting = advice.kanalen[position(advice.kanalen, "bijeenkomst")]
    assert "Het mist grotendeels de Honkvaste Buurtbewoners (naar schatting 30 %" in meeting.reden


@pytest.mark.parametrize("profile", [
    "kritische_vernieuwers", "stadse_nomaden", "geinformeerde_gezinsdrukte",
    "gevestigde_beinvloeders", "zelfbewuste_aanpakkers", "zorgzame_senioren",
    "honkvaste_buurtbewoners", "eigengereide_digitalen",
])
def test_every_rule_sentence_renders_with_real_numbers(scheme, rules, profile):
    assert set(scheme.keys) >= {profile}
    mix = heavy(scheme, profile)
    for thema, theme in rules.themas.items():
        for fase in rules.fasen:
            advice = advise(mix, thema=thema, fase=fase, area_name="Oud-Zuid")
            texts = [r.reden for r in (*advice.kanalen, *advice.instrumenten)]
            texts += [*advice.toon, *advice.thema_notities, advice.fase_notitie,
                      *advice.gemist_detail.zinnen]
            for text in texts:
                assert not LEFTOVER.search(text), text
            for rec in (*advice.kanalen, *advice.instrumenten):
                assert re.search(r"\d+(,\d)? %", rec.reden), rec.reden
                assert "naar schatting" in rec.reden
        if profile in theme.profielen:
            expected = f"{scheme.profile(profile).naam} (naar schatting 60 % in Oud-Zuid)"
            notes = advise(mix, thema=thema, area_name="Oud-Zuid").thema_notities
            assert any(n.startswith(expected) for n in notes), (thema, notes)


def test_curves_and_fit_sentences_render(rules):
    for curve in (rules.bereik, rules.deelname):
        described = curve.describe()
        assert len(described) == 5
        assert all("%" in s and not LEFTOVER.search(s) for s in described)
    for level, sentence in rules.geschiktheid.items():
        text = sentence.format(fase="plan toetsen", trede="adviseren")
        assert "plan toetsen" in text and not LEFTOVER.search(text), level


def test_tone_rules_fire_on_the_profiles_present(scheme):
    low_trust = tone_advice(heavy(scheme, "honkvaste_buurtbewoners"), "Noord")
    assert any("weinig vertrouwen" in t and "Honkvaste Buurtbewoners" in t for t in low_trust)
    assert any("persoonlijk" in t for t in low_trust)  # the general rule always applies
    thinkers = tone_advice(heavy(scheme, "kritische_vernieuwers", 0.5,
                                 gevestigde_beinvloeders=0.3), "Noord")
    assert not any("weinig vertrouwen" in t for t in thinkers)
    assert any("meedenken en invloed" in t for t in thinkers)


def test_theme_notes_carry_the_sourced_figures(scheme):
    mix = heavy(scheme, "kritische_vernieuwers", 0.3)
    fireworks = advise(mix, thema="vuurwerk")
    assert any("69 %" in n for n in fireworks.thema_notities)
    assert any("Kritische Vernieuwers (naar schatting 30 %" in n for n in fireworks.thema_notities)
    energy = advise(mix, thema="energietransitie")
    assert any("35.000" in n for n in energy.thema_notities)


def test_ondermijning_says_one_shared_message_works(scheme, rules):
    honk = advise(heavy(scheme, "honkvaste_buurtbewoners"), thema="ondermijning")
    gev = advise(heavy(scheme, "gevestigde_beinvloeders"), thema="ondermijning")
    for advice in (honk, gev):
        assert advice.gedeelde_boodschap
        assert any("één gedeelde basisboodschap" in n for n in advice.thema_notities)
        assert "één gedeelde basisboodschap" in advice_to_markdown(advice)
    assert rules.theme("ondermijning").profielen == {}
    assert not advise(heavy(scheme, "honkvaste_buurtbewoners"), thema="vuurwerk") \
        .gedeelde_boodschap


def test_theme_relevance_changes_participation(scheme):
    base = instrument_reach("algemeen", "raadplegen")
    energy = instrument_reach("energietransitie", "raadplegen")
    assert energy.at["keukentafelgesprekken", "zelfbewuste_aanpakkers"] > \
        base.at["keukentafelgesprekken", "zelfbewuste_aanpakkers"]
    assert energy.at["online_enquete", "honkvaste_buurtbewoners"] < \
        base.at["online_enquete", "honkvaste_buurtbewoners"]


def test_ladder_step_preferred_by_a_profile_raises_its_participation(rules):
    consult = instrument_reach("algemeen", "raadplegen")
    decide = instrument_reach("algemeen", "meebeslissen")
    # Honkvaste Buurtbewoners prefer informeren/raadplegen, Gevestigde adviseren/meebeslissen
    assert consult.at["online_enquete", "honkvaste_buurtbewoners"] == pytest.approx(
        decide.at["online_enquete", "honkvaste_buurtbewoners"] * rules.ladder_bonus)
    assert decide.at["online_enquete", "gevestigde_beinvloeders"] == pytest.approx(
        consult.at["online_enquete", "gevestigde_beinvloeders"] * rules.ladder_bonus)


# --- determinism and input checks -----------------------------------------------------------


def test_same_input_gives_same_advice(scheme):
    mix = heavy(scheme, "stadse_nomaden", 0.35, eigengereide_digitalen=0.25)
    first = advise(mix, thema="afval").to_dict()
    shuffled = dict(reversed(list(mix.items())))
    assert advise(shuffled, thema="afval").to_dict() == first
    json.dumps(first)  # JSON-ready


def test_ties_are_broken_by_key(scheme):
    # Zorgzame Senioren give brief, lokale_krant, persoonlijk and zorgnetwerk affinity 5
    advice = advise({"zorgzame_senioren": 1.0})
    top = [r.key for r in advice.kanalen[:4]]
    assert top == ["brief", "lokale_krant", "persoonlijk", "zorgnetwerk"]
    assert len({r.bereik for r in advice.kanalen[:4]}) == 1


@pytest.mark.parametrize(("mix", "match"), [
    ({"onbekend": 1.0}, r"unknown profile keys \['onbekend'\]"),
    ({"stadse_nomaden": 0.5}, "add up to 0.500, not 1"),
    ({"stadse_nomaden": 1.2, "zorgzame_senioren": -0.2}, r"bad values for \['zorgzame_senioren'\]"),
    ({"stadse_nomaden": float("nan")}, "bad values"),
])
def test_bad_mixes_are_refused(scheme, mix, match):
    with pytest.raises(ValueError, match=match):
        mix_vector(mix, scheme)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"thema": "carnaval"}, "unknown thema 'carnaval'; allowed: algemeen, energietransitie"),
    ({"fase": "evalueren"}, "unknown fase 'evalueren'; allowed: ideeen_ophalen"),
    ({"trede": "negeren"}, "unknown trede 'negeren'; allowed: informeren"),
])
def test_unknown_choices_name_the_allowed_values(scheme, kwargs, match):
    with pytest.raises(ValueError, match=match):
        advise(heavy(scheme, "stadse_nomaden"), **kwargs)


# --- rule validation -------------------------------------------------------------------------


def _set(tables, path, value):
    node = tables[path[0]]
    for key in path[1:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value


_DELETE = object()

BAD_RULES = [
    (("themas.yaml", "themas", "vuurwerk", "profielen", "onbekend_profiel"),
     {"relevantie": 1.0, "zin": "{profiel}", "bron": "aanname"},
     r"themas.yaml: thema vuurwerk: profiel onbekend_profiel: unknown profile key"),
    (("kanalen.yaml", "kanalen", "straat", "bron"), _DELETE,
     r"kanalen.yaml: kanaal straat: field 'bron' is missing or empty"),
    (("instrumenten.yaml", "instrumenten", "burgerberaad", "fasen", "plan_toetsen"), 7,
     r"instrument burgerberaad: field 'fasen.plan_toetsen' must be a score from 1 to 5, got 7"),
    (("instrumenten.yaml", "instrumenten", "buurtbudget", "treden", "meebeslissen"), _DELETE,
     r"instrument buurtbudget: field 'treden' is missing \['meebeslissen'\]"),
    (("kanalen.yaml", "kanalen", "brief", "inspanning"), 0,
     r"kanaal brief: field 'inspanning' must be a number from 1 to 5, got 0"),
    (("kanalen.yaml", "kanalen", "website", "zin"), "In {wijk} woont {aandeel}.",
     r"kanaal website: field 'zin' uses unknown placeholders \['wijk'\]"),
    (("kanalen.yaml", "kanalen", "website", "zin"), "Open {haakje",
     r"kanaal website: field 'zin' is not a valid sentence template"),
    (("kanalen.yaml", "kanalen", "telegram"), {"inspanning": 1, "zin": "x", "bron": "aanname"},
     r"unknown kanalen \['telegram'\]"),
    (("kanalen.yaml", "kanalen", "school"), _DELETE, r"no rule for kanalen \['school'\]"),
    (("kanalen.yaml", "bereik", "kans", 3), 0.9, r"kanalen.yaml: bereik: field 'kans' must not fall"),
    (("themas.yaml", "themas", "vuurwerk", "profielen", "kritische_vernieuwers", "relevantie"), 3,
     r"profiel kritische_vernieuwers: field 'relevantie' must be a number from 0.5 to 1.5"),
    (("themas.yaml", "themas", "afval", "instrumenten"), {"referendum": 1.2},
     r"thema afval: field 'instrumenten' has unknown instrument 'referendum'"),
    (("themas.yaml", "themas", "algemeen"), _DELETE, r"thema 'algemeen' is missing"),
    (("themas.yaml", "themas", "vuurwerk", "gedeelde_boodschap"), "ja",
     r"thema vuurwerk: field 'gedeelde_boodschap' must be true or false"),
    (("toon.yaml", "regels", 0, "kenmerk"), "humeur",
     r"toon.yaml: regel weinig_vertrouwen: field 'kenmerk' must be one of"),
    (("instrumenten.yaml", "geschiktheid", "zinnen", 3), _DELETE,
     r"geschiktheid.zinnen.3: sentence is missing"),
]


@pytest.mark.parametrize(("path", "value", "match"), BAD_RULES)
def test_bad_rule_entries_are_reported(raw_tables, scheme, path, value, match):
    tables = copy.deepcopy(raw_tables)
    _set(tables, path, value)
    texts = {name: yaml.safe_dump(t, allow_unicode=True) for name, t in tables.items()}
    with pytest.raises(RulesError, match=match):
        parse_rules(texts, scheme=scheme, source="test")


def test_every_problem_is_reported_at_once(raw_tables, scheme):
    tables = copy.deepcopy(raw_tables)
    del tables["kanalen.yaml"]["kanalen"]["straat"]["bron"]
    tables["themas.yaml"]["themas"]["afval"]["profielen"]["zombies"] = {
        "relevantie": 1, "zin": "x", "bron": "aanname"}
    texts = {name: yaml.safe_dump(t, allow_unicode=True) for name, t in tables.items()}
    with pytest.raises(RulesError) as caught:
        parse_rules(texts, scheme=scheme, source="test")
    assert len(caught.value.problems) == 2
    assert str(caught.value).startswith("test: ")


def test_rules_load_from_a_folder_and_name_missing_files(raw_tables, scheme, tmp_path):
    for name, table in raw_tables.items():
        (tmp_path / name).write_text(yaml.safe_dump(table, allow_unicode=True), "utf-8")
    assert set(load_rules(tmp_path, scheme).kanalen) == set(scheme.kanalen)
    (tmp_path / "toon.yaml").unlink()
    with pytest.raises(RulesError, match=r"toon\.yaml: cannot read file"):
        load_rules(tmp_path, scheme)
    (tmp_path / "toon.yaml").write_text("regels: [", "utf-8")
    with pytest.raises(RulesError, match=r"toon\.yaml: not valid YAML"):
        load_rules(tmp_path, scheme)


def test_every_shipped_rule_has_a_source(rules):
    entries = [*rules.kanalen.values(), *rules.instrumenten.values(), *rules.fasen.values(),
               *rules.toon_algemeen, *rules.toon_regels, rules.bereik, rules.deelname]
    for theme in rules.themas.values():
        entries += [*theme.notities, *theme.profielen.values()]
    assert all(e.bron.strip() for e in entries)


# --- who do we miss --------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["honkvaste_buurtbewoners", "gevestigde_beinvloeders",
                                     "zorgzame_senioren"])
def test_missed_shares_are_fractions_and_shrink_when_a_channel_is_added(scheme, profile):
    mix = heavy(scheme, profile)
    chosen: list[str] = []
    previous = np.ones(len(scheme.keys))
    for channel in ["bijeenkomst", "website", "straat", "brief"]:
        chosen.append(channel)
        missed = missed_residents(mix, chosen, huishoudens=1000)
        values = np.array(list(missed.per_profiel.values()))
        assert ((values >= 0) & (values <= 1)).all()
        assert (values < previous).all()
        assert missed.totaal == pytest.approx(float(np.dot(mix_vector(mix, scheme), values)))
        assert missed.huishoudens == pytest.approx(1000 * missed.totaal)
        previous = values
    with_instrument = missed_residents(mix, chosen, ["straatgesprekken"])
    assert all(with_instrument.per_profiel[k] < missed.per_profiel[k] for k in scheme.keys)


def test_missed_residents_match_the_independent_reach_formula(scheme):
    mix = heavy(scheme, "stadse_nomaden", 0.4)
    reach = channel_reach()
    missed = missed_residents(mix, ["lokale_krant", "sociale_media"])
    for key in scheme.keys:
        expected = (1 - reach.at["lokale_krant", key]) * (1 - reach.at["sociale_media", key])
        assert missed.per_profiel[key] == pytest.approx(expected)


def test_missed_profiles_get_the_channel_that_reaches_them(scheme):
    mix = heavy(scheme, "zorgzame_senioren", 0.4, stadse_nomaden=0.3)
    missed = missed_residents(mix, ["sociale_media", "website"])
    # seniors are barely online: the best extra channel is one of their affinity-5 channels,
    # the first by key
    assert missed.aanvulling["zorgzame_senioren"] == "brief"
    assert missed.na_aanvulling["zorgzame_senioren"] < missed.per_profiel["zorgzame_senioren"]
    assert "stadse_nomaden" not in missed.aanvulling  # well reached online
    sentence = missed.zinnen[0]
    assert sentence.startswith("Van de Zorgzame Senioren (naar schatting 40 %")
    assert "brief of huis-aan-huisblad" in sentence


def test_advice_reports_missed_for_its_default_mix(scheme):
    advice = advise(heavy(scheme, "gevestigde_beinvloeders"), huishoudens=2000)
    detail = advice.gemist_detail
    assert detail.kanalen == tuple(r.key for r in advice.kanalen[:3])
    assert detail.instrumenten == tuple(r.key for r in advice.instrumenten[:2])
    assert set(advice.gemist) == set(scheme.keys)
    out = advice.to_dict()
    assert set(out["gemist_per_profiel"]) == set(scheme.keys)
    assert out["gemist_huishoudens"] == round(2000 * detail.totaal)


def test_unknown_channel_in_missed_is_refused(scheme):
    with pytest.raises(ValueError, match="unknown kanaal 'fax'; allowed: brief"):
        missed_residents(heavy(scheme, "stadse_nomaden"), ["fax"])


# --- planner ---------------------------------------------------------------------------------


def _brute_force(mix, scheme, rules, max_n=None, budget=None, min_bereik=0.5, drempel=0.05):
    """Reference: best weighted reach over all feasible subsets, by plain iteration."""
    reach = channel_reach()
    shares = mix_vector(mix, scheme)
    present = [i for i, s in enumerate(shares) if s >= drempel]
    best = None
    keys = list(reach.index)
    for n in range(1, (max_n or len(keys)) + 1):
        for combo in itertools.combinations(keys, n):
            cost = sum(rules.kanalen[c].inspanning for c in combo)
            if budget is not None and cost > budget:
                continue
            per_profile = 1 - np.prod([1 - reach.loc[c].to_numpy() for c in combo], axis=0)
            if any(per_profile[i] < min_bereik - 1e-9 for i in present):
                continue
            total = float(shares @ per_profile)
            if best is None or total > best[0] + 1e-12:
                best = (total, combo)
    return best


PLAN_MIXES = {
    "honkvast": ("honkvaste_buurtbewoners", 0.5),
    "gevestigd": ("gevestigde_beinvloeders", 0.5),
    "senioren": ("zorgzame_senioren", 0.45),
    "gemengd": ("stadse_nomaden", 0.2),
}


@pytest.mark.parametrize("mix_name", sorted(PLAN_MIXES))
@pytest.mark.parametrize(("max_n", "budget"), [(2, None), (3, None), (4, None), (None, 7),
                                               (None, 10)])
def test_planner_matches_exhaustive_search_and_respects_constraints(scheme, rules, mix_name,
                                                                    max_n, budget):
    mix = heavy(scheme, *PLAN_MIXES[mix_name])
    plan = plan_campaign(mix, max_kanalen=max_n, budget=budget, min_bereik=0.5)
    reference = _brute_force(mix, scheme, rules, max_n, budget)
    assert plan.haalbaar == (reference is not None)
    if max_n is not None:
        assert len(plan.kanalen) <= max_n
    if budget is not None:
        assert plan.inspanning <= budget
    if reference is not None:
        assert plan.bereik == pytest.approx(reference[0])
        for key, share in mix.items():
            if share >= 0.05:
                assert plan.bereik_per_profiel[key] >= 0.5 - 1e-9
        assert "Elk aanwezig profiel wordt voor minstens 50 % bereikt" in plan.toelichting
    else:
        assert plan.tekort
        assert "geen enkele combinatie" in plan.toelichting


def test_planner_says_when_the_minimum_cannot_be_met(scheme):
    mix = dict(zip(scheme.keys, scheme.shares, strict=True))
    plan = plan_campaign(mix, max_kanalen=1, min_bereik=0.6)
    assert not plan.haalbaar
    assert len(plan.kanalen) == 1
    assert all(v < 0.6 for v in plan.tekort.values())
    assert "achter blijven" in plan.toelichting


def test_planner_without_limits_finds_the_least_effort(scheme, rules):
    mix = heavy(scheme, "honkvaste_buurtbewoners", 0.5)
    plan = plan_campaign(mix)
    assert plan.haalbaar
    reach = channel_reach()
    present = [k for k, v in mix.items() if v >= 0.05]
    cheapest = min(
        sum(rules.kanalen[c].inspanning for c in combo)
        for n in range(1, len(reach) + 1)
        for combo in itertools.combinations(reach.index, n)
        if all(1 - np.prod([1 - reach.at[c, k] for c in combo]) >= 0.5 for k in present))
    assert plan.inspanning == cheapest


def test_planner_honours_required_channels(scheme):
    mix = heavy(scheme, "eigengereide_digitalen", 0.5)
    plan = plan_campaign(mix, max_kanalen=3, verplicht=["lokale_krant"])
    assert "lokale_krant" in plan.kanalen
    with pytest.raises(ValueError, match="verplicht: unknown channels"):
        plan_campaign(mix, max_kanalen=3, verplicht=["fax"])


def test_tradeoff_rises_with_more_channels_and_matches_exhaustive(scheme, rules):
    mix = heavy(scheme, "geinformeerde_gezinsdrukte", 0.4)
    table = tradeoff(mix, max_kanalen=8)
    assert list(table["aantal_kanalen"]) == list(range(1, 9))
    assert (np.diff(table["bereik"]) > 0).all()
    assert ((table["bereik"] >= 0) & (table["bereik"] <= 1)).all()
    reach = channel_reach()
    shares = mix_vector(mix, scheme)
    best_two = max(float(shares @ (1 - (1 - reach.loc[a].to_numpy()) * (1 - reach.loc[b]
                                                                          .to_numpy())))
                   for a, b in itertools.combinations(reach.index, 2))
    assert table.loc[1, "bereik"] == pytest.approx(best_two)
    feasible = table[table["haalbaar"]]
    assert (feasible["bereik_met_eis"] <= feasible["bereik"] + 1e-12).all()


# --- notes -----------------------------------------------------------------------------------


def test_markdown_note_is_readable_dutch(scheme):
    advice = advise(heavy(scheme, "honkvaste_buurtbewoners", 0.3), thema="vuurwerk",
                    area_name="Oosterpark", huishoudens=1234, betrouwbaarheid="redelijk")
    plan = plan_campaign(dict(advice.mix), max_kanalen=3)
    text = advice_to_markdown(advice, plan=plan)
    assert text.startswith("# Participatieadvies: Oosterpark\n")
    for heading in ("## Kanalen", "## Instrumenten", "## Wie missen we", "## Toon",
                    "## Campagneplan", "## Bronnen en aannames"):
        assert heading in text
    assert "Naar schatting 1.234 huishoudens" in text
    assert "30 %" in text and "geen label voor personen" in text
    assert not LEFTOVER.search(text)


def test_html_note_escapes_every_text(scheme):
    advice = advise(heavy(scheme, "stadse_nomaden"), area_name="<script>alert(1)</script> & Co")
    page = advice_to_html(advice, map_png=b"\x89PNG fake")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert "<script>" not in advice_to_markdown(advice)  # Markdown viewers render HTML too
    assert page.startswith("<!DOCTYPE html>") and 'lang="nl"' in page
    assert "data:image/png;base64," in page
    assert page.count("<table>") == 4
    markdown = advice_to_markdown(advice, map_path="kaart.png")
    assert "![Kaart](kaart.png)" in markdown


def _schildersbuurt_like() -> dict[str, float]:
    return {"honkvaste_buurtbewoners": 0.40, "eigengereide_digitalen": 0.15,
            "gevestigde_beinvloeders": 0.08, "geinformeerde_gezinsdrukte": 0.10,
            "zorgzame_senioren": 0.07, "zelfbewuste_aanpakkers": 0.06,
            "stadse_nomaden": 0.08, "kritische_vernieuwers": 0.06}


def test_channels_are_ranked_by_what_they_add_to_the_channels_above():
    advice = advise(_schildersbuurt_like(), area_name="Schildersbuurt")
    scores = [r.score for r in advice.kanalen]
    assert scores == sorted(scores, reverse=True)
    # the street adds most for the many Honkvaste Buurtbewoners that social media misses
    assert [r.key for r in advice.kanalen[:2]] == ["sociale_media", "straat"]
    assert advice.kanalen[1].score < advice.kanalen[1].bereik
    assert "Bovenop de kanalen die hoger staan" in advice.kanalen[1].reden


def test_reasons_follow_the_portraits(scheme):
    advice = advise(_schildersbuurt_like(), area_name="Schildersbuurt")
    social = next(r for r in advice.kanalen if r.key == "sociale_media")
    street = next(r for r in advice.kanalen if r.key == "straat")
    # the Honkvaste portrait says: go to them on the street; social media is argued
    # with a profile for which it is their best channel
    assert "Honkvaste Buurtbewoners" in street.reden.split(";")[0]
    assert "Honkvaste Buurtbewoners" not in social.reden.split(";")[0]


def test_reach_is_worded_so_it_cannot_be_misread():
    advice = advise(_schildersbuurt_like(), area_name="Schildersbuurt")
    assert all("over alle profielen samen" in r.reden for r in advice.kanalen)
