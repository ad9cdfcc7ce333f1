"""A message's text: its title and body, and the one string every component reads (title + "\\n" + body).

The platform stores title and body apart; scikit-learn-style components take lists of str. MessageText
joins them once, and `split_text` is the one rule that finds them again in a joined string: the title is
everything before the first line break (a text without one is all title). What a component then does with
whitespace (collapse it, drop it) is its own feature choice, not a different way of splitting.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TITLE_BREAK", "MessageText", "join_text", "split_text"]

TITLE_BREAK = "\n"


def join_text(title: str, body: str) -> str:
    """title + "\\n" + body: the string every component of minyi.nlp reads."""
    return f"{title}{TITLE_BREAK}{body}"


def split_text(text: str) -> tuple[str, str]:
    """(title, body) of a joined text: the title ends at the first line break."""
    title, _, body = text.partition(TITLE_BREAK)
    return title, body


@dataclass(frozen=True, slots=True)
class MessageText:
    """Title, body and their joined form, built once (`of` to join, `parse` to split a joined text)."""

    title: str
    body: str
    joined: str

    @classmethod
    def of(cls, title: str, body: str) -> MessageText:
        """The text of a message whose title and body are known (the title holds no line break)."""
        if TITLE_BREAK in title:
            msg = "a title holds no line break: clean it as one line first"
            raise ValueError(msg)
        return cls(title, body, join_text(title, body))

    @classmethod
    def parse(cls, joined: str) -> MessageText:
        """The text of a joined title + "\\n" + body string."""
        title, body = split_text(joined)
        return cls(title, body, joined)
