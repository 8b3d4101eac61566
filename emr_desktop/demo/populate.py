"""The synthetic practice generator: made-up patients with realistic, varied histories.

Deterministic for a seed (one ``random.Random``, no global randomness) and a clock
(``now``). Rows are written in bulk, one unit of work per chunk of patients, straight
into the model tables with exactly the values the services would store (MRNs with their
Luhn digit, search tokens, phone digits, allergy classes, ISMP sigs); see demo_writer.
The whole run leaves ONE audit row, "demo_generate", with the counts.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emr_desktop.demo.chart import (
    Person,
    choose_allergies,
    choose_medications,
    choose_problems,
    local,
    problem_row,
)
from emr_desktop.demo.chart_extras import (
    immunizations,
    long_chart,
    prescriptions,
    referral,
    today_visit,
)
from emr_desktop.demo.content import (
    ALERTS,
    AREA_CODES,
    GENDER_IDENTITIES,
    PAYERS,
    RELATIONS_ADULT,
    RELATIONS_CHILD,
    STATE,
    STREET_KINDS,
    STREETS,
    TOWNS,
)
from emr_desktop.demo.names import CULTURES, PREFERRED_NAMES, Culture
from emr_desktop.demo.schedule import (
    PatientPicker,
    SlotBook,
    schedule_ahead,
    setup_providers,
)
from emr_desktop.demo.visits import follow_up_reason, visits
from emr_desktop.demo.writer import TABLE_ORDER, Run, Staff, next_ids, pick, ri
from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.security import Role
from emr_desktop.errors import PracticeError, ValidationError
from emr_desktop.models import Counter, Patient, User
from emr_desktop.models.base import utcnow
from emr_desktop.persistence.database import Database
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.validation import luhn_digit
from emr_desktop.services.patients.registry import MRN_START
from emr_desktop.services.patients.search import fold, name_tokens

CHUNK = 1000  # patients per unit of work
Progress = Callable[[int, int], None]
_CULTURE_WEIGHTS = [c.weight for c in CULTURES]
# (lowest age, highest age, weight): a family practice's age mix.
_AGES = (
    (0, 4, 6),
    (5, 17, 14),
    (18, 34, 20),
    (35, 49, 20),
    (50, 64, 20),
    (65, 79, 14),
    (80, 95, 6),
)
_MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"


def long_chart_count(patients: int) -> int:
    """How many patients get a 700+ visit chart: 1 in 2,000, at least 3 from 1,000 up, else 1."""
    return max(3 if patients >= 1000 else 1, patients // 2000)


def populate(
    db: Database,
    *,
    patients: int,
    seed: int,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Fill a practice that has staff but no patients; returns the row counts per table."""
    if isinstance(patients, bool) or not isinstance(patients, int) or patients < 1:
        raise ValidationError("patients", "must be a whole number of at least 1")
    started = time.perf_counter()
    rng = random.Random(seed)
    with db.unit_of_work() as s:
        if s.scalar(select(func.count(Patient.id))):
            raise PracticeError("This practice already has patients; the demo needs a new one.")
        staff = _staff(s)
        run = Run(rng, now or utcnow(), staff, next_ids(s.connection(), _ID_TABLES))
        book = setup_providers(s, run)
        counter = s.get(Counter, "mrn")
        first_mrn = counter.value if counter else MRN_START
    long_kinds = {
        k: ("dialysis", "anticoag")[i % 2]
        for i, k in enumerate(sorted(rng.sample(range(patients), long_chart_count(patients))))
    }
    picker = PatientPicker(rng)
    kept: dict[int, Person] = {}
    for done in range(0, patients, CHUNK):
        with db.unit_of_work() as s:
            for k in range(done, min(done + CHUNK, patients)):
                _patient(run, book, picker, kept, first_mrn + k + 1, long_kinds.get(k, ""))
            run.flush(s.connection())
        if progress is not None:
            progress(min(done + CHUNK, patients), patients)
    with db.unit_of_work() as s:
        for booked in schedule_ahead(run, book, picker):
            today_visit(run, kept[booked.patient_id], booked)
        run.flush(s.connection())
        counter = s.get(Counter, "mrn")
        if counter is None:
            s.add(Counter(name="mrn", value=first_mrn + patients))
        else:
            counter.value = first_mrn + patients
        counts = {name: run.counts[name] for name in TABLE_ORDER}
        details = {**counts, "seed": seed, "seconds": round(time.perf_counter() - started, 1)}
        record(s, None, "demo_generate", username=staff.admin_name, details=details)
    return counts


