"""The patient chart: banner, summary and one widget per section."""
