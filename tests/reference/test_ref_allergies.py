"""Drug-allergy checks: allergy text is understood and class cross-sensitivity is flagged."""

from __future__ import annotations

import pytest

from emr_desktop.reference.allergies import (
    allergy_classes,
    check_drug_against_allergy,
    classify_substance,
)
from emr_desktop.reference.drugs import formulary
from emr_desktop.reference.interactions import DrugFacts


def facts(generic: str) -> DrugFacts:
    drug = formulary().get(generic)
    assert drug is not None, generic
    return DrugFacts.for_drug(drug)


def test_allergy_groups_use_the_formulary_vocabulary() -> None:
    vocabulary = formulary().class_vocabulary()
    ingredients = formulary().ingredients()
    groups = allergy_classes()
    # every group the prescribing issue asks for
    assert {
        "penicillin",
        "cephalosporin",
        "sulfonamide antibiotic",
        "nsaid",
        "opioid",
        "macrolide",
        "fluoroquinolone",
        "tetracycline",
        "ace inhibitor",
        "hmg-coa reductase inhibitor (statin)",
    } <= {g.name for g in groups}
    by_name = {g.name: g for g in groups}
    assert "aspirin" in by_name["nsaid"].member_ingredients
    assert "angioedema" in by_name["ace inhibitor"].note.lower()
    assert ("cephalosporin", "caution") in {
        (c.class_name, c.severity) for c in by_name["penicillin"].crosses
    }
    for group in groups:
        assert group.member_classes or group.member_ingredients, group.name
        assert group.member_classes <= vocabulary, group.name
        assert group.member_ingredients <= ingredients, group.name
        for cross in group.crosses:
            assert cross.class_name in vocabulary, (group.name, cross.class_name)
            assert cross.severity in ("caution", "contraindicated")
        assert group.sources, group.name


def test_penicillin_allergy_against_amoxicillin_cephalexin_and_azithromycin() -> None:
    amox = check_drug_against_allergy("penicillin", facts("amoxicillin"))
    assert amox is not None and (amox.kind, amox.severity) == ("class", "contraindicated")
    ceph = check_drug_against_allergy("penicillin", facts("cephalexin"))
    assert ceph is not None and (ceph.kind, ceph.severity) == ("cross", "caution")
    assert "cephalosporin" in ceph.allergen and ceph.note
    assert check_drug_against_allergy("penicillin", facts("azithromycin")) is None


@pytest.mark.parametrize(
    "text", ["Penicillin", "penicillins", "PCN", "Penicillin (hives)", "penicillin allergy"]
)
def test_ways_of_writing_penicillin_allergy(text: str) -> None:
    match = check_drug_against_allergy(text, facts("amoxicillin/clavulanate"))
    assert match is not None and match.kind == "class"


@pytest.mark.parametrize(
    ("allergy", "generic", "kind", "severity"),
    [
        ("amoxicillin", "amoxicillin/clavulanate", "ingredient", "contraindicated"),
        ("amoxicillin", "dicloxacillin", "class", "contraindicated"),
        ("Keflex", "cefdinir", "class", "contraindicated"),
        ("cephalosporins", "amoxicillin", "cross", "caution"),
        ("penicillin", "ertapenem", "cross", "caution"),
        ("sulfa", "sulfamethoxazole/trimethoprim", "class", "contraindicated"),
        ("Sulfa drugs", "sulfasalazine", "class", "contraindicated"),
        ("Bactrim", "sulfamethoxazole/trimethoprim", "ingredient", "contraindicated"),
        ("NSAIDs", "ibuprofen", "class", "contraindicated"),
        ("aspirin", "naproxen", "class", "contraindicated"),
        ("ibuprofen", "aspirin", "class", "contraindicated"),
        ("codeine", "acetaminophen/codeine", "ingredient", "contraindicated"),
        ("codeine", "hydrocodone/acetaminophen", "class", "contraindicated"),
        ("opiates", "morphine", "class", "contraindicated"),
        ("lisinopril", "enalapril", "class", "contraindicated"),
        ("lisinopril", "losartan", "cross", "caution"),
        ("ACE inhibitors", "sacubitril/valsartan", "cross", "contraindicated"),
        ("statins", "atorvastatin", "class", "contraindicated"),
        ("quinolones", "levofloxacin", "class", "contraindicated"),
        ("tetracyclines", "doxycycline", "class", "contraindicated"),
        ("macrolides", "clarithromycin", "class", "contraindicated"),
        ("carbamazepine", "oxcarbazepine", "class", "contraindicated"),
    ],
)
def test_allergy_matches(allergy: str, generic: str, kind: str, severity: str) -> None:
    match = check_drug_against_allergy(allergy, facts(generic))
    assert match is not None, (allergy, generic)
    assert (match.kind, match.severity) == (kind, severity)
    assert match.allergen and match.note


@pytest.mark.parametrize(
    ("allergy", "generic"),
    [
        ("sulfa", "furosemide"),  # non-antibiotic sulfonamides do not cross-react
        ("sulfa", "hydrochlorothiazide"),
        ("sulfa", "glipizide"),
        ("sulfa", "celecoxib"),
        ("aspirin", "acetaminophen"),
        ("metoprolol", "atenolol"),  # no class alert where no class allergy is known
        ("penicillin", "vancomycin"),
        ("latex", "amoxicillin"),
        ("", "amoxicillin"),
    ],
)
def test_no_false_alarm(allergy: str, generic: str) -> None:
    assert check_drug_against_allergy(allergy, facts(generic)) is None


def test_classify_substance() -> None:
    assert classify_substance("Penicillins") == (frozenset(), frozenset({"penicillin"}))
    ingredients, classes = classify_substance("amoxicillin")
    assert ingredients == {"amoxicillin"} and "penicillin" in classes
    assert classify_substance("sulfa")[1] == {"sulfonamide antibiotic"}
    assert classify_substance("NSAIDs")[1] >= {"nsaid"}
    assert classify_substance("aspirin")[0] == {"aspirin"}
    assert "opioid" in classify_substance("codeine")[1]
    assert classify_substance("shellfish") == (frozenset(), frozenset())
    assert classify_substance("metoprolol") == (frozenset({"metoprolol"}), frozenset())
