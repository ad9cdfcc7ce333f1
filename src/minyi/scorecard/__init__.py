"""考核: the department scorecard — weighted components, the admin's weights, the monthly ranking (通报)."""
