"""Charts leaving and entering the practice: PDF exports and referral packets, referral
records, and FHIR R4 export and import."""
