"""Field checks with clear Chinese errors, shared by every public input."""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any, Literal, overload

from minyi.core.errors import ValidationFailed

# C0 control characters other than tab, newline and carriage return, plus DEL: never valid text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_field(value: Any, *, field: str, label: str, max_len: int, min_len: int = 0, required: bool = True) -> str:
    """Check a text input and return it unchanged; length is counted on the stripped text."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        msg = f"{label}必须是文本"
        raise ValidationFailed(msg, field=field)
    stripped = value.strip()
    if required and not stripped:
        msg = f"请填写{label}"
        raise ValidationFailed(msg, field=field)
    if _CONTROL.search(value):
        msg = f"{label}含有不可见的控制字符，请删除后再提交"
        raise ValidationFailed(msg, field=field)
    if len(value) > max_len:
        msg = f"{label}最多 {max_len} 个字，当前 {len(value)} 个字"
        raise ValidationFailed(msg, field=field)
    if stripped and len(stripped) < min_len:
        msg = f"{label}至少 {min_len} 个字"
        raise ValidationFailed(msg, field=field)
    return value


Choices = Mapping[str, object] | AbstractSet[str] | tuple[str, ...]


@overload
def choice_field(value: Any, *, field: str, label: str, choices: Choices, required: Literal[True] = True) -> str: ...


@overload
def choice_field(value: Any, *, field: str, label: str, choices: Choices, required: bool) -> str | None: ...


def choice_field(value: Any, *, field: str, label: str, choices: Choices, required: bool = True) -> str | None:
    """Check that `value` is one of `choices` (None allowed when not required)."""
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or value not in choices:
        msg = f"请选择有效的{label}"
        raise ValidationFailed(msg, field=field)
    return value


def int_field(value: Any, *, field: str, label: str, minimum: int, maximum: int) -> int:
    """Parse an integer within [minimum, maximum]."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        msg = f"{label}必须是整数"
        raise ValidationFailed(msg, field=field) from None
    if isinstance(value, float) and value != number:
        msg = f"{label}必须是整数"
        raise ValidationFailed(msg, field=field)
    if not minimum <= number <= maximum:
        msg = f"{label}必须在 {minimum} 到 {maximum} 之间"
        raise ValidationFailed(msg, field=field)
    return number


def bool_field(value: Any) -> bool:
    """Checkbox or JSON boolean semantics."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "on", "yes"}
