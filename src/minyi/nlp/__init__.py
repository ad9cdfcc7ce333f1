"""Pure text understanding. Imports nothing from minyi outside nlp/, nothing of web or SQL."""
