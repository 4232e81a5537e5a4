import pandas as pd
import pytest

from citisens_core.demographics import DIMENSIONS
from citisens_core.fictional.survey import generate_survey
from citisens_core.survey import (
    TRUE_PROFILE,
    SurveyError,
    answer_columns,
    column_dictionary,
    read_survey,
)


@pytest.fixture(scope="module")
def survey():
    return generate_survey(2_000, seed=3)


def test_same_seed_gives_the_same_survey():
    pd.testing.assert_frame_equal(generate_survey(300, seed=7), generate_survey(300, seed=7))
    assert not generate_survey(300, seed=8).equals(generate_survey(300, seed=7))


def test_synthetic_survey_follows_the_national_shares(survey, scheme):
    shares = survey[TRUE_PROFILE].value_counts(normalize=True)
    for profile in scheme.profielen:
        assert shares[profile.key] == pytest.approx(profile.aandeel, abs=0.025)


def test_answers_reflect_the_profiles(survey):
    by_profile = survey.groupby(TRUE_PROFILE)[["ver1", "kanaal_verenigingen"]].mean()
    assert by_profile.loc["honkvaste_buurtbewoners", "ver1"] < by_profile.loc["kritische_vernieuwers", "ver1"] - 1
    assert by_profile.loc["zelfbewuste_aanpakkers", "kanaal_verenigingen"] > 4


def test_written_survey_reads_back_in_the_same_format(survey, tmp_path, scheme):
    path = tmp_path / "enquete.csv"
    survey.to_csv(path, index=False)

    back = read_survey(path)

    assert list(answer_columns(scheme)) == [c for c in back.columns if c in answer_columns(scheme)]
    assert back[list(DIMENSIONS)].equals(survey[list(DIMENSIONS)].astype(str)) or \
        (back[list(DIMENSIONS)].to_numpy() == survey[list(DIMENSIONS)].astype(str).to_numpy()).all()
    assert len(back) == len(survey)


def test_semicolon_and_cp1252_files_are_read(survey, tmp_path):
    path = tmp_path / "excel-export.csv"
    survey.head(50).to_csv(path, index=False, sep=";", encoding="cp1252")
    assert len(read_survey(path)) == 50


def test_every_problem_is_reported_at_once(survey, tmp_path):
    bad = survey.head(20).copy().astype(str)
    bad = bad.drop(columns=["kanaal_brief", "inkomen"])
    bad.loc[3, "bet1"] = "7"
    bad.loc[5, "ver2"] = "ja"
    bad.loc[8, "woning"] = "kasteel"
    path = tmp_path / "fout.csv"
    bad.to_csv(path, index=False)

    with pytest.raises(SurveyError, match=r"fout\.csv") as info:
        read_survey(path)

    text = str(info.value)
    assert "ontbrekende kolommen: kanaal_brief, inkomen" in text
    assert "kolom bet1: 1 antwoord(en) buiten 1-5 (bijv. ['7']) in rij 4" in text
    assert "kolom ver2: 1 antwoord(en) buiten 1-5" in text
    assert "kolom woning: 1 onbekende code(s) ['kasteel'] in rij 9" in text
    assert len(info.value.problems) == 4


def test_empty_answers_are_allowed_and_become_missing(survey, tmp_path):
    frame = survey.head(10).copy().astype(object)
    frame.loc[2, "mee3"] = ""
    path = tmp_path / "leeg.csv"
    frame.to_csv(path, index=False)
    assert pd.isna(read_survey(path).loc[2, "mee3"])


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "leeg.csv"
    path.write_text("")
    with pytest.raises(SurveyError, match="het bestand is leeg"):
        read_survey(path)


def test_column_dictionary_documents_every_column(survey):
    dictionary = column_dictionary()
    assert set(survey.columns) <= set(dictionary["kolom"])


def test_excel_style_weights_with_a_decimal_comma_are_read(survey, tmp_path):
    frame = survey.head(20).copy()
    frame["gewicht"] = "1,25"
    path = tmp_path / "excel.csv"
    frame.to_csv(path, index=False, sep=";", encoding="cp1252")
    assert (read_survey(path)["gewicht"] == 1.25).all()
