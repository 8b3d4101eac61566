"""The patient index: registration, demographics, duplicate checks, merge and search."""
