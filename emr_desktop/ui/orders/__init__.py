"""Ordering labs from a chart and the patient's orders and results."""
