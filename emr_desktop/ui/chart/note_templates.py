"""Starting text for common visit types (the physician edits it; nothing is auto-signed)."""

from __future__ import annotations

TEMPLATES: dict[str, dict[str, str]] = {
    "Follow-up": {
        "subjective": "Here for follow-up of: \nSince last visit: \nMedications taken as "
        "prescribed: yes / no\nSide effects: ",
        "objective": "General: well-appearing, no distress\nHeart: \nLungs: ",
        "assessment": "",
        "plan": "Continue current medications.\nReturn in  weeks, sooner if worse.",
    },
    "Annual physical": {
        "subjective": "Annual examination. Concerns today: \nDiet/exercise: \nTobacco/"
        "alcohol: \nScreenings due: ",
        "objective": "General: \nHEENT: \nNeck: \nHeart: \nLungs: \nAbdomen: \n"
        "Extremities: \nSkin: ",
        "assessment": "Healthy adult, routine examination.",
        "plan": "Labs: \nImmunizations: \nCounselling: \nReturn in 1 year.",
    },
    "Sick visit": {
        "subjective": "Chief complaint: \nOnset: \nAssociated symptoms: \nTried so far: ",
        "objective": "Temp:  Pulse:  \nGeneral: \nFocused exam: ",
        "assessment": "",
        "plan": "Supportive care explained. Return if not better in  days or if worse.",
    },
    "Telephone call": {
        "subjective": "Caller: \nReason for call: ",
        "objective": "(telephone encounter)",
        "assessment": "",
        "plan": "Advice given: \nCaller understands and agrees.",
    },
}
