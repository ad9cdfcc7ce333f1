"""The web layer: app factory, thin routes, templates, static assets. Only web/ imports FastAPI."""
