"""The shipped model (default.pkl, a gzip-compressed pickle) and its provenance (default.json)."""
