"""The front desk's recall list: who is due for what, contact attempts, booking, letters."""
