"""The appointment book: providers' hours and blocked time, booking with conflict checks,
recurring series, check-in steps, the next free slot and the printed day sheet."""
