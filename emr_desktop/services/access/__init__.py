"""Who may open which chart beyond the role table: restricted charts (named users only)
and emergency access ("break the glass", with a reason, for a limited time), and the
manager's review of every emergency access."""
