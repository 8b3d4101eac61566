"""Reading FHIR R4 DiagnosticReports (lab panels) that group laboratory Observations:
the importer keeps the Observations as lab results; a report says which of them came
back together and so go to a physician's inbox for review."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from emr_desktop.domain.orders import ImportedReport
from emr_desktop.interop import fhir_codes as c
from emr_desktop.interop import fhir_records as records
from emr_desktop.interop import fhir_values as f

Json = f.Json


def _is_lab(r: Json) -> bool:
    codes = {f.code_in(cat, c.OBS_CATEGORY) for cat in f.dicts(r.get("category"))}
    # v2-0074 "LAB" is how DiagnosticReport categories say laboratory.
    for cat in f.dicts(r.get("category")):
        codes |= {str(x.get("code", "")) for x in f.dicts(cat.get("coding"))}
    return bool(codes & {"laboratory", "LAB"}) or not codes


def report(r: Json, where: str, refs: Mapping[str, Json]) -> ImportedReport | str:
    """One DiagnosticReport, or why it was left out (a reason counted as skipped)."""
    if r.get("status") in ("entered-in-error", "cancelled", "registered"):
        return f"DiagnosticReport ({r.get('status')})"
    if not _is_lab(r):
        return "DiagnosticReport (not laboratory)"
    found = []
    for ref in f.dicts(r.get("result")):
        target = refs.get(str(ref.get("reference", "")))
        if not isinstance(target, Mapping) or target.get("resourceType") != "Observation":
            continue
        lab = records.lab(target, where)
        if isinstance(lab, str):
            continue
        found.append((lab.loinc or lab.name, lab.collected_at))
    if not found:
        return "DiagnosticReport without results"
    concept = r.get("code")
    return ImportedReport(
        f.code_in(concept, c.LOINC)[:10], f.concept_text(concept)[:200], tuple(found)
    )


def reports(
    entries: Sequence[tuple[Json, str]], refs: Mapping[str, Json], skipped: dict[str, int]
) -> tuple[ImportedReport, ...]:
    """Every usable report of the bundle; the others counted in ``skipped`` by reason."""
    out = []
    for r, where in entries:
        got = report(r, where, refs)
        if isinstance(got, str):
            skipped[got] = skipped.get(got, 0) + 1
        else:
            out.append(got)
    return tuple(out)
