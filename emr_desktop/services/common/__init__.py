"""What every room shares: writing audit rows, input validation, DTO converters, finding a
patient record. Nothing here knows about a particular capability."""
