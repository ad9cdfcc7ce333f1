"""The four adoption decisions and the stages of a commitment: codes stored, Chinese names shown."""

from __future__ import annotations

ADOPTED, PARTLY, PLANNED, NOT_ADOPTED = "adopted", "partly", "planned", "not_adopted"
DECISIONS: dict[str, str] = {
    ADOPTED: "采纳",
    PARTLY: "部分采纳",
    PLANNED: "已有安排",
    NOT_ADOPTED: "暂不采纳",
}
# The decisions that carry commitments and count as adopted in the adoption rate (采纳率).
ADOPTING = frozenset({ADOPTED, PARTLY})
SUGGESTION = "suggestion"  # the appeal kind that ends in a decision (minyi.nlp.labels.APPEAL_KINDS)

OPEN, DONE = "open", "done"
COMMITMENT_STATUSES: dict[str, str] = {OPEN: "推进中", DONE: "已完成"}


def stage_name(percent: int, *, done: bool) -> str:
    """A commitment's stage as the public reads it, from how far along it is."""
    if done:
        return "已完成"
    if percent <= 0:
        return "未开始"
    return "推进中"
