"""The physician's home screen and everyone's inbox: counts, one list of what waits,
result review and sign-off, tasks."""
