"""Text for display: invisible control characters neutralised, personal data masked for the public.

Right-to-left overrides and embeddings (U+202A-U+202E), directional isolates (U+2066-U+2069) and
zero-width characters (U+200B-U+200F, U+2060, U+FEFF) change how a title reads, or hide what it
says, without being visible. They are removed on display; the stored text keeps them.
"""

from __future__ import annotations

import re

from minyi.nlp.pii import mask_pii

_INVISIBLE = [*range(0x200B, 0x2010), *range(0x202A, 0x202F), 0x2060, *range(0x2066, 0x206A), 0xFEFF]
# For str.translate: also keeps a markupsafe.Markup a Markup (its translate is safe), for templates.
INVISIBLE_TABLE: dict[int, None] = dict.fromkeys(_INVISIBLE)
INVISIBLE_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in _INVISIBLE) + "]")


def strip_invisible(text: str) -> str:
    """`text` without bidirectional overrides, isolates and zero-width characters."""
    return text.translate(INVISIBLE_TABLE) if text else text


def public_display(text: str) -> str:
    """What the public sees of a stored text: controls removed first (so they cannot hide a number), then masked."""
    return mask_pii(strip_invisible(text)) if text else ""


def public_search_text(title: str, body: str, place_text: str) -> str:
    """What public search may match: the fields as the public pages show them, one per line.

    Search terms never contain a line break, so a term cannot match across two fields.
    """
    return "\n".join(public_display(text or "") for text in (title, body, place_text))
