"""Plain values shared by every layer: enums, and the frozen DTOs services return."""
