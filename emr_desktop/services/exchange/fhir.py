"""FHIR R4 export and import of whole charts.

Export: one Bundle per patient (the whole history, not pages), loaded in a fixed dozen
queries whatever the chart's size, audited as "fhir_export" in the same transaction.
Exporting every chart writes one audit row per patient, so each patient's access history
shows the export. Import: one transaction per bundle, so a bundle is imported whole or not
at all; the patient is matched by the registration duplicate rules (same name and date of
birth), and records the chart already holds are not added twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sqlalchemy import exc, select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import Note
from emr_desktop.domain.clinical import NoteStatus, RecordStatus
from emr_desktop.domain.interop import ChartExport, ImportOutcome, ImportReport, ImportResult
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import EmrError, ValidationError
from emr_desktop.interop.fhir_export import chart_bundle
from emr_desktop.interop.fhir_import import read_bundle
from emr_desktop.interop.fhir_safe import load_json
from emr_desktop.models import (
    Addendum,
    Allergy,
    Appointment,
    Encounter,
    Immunization,
    Medication,
    Patient,
    Prescription,
    Problem,
)
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.billing.rows import patient_entries
from emr_desktop.services.chart.medications import medication_row
from emr_desktop.services.chart.notes import note_row
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.records import get_patient, user_names
from emr_desktop.services.common.rows import (
    allergy_row,
    immunization_row,
    prescription_row,
    problem_row,
)
from emr_desktop.services.exchange.fhir_store import store_bundle
from emr_desktop.services.exchange.loading import load_all_labs, load_vitals
from emr_desktop.services.patients.registry import details
from emr_desktop.services.schedule.queries import rows as appointment_rows

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, total)
MAX_BUNDLE_BYTES = 200 * 1024 * 1024


def signed_notes(s: Session, patient_id: int) -> tuple[Note, ...]:
    """Every signed note with its addenda, oldest first, in three queries (drafts stay home).

    Addenda come in one flat query rather than through the relationship: attaching
    hundreds of collections one by one costs more than the query itself.
    """
    signed = (Encounter.patient_id == patient_id, Encounter.status == NoteStatus.SIGNED)
    encounters = list(
        s.scalars(select(Encounter).where(*signed).order_by(Encounter.occurred_at, Encounter.id))
    )
    addenda: dict[int, list[Addendum]] = {}
    for a in s.scalars(select(Addendum).join(Encounter).where(*signed).order_by(Addendum.id)):
        addenda.setdefault(a.encounter_id, []).append(a)
    ids: set[int | None] = set()
    for e in encounters:
        ids |= {e.provider_id, e.signed_by_id}
    ids |= {a.author_id for group in addenda.values() for a in group}
    names = user_names(s, ids)
    return tuple(note_row(e, addenda.get(e.id, ()), names) for e in encounters)


def load_chart(s: Session, patient_id: int) -> ChartExport:
    """Everything a patient's Bundle holds, in a fixed number of queries."""
    patient = get_patient(s, patient_id)
    pid = patient.id

    problems = list(
        s.scalars(select(Problem).where(Problem.patient_id == pid).order_by(Problem.id))
    )
    allergies = list(
        s.scalars(select(Allergy).where(Allergy.patient_id == pid).order_by(Allergy.id))
    )
    medications = list(
        s.scalars(select(Medication).where(Medication.patient_id == pid).order_by(Medication.id))
    )
    rx_ids = {m.prescription_id for m in medications if m.prescription_id is not None}
    prescriptions = (
        list(s.scalars(select(Prescription).where(Prescription.id.in_(rx_ids)))) if rx_ids else []
    )
    immunizations = s.scalars(
        select(Immunization)
        .where(Immunization.patient_id == pid, Immunization.status != RecordStatus.INACTIVE)
        .order_by(Immunization.given_on, Immunization.id)
    )
    names = user_names(
        s,
        {
            *(p.recorded_by_id for p in problems),
            *(a.recorded_by_id for a in allergies),
            *(rx.prescriber_id for rx in prescriptions),
        },
    )
    return ChartExport(
        patient=details(s, patient),
        problems=tuple(problem_row(p, names) for p in problems),
        allergies=tuple(allergy_row(a, names) for a in allergies),
        medications=tuple(medication_row(m) for m in medications),
        prescriptions=tuple(prescription_row(rx, names) for rx in prescriptions),
        vitals=load_vitals(s, pid, everything=True),
        labs=load_all_labs(s, pid),
        immunizations=tuple(immunization_row(i) for i in immunizations),
        notes=signed_notes(s, pid),
        appointments=tuple(appointment_rows(s, Appointment.patient_id == pid)),
        generated_at=dt.datetime.now(dt.UTC),
    )


