import itertools
from importlib import resources

import numpy as np
import pytest
import yaml
from colorspacious import cspace_convert, deltaE

from citisens_core.scheme import SchemeError, load_scheme, parse_scheme

DEFAULT_TEXT = resources.files("citisens_core.data").joinpath("profielen-v1.yaml").read_text()


def edited(change) -> str:
    raw = yaml.safe_load(DEFAULT_TEXT)
    change(raw)
    return yaml.safe_dump(raw, allow_unicode=True)


def test_default_scheme_has_the_eight_profiles_with_published_shares(scheme):
    assert len(scheme.profielen) == 8
    assert sum(scheme.shares) == pytest.approx(1.0)
    published = {p.key: p.aandeel for p in scheme.profielen if not p.is_assumption}
    assert published == {"kritische_vernieuwers": 0.06, "gevestigde_beinvloeders": 0.18,
                         "zelfbewuste_aanpakkers": 0.16, "zorgzame_senioren": 0.06,
                         "honkvaste_buurtbewoners": 0.17}


def test_profiles_are_immutable(scheme):
    with pytest.raises(AttributeError):
        scheme.profielen[0].naam = "x"
    with pytest.raises(TypeError):
        scheme.profielen[0].kanalen["brief"] = 5


def test_portraits_are_three_to_five_sentences(scheme):
    for p in scheme.profielen:
        sentences = [s for s in p.portret.replace("!", ".").split(".") if s.strip()]
        assert 3 <= len(sentences) <= 5, p.key


@pytest.mark.parametrize("simulation", ["deuteranomaly", "protanomaly", "tritanomaly"])
def test_colours_stay_distinguishable_for_colour_blind_viewers(scheme, simulation):
    cvd = {"name": "sRGB1+CVD", "cvd_type": simulation, "severity": 100}
    colours = [np.array([int(p.kleur[i:i + 2], 16) for i in (1, 3, 5)]) / 255
               for p in scheme.profielen]
    seen = [np.clip(cspace_convert(c, cvd, "sRGB1"), 0, 1) for c in colours]
    closest = min(deltaE(a, b, input_space="sRGB1") for a, b in itertools.combinations(seen, 2))
    assert closest > 10, f"two profile colours look alike under {simulation} (ΔE {closest:.1f})"


# (change to the YAML, text the error must contain)
BAD_SCHEMES = [
    (lambda r: r["profielen"][0].pop("kleur"), "profiel kritische_vernieuwers: field 'kleur' is missing"),
    (lambda r: r["profielen"][1].update(kleur="blauw"), "profiel stadse_nomaden: field 'kleur' must be a colour"),
    (lambda r: r["profielen"][2]["kenmerken"].update(vertrouwen=9),
     "geinformeerde_gezinsdrukte: field 'kenmerken'.vertrouwen must be a number from 1 to 5"),
    (lambda r: r["profielen"][3]["kanalen"].pop("brief"), "gevestigde_beinvloeders: field 'kanalen' is missing ['brief']"),
    (lambda r: r["profielen"][4]["demografie"]["woning"].update(kasteel=1), "field 'demografie.woning' has unknown keys ['kasteel']"),
    (lambda r: r["profielen"][5].update(ladder=["ruziemaken"]), "field 'ladder' has unknown steps ['ruziemaken']"),
    (lambda r: r["profielen"][6].update(aandeel=0.5), "national shares (aandeel) add up to 1.330"),
    (lambda r: r["profielen"][7].update(key="kritische_vernieuwers"), "duplicate keys ['kritische_vernieuwers']"),
    (lambda r: r.pop("kanalen"), "missing top-level field 'kanalen'"),
    (lambda r: r["profielen"][0]["neigingen"]["richting"].update(aandeel_katten="+"),
     "kritische_vernieuwers: field 'neigingen.richting' names unknown figure 'aandeel_katten'"),
    (lambda r: r["profielen"][1]["neigingen"]["richting"].update(aandeel_huur="veel"),
     "field 'neigingen.richting.aandeel_huur' must be one of ['+', '-', '0']"),
]


@pytest.mark.parametrize(("change", "message"), BAD_SCHEMES)
def test_validation_names_profile_and_field(change, message):
    with pytest.raises(SchemeError, match=r"mijn-schema\.yaml") as info:
        parse_scheme(edited(change), source="mijn-schema.yaml")
    assert message in str(info.value)


def test_every_problem_is_reported_at_once():
    def two_problems(raw):
        raw["profielen"][0].pop("kleur")
        raw["profielen"][1]["kenmerken"]["online"] = 0
    with pytest.raises(SchemeError) as info:
        parse_scheme(edited(two_problems))
    assert len(info.value.problems) == 2


def test_a_renamed_later_generation_loads_without_code_changes(tmp_path):
    def rename(raw):
        raw["id"] = "citisens-2024"
        raw["profielen"][5].update(key="bescheiden_grijzen", naam="Bescheiden Grijzen")
        raw["profielen"][2].update(key="gehaaste_gezinnen", naam="Gehaaste Gezinnen")
    path = tmp_path / "generatie-2.yaml"
    path.write_text(edited(rename), encoding="utf-8")

    scheme = load_scheme(path)

    assert scheme.id == "citisens-2024"
    assert scheme.profile("bescheiden_grijzen").naam == "Bescheiden Grijzen"
    assert "zorgzame_senioren" not in scheme.keys


def test_unreadable_and_broken_files_say_so(tmp_path):
    with pytest.raises(SchemeError, match="cannot read file"):
        load_scheme(tmp_path / "bestaat-niet.yaml")
    with pytest.raises(SchemeError, match="not valid YAML"):
        parse_scheme("profielen: [", source="kapot.yaml")


def test_scheme_survives_pickling_for_model_caches(scheme):
    import pickle

    back = pickle.loads(pickle.dumps(scheme))
    assert back == scheme
    with pytest.raises(TypeError):
        back.profielen[0].kanalen["brief"] = 1


def test_every_profile_states_its_leanings_with_a_source(scheme):
    for profile in scheme.profielen:
        assert profile.neigingen, profile.key
        assert profile.neigingen_bron, profile.key
    assert scheme.profile("gevestigde_beinvloeders").neigingen["adressendichtheid"] == "0"
