"""The drug-name resolver: every formulary drug, any spelling, codes, and the unresolved."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emr_desktop.reference.drug_names import drug_synonyms, resolve_drug, salt_words
from emr_desktop.reference.drug_rules import (
    beers_rules,
    dose_rules,
    pregnancy_rules,
    renal_rules,
    therapy_groups,
    washout_rules,
)
from emr_desktop.reference.drugs import formulary

DRUGS = formulary().all()
SALTS = ["sodium", "HCl", "hydrochloride", "potassium", "magnesium", "sulfate", "calcium"]
FORMS = ["Oral Tablet", "tablet", "capsule", "Oral Capsule", "tabs", "ER tablet", ""]


@pytest.mark.parametrize(
    ("text", "ingredients"),
    [
        ("phenelzine sulfate", ("phenelzine",)),
        ("sertraline HCl", ("sertraline",)),
        ("omeprazole magnesium", ("omeprazole",)),
        ("Sertraline 50 MG Oral Tablet", ("sertraline",)),
        ("clarithromycin 500 mg", ("clarithromycin",)),
        ("Warfarin Sodium 5 MG Oral Tablet", ("warfarin",)),
        (
            "24 HR metoprolol succinate 100 MG Extended Release Oral Tablet [Toprol]",
            ("metoprolol",),
        ),
        ("Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet", ("amoxicillin", "clavulanate")),
        ("10 ML Furosemide 10 MG/ML Injection", ("furosemide",)),
        ("Lasix 40mg", ("furosemide",)),
        ("Simvistatin 10 MG", ("simvastatin",)),
        ("hydrocodone bitartrate and acetaminophen", ("acetaminophen", "hydrocodone")),
        ("co-trimoxazole", ("sulfamethoxazole", "trimethoprim")),
        ("TMP-SMX", ("sulfamethoxazole", "trimethoprim")),
        ("Zoloft", ("sertraline",)),
        ("potassium chloride", ("potassium chloride",)),
        ("levothyroxine sodium 50 mcg", ("levothyroxine",)),
    ],
)
def test_real_world_spellings_resolve(text: str, ingredients: tuple[str, ...]) -> None:
    assert resolve_drug(text).ingredients == ingredients


def test_formulary_names_that_contain_salt_words_keep_their_identity() -> None:
    assert resolve_drug("metoprolol succinate").drug.generic == "metoprolol succinate"  # type: ignore[union-attr]
    assert resolve_drug("metoprolol tartrate").drug.generic == "metoprolol tartrate"  # type: ignore[union-attr]
    assert resolve_drug("penicillin v potassium").ingredients == ("penicillin v",)


def test_rxnorm_codes_resolve_without_a_name() -> None:
    assert resolve_drug("", "316672").ingredients == ("simvastatin",)
    assert resolve_drug("whatever", "562251").ingredients == ("amoxicillin", "clavulanate")
    assert resolve_drug("", "36567").ingredients == ("simvastatin",)


def test_unknown_names_are_unresolved_not_guessed() -> None:
    for text in ("Quorvalin 10 mg", "sodium", "tablet", "", "500 mg"):
        found = resolve_drug(text)
        assert not found.resolved and found.via == "unresolved", text


def test_every_formulary_drug_has_a_dose_rule_and_a_resolvable_name() -> None:
    rules = dose_rules()
    for drug in DRUGS:
        assert drug.generic in rules, drug.generic
        found = resolve_drug(drug.generic)
        assert found.ingredients == tuple(sorted(drug.ingredients)), drug.generic
        for brand in drug.brands:
            assert resolve_drug(brand).resolved, brand


def test_every_synonym_resolves_to_its_generic() -> None:
    for term, generic in drug_synonyms().items():
        drug = formulary().get(generic)
        assert drug is not None
        assert resolve_drug(term).ingredients == tuple(sorted(drug.ingredients)), term


def test_patient_rule_tables_load_and_name_known_members() -> None:
    ingredients = formulary().ingredients()
    classes = formulary().class_vocabulary()
    tables = [renal_rules(), pregnancy_rules(), beers_rules(), washout_rules()]
    tables.append(tuple(r for group in therapy_groups().values() for r in group))
    for table in tables:
        assert table
        for rule in table:
            known = ingredients if rule.kind == "ingredient" else classes
            assert set(rule.names) & known, rule.names


@settings(max_examples=300, deadline=None)
@given(
    drug=st.sampled_from([d for d in DRUGS if not d.is_combination]),
    case=st.sampled_from(["lower", "upper", "title", "asis"]),
    salt=st.sampled_from(["", *SALTS]),
    strength=st.booleans(),
    form=st.sampled_from(FORMS),
)
def test_any_spelling_variant_resolves_to_the_same_ingredients(
    drug, case: str, salt: str, strength: bool, form: str
) -> None:
    """Case, salt, strength and form never change which ingredients a name means."""
    parts = [drug.generic]
    # A salt is added only to a name that has none (no "ferrous sulfate sodium").
    if salt and not set(drug.generic.split()) & salt_words():
        parts.append(salt)
    if strength and drug.strengths:
        parts.append(drug.strengths[0].split("/")[0])
    if form:
        parts.append(form)
    text = " ".join(parts)
    text = {"lower": text.lower(), "upper": text.upper(), "title": text.title()}.get(case, text)
    assert resolve_drug(text).ingredients == tuple(sorted(drug.ingredients)), text
