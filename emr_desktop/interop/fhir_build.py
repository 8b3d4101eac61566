"""The small pieces every exported FHIR resource is made of: stable ids, references,
codings, times with their zone, UCUM quantities, and the Bundle being filled."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from emr_desktop.domain.interop import ChartExport
from emr_desktop.interop import fhir_codes as c

Json = dict[str, Any]


def resource_id(kind: str, mrn: str, key: object) -> str:
    """A stable UUID-shaped id for one record (md5 of its name: an id, not a secret;
    uuid.uuid5 costs ten times more, which a 10,000-resource chart notices)."""
    h = hashlib.md5(f"emr-desktop/{mrn}/{kind}/{key}".encode(), usedforsecurity=False).hexdigest()
    return f"{h[:8]}-{h[8:12]}-3{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def ref(resource_id: str) -> Json:
    """A Reference to a resource of this Bundle."""
    return {"reference": f"urn:uuid:{resource_id}"}


def coding(system: str, code: str, display: str = "") -> Json:
    """A Coding (the display only when there is one)."""
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str = "", text: str = "") -> Json:
    """A CodeableConcept of one coding, with a text a person can read."""
    return {"coding": [coding(system, code, display)], "text": text or display or code}


# Shared, never mutated: json.dumps does not mind one dict appearing in many resources.
METAS: dict[str, Json] = {kind: {"profile": [url]} for kind, url in c.PROFILE.items()}


def fhir_time(value: dt.datetime) -> str:
    """An instant with its offset (FHIR wants the zone on every time of day)."""
    if value.tzinfo is None:
        value = value.astimezone()  # a local wall-clock time (the schedule's)
    return value.isoformat()


def quantity(value: float | int, unit: str) -> Json:
    """A Quantity in a UCUM unit."""
    return {"value": value, "unit": unit, "system": c.UCUM, "code": unit}


class Builder:
    """Collects the entries of one patient's Bundle."""

    def __init__(self, chart: ChartExport) -> None:
        self.chart = chart
        self.mrn = chart.patient.mrn
        self.patient_id = resource_id("Patient", self.mrn, chart.patient.id)
        self.subject = ref(self.patient_id)
        self.entries: list[Json] = []

    def add(self, kind: str, key: object, body: Json, *, meta: Json | None = None) -> str:
        """Add a resource; its meta is its US Core profile unless ``meta`` says otherwise."""
        rid = resource_id(kind, self.mrn, key)
        resource: Json = {"resourceType": kind, "id": rid}
        meta = meta if meta is not None else METAS.get(kind)
        if meta:
            resource["meta"] = meta
        resource.update(body)
        self.entries.append({"fullUrl": f"urn:uuid:{rid}", "resource": resource})
        return rid
