"""Background work: jobs call services, never routes."""
