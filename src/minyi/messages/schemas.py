"""JSON shapes of what a citizen sends (a message), and the field documentation helpers the other schemas use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from minyi.messages import services as rules
from minyi.nlp.labels import CITIZEN_KINDS, DOMAINS

# The limits below are documented in the OpenAPI schema and checked by the services, which answer with
# clear Chinese errors (422); they are not enforced a second time by pydantic with English ones.


def _char_class(codes: Iterable[int]) -> str:
    """`\\uXXXX` ranges for a regex character class, valid in JSON Schema (ECMA) and Python patterns."""
    ranges: list[list[int]] = []
    for code in sorted(codes):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(f"\\u{a:04x}" + (f"-\\u{b:04x}" if b > a else "") for a, b in ranges)


# core.validation refuses C0 controls other than tab/LF/CR, and DEL; lengths are of the str.strip()ped text.
_CONTROL = _char_class([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_SPACE = _char_class(c for c in range(0x10000) if chr(c).isspace() and not 0x0B <= c <= 0x0C and not 0x1C <= c <= 0x1F)
_ANY, _SOLID, _BLANK = f"[^{_CONTROL}]", f"[^{_CONTROL}{_SPACE}]", f"[{_SPACE}]"
EMAIL_PATTERN = f"^$|^[^@{_CONTROL}{_SPACE}]{{1,64}}@[^@{_CONTROL}{_SPACE}]{{1,189}}\\.[^@{_CONTROL}{_SPACE}]{{1,60}}$"


def text_pattern(min_len: int = 0, *, required: bool = True) -> str:
    """The texts core.validation.text_field accepts: no control characters, `min_len` once stripped."""
    if not required and not min_len:
        return f"^{_ANY}*$"
    middle = f"(?:{_ANY}*{_SOLID})?" if min_len <= 1 else f"{_ANY}{{{min_len - 2},}}{_SOLID}"
    solid = f"^{_BLANK}*{_SOLID}{middle}{_BLANK}*$"
    return solid if required else f"^{_BLANK}*$|{solid}"


def _integral(value: Any) -> Any:
    """JSON Schema counts 3.0 as an integer; pydantic's strict mode alone would refuse it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


JsonInt = Annotated[int, BeforeValidator(_integral)]  # an integer in strict models: 3 and 3.0, never "3"


def text_doc(max_len: int, min_len: int = 0, *, default: Any = ..., description: str | None = None) -> Any:
    """A text field whose limits (as the service counts them) are in the schema; required without a default."""
    required = default is ...
    extra: dict[str, Any] = {"maxLength": max_len, "pattern": text_pattern(min_len, required=required)}
    if min_len and required:
        extra["minLength"] = min_len  # implied by the pattern (counted there without surrounding blanks)
    return Field(default, json_schema_extra=extra, description=description)


def choice_doc(
    choices: Iterable[str], *, optional: bool = False, default: Any = ..., description: str | None = None
) -> Any:
    """A field whose allowed values are in the schema (optional: also empty or null, meaning none)."""
    values: list[Any] = [*choices, *(["", None] if optional else [])]
    return Field(default, json_schema_extra={"enum": values}, description=description)


class MessageIn(BaseModel):
    """A citizen's submission (strict JSON types: `0` is not a boolean, `"5"` not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: str = text_doc(rules.TITLE_MAX, rules.TITLE_MIN)
    body: str = text_doc(rules.BODY_MAX, rules.BODY_MIN)
    appeal_kind: str | None = choice_doc(
        CITIZEN_KINDS,
        optional=True,
        default="",
        description="诉求类型："
        + "、".join(f"{k} {v}" for k, v in CITIZEN_KINDS.items())
        + "；空或不填：不确定（由受理员判断）",
    )
    domain: str | None = choice_doc(DOMAINS, optional=True, default=None, description="领域")
    place_text: str = text_doc(rules.PLACE_MAX, default="")
    is_public: bool = True
    is_anonymous: bool = False
    contact_name: str = text_doc(rules.NAME_MAX, default="")
    contact_phone: str = Field("", json_schema_extra={"maxLength": 20, "pattern": r"^$|^[0-9+\-() ]{5,20}$"})
    contact_email: str = Field("", json_schema_extra={"maxLength": rules.EMAIL_MAX, "pattern": EMAIL_PATTERN})
    contact_address: str = text_doc(rules.ADDRESS_MAX, default="")
    jurisdiction: str | None = Field(
        default=None,
        description="提交到的辖区：其网址代号（/j/{slug} 中的 slug）；空或不填：按留言中的地点自动分派",
        json_schema_extra={"maxLength": 40, "pattern": r"^$|^[a-z0-9][a-z0-9-]{1,39}$"},
    )
    leader: str | None = Field(
        default=None,
        description="领导信箱（所选辖区的领导之一，如“市长”）；须同时给出 jurisdiction",
        json_schema_extra={"maxLength": 16, "pattern": text_pattern(required=False)},
    )
    submission_key: str | None = Field(
        default=None,
        description="idempotency key: the same key is stored once",
        json_schema_extra={"pattern": r"^$|^[A-Za-z0-9_-]{8,64}$"},
    )
