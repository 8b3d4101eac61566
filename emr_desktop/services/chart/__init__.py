"""The clinical record of one patient: the chart summary and its sections (problems,
allergies, medications, vitals and labs, immunizations, documents) and visit notes."""
