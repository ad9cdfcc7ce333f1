"""Deadline reminders, automatic 督办 escalation, and the channels that carry notifications."""
