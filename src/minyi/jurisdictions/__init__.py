"""Jurisdictions in levels (省 → 市 → 区/县 → 街道/乡镇): the tree, its areas, and who sees what within it."""
