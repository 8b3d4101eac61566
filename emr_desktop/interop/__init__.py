"""FHIR R4 export and import."""
