"""Duplicate voices and hot issues (热点问题): supports (附议), similar cases, the hot-issue snapshot."""
