"""minyi (民意): walk the mass line online."""

__version__ = "0.1.0"
