"""FHIR import that never aborts: bounded parsing, field checks, every file in the summary."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Practice
from hypothesis import given, settings
from hypothesis import strategies as st

from emr_desktop.domain.interop import ImportOutcome
from emr_desktop.domain.security import Actor, Role
from emr_desktop.errors import ValidationError
from emr_desktop.interop.fhir_import import read_bundle
from emr_desktop.interop.fhir_safe import MAX_DEPTH, load_json
from emr_desktop.services.exchange.fhir import FhirService
from emr_desktop.services.patients.registry import PatientService


def _listed(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _bundle(family: object = "Good", given_: object = ("Ann",), **extra: Any) -> dict[str, Any]:
    patient = {
        "resourceType": "Patient",
        "id": "1",
        "name": [
            {"family": family, "given": list(given_) if isinstance(given_, tuple) else given_}
        ],
        "gender": "female",
        "birthDate": "1970-01-02",
        **extra,
    }
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": "urn:uuid:1", "resource": patient}],
    }


@pytest.mark.parametrize(
    ("raw", "where", "why"),
    [
        (b'{"a": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "file", "nests deeper"),
        (
            b'{"a": ' + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"}",
            "a[0]",
            "nests deeper",
        ),
        (b'{"name": [{"given": ["\\ud800"]}]}', "name[0].given[0]", "lone surrogate"),
        (b'{"city": "a\\u0000b"}', "city", "NUL"),
        (b'{"city": "\xff"}', "file", "not UTF-8"),
        (b"{not json", "file", "not JSON"),
    ],
)
def test_a_file_is_refused_naming_where_it_is_wrong(raw: bytes, where: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why) as caught:
        load_json(raw)
    assert caught.value.field.startswith(where)


@pytest.fixture
def importer(practice: Practice) -> Actor:
    """A physician who may import."""
    return practice.add_user("drimp", Role.PHYSICIAN)


def test_a_batch_with_malformed_files_names_each_and_imports_the_good_ones(
    practice: Practice, importer: Actor, tmp_path: Path
) -> None:
    files: dict[str, str] = {
        "a_good": json.dumps(_bundle("Goodfirst")),
        "b_badtype": json.dumps(_bundle("Badtype", True)),
        "d_deep": '{"resourceType": "Bundle", "entry": ' + "[" * 50_000 + "]" * 50_000 + "}",
        "e_surrogate": json.dumps(_bundle("Surr", ("Xx",))).replace("Xx", "\\ud800"),
        "f_long": json.dumps(_bundle("L" * 5000)),
        "g_attachment": json.dumps(_bundle("Attach")),
        "z_good": json.dumps(_bundle("Goodlast")),
    }
    bad_ref = _bundle("Badref")
    bad_ref["entry"].append(
        {
            "fullUrl": "urn:uuid:2",
            "resource": {
                "resourceType": "Condition",
                "subject": {"reference": {}},
                "code": {"text": "x"},
            },
        }
    )
    files["c_badref"] = json.dumps(bad_ref)
    doc = _bundle("Attach")
    doc["entry"].append(
        {
            "resource": {
                "resourceType": "DocumentReference",
                "subject": {"reference": "urn:uuid:1"},
                "content": [{"attachment": {"contentType": "text/plain", "data": "héllo"}}],
            }
        }
    )
    files["g_attachment"] = json.dumps(doc)
    paths = []
    for name, text in sorted(files.items()):
        path = tmp_path / f"{name}.json"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    report = FhirService(practice.db).import_files(importer, paths)
    by_name = {r.source: r for r in report.results}
    assert sorted(by_name) == sorted(p.name for p in paths)  # the summary lists every file
    for good in ("a_good.json", "z_good.json"):
        assert by_name[good].outcome is ImportOutcome.IMPORTED
    for bad in ("b_badtype", "d_deep", "e_surrogate", "f_long"):
        assert by_name[f"{bad}.json"].outcome is ImportOutcome.FAILED, bad
        assert by_name[f"{bad}.json"].message
    assert "family" in by_name["f_long.json"].message  # refused naming the field, not cut
    assert "given" in by_name["b_badtype.json"].message
    found = PatientService(practice.db).search(importer, "Goodlast")
    assert [p.family_name for p in found] == ["Goodlast"]
    assert not PatientService(practice.db).search(importer, "L" * 100)


_ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
_PATIENT_FIELDS = st.sampled_from(
    ["name", "telecom", "address", "communication", "contact", "gender", "birthDate", "id"]
)
_NAME_FIELDS = st.sampled_from(["family", "given", "use", "text", "prefix"])


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(_PATIENT_FIELDS, _ANY, max_size=5),
    st.dictionaries(_NAME_FIELDS, _ANY, max_size=4),
)
def test_any_patient_resource_is_read_or_refused_with_a_validation_error(
    fields: dict[str, Any], name: dict[str, Any]
) -> None:
    patient = {"resourceType": "Patient", "birthDate": "1970-01-01", "name": [name], **fields}
    with contextlib.suppress(ValidationError):  # anything else would abort a batch
        read_bundle({"resourceType": "Bundle", "entry": [{"resource": patient}]})