_ID_TABLES = tuple(name for name in TABLE_ORDER if name != "patient_name_token")


def _staff(s: Session) -> Staff:
    users = list(s.scalars(select(User).order_by(User.id)))
    docs = tuple(u.id for u in users if u.role is Role.PHYSICIAN)

    def first(role: Role) -> User:
        found = next((u for u in users if u.role is role), None)
        if found is None:
            raise PracticeError(f"The demo practice needs a {role.value} user.")
        return found

    if not docs:
        raise PracticeError("The demo practice needs physicians.")
    admin = first(Role.ADMIN)
    return Staff(
        physicians=docs,
        names={u.id: u.full_name for u in users},
        nurse=first(Role.NURSE).id,
        receptionist=first(Role.RECEPTIONIST).id,
        admin=admin.id,
        admin_name=admin.username,
    )


def _phone(rng: random.Random, area: str | None = None) -> str:
    return f"({area or pick(rng, AREA_CODES)}) 555-01{ri(rng, 0, 99):02d}"


def _given(rng: random.Random, culture: Culture, sex: Sex) -> str:
    return pick(rng, culture.female if sex is Sex.FEMALE else culture.male)


def _family(rng: random.Random, culture: Culture, sex: Sex) -> str:
    name = pick(rng, culture.family)
    if culture.feminine_family and sex is Sex.FEMALE and name.endswith(("ski", "cki", "dzki")):
        name = name[:-1] + "a"  # Polish: Kowalski -> Kowalska
    return name


_MALE_RELATIONS = ("Father", "Brother", "Son")
_FEMALE_RELATIONS = ("Mother", "Sister", "Daughter")


def _relative_sex(rng: random.Random, relation: str, own: Sex) -> Sex:
    if relation in _MALE_RELATIONS:
        return Sex.MALE
    if relation in _FEMALE_RELATIONS:
        return Sex.FEMALE
    if relation in ("Spouse", "Partner") and rng.random() < 0.93:
        return Sex.MALE if own is Sex.FEMALE else Sex.FEMALE
    return Sex.FEMALE if rng.random() < 0.5 else Sex.MALE


def _member_id(rng: random.Random, payer: str) -> str:
    if not payer:
        return ""
    if payer == "Medicare":
        letters = "".join(rng.choices(_MBI_LETTERS, k=6))
        digits = [str(ri(rng, 0, 9)) for _ in range(5)]
        return (
            f"{ri(rng, 1, 9)}{letters[0]}{letters[1]}{digits[0]}-{letters[2]}{letters[3]}"
            f"{digits[1]}-{letters[4]}{letters[5]}{digits[2]}{digits[3]}"
        )
    prefix = "".join(w[0] for w in payer.split()).upper()
    return f"{prefix}{ri(rng, 100_000_000, 999_999_999)}"


def _birth(rng: random.Random, today: dt.date, long_kind: str) -> dt.date:
    low, high, _ = (45, 85, 0) if long_kind else rng.choices(_AGES, [a[2] for a in _AGES])[0]
    days = ri(rng, low * 365 + 10, high * 365 + 364)
    return today - dt.timedelta(days=days)


def _chart_start(rng: random.Random, today: dt.date, birth: dt.date) -> dt.date:
    age = (today - birth).days / 365.25
    if age < 18 and rng.random() < 0.8:
        return birth + dt.timedelta(days=ri(rng, 0, 3))  # seen here since birth
    years = min(age, rng.triangular(1, 20, 6))
    return max(birth, today - dt.timedelta(days=max(30, round(years * 365.25))))


