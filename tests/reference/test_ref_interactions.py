"""Drug-drug interactions: the ONC high-priority pairs and other severe pairs are caught."""

from __future__ import annotations

import pytest

from emr_desktop.reference.drugs import formulary
from emr_desktop.reference.interactions import (
    DrugFacts,
    Interaction,
    find_interactions,
    interaction_rules,
)

PHANSALKAR = "Phansalkar 2012 ONC high-priority"

# One formulary pair for each of the 15 ONC high-priority interactions (Phansalkar 2012).
ONC_PAIRS = [
    ("dextroamphetamine/amphetamine", "phenelzine"),  # amphetamines + MAOIs
    ("atazanavir", "omeprazole"),  # atazanavir + PPIs
    ("febuxostat", "azathioprine"),  # febuxostat + azathioprine/mercaptopurine
    ("sertraline", "phenelzine"),  # SSRIs + MAOIs
    ("irinotecan", "ketoconazole"),  # irinotecan + strong CYP3A4 inhibitors
    ("tranylcypromine", "meperidine"),  # MAOIs + narcotic analgesics
    ("amitriptyline", "isocarboxazid"),  # TCAs + MAOIs
    ("amiodarone", "haloperidol"),  # QT-prolonging agents
    ("ramelteon", "fluvoxamine"),  # ramelteon + strong CYP1A2 inhibitors
    ("darunavir", "rifampin"),  # protease inhibitors + strong CYP3A4 inducers
    ("simvastatin", "clarithromycin"),  # statins + CYP3A4 inhibitors
    ("ergotamine/caffeine", "ritonavir"),  # ergot alkaloids + CYP3A4 inhibitors
    ("tizanidine", "ciprofloxacin"),  # tizanidine + CYP1A2 inhibitors
    ("tranylcypromine", "procarbazine"),
    ("sumatriptan", "phenelzine"),  # triptans + MAOIs
]

OTHER_SEVERE_PAIRS = [
    ("warfarin", "ibuprofen", "major"),
    ("warfarin", "fluconazole", "major"),
    ("warfarin", "metronidazole", "major"),
    ("warfarin", "sulfamethoxazole/trimethoprim", "major"),
    ("warfarin", "amiodarone", "major"),
    ("apixaban", "naproxen", "major"),
    ("lisinopril", "spironolactone", "major"),
    ("losartan", "eplerenone", "major"),
    ("allopurinol", "azathioprine", "major"),
    ("sildenafil", "isosorbide mononitrate", "contraindicated"),
    ("tadalafil", "nitroglycerin", "contraindicated"),
    ("lithium", "hydrochlorothiazide", "major"),
    ("lithium", "naproxen", "major"),
    ("colchicine", "clarithromycin", "major"),
    ("oxycodone", "alprazolam", "major"),
    ("sertraline", "tramadol", "major"),
    ("escitalopram", "linezolid", "major"),
    ("theophylline", "ciprofloxacin", "major"),
    ("digoxin", "amiodarone", "major"),
    ("methotrexate", "sulfamethoxazole/trimethoprim", "major"),
    ("thioridazine", "bupropion", "contraindicated"),
    ("clopidogrel", "omeprazole", "major"),
    ("lisinopril", "sacubitril/valsartan", "contraindicated"),
    ("metronidazole", "disulfiram", "contraindicated"),
]


def facts(generic: str) -> DrugFacts:
    drug = formulary().get(generic)
    assert drug is not None, generic
    return DrugFacts.for_drug(drug)


def check(a: str, b: str) -> list[Interaction]:
    return find_interactions(facts(a), facts(b))


def test_rule_members_exist_in_the_formulary() -> None:
    vocabulary = formulary().class_vocabulary()
    ingredients = formulary().ingredients()
    for rule in interaction_rules():
        for kind, members in ((rule.a_kind, rule.a), (rule.b_kind, rule.b)):
            known = vocabulary if kind == "class" else ingredients
            missing = [m for m in members if m not in known]
            assert not missing, (rule.source, kind, missing)


def test_rules_are_complete() -> None:
    rules = interaction_rules()
    assert sum(r.source == PHANSALKAR for r in rules) >= 15
    assert sum(r.source != PHANSALKAR for r in rules) >= 20
    for rule in rules:
        assert rule.severity in ("contraindicated", "major", "moderate")
        assert rule.effect and rule.action and rule.source


@pytest.mark.parametrize(("a", "b"), ONC_PAIRS)
def test_every_onc_high_priority_pair_is_caught(a: str, b: str) -> None:
    found = check(a, b)
    assert any(i.source == PHANSALKAR and i.severity == "contraindicated" for i in found)


@pytest.mark.parametrize(("a", "b", "severity"), OTHER_SEVERE_PAIRS)
def test_other_severe_pairs_are_caught(a: str, b: str, severity: str) -> None:
    found = check(a, b)
    assert found, (a, b)
    assert found[0].severity == severity


@pytest.mark.parametrize(("a", "b"), [*ONC_PAIRS, *[(a, b) for a, b, _ in OTHER_SEVERE_PAIRS]])
def test_the_check_is_symmetric(a: str, b: str) -> None:
    assert check(a, b) == check(b, a)


def test_results_are_most_severe_first_and_name_what_matched() -> None:
    found = check("lisinopril", "sacubitril/valsartan")
    assert [i.severity for i in found] == ["contraindicated", "major"]
    assert (found[0].a, found[0].b) == ("ace inhibitor", "sacubitril")


def test_combination_products_are_checked_through_each_ingredient() -> None:
    assert check("ezetimibe/simvastatin", "clarithromycin")[0].severity == "contraindicated"
    assert check("nirmatrelvir/ritonavir", "simvastatin")[0].severity == "contraindicated"
    assert check("lisinopril/hydrochlorothiazide", "lithium")


def test_a_rule_is_reported_once_per_pair() -> None:
    found = check("amiodarone", "sotalol")
    assert len([i for i in found if i.source == PHANSALKAR]) == 1


def test_unrelated_drugs_and_the_same_drug_twice_give_no_alert() -> None:
    assert check("amoxicillin", "lisinopril") == []
    assert check("methadone", "methadone") == []  # duplicate therapy, not a QT pair
    assert check("losartan", "valsartan") == []


def test_drugs_outside_the_formulary_can_be_checked_by_their_facts() -> None:
    custom = DrugFacts.of(ingredients=["Warfarin"], classes=["Anticoagulant"])
    found = find_interactions(custom, facts("celecoxib"))
    assert found and found[0].severity == "major"


def test_rasagiline_follows_its_own_label_not_the_onc_mao_class() -> None:
    assert check("rasagiline", "meperidine")[0].severity == "contraindicated"
    assert check("rasagiline", "sertraline")[0].severity == "major"
    assert not any(i.source == PHANSALKAR for i in check("rasagiline", "sertraline"))