def bundle_json(bundle: dict[str, object]) -> bytes:
    """The UTF-8 JSON of a bundle (names in any script kept as written)."""
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class FhirService:
    """Export charts as FHIR R4 Bundles and import Bundles (ours or another system's)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def export_patient(self, actor: Actor, patient_id: int) -> bytes:
        """One patient's chart as the JSON of a FHIR R4 Bundle; audited as an export."""
        require(actor, Permission.CHART_VIEW)
        require(actor, Permission.CHART_EXPORT)
        with self._db.unit_of_work(actor) as s:
            return self._export(s, actor, patient_id)

    def _export(self, s: Session, actor: Actor, patient_id: int) -> bytes:
        chart = load_chart(s, patient_id)
        if actor.can(Permission.BILLING_VIEW):  # the nurse's export carries no billing
            chart = dataclasses.replace(chart, billing=patient_entries(s, chart.patient.id))
        pid = chart.patient.id
        record(
            s,
            actor,
            "fhir_export",
            entity="patient",
            entity_id=pid,
            patient_id=pid,
            details={
                "problems": len(chart.problems),
                "medications": len(chart.medications),
                "notes": len(chart.notes),
                "labs": len(chart.labs),
            },
        )
        return bundle_json(chart_bundle(chart))

    def export_all(
        self, actor: Actor, progress: Progress | None = None
    ) -> Iterator[tuple[str, bytes]]:
        """(MRN, Bundle JSON) for every patient not merged into another, by MRN.

        Each chart is read and audited in its own transaction as it is yielded.
        """
        require(actor, Permission.CHART_VIEW)
        require(actor, Permission.CHART_EXPORT)
        with self._db.unit_of_work(actor) as s:
            patients = s.execute(
                select(Patient.id, Patient.mrn)
                .where(Patient.merged_into_id.is_(None))
                .order_by(Patient.mrn)
            ).all()
        return self._export_each([(p.id, p.mrn) for p in patients], actor, progress)

    def _export_each(
        self, patients: list[tuple[int, str]], actor: Actor, progress: Progress | None
    ) -> Iterator[tuple[str, bytes]]:
        for done, (pid, mrn) in enumerate(patients, start=1):
            with self._db.unit_of_work(actor) as s:
                data = self._export(s, actor, pid)
            yield mrn, data
            if progress:
                progress(done, len(patients))

    def import_bundle(
        self, actor: Actor, bundle: dict[str, object], *, source: str = "bundle"
    ) -> ImportResult:
        """Import one patient's Bundle in one transaction (all of it, or nothing).

        ValidationError when the bundle is broken (no patient, a malformed date, a
        patient matching several existing records).
        """
        require(actor, Permission.FHIR_IMPORT)
        content = read_bundle(bundle)
        with self._db.unit_of_work(actor) as s:
            return store_bundle(s, actor, content, source)

    def import_files(
        self, actor: Actor, paths: Sequence[Path], progress: Progress | None = None
    ) -> ImportReport:
        """Import Bundle files one by one; a broken file is reported and the rest go on."""
        require(actor, Permission.FHIR_IMPORT)
        results = []
        for done, path in enumerate(paths, start=1):
            results.append(self._import_file(actor, path))
            if progress:
                progress(done, len(paths))
        return ImportReport(tuple(results))

    def _import_file(self, actor: Actor, path: Path) -> ImportResult:
        """One file in its own transaction, or FAILED with a one-line reason: nothing in a
        file (however malformed) stops the files after it."""
        try:
            if path.stat().st_size > MAX_BUNDLE_BYTES:
                raise ValidationError("file", "is larger than 200 MB")
            bundle = load_json(path.read_bytes())
            return self.import_bundle(actor, bundle, source=path.name)  # type: ignore[arg-type]
        except OSError as err:
            return ImportResult(
                path.name, ImportOutcome.FAILED, message=err.strerror or "unreadable"
            )
        except EmrError as err:
            return ImportResult(path.name, ImportOutcome.FAILED, message=err.message)
        except exc.DBAPIError:
            return ImportResult(
                path.name,
                ImportOutcome.FAILED,
                message="the database refused a value in it; nothing of it was imported",
            )
        except (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError) as err:
            # The mapping met a shape it does not expect: this file is refused, not the batch.
            log.warning("fhir import: file refused (%s)", type(err).__name__)
            return ImportResult(
                path.name,
                ImportOutcome.FAILED,
                message=f"holds a value of an unexpected shape ({type(err).__name__}); "
                "nothing of it was imported",
            )
