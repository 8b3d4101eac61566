"""The schedule screens: day and week views, waiting room, booking."""
