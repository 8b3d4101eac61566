"""Read-only code sets (ICD-10-CM, drugs, interactions, CVX, LOINC); no patient data."""
