"""Staff accounts, roles, login sessions and API tokens."""
