"""The practice reports screen: date range, provider, table, chart and CSV."""