def _patient(
    run: Run,
    book: SlotBook,
    picker: PatientPicker,
    kept: dict[int, Person],
    mrn_number: int,
    long_kind: str,
) -> None:
    rng, today = run.rng, run.today
    culture = rng.choices(CULTURES, _CULTURE_WEIGHTS)[0]
    sex = Sex.FEMALE if rng.random() < 0.51 else Sex.MALE
    kin = culture if rng.random() < 0.85 else rng.choices(CULTURES, _CULTURE_WEIGHTS)[0]
    given, family = _given(rng, culture, sex), _family(rng, kin, sex)
    middle = _given(rng, culture, sex) if rng.random() < 0.35 else ""
    preferred = PREFERRED_NAMES.get(given, "") if rng.random() < 0.4 else ""
    birth = _birth(rng, today, long_kind)
    start = _chart_start(rng, today, birth)
    pid = run.new_id("patient")
    p = Person(
        pid,
        birth,
        sex,
        pick(rng, run.staff.physicians),
        start,
        rng.gauss(1, 0.04),
        rng.gauss(25, 3.5),
        rng.gauss(0.2, 0.5),
        rng.gauss(116, 8),
        round(rng.gauss(72, 8)),
    )
    row = _demographics(run, p, mrn_number, culture, given, family, middle, preferred)
    run.add("patient", row)
    for kind, value in (("f", family), ("g", given), ("m", middle), ("p", preferred)):
        for token in {t[:100] for t in name_tokens(value)}:
            run.add("patient_name_token", {"token": token, "patient_id": pid, "kind": kind})
    row["no_known_allergies"] = choose_allergies(run, p)
    if long_kind:
        long_chart(run, book, p, long_kind)
    else:
        choose_problems(run, p)
        p.bmi += sum(ch.cond.bmi for ch in p.problems if ch.cond and ch.active(today))
        for ch in p.problems:
            problem_row(run, p, ch, p.pcp)
        choose_medications(run, p)
        visits(run, book, p)
    immunizations(run, p)
    referral(run, p)
    prescriptions(run, p)
    if row["active"]:
        picker.register(pid, p.pcp, follow_up_reason(p, today), new=not p.visits)
        kept[pid] = Person(
            pid,
            birth,
            sex,
            p.pcp,
            p.start,
            p.size,
            p.bmi,
            p.drift,
            p.sbp,
            p.pulse,
            [ch for ch in p.problems if ch.active(today)],
        )


def _demographics(
    run: Run,
    p: Person,
    mrn_number: int,
    culture: Culture,
    given: str,
    family: str,
    middle: str,
    preferred: str,
) -> dict[str, object]:
    rng = run.rng
    base = str(mrn_number)
    area = pick(rng, AREA_CODES)
    mobile = _phone(rng, area) if rng.random() < 0.9 else ""
    home = _phone(rng, area) if rng.random() < 0.3 or not mobile else ""
    town, postal = pick(rng, TOWNS)
    adult = p.age(run.today) >= 18
    payers = [x for x in PAYERS if x[0] != "Medicaid" or rng.random() < 0.5]
    payer = rng.choices([x[0] for x in payers], [x[1] for x in payers])[0]
    if p.age(run.today) >= 65 and rng.random() < 0.85:
        payer = "Medicare"
    contact = relation = ""
    if rng.random() < 0.85:
        relation = pick(rng, RELATIONS_ADULT if adult else RELATIONS_CHILD)
        other = _relative_sex(rng, relation, p.sex)
        kin = family if relation != "Friend" else _family(rng, culture, other)
        contact = f"{_given(rng, culture, other)} {kin}"
    email = ""
    if adult and rng.random() < 0.45:
        local_part = ".".join(
            "".join(ch for ch in fold(x) if ch.isalnum()) for x in (given, family)
        )
        email = f"{local_part}{ri(rng, 1, 99)}@example.com"
    identity = ""
    if adult and rng.random() < 0.005:
        identity = pick(rng, GENDER_IDENTITIES)
    created = run.utc(local(p.start, 9))
    return {
        "id": p.pid,
        "mrn": base + luhn_digit(base),
        "given_name": given,
        "middle_name": middle,
        "family_name": family,
        "preferred_name": preferred,
        "birth_date": p.birth,
        "sex_at_birth": p.sex.value,
        "gender_identity": identity,
        "phone_mobile": mobile,
        "phone_home": home,
        "mobile_digits": v.phone_digits("mobile phone", mobile),
        "home_digits": v.phone_digits("home phone", home),
        "email": email,
        "address_line1": f"{ri(rng, 10, 9899)} {pick(rng, STREETS)} {pick(rng, STREET_KINDS)}",
        "address_line2": f"Apt {ri(rng, 1, 40)}{pick(rng, 'ABCD')}" if rng.random() < 0.15 else "",
        "city": town,
        "state": STATE,
        "postal_code": f"{postal}{ri(rng, 0, 99):02d}",
        "preferred_language": culture.language
        if rng.random() < culture.other_language
        else "English",
        "emergency_contact_name": contact,
        "emergency_contact_phone": _phone(rng) if contact else "",
        "emergency_contact_relation": relation,
        "insurance_payer": payer,
        "insurance_member_id": _member_id(rng, payer),
        "no_known_allergies": False,
        "alerts": pick(rng, ALERTS) if rng.random() < 0.03 else "",
        "active": rng.random() >= 0.015,
        "deceased_on": None,
        "merged_into_id": None,
        "created_at": created,
        "updated_at": created,
        "version": 1,
    }
