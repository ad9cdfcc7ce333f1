"""吸纳: a suggestion's adoption decision, its public commitments and their progress (docs/suggestions.md)."""
