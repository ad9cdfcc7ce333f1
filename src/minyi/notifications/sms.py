"""Text messages (短信) to citizens through a provider's HTTP API, behind one small interface.

Chinese SMS providers send only pre-approved templates with parameters, under an approved signature (签名):
`SmsSender.send(phone, template, params)` is that shape. The sender shipped is the API of Alibaba Cloud's Short
Message Service (`SendSms`, an RPC call signed with HMAC-SHA1 of the canonicalised query, signature version 1.0);
another provider is another class with the same `send`. Nothing is sent unless the admin configures it
(`MINYI_SMS_*`, docs/notifications.md); the tests run it against a local fake server, never a real provider.

Two templates: `code` (a one-time code, parameter `code`) and `link` (the case number and the tracking link,
parameters `case` and `link`). A refused or failed call raises `SmsError` with the provider's own words.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from minyi.core.settings import Settings

if TYPE_CHECKING:
    from minyi.notifications.channels import OutgoingNotice

__all__ = ["AliyunSmsSender", "SmsChannel", "SmsError", "SmsSender", "is_mobile", "sms_sender"]

TIMEOUT_SECONDS = 10.0
_MOBILE = re.compile(r"^1[3-9]\d{9}$")  # a mainland mobile number: 11 digits from 13…19


class SmsError(Exception):
    """The provider refused the message or could not be reached; the message says why."""


def is_mobile(phone: str) -> bool:
    """Whether a phone number (digits only, +86 allowed) is a mainland mobile that can receive a text."""
    digits = re.sub(r"[\s-]", "", phone or "")
    digits = digits.removeprefix("+86").removeprefix("0086")
    return bool(_MOBILE.match(digits))


class SmsSender(Protocol):
    """Sends one template message to one phone, or raises SmsError."""

    def send(self, phone: str, template: str, params: Mapping[str, str]) -> str:
        """Send; returns the provider's id of the message."""
        ...


def _percent(value: str) -> str:
    """RFC 3986 percent-encoding, as the signature needs it (space %20, ~ kept, * encoded)."""
    return urllib.parse.quote(value, safe="~")


@dataclass(frozen=True)
class AliyunSmsSender:
    """Alibaba Cloud Short Message Service, `SendSms` (API version 2017-05-25), by HTTPS POST."""

    access_key_id: str
    access_key_secret: str
    sign_name: str
    templates: Mapping[str, str]  # our template name ("code", "link") -> the provider's TemplateCode
    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    timeout: float = TIMEOUT_SECONDS
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def parameters(self, phone: str, template: str, params: Mapping[str, str], *, nonce: str) -> dict[str, str]:
        """Every request parameter but the signature."""
        if template not in self.templates:
            raise SmsError(f"no provider template is configured for {template!r}")
        return {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "TemplateCode": self.templates[template],
            "TemplateParam": json.dumps(dict(params), ensure_ascii=False, separators=(",", ":")),
            "Timestamp": self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }

    def signature(self, method: str, parameters: Mapping[str, str]) -> str:
        """Base64(HMAC-SHA1(secret + "&", METHOD&%2F&percent(canonical query))), the provider's signature v1."""
        canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(parameters.items()))
        to_sign = f"{method}&{_percent('/')}&{_percent(canonical)}"
        digest = hmac.new(f"{self.access_key_secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def send(self, phone: str, template: str, params: Mapping[str, str]) -> str:
        """POST the signed form; the answer's Code must be "OK" (else SmsError with its Code and Message)."""
        if not self.endpoint.startswith(("https://", "http://")):
            raise SmsError(f"SMS endpoint must start with https://, got {self.endpoint[:60]!r}")
        parameters = self.parameters(phone, template, params, nonce=uuid.uuid4().hex)
        parameters["Signature"] = self.signature("POST", parameters)
        body = urllib.parse.urlencode(parameters, quote_via=urllib.parse.quote).encode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            self.endpoint,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "minyi-sms/1"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            raw = exc.read(65536)
        except OSError as exc:
            raise SmsError(f"SMS provider unreachable: {type(exc).__name__}: {exc}"[:500]) from exc
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SmsError(f"SMS provider answered something that is not JSON: {raw[:200]!r}") from exc
        if not isinstance(answer, dict) or answer.get("Code") != "OK":
            code = answer.get("Code") if isinstance(answer, dict) else None
            message = answer.get("Message") if isinstance(answer, dict) else None
            raise SmsError(f"SMS provider refused: {code}: {message}"[:500])
        return str(answer.get("BizId", ""))


def sms_sender(settings: Settings) -> SmsSender | None:
    """The sender the settings configure, or None (no SMS)."""
    if settings.sms_provider != "aliyun" or not settings.sms_access_key_id:
        return None
    return AliyunSmsSender(
        access_key_id=settings.sms_access_key_id,
        access_key_secret=settings.sms_access_key_secret,
        sign_name=settings.sms_sign_name,
        templates={"code": settings.sms_template_code, "link": settings.sms_template_link},
        endpoint=settings.sms_endpoint,
    )


_URL = re.compile(r"https?://\S+")


class SmsChannel:
    """The outbound channel "sms" of the delivery queue: a citizen's tracking link or one-time code as a text.

    Only those two kinds go by text (a provider sends approved templates only); anything else is refused.
    """

    name = "sms"

    def __init__(self, sender: SmsSender) -> None:
        self.sender = sender

    def send(self, recipient: str, notice: OutgoingNotice) -> None:
        """Send one notice as the matching template, or raise DeliveryError."""
        from minyi.notifications.channels import DeliveryError

        try:
            if notice.kind == "tracking_code":  # services.TRACKING_CODE: the code is the text's last line
                self.sender.send(recipient, "code", {"code": notice.body.rsplit("\n", 1)[-1].strip()})
            elif notice.kind == "tracking_link":  # services.TRACKING_LINK: the link is in the text
                link = _URL.search(notice.body)
                if link is None:
                    raise DeliveryError("the tracking link was already erased from the queue")
                self.sender.send(recipient, "link", {"case": str(notice.case_id), "link": link.group()})
            else:
                raise DeliveryError(f"no text template for notices of kind {notice.kind!r}")
        except SmsError as exc:
            raise DeliveryError(str(exc)) from exc
