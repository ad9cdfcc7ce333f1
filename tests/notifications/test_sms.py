"""Text messages through the provider's HTTP API, against a local fake of the provider (never a real one)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from minyi.core.settings import Settings
from minyi.notifications.sms import AliyunSmsSender, SmsError, is_mobile, sms_sender

SECRET = "fake-secret"


def test_the_signature_is_the_providers_own_documented_example() -> None:
    """The provider's documentation signs this request with secret "testsecret" as OLeaidS1JvxuMvnyHOwuJ+uX5qY=."""
    sender = AliyunSmsSender(access_key_id="testid", access_key_secret="testsecret", sign_name="", templates={})
    parameters = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert sender.signature("GET", parameters) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


class FakeProvider(BaseHTTPRequestHandler):
    """Checks the signature like the provider does; answers OK, or the provider's error for a bad phone."""

    received: ClassVar[list[dict[str, str]]] = []
    checker = AliyunSmsSender(access_key_id="fake-id", access_key_secret=SECRET, sign_name="", templates={})

    def do_POST(self) -> None:
        form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        signature = form.pop("Signature", "")
        if signature != self.checker.signature("POST", form):
            answer = {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched."}
        elif not form["PhoneNumbers"].startswith("1"):
            answer = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
        else:
            type(self).received.append(form)
            answer = {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(self.received)}", "RequestId": "r"}
        body = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    FakeProvider.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _sender(endpoint: str, secret: str = SECRET) -> AliyunSmsSender:
    return AliyunSmsSender(
        access_key_id="fake-id",
        access_key_secret=secret,
        sign_name="民意留言平台",
        templates={"code": "SMS_0001", "link": "SMS_0002"},
        endpoint=endpoint,
        clock=lambda: datetime(2026, 12, 5, 8, 0, tzinfo=UTC),
    )


def test_a_code_reaches_the_provider_signed_with_the_template_and_its_parameters(provider: str) -> None:
    biz = _sender(provider).send("13800138000", "code", {"code": "482913"})
    assert biz == "biz-1"
    (form,) = FakeProvider.received
    assert form["PhoneNumbers"] == "13800138000" and form["SignName"] == "民意留言平台"
    assert form["TemplateCode"] == "SMS_0001" and json.loads(form["TemplateParam"]) == {"code": "482913"}
    assert form["Timestamp"] == "2026-12-05T08:00:00Z" and form["Action"] == "SendSms"


def test_the_providers_refusals_are_errors_with_its_words(provider: str) -> None:
    with pytest.raises(SmsError, match="SignatureDoesNotMatch"):
        _sender(provider, secret="wrong").send("13800138000", "code", {"code": "1"})
    with pytest.raises(SmsError, match=r"isv\.MOBILE_NUMBER_ILLEGAL"):
        _sender(provider).send("0731-1234567", "link", {"case": "1", "link": "https://x/track/y"})
    with pytest.raises(SmsError, match="no provider template"):
        _sender(provider).send("13800138000", "reply", {})
    assert FakeProvider.received == []


def test_an_unreachable_provider_is_an_error_not_a_hang() -> None:
    with pytest.raises(SmsError, match="unreachable"):
        _sender("http://127.0.0.1:9/").send("13800138000", "code", {"code": "1"})


def test_only_configured_settings_make_a_sender_and_only_mobiles_get_texts(tmp_path: Path) -> None:
    base = {"data_dir": tmp_path, "database_url": "sqlite://", "secret_key": "k"}
    assert sms_sender(Settings(**base)) is None
    configured = Settings(
        **base, sms_provider="aliyun", sms_access_key_id="id", sms_access_key_secret="s", sms_sign_name="签"
    )
    assert isinstance(sms_sender(configured), AliyunSmsSender)
    assert is_mobile("13800138000") and is_mobile("+86 138-0013-8000")
    assert not is_mobile("0731-84567890") and not is_mobile("12345") and not is_mobile("")


def test_queued_codes_and_links_go_out_as_texts_and_are_erased_once_sent(provider: str, session_factory) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from minyi.core.db import transaction
    from minyi.notifications import services as notes
    from minyi.notifications.models import Delivery, Notice
    from minyi.notifications.sms import SmsChannel
    from tests import factories as f

    outbound = notes.Outbound(sms=True)
    with transaction(session_factory) as db:
        sub = f.message(db, contact_phone="13812345678")
        notes.send_tracking_code(
            db,
            case=sub.case,
            channel="sms",
            recipient="13812345678",
            code="504112",
            lookup_url="/track",
            outbound=outbound,
        )
        notes.send_tracking_link(
            db,
            case=sub.case,
            channel_name="网站",
            email="",
            phone="13812345678",
            url="https://m.example/track/abc",
            outbound=outbound,
        )
    done = notes.deliver_pending(session_factory, channels={"sms": SmsChannel(_sender(provider))})
    assert done == {"delivered": 2, "delivery_failures": 0}
    sent = {f["TemplateCode"]: json.loads(f["TemplateParam"]) for f in FakeProvider.received}
    assert sent == {
        "SMS_0001": {"code": "504112"},
        "SMS_0002": {"case": str(sub.case.id), "link": "https://m.example/track/abc"},
    }
    with transaction(session_factory) as db:
        assert [n.body for n in db.scalars(select(Notice))] == ["", ""]  # the code and the link: erased
        assert {d.recipient for d in db.scalars(select(Delivery))} == {""}  # and the phone
