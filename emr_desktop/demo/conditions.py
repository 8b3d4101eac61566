"""Clinical bundles for the demo practice: conditions keyed by real ICD-10-CM codes, the
medications that treat them (formulary names, ISMP sigs), the labs that follow them (LOINC)
and short phrases for template-based notes.

The bundles are written as small text tables (one line per fact) so that a reader sees the
clinical content at a glance; the parsers below turn them into frozen dataclasses at import
and fail loudly on a typo. tests/test_demo_generator.py checks every code against the
reference code sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from emr_desktop.demo.bundles import CONDITION_TEXT, MED_TEXT
from emr_desktop.domain.clinical import Sex
from emr_desktop.services.prescribing.sig import render_sig


@dataclass(frozen=True, slots=True)
class MedOption:
    """One way to treat something: a formulary drug with a structured sig."""

    name: str
    strength: str
    form: str
    route: str
    dose: str
    unit: str
    frequency: str
    quantity: str
    quantity_unit: str
    prn: str = ""  # the as-needed reason
    days: int | None = None  # a course (antibiotics); None for maintenance
    min_age: int = 12
    sig: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class LabPlan:
    """How one lab value behaves for a patient with a condition, and how often it is drawn.

    The first value is drawn from ``start``; treatment moves it towards ``goal`` (about
    63% of the way every ``tau`` years); ``slope`` adds a steady drift per year.
    """

    loinc: str
    start: tuple[float, float]
    goal: tuple[float, float] | None = None
    tau: float = 0.7
    slope: float = 0.0
    sd: float = 0.0
    every: int = 365  # days between draws
    places: int = 1
    needs: str = ""  # drawn only while the patient takes this drug


@dataclass(frozen=True, slots=True)
class Condition:
    """A problem-list bundle: codes, who gets it, its treatment, labs and note phrases."""

    label: str  # as a note mentions it
    codes: tuple[tuple[str, str], ...]  # (ICD-10-CM code, official description) alternatives
    prevalence: tuple[float, float, float]  # children, adults under 50, adults 50+
    meds: tuple[tuple[MedOption, ...], ...] = ()  # first slot always, later ones sometimes
    labs: tuple[LabPlan, ...] = ()
    say: tuple[str, ...] = ()
    exam: tuple[str, ...] = ()
    plan: tuple[str, ...] = ()
    sex: Sex | None = None
    female_risk: float = 1.0
    bp: int = 0  # systolic rise before treatment (mmHg)
    bmi: float = 0.0
    spo2: int = 0
    pain: int = 0
    specialty: str = ""
    resolves: float = 0.0  # chance the problem is later resolved
    excludes: str = ""  # label of a condition this one never coexists with


def _parse_meds(text: str) -> dict[str, MedOption]:
    meds: dict[str, MedOption] = {}
    for line in text.strip().replace("\n  |", " |").splitlines():  # "  |" continues a line
        name, strength, form, route, dose, freq, qty, *extra = (p.strip() for p in line.split("|"))
        opts = dict(e.split("=", 1) for e in extra)
        d, unit = dose.split(" ", 1)
        q, q_unit = qty.split(" ", 1)
        prn, days = opts.get("prn", ""), int(opts["days"]) if "days" in opts else None
        sig = render_sig(
            dose=Decimal(d),
            dose_unit=unit,
            route=route,
            frequency=freq,
            duration_days=days,
            prn=bool(prn),
            prn_indication=prn,
        )
        meds[f"{name} {strength}"] = MedOption(
            name,
            strength,
            form,
            route,
            d,
            unit,
            freq,
            q,
            q_unit,
            prn,
            days,
            int(opts.get("min_age", 12)),
            sig,
        )
    return meds


MEDS = _parse_meds(MED_TEXT)

K, CREATININE, EGFR, HBA1C = "2823-3", "2160-0", "98979-8", "4548-4"
LDL, LDL_DIRECT, HDL, TRIGLYCERIDES = "13457-7", "18262-6", "2085-9", "2571-8"
TOTAL_CHOLESTEROL, INR, HEMOGLOBIN = "2093-3", "6301-6", "718-7"
# The lipid panel: total cholesterol is computed from these (Friedewald), LDL is direct
# when triglycerides are too high for the calculation.
LIPID_PANEL = (
    LabPlan(LDL, (130, 200), (70, 115), 0.5, sd=9, places=0),
    LabPlan(HDL, (34, 62), sd=4, places=0),
    LabPlan(TRIGLYCERIDES, (110, 290), (90, 160), 0.8, sd=18, places=0),
)
_LAB_SETS = {"lipids": LIPID_PANEL}

_LAB_KEYS = {"goal", "tau", "slope", "sd", "every", "places", "needs"}


def _span(text: str) -> tuple[float, float]:
    low, high = text.split("-", 1)
    return float(low), float(high)


def _lab(words: list[str]) -> LabPlan:
    loinc, start, *rest = words
    opts = dict(w.split("=", 1) for w in rest)
    if set(opts) - _LAB_KEYS:
        raise ValueError(f"unknown lab option in {words}")
    return LabPlan(
        loinc,
        _span(start),
        _span(opts["goal"]) if "goal" in opts else None,
        float(opts.get("tau", 0.7)),
        float(opts.get("slope", 0)),
        float(opts.get("sd", 0)),
        int(opts.get("every", 365)),
        int(opts.get("places", 1)),
        opts.get("needs", ""),
    )


def _condition(paragraph: str) -> Condition:
    header, *lines = paragraph.strip().splitlines()
    label, prevalence, *options = (p.strip() for p in header.split("|"))
    opts = {k: v.replace("_", " ") for k, v in (o.split("=", 1) for o in " ".join(options).split())}
    lists: dict[str, list[str]] = {"say": [], "exam": [], "plan": []}
    codes: list[tuple[str, str]] = []
    meds: list[tuple[MedOption, ...]] = []
    labs: list[LabPlan] = []
    for line in lines:
        word, rest = line.split(" ", 1)
        if word == "med":
            meds.append(tuple(MEDS[name.strip()] for name in rest.split(";")))
        elif word == "lab":
            labs.append(_lab(rest.split()))
        elif word == "labs":
            labs.extend(_LAB_SETS[rest])
        elif word in lists:
            lists[word].append(rest)
        else:
            codes.append((word, rest))
    low, mid, high = (float(x) for x in prevalence.split())

    def num(key: str, default: float = 0.0) -> float:
        return float(opts.pop(key, default))

    made = Condition(
        label,
        tuple(codes),
        (low, mid, high),
        tuple(meds),
        tuple(labs),
        tuple(lists["say"]),
        tuple(lists["exam"]),
        tuple(lists["plan"]),
        sex={"male": Sex.MALE, "female": Sex.FEMALE}.get(opts.pop("sex", "")),
        female_risk=num("female_risk", 1.0),
        bp=int(num("bp")),
        bmi=num("bmi"),
        spo2=int(num("spo2")),
        pain=int(num("pain")),
        specialty=opts.pop("specialty", ""),
        resolves=num("resolves"),
        excludes=opts.pop("excludes", ""),
    )
    if opts or not codes:
        raise ValueError(f"condition {label!r}: unknown options {opts} or no code")
    return made


CONDITIONS = tuple(_condition(p) for p in CONDITION_TEXT.strip().split("\n\n"))
BY_LABEL = {c.label: c for c in CONDITIONS}


@dataclass(frozen=True, slots=True)
class Acute:
    """A short illness seen at a sick visit; its problem is resolved within weeks."""

    code: str
    description: str
    reason: str
    say: str
    adults: bool = True
    children: bool = True
    meds: tuple[MedOption, ...] = ()
    fever: bool = False


_AMOX, _AZITHRO = MEDS["amoxicillin 500 mg"], MEDS["azithromycin 250 mg"]
# fmt: off
ACUTE: tuple[Acute, ...] = (
    Acute("J06.9", "Acute upper respiratory infection, unspecified", "Cold symptoms",
          "Runny nose and sore throat for 4 days, no shortness of breath."),
    Acute("J02.9", "Acute pharyngitis, unspecified", "Sore throat",
          "Sore throat for 3 days, painful swallowing, no cough.", meds=(_AMOX, _AZITHRO),
          fever=True),
    Acute("N39.0", "Urinary tract infection, site not specified", "Painful urination",
          "Burning with urination and frequency for 2 days, no flank pain.", children=False,
          meds=(MEDS["nitrofurantoin 100 mg"],)),
    Acute("J20.9", "Acute bronchitis, unspecified", "Cough",
          "Cough for 10 days after a cold, no fever now."),
    Acute("H66.90", "Otitis media, unspecified, unspecified ear", "Ear pain",
          "Ear pain since last night, pulling at the ear.", adults=False, meds=(_AMOX,),
          fever=True),
    Acute("S93.401A", "Sprain of unspecified ligament of right ankle, initial encounter",
          "Ankle injury", "Rolled the right ankle yesterday playing sport; can bear weight."),
    Acute("A09", "Infectious gastroenteritis and colitis, unspecified", "Vomiting and diarrhea",
          "Vomiting and loose stools since yesterday; keeping fluids down."),
    Acute("L03.115", "Cellulitis of right lower limb", "Red swollen leg",
          "Red, warm area on the right shin for 2 days.", children=False,
          meds=(MEDS["cephalexin 500 mg"],), fever=True),
    Acute("J01.90", "Acute sinusitis, unspecified", "Sinus pressure",
          "Facial pressure and congestion for 12 days.", meds=(_AMOX,)),
    Acute("R51.9", "Headache, unspecified", "Headache",
          "Headache for 2 days, no neck stiffness or vision change."),
)
# fmt: on

# The very long charts (dialysis and anticoagulation clinics).
DIALYSIS_CODES = (("N18.6", "End stage renal disease"), ("Z99.2", "Dependence on renal dialysis"))
ANTICOAG_CODES = (("Z79.01", "Long term (current) use of anticoagulants"),)
DIALYSIS_LABS = (
    LabPlan(K, (4.4, 5.6), sd=0.35, every=28),
    LabPlan("3094-0", (38, 70), sd=6, every=28, places=0),
    LabPlan(CREATININE, (6.0, 9.0), sd=0.5, every=28),
    LabPlan("2777-1", (4.6, 6.4), (4.0, 5.2), 1.0, sd=0.4, every=28),
    LabPlan("1751-7", (3.3, 3.9), sd=0.15, every=28),
    LabPlan(HEMOGLOBIN, (9.4, 11.4), sd=0.4, every=28),
)
# Labs adults get now and then at a physical (normal people, mostly normal values).
ROUTINE_LABS = (
    LabPlan("2345-7", (78, 97), sd=5, every=700, places=0),
    LabPlan(HEMOGLOBIN, (12.4, 15.8), sd=0.4, every=700),
    LabPlan("6690-2", (4.8, 9.6), sd=0.6, every=700),
    LabPlan("777-3", (170, 380), sd=20, every=700, places=0),
    LabPlan(CREATININE, (0.7, 1.1), sd=0.06, every=700, places=2),
)
