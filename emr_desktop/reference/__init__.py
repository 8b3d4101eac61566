"""Read-only clinical code sets: formulary, interactions, allergy classes, CVX, LOINC, ICD-10-CM.

Everything here works offline from files bundled in ``resources/reference`` (see its
SOURCES.md) or from installed data packages. No Qt, no database, no patient data.
"""
