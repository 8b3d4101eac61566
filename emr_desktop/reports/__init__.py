"""PDF builders (reportlab): take DTOs, return bytes or write a file."""
