"""The worklist: each user's inbox (results to review, unsigned notes, renewal requests,
tasks, overdue orders) and tasks assigned to a user or a role."""
