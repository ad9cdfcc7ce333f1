"""帮助 and 化解: assistance recorded on help cases, 回访 after closing, repeated complaints flagged."""
