"""How the platform shows and names citizens' messages: the closed vocabularies (domains, appeal kinds) and
text as the public sees it (personal data masked, invisible control characters removed).

The web layer reads these here, never from `minyi.nlp` directly: the definitions live in nlp, the decision of
what the platform shows is the messages feature's.
"""

from __future__ import annotations

from minyi.nlp.display import INVISIBLE_RE, INVISIBLE_TABLE, public_display, strip_invisible
from minyi.nlp.labels import APPEAL_KINDS, CITIZEN_KINDS, DOMAINS, UNDECIDED_KIND_NAME

__all__ = [
    "APPEAL_KINDS",
    "CITIZEN_KINDS",
    "DOMAINS",
    "INVISIBLE_RE",
    "INVISIBLE_TABLE",
    "UNDECIDED_KIND_NAME",
    "public_display",
    "strip_invisible",
]
