"""Importing historical messages (with replies, votes and categories) as cases with their events."""
