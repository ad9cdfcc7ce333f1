"""Watches (网上蹲点): follow a place, keyword, domain or hot issue, and be told when something arrives."""
