"""Deadline reminders, automatic 督办 escalation, hand-offs told, and the channels that carry notifications."""
