"""The formulary: big enough, clean names, ISMP-style strengths, and name search that works."""

from __future__ import annotations

import csv
import re

import pytest

from emr_desktop.reference.drugs import classes_of_ingredient, formulary, reference_file

# A decimal ending in zero ("5.0 mg", "0.50 mg") or a naked decimal (".5 mg").
TRAILING_ZERO = re.compile(r"\d\.\d*0(?!\d)")
NAKED_DECIMAL = re.compile(r"(?<!\d)\.\d")

NEEDED_FOR_CHECKS = [
    "warfarin",
    "methotrexate",
    "simvastatin",
    "clarithromycin",
    "sildenafil",
    "nitroglycerin",
    "isosorbide mononitrate",
    "tramadol",
    "phenelzine",
    "linezolid",
    "tizanidine",
    "ciprofloxacin",
    "fluconazole",
    "ketoconazole",
    "itraconazole",
    "spironolactone",
    "sulfamethoxazole/trimethoprim",
    "allopurinol",
    "azathioprine",
    "theophylline",
    "cephalexin",
    "amoxicillin",
    "penicillin v potassium",
    "amoxicillin/clavulanate",
]


def test_formulary_has_at_least_300_unique_lower_case_drugs() -> None:
    drugs = formulary().all()
    generics = [d.generic for d in drugs]
    assert len(drugs) >= 300
    assert len(set(generics)) == len(generics)
    assert all(g == g.lower().strip() for g in generics)


def test_every_drug_is_complete_and_lower_case() -> None:
    for drug in formulary().all():
        assert drug.ingredients and drug.classes and drug.strengths, drug.generic
        assert drug.brands, drug.generic
        assert drug.forms and drug.routes, drug.generic
        assert all(i == i.lower() for i in drug.ingredients), drug.generic
        assert all(c == c.lower() for c in drug.classes), drug.generic


@pytest.mark.parametrize("generic", NEEDED_FOR_CHECKS)
def test_drugs_needed_by_the_safety_checks_are_present(generic: str) -> None:
    assert formulary().get(generic) is not None


def test_strengths_are_written_the_ismp_way() -> None:
    for drug in formulary().all():
        for strength in drug.strengths:
            assert not TRAILING_ZERO.search(strength), (drug.generic, strength)
            assert not NAKED_DECIMAL.search(strength), (drug.generic, strength)


def test_max_doses_in_the_file_have_no_trailing_zeros_and_a_known_unit() -> None:
    with reference_file("drugs.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            dose = row["max_daily_dose"]
            if dose:
                assert not TRAILING_ZERO.search(dose) and not dose.endswith("."), row
                assert not NAKED_DECIMAL.search(dose), row
                assert row["max_daily_unit"] in {"mg", "mcg", "units"}, row
    for drug in formulary().all():
        if drug.max_daily_dose is not None:
            assert drug.max_daily_dose > 0


def test_insulin_strengths_are_in_units_per_ml() -> None:
    for drug in formulary().all():
        if "insulin" in drug.classes:
            assert all(s.endswith("units/mL") for s in drug.strengths), drug.generic


@pytest.mark.parametrize(
    ("generic", "schedule"),
    [
        ("oxycodone", "II"),
        ("dextroamphetamine/amphetamine", "II"),
        ("buprenorphine/naloxone", "III"),
        ("alprazolam", "IV"),
        ("tramadol", "IV"),
        ("pregabalin", "V"),
        ("amoxicillin", None),
        ("gabapentin", None),
    ],
)
def test_dea_schedules(generic: str, schedule: str | None) -> None:
    drug = formulary().get(generic)
    assert drug is not None
    assert drug.controlled_schedule == schedule


def test_search_by_generic_prefix_puts_the_generic_first() -> None:
    results = formulary().search("amox")
    assert results[0].generic == "amoxicillin"
    assert "amoxicillin/clavulanate" in [d.generic for d in results]


def test_search_is_case_insensitive_and_finds_brands() -> None:
    assert formulary().search("AMOX")[0].generic == "amoxicillin"
    assert [d.generic for d in formulary().search("lipitor")] == ["atorvastatin"]
    assert formulary().search("Z-Pak")[0].generic == "azithromycin"


def test_search_matches_any_word_of_a_combination_name() -> None:
    assert "amoxicillin/clavulanate" in [d.generic for d in formulary().search("clav")]
    found = [d.generic for d in formulary().search("trimeth")]
    assert found[0] == "trimethoprim"  # a generic-name prefix beats a word inside a name
    assert "sulfamethoxazole/trimethoprim" in found


def test_search_ranks_generic_matches_before_brand_matches() -> None:
    results = [d.generic for d in formulary().search("pro", limit=100)]
    first_brand_only = next(
        i for i, g in enumerate(results) if not any(w.startswith("pro") for w in re.split(r"\W", g))
    )
    assert all(
        any(w.startswith("pro") for w in re.split(r"\W", g)) for g in results[:first_brand_only]
    )
    assert "fluoxetine" in results[first_brand_only:]  # Prozac


def test_search_respects_the_limit_and_ignores_blank_text() -> None:
    assert len(formulary().search("a", limit=5)) == 5
    assert formulary().search("   ") == []
    assert formulary().search("a", limit=0) == []


def test_get_is_case_insensitive_and_accepts_any_combination_spelling() -> None:
    f = formulary()
    assert f.get("AMOXICILLIN") is f.get("amoxicillin")
    assert f.get("Amoxicillin-Clavulanate") is f.get("amoxicillin/clavulanate")
    assert f.get("trimethoprim/sulfamethoxazole") is f.get("sulfamethoxazole/trimethoprim")
    assert f.get("no such drug") is None


def test_lookup_by_ingredient_and_brand() -> None:
    f = formulary()
    with_hctz = {d.generic for d in f.by_ingredient("Hydrochlorothiazide")}
    assert {"hydrochlorothiazide", "lisinopril/hydrochlorothiazide"} <= with_hctz
    assert f.by_brand("bactrim ds") is f.get("sulfamethoxazole/trimethoprim")
    assert "penicillin" in classes_of_ingredient("amoxicillin")
    assert classes_of_ingredient("unobtainium") == frozenset()


def test_metoprolol_salts_share_one_ingredient() -> None:
    generics = {d.generic for d in formulary().by_ingredient("metoprolol")}
    assert generics == {"metoprolol tartrate", "metoprolol succinate"}
