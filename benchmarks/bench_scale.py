"""A city's volume (issue 13, part 5): a synthetic year of cases, the production layout, a mixed load.

1. Generates a synthetic city in a fresh, migrated database: N cases received over the past year, ~300
   departments, 5–8 events for each case old enough to be settled (submit, assign, accept, sometimes 督办 and
   an approved extension, reply, then a rating or the automatic close, sometimes 附议), fewer for the open
   cases of the last month; texts drawn from the shared messages (`../shared/data/teddycup2020`, read at run
   time) and perturbed; replies, ratings, contact data; staff users. Written in bulk (COPY on PostgreSQL,
   executemany on SQLite), with every derived column filled by the product's own functions (the search texts
   and bigrams of `minyi.messages`, `cases.urgent` / `received_at` / `rated_unsatisfied`, the deadlines of
   `minyi.core.workdays`) and `case_facts` folded from the written log by `minyi.stats.models.refresh_facts`.
   Each message carries the analysis the real pipeline gives its source text (analysed once per source).
2. Starts the production layout: 2 web processes (`minyi serve`, MINYI_RUN_SCHEDULER=0) and 1 `minyi worker`;
   on PostgreSQL a private Debian server in a temporary folder (as `scripts/with_postgres.sh` does) holding
   the data and the job queue.
3. From a second process (`bench_scale.py load`), a mixed load for S seconds: C clients, each waiting 1–3 s
   between pages (public ones: `/board` with and without a keyword, a case page, `/stats` for the year,
   `/hot`; coordinators: the inbox, assigning new messages; handlers: their department's inbox, accepting and
   answering; supervisors: the dashboard), while R messages/s are submitted (form and API in turn, each client
   address behind the trusted proxy submitting within the per-client limit) — an open loop: the offered rate
   does not drop when answers slow down.
4. Checks that every acknowledged submission is in the database (`lost`), how many the worker analysed, the
   resident memory of each process, and writes the JSON of the issue.

With `--levels` (issue 17), a province instead of one flat city: the root renamed X省, 14 cities (A市 … N市)
and 120 districts and counties (A1区 … A9县, the names the shared messages use), each with its slug and area
names; 21 departments per district, 6 per city, 4 at the province; every case placed by the product's
`AreaIndex` (its texts' places rewritten to a district, a city or the province: 85 / 12 / 3) with the reason;
coordinators of the province, of A市 and of A1区, the handlers in A1区's departments. The load adds the city's
and the district's work lists and the public `/j/{slug}/board` and `/j/{slug}/stats` (a 404 there counted as
`missing_route`, not an error, until those routes exist).

    .venv/bin/python benchmarks/bench_scale.py --cases 10000 --backend sqlite --seconds 60 --json out.json
    .venv/bin/python benchmarks/bench_scale.py --cases 10000 --backend postgresql --levels --json levels.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, func, insert, select, text

from minyi.accounts.services import create_user, hash_password
from minyi.core.clock import to_china
from minyi.core.db import make_engine, make_session_factory, table_of, transaction
from minyi.core.security import hash_token
from minyi.core.workdays import add_workdays
from minyi.departments.models import Department
from minyi.jobs.models import TaskClaim
from minyi.jobs.runner import SCHEDULE
from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import ROOT_ID
from minyi.messages.analysis import default_analyzer, stored_analysis
from minyi.messages.models import Message, MessageAnalysis, MessageContact
from minyi.messages.search import grams, search_grams_of
from minyi.nlp.display import public_search_text
from minyi.nlp.jurisdiction import Area, AreaIndex
from minyi.nlp.labels import APPEAL_KINDS, CITIZEN_KINDS, DOMAINS
from minyi.stats.models import refresh_facts
from minyi.workflow import states
from minyi.workflow.config import DEFAULT_DEADLINE_DAYS, DEFAULTS
from minyi.workflow.events import (
    AcceptPayload,
    ApproveExtensionPayload,
    AssignPayload,
    AutoClosePayload,
    EscalatePayload,
    Payload,
    RatePayload,
    ReplyPayload,
    RequestExtensionPayload,
    SubmitPayload,
    SupportedPayload,
)
from minyi.workflow.jurisdiction_board import refresh_board
from minyi.workflow.models import Case, CaseEvent, ExtensionRequest, Rating, Reply
from minyi.workflow.services import RATING_LEVELS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "teddycup2020"
PAGES = ("board", "case", "stats", "hot", "inbox", "dept_inbox", "dashboard")
# with --levels: the work lists of a city's and a district's coordinators, a jurisdiction's public board and figures
LEVEL_PAGES = ("inbox_city", "inbox_district", "j_board", "j_stats")
PASSWORD = "scale-bench-pass-1"  # noqa: S105 — throwaway accounts of a throwaway database
MAX_IN_FLIGHT = 400  # submissions waiting for an answer at once; beyond, the load generator sheds (counted)
SCHEDULED_TASKS = len(SCHEDULE)
CHUNK = 2000  # cases per generated batch (one transaction each)
ACTOR = "规模测试"
KEYWORDS = ("路灯", "物业", "噪音", "停车", "学校", "燃气", "小区", "拆迁", "公交", "垃圾")
CASE_NO = re.compile(r'id="case-no">(\d+)<')
CSRF_COOKIE = "minyi_csrf"
REGIONS = [f"A{i}区" for i in range(1, 10)] + [f"B{i}县" for i in range(1, 6)]
FAMILIES = (
    "住房和城乡建设局",
    "城市管理局",
    "交通运输局",
    "教育局",
    "卫生健康局",
    "公安分局",
    "人力资源和社会保障局",
    "市场监督管理局",
    "生态环境分局",
    "自然资源局",
    "民政局",
    "水利局",
    "农业农村局",
    "应急管理局",
    "文化旅游局",
    "财政局",
    "发展和改革局",
    "信访局",
    "医疗保障局",
    "退役军人事务局",
    "税务局",
)


# --- the synthetic city --------------------------------------------------------------------------------


def _clean(text_: str) -> str:
    return re.sub(r"\s+", "", text_ or "")


def load_sources(limit: int = 4000) -> tuple[list[dict[str, str]], list[str]]:
    """Messages (title, body, category) and reply texts from the shared data, read at run time."""
    messages: list[dict[str, str]] = []
    replies: list[str] = []
    for name in ("messages_with_replies.jsonl", "messages_labeled.jsonl"):
        with (SHARED / name).open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                title, body = _clean(row.get("title", ""))[:150], _clean(row.get("body", ""))[:1500]
                if title and len(body) >= 10:
                    messages.append({"title": title, "body": body, "category": row.get("category") or ""})
                if row.get("reply") and len(replies) < limit:
                    replies.append(_clean(row["reply"])[:2000])
                if len(messages) >= limit and len(replies) >= min(limit, 500):
                    break
    if not messages or not replies:
        msg = f"no messages or replies in {SHARED}"
        raise SystemExit(msg)
    return messages[:limit], replies


def perturb(text_: str, rng: random.Random) -> str:
    """The same complaint as another citizen writes it: another district, other numbers, a sentence more or less."""
    text_ = re.sub(r"A\d区", lambda _m: rng.choice(REGIONS[:9]), text_)
    text_ = re.sub(r"\d+", lambda m: str(max(1, int(m.group()[:6]) + rng.randint(-3, 9))), text_)
    sentences = [s for s in re.split(r"(?<=[。！？])", text_) if s]
    if len(sentences) > 2 and rng.random() < 0.5:
        sentences.pop(rng.randrange(1, len(sentences)))
    if rng.random() < 0.5:
        sentences.append(rng.choice(("希望尽快处理。", "请相关部门重视。", "已经反映多次了。", "谢谢！")))
    return "".join(sentences)


def department_rows(now: datetime) -> list[dict[str, Any]]:
    """~300 departments: every family in every district and county, and at the city level."""
    names = [f"{region}{family}" for region in REGIONS for family in FAMILIES]
    names += [f"A市{family}" for family in FAMILIES[:6]]
    return [
        {
            "id": i,
            "name": name,
            "parent_id": None,
            "domains": [DOMAINS[i % len(DOMAINS)]],
            "keywords": [],
            "is_active": True,
            "created_at": now - timedelta(days=400),
        }
        for i, name in enumerate(names, start=1)
    ]


# --- the province (--levels, issue 17) --------------------------------------------------------------------

PROVINCE = "X省"
# 14 cities named as the shared messages name them (A市, K市, …), 9 districts and counties each (A1区 … A5区,
# A6县 … A9县; 6 for the last two): 120 districts, whose names are the ones the texts use (K1区, L9县, A7县).
CITY_DISTRICTS = {letter: 9 for letter in "ABCDEFGHIJKL"} | {"M": 6, "N": 6}
CITY_FAMILIES = 6  # departments of a city: the first 6 families; the districts have all 21
PROVINCE_FAMILIES = 4  # and the province a few
LEVEL_WEIGHTS = {"district": 85, "city": 12, "province": 3}  # where a generated message is written about
CAPITAL_WEIGHT = 3  # A市's districts receive three times the messages of another city's
BUSY_CITY, BUSY_DISTRICT = "A市", "A1区"  # the city and district whose staff work during the load
COORDINATOR_LEVELS = ("province", "district", "city")  # the 1st, 2nd, 3rd coordinator client, and again
STREETS = ("", "人民路", "解放西路", "芙蓉中路", "城南街道")
ANONYMISED_PLACE = re.compile(r"[A-Z]\d{1,2}[区县市]|[A-Z][市省]")


class Province:
    """The jurisdiction tree of a province (the root renamed), its departments per level, and its area index."""

    def __init__(self, now: datetime) -> None:
        self.root = {
            "name": PROVINCE,
            "level": "province",
            "slug": "x-sheng",
            "areas": [PROVINCE],
            "leaders": ["省委书记", "省长"],
        }
        self.nodes: list[dict[str, Any]] = []  # the rows below the root, parents first
        self.cities: list[dict[str, Any]] = []
        self.districts: list[dict[str, Any]] = []
        self.city_of: dict[int, dict[str, Any]] = {}  # district id -> its city
        for letter, count in CITY_DISTRICTS.items():
            city = self._node(f"{letter}市", "city", ROOT_ID, f"{letter.lower()}-shi", [], ["市委书记", "市长"], now)
            self.cities.append(city)
            for k in range(1, count + 1):
                suffix, other, word = ("区", "县", "qu") if k <= 5 else ("县", "区", "xian")
                slug = f"{letter.lower()}{k}-{word}"
                leaders = ["书记", "区长" if k <= 5 else "县长"]
                name, alias = f"{letter}{k}{suffix}", f"{letter}{k}{other}"  # texts say A7县 and A7区 alike
                district = self._node(name, "district", city["id"], slug, [alias], leaders, now)
                self.districts.append(district)
                self.city_of[district["id"]] = city
        self.level_of = {ROOT_ID: "province"} | {n["id"]: n["level"] for n in self.nodes}
        self.name_of = {ROOT_ID: PROVINCE} | {n["id"]: n["name"] for n in self.nodes}
        self.busy_city = next(c for c in self.cities if c["name"] == BUSY_CITY)
        self.busy_district = next(d for d in self.districts if d["name"] == BUSY_DISTRICT)
        self.departments = self._departments(now)
        self.depts_of: dict[int, list[int]] = defaultdict(list)
        for dept in self.departments:
            self.depts_of[dept["jurisdiction_id"]].append(dept["id"])
        areas = [Area(ROOT_ID, None, PROVINCE, tuple(self.root["areas"]))]
        areas += [Area(n["id"], n["parent_id"], n["name"], tuple(n["areas"])) for n in self.nodes]
        self.index = AreaIndex(areas)  # the product's placement (minyi.nlp.jurisdiction), as routing uses it
        weights = [CAPITAL_WEIGHT if self.city_of[d["id"]] is self.busy_city else 1 for d in self.districts]
        self.district_weights = weights

    def _node(
        self, name: str, level: str, parent_id: int, slug: str, areas: list[str], leaders: list[str], now: datetime
    ) -> dict[str, Any]:
        node_id = ROOT_ID + len(self.nodes) + 1
        parent_path = f"/{ROOT_ID}/" if parent_id == ROOT_ID else self.nodes[parent_id - ROOT_ID - 1]["path"]
        node = {
            "id": node_id,
            "name": name,
            "level": level,
            "slug": slug,
            "parent_id": parent_id,
            "path": f"{parent_path}{node_id}/",
            "areas": areas,
            "leaders": leaders,
            "deadline_days": {},
            "is_active": True,
            "created_at": now - timedelta(days=400),
        }
        self.nodes.append(node)
        return node

    def _departments(self, now: datetime) -> list[dict[str, Any]]:
        """The 21 families in every district (A1区's first: the handlers' departments), 6 per city, 4 provincial."""
        owners = [(d["name"], d["id"], FAMILIES) for d in self.districts]
        owners += [(c["name"], c["id"], FAMILIES[:CITY_FAMILIES]) for c in self.cities]
        owners += [(PROVINCE, ROOT_ID, FAMILIES[:PROVINCE_FAMILIES])]
        names = [(f"{owner}{family}", jid) for owner, jid, families in owners for family in families]
        return [
            {
                "id": i,
                "name": name,
                "parent_id": None,
                "domains": [DOMAINS[i % len(DOMAINS)]],
                "keywords": [],
                "is_active": True,
                "jurisdiction_id": jid,
                "created_at": now - timedelta(days=400),
            }
            for i, (name, jid) in enumerate(names, start=1)
        ]

    def pick(self, rng: random.Random) -> tuple[str, dict[str, str]]:
        """Where a generated message is written about: its place text, and the names its source's places become."""
        level = rng.choices(list(LEVEL_WEIGHTS), weights=list(LEVEL_WEIGHTS.values()))[0]
        if level == "province":
            return rng.choice(("", PROVINCE)), {"district": PROVINCE, "city": PROVINCE, "province": PROVINCE}
        district = rng.choices(self.districts, weights=self.district_weights)[0]
        city = self.city_of[district["id"]]
        if level == "city":
            names = {"district": city["name"], "city": city["name"], "province": PROVINCE}
            return city["name"] + rng.choice(STREETS), names
        names = {"district": district["name"], "city": city["name"], "province": PROVINCE}
        return city["name"] + district["name"] + rng.choice(STREETS), names

    def submit_places(self) -> list[tuple[str, str]]:
        """Where a live submission is about: a district of the province, with its city."""
        return [(self.city_of[d["id"]]["name"], d["name"]) for d in self.districts]

    def write_tree(self, conn: Connection) -> None:
        """The root renamed as the province, and the cities and districts below it (ids given here)."""
        table = table_of(Jurisdiction)
        conn.execute(table.update().where(table.c.id == ROOT_ID).values(**self.root))
        Writer(conn).write(Jurisdiction, self.nodes)
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('jurisdictions_id_seq', (SELECT max(id) FROM jurisdictions))"))


def relocate(text_: str, names: dict[str, str]) -> str:
    """The source's anonymised places (K1区, L9县, K市, X省) become the ones this message is written about."""

    def one(match: re.Match[str]) -> str:
        found = match.group()
        if found.endswith("省"):
            return names["province"]
        if found[1:-1]:  # a letter and a number: a district or county (or a county-level city)
            return names["district"]
        return names["city"]

    return ANONYMISED_PLACE.sub(one, text_)


@lru_cache(maxsize=16384)
def _workdays(day: date, days: int) -> date:
    return add_workdays(day, days)


class Writer:
    """Bulk rows into one table: COPY on PostgreSQL, executemany on SQLite (both inside the batch's transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    def write(self, model: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = table_of(model)
        if not self.postgres:
            self.conn.execute(insert(table), rows)
            return
        columns = list(rows[0])
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        raw = self.conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c] for c in columns]
                )


def _event(
    case_id: int, payload: Payload, before: str | None, after: str | None, at: datetime, actor: tuple[int | None, str]
) -> dict[str, Any]:
    action = states.ACTIONS.get(payload.KIND.value)
    return {
        "case_id": case_id,
        "kind": payload.KIND.value,
        "from_status": before,
        "to_status": after,
        "actor_id": actor[0],
        "actor_label": actor[1],
        "reason": "请加快办理" if isinstance(payload, EscalatePayload) else "",
        "is_public": bool(action and action.public),
        "data": payload.to_json(),
        "created_at": at,
    }


class City:
    """Generates the cases of one year, chunk by chunk, with ids given here (the database is new)."""

    def __init__(
        self,
        n: int,
        now: datetime,
        seed: int,
        staff: dict[str, int],
        handlers: dict[int, int],
        province: Province | None = None,
    ) -> None:
        self.n, self.now, self.rng = n, now, random.Random(seed)
        self.sources, self.replies = load_sources()
        self.staff, self.handlers = staff, handlers
        self.province = province
        self.departments = province.departments if province else department_rows(now)
        # with levels: cases per level, and the busy district's open work for the load's staff to start on
        self.by_level: dict[str, int] = defaultdict(int)
        self.district_new: list[int] = []  # submitted, in the busy district
        self.assigned_open: dict[int, list[int]] = defaultdict(list)  # a handler's department -> assigned cases
        self.kinds = list(APPEAL_KINDS)
        self.ids = defaultdict(int)  # table -> last id given
        self.events = 0
        self.public_ids: list[int] = []
        self.analyses: list[dict[str, Any]] = []

    def analyse_sources(self, count: int) -> None:
        """The real pipeline on `count` source texts: each generated message gets its source's analysis."""
        analyzer = default_analyzer()
        departments = [Department(**{k: v for k, v in d.items() if k != "created_at"}) for d in self.departments]
        for source in self.sources[:count]:
            result = analyzer.analyze(source["title"], source["body"])
            stored = stored_analysis(result, title=source["title"], body=source["body"], departments=departments)
            self.analyses.append(
                {"result": dict(stored), "clean_text": result["clean_text"], "urgent": stored["urgent"]}
            )

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def batch(self, start: int, stop: int) -> dict[Any, list[dict[str, Any]]]:
        """The rows of cases start..stop-1 (received in order over the year)."""
        rng, now = self.rng, self.now
        out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        coordinator = (self.staff["coordinator"], "调度员")
        supervisor = (self.staff["supervisor"], "督办员")
        for i in range(start, stop):
            received = (
                now - timedelta(days=365) + timedelta(days=365 * (i + rng.random()) / self.n) - timedelta(hours=1)
            )
            src_index = rng.randrange(len(self.analyses))
            source = self.sources[src_index]
            analysis = self.analyses[src_index]
            title = perturb(source["title"], rng)[:200]
            body = perturb(source["body"], rng)
            place = rng.choice(REGIONS) + rng.choice(STREETS)
            if self.province is not None:  # the places of the texts become those of a district, a city or the province
                place, names = self.province.pick(rng)
                title, body = relocate(title, names)[:200], relocate(body, names)
            kind = rng.choice(self.kinds)
            public = rng.random() < 0.95
            message_id = self._next("messages")
            case_id = self._next("cases")
            out[Message].append(
                {
                    "id": message_id,
                    "title": title,
                    "body": body,
                    "appeal_kind": kind,
                    "domain": source["category"] or analysis["result"].get("domain"),
                    "place_text": place,
                    "is_public": public,
                    "is_anonymous": False,
                    "source": "web",
                    "external_id": None,
                    "submission_key": None,
                    "tracking_hash": hash_token(f"{message_id}-{secrets.token_hex(8)}"),
                    "client_hash": "",
                    "created_at": received,
                    "public_search_text": (searchable := public_search_text(title, body, place)),
                    "public_search_grams": grams(searchable),
                    "search_grams": search_grams_of(title, body, place),
                    "place_grams": grams(place),
                }
            )
            if rng.random() < 0.6:
                out[MessageContact].append(
                    {
                        "message_id": message_id,
                        "name": "",
                        "phone": f"138{rng.randrange(10**8):08d}",
                        "email": "",
                        "address": "",
                        "erased_at": None,
                        "erasure_reason": "",
                    }
                )
            out[MessageAnalysis].append(
                {
                    "message_id": message_id,
                    "clean_text": analysis["clean_text"],
                    "result": analysis["result"],
                    "urgent": analysis["urgent"],
                    "model_version": "bench-scale",
                    "error": "",
                    "created_at": received + timedelta(seconds=5),
                }
            )
            jurisdiction_id = self._place(out[Message][-1], title, body, place)
            case = self._case(out, case_id, received, kind, coordinator, supervisor, jurisdiction_id)
            case |= {"id": case_id, "message_id": message_id, "urgent": analysis["urgent"], "received_at": received}
            if self.province is not None:
                case |= {"jurisdiction_id": jurisdiction_id, "jurisdiction_reason": out[Message][-1].pop("_reason")}
                self.by_level[self.province.level_of[jurisdiction_id]] += 1
                if jurisdiction_id == self.province.busy_district["id"] and case["status"] == states.SUBMITTED:
                    self.district_new.append(case_id)
                if case["status"] == states.ASSIGNED and case["department_id"] in self.handlers:
                    self.assigned_open[case["department_id"]].append(case_id)
            out[Case].append(case)
            if public:
                self.public_ids.append(case_id)
        self.events += len(out[CaseEvent])
        return out

    def _place(self, message: dict[str, Any], title: str, body: str, place: str) -> int:
        """With levels: the jurisdiction the product's placement gives the texts (the reason kept on the message
        row until the case takes it), and what the citizen addressed (a leader of the province, for some of the
        messages about no place). Without: the root."""
        if self.province is None:
            return ROOT_ID
        placement = self.province.index.place(title, place, body)
        addressed = placement is None and self.rng.random() < 0.5
        message["addressed_jurisdiction_id"] = ROOT_ID if addressed else None
        message["addressed_leader"] = self.rng.choice(self.province.root["leaders"]) if addressed else ""
        if placement is None:
            message["_reason"] = (
                f"写给{PROVINCE}{message['addressed_leader']}" if addressed else "留言未提到地名，由省级受理"
            )
            return ROOT_ID
        message["_reason"] = placement.reason
        return placement.jurisdiction_id

    def _department(self, jurisdiction_id: int) -> int:
        """The department a case is assigned to: 30 % to a handler's (flat: any of them; with levels: in the
        busy district, where they are), else any of the level's that holds the case."""
        rng = self.rng
        if self.province is None:
            return (
                rng.choice(list(self.handlers)) if rng.random() < 0.3 else rng.randrange(1, len(self.departments) + 1)
            )
        if jurisdiction_id == self.province.busy_district["id"] and rng.random() < 0.3:
            return rng.choice(list(self.handlers))
        return rng.choice(self.province.depts_of[jurisdiction_id])

    def _case(
        self,
        out: dict[Any, list[dict[str, Any]]],
        case_id: int,
        received: datetime,
        kind: str,
        coordinator: tuple[int, str],
        supervisor: tuple[int, str],
        jurisdiction_id: int = ROOT_ID,
    ) -> dict[str, Any]:
        """The case's events (appended to `out`) and its columns, as the use cases would have left them."""
        rng, now = self.rng, self.now
        events = out[CaseEvent]
        age = now - received
        settled = age > timedelta(days=30)
        # open cases of the last month stop at a random step; the settled ones go the whole way
        stop = 9 if settled else rng.choice((1, 2, 3, 3, 4))
        case: dict[str, Any] = {
            "status": states.SUBMITTED,
            "department_id": None,
            "deadline": None,
            "assigned_at": None,
            "replied_at": None,
            "closed_at": None,
            "merged_into_id": None,
            "reopen_count": 0,
            "escalated": False,
            "public_reason": "",
            "supports": 0,
            "rated_unsatisfied": False,
            "updated_at": received,
        }
        events.append(_event(case_id, SubmitPayload(source="web"), None, states.SUBMITTED, received, (None, "群众")))
        if rng.random() < 0.2:
            case["supports"] = rng.randint(1, 5)
            at = received + age * 0.05
            events.append(_event(case_id, SupportedPayload(supports=case["supports"]), None, None, at, (None, "群众")))
        if stop < 2:
            return case
        dept = self._department(jurisdiction_id)
        handler = (self.handlers.get(dept), "承办人")
        t = received + min(age * 0.1, timedelta(hours=rng.uniform(1, 30)))
        deadline = _workdays(to_china(t).date(), DEFAULT_DEADLINE_DAYS.get(kind, 13))
        name = self.departments[dept - 1]["name"]
        events.append(
            _event(
                case_id,
                AssignPayload(department_id=dept, department=name, deadline=deadline),
                states.SUBMITTED,
                states.ASSIGNED,
                t,
                coordinator,
            )
        )
        case |= {"status": states.ASSIGNED, "department_id": dept, "deadline": deadline, "assigned_at": t}
        if stop < 3:
            case["updated_at"] = t
            return case
        t += min(age * 0.1, timedelta(hours=rng.uniform(1, 20)))
        events.append(_event(case_id, AcceptPayload(), states.ASSIGNED, states.IN_PROGRESS, t, handler))
        case["status"] = states.IN_PROGRESS
        if rng.random() < 0.1:
            t += min(age * 0.1, timedelta(hours=rng.uniform(1, 48)))
            events.append(_event(case_id, EscalatePayload(), None, None, t, supervisor))
            case["escalated"] = True
        if rng.random() < 0.15 and settled:
            days = rng.choice((5, 10))
            extension_id = self._next("extension_requests")
            t += timedelta(hours=rng.uniform(1, 48))
            events.append(_event(case_id, RequestExtensionPayload(days=days), None, None, t, handler))
            decided = t + timedelta(hours=rng.uniform(1, 24))
            deadline = _workdays(deadline, days)
            payload = ApproveExtensionPayload(extension_id=extension_id, days=days, deadline=deadline)
            events.append(_event(case_id, payload, None, None, decided, supervisor))
            t = decided
            case["deadline"] = deadline
            out[ExtensionRequest].append(
                {
                    "id": extension_id,
                    "case_id": case_id,
                    "days": days,
                    "reason": "需要协调多个部门",
                    "status": "approved",
                    "requested_by": handler[0],
                    "decided_by": supervisor[0],
                    "decision_note": "",
                    "created_at": t,
                    "decided_at": decided,
                }
            )
        if stop < 4:
            case["updated_at"] = t
            return case
        replied = t + (timedelta(days=rng.uniform(0.5, 20)) if settled else (now - t) * rng.uniform(0.3, 0.9))
        reply_id = self._next("replies")
        body = perturb(rng.choice(self.replies), rng)[:2000]
        out[Reply].append(
            {
                "id": reply_id,
                "case_id": case_id,
                "department_id": dept,
                "author_id": handler[0],
                "body": body,
                "created_at": replied,
            }
        )
        events.append(
            _event(case_id, ReplyPayload(reply_id=reply_id), states.IN_PROGRESS, states.REPLIED, replied, handler)
        )
        case |= {"status": states.REPLIED, "replied_at": replied, "updated_at": replied}
        auto_close = timedelta(days=DEFAULTS["auto_close_days"])
        if not settled or replied + auto_close > now:
            return case
        if rng.random() < 0.6:
            level = rng.choices(list(RATING_LEVELS), weights=(6, 3, 1))[0]
            rating_id = self._next("ratings")
            at = replied + timedelta(days=rng.uniform(0.1, 6))
            out[Rating].append(
                {
                    "id": rating_id,
                    "case_id": case_id,
                    "reply_id": reply_id,
                    "level": level,
                    "comment": "",
                    "created_at": at,
                }
            )
            payload = RatePayload(level=level, level_name=RATING_LEVELS[level], rating_id=rating_id)
            events.append(_event(case_id, payload, states.REPLIED, states.CLOSED, at, (None, "群众")))
            case["rated_unsatisfied"] = level == "unsatisfied"
        else:
            at = replied + auto_close
            payload_ac = AutoClosePayload(after_days=auto_close.days)
            events.append(_event(case_id, payload_ac, states.REPLIED, states.CLOSED, at, (None, "系统")))
        case |= {"status": states.CLOSED, "closed_at": at, "updated_at": at}
        return case


def _create_staff(
    database_url: str, departments: list[dict[str, Any]], handlers: int, province: Province | None = None
) -> tuple[dict[str, int], dict[int, int]]:
    """A coordinator, a supervisor and one handler for each of the first `handlers` departments. With levels, a
    coordinator at each level (the province, A市, A1区: `bench-coordinator-<level>`), the supervisor at the
    province, and the handlers in their departments' district."""
    password_hash = hash_password(PASSWORD)
    engine = make_engine(database_url)
    staff: dict[str, int] = {}
    handler_of: dict[int, int] = {}
    roles: list[tuple[str, str, int | None]] = [
        ("coordinator", "coordinator", None),
        ("supervisor", "supervisor", None),
    ]
    if province is not None:
        roles = [
            ("coordinator", "coordinator-province", ROOT_ID),
            ("coordinator", "coordinator-city", province.busy_city["id"]),
            ("coordinator", "coordinator-district", province.busy_district["id"]),
            ("supervisor", "supervisor", ROOT_ID),
        ]
    try:
        with transaction(make_session_factory(engine)) as session:
            for role, name, jurisdiction_id in roles:
                user = create_user(
                    session,
                    username=f"bench-{name}",
                    display_name=role,
                    password=PASSWORD,
                    role=role,
                    password_hash=password_hash,
                )
                user.jurisdiction_id = jurisdiction_id
                staff.setdefault(role, user.id)  # the generated events' coordinator: the province's
                staff[name] = user.id
            for dept in departments[:handlers]:
                user = create_user(
                    session,
                    username=f"bench-handler-{dept['id']}",
                    display_name="承办人",
                    password=PASSWORD,
                    role="handler",
                    department_id=dept["id"],
                    password_hash=password_hash,
                )
                user.jurisdiction_id = dept.get("jurisdiction_id")
                handler_of[dept["id"]] = user.id
    finally:
        engine.dispose()
    return staff, handler_of


def generate(
    database_url: str, n: int, *, seed: int = 13, handlers: int = 8, sources: int = 120, levels: bool = False
) -> dict[str, Any]:
    """The synthetic city (or with `levels` the province) in a freshly migrated database; what the load needs to
    know about it."""
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    province = Province(now) if levels else None
    departments = province.departments if province else department_rows(now)
    try:
        with engine.begin() as conn:
            if province is not None:
                province.write_tree(conn)
            Writer(conn).write(Department, departments)
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT setval('departments_id_seq', (SELECT max(id) FROM departments))"))
        staff, handler_of = _create_staff(database_url, departments, handlers, province)
        city = City(n, now, seed, staff, handler_of, province)
        city.analyse_sources(sources)
        order = (Message, MessageContact, MessageAnalysis, Case, Reply, Rating, ExtensionRequest, CaseEvent)
        for start in range(0, n, CHUNK):
            rows = city.batch(start, min(n, start + CHUNK))
            with engine.begin() as conn:
                writer = Writer(conn)
                for model in order:
                    writer.write(model, rows.get(model, []))
                refresh_facts(conn, [c["id"] for c in rows[Case]])
                # the jurisdictions' boards (a COPY bypasses the ORM hook that keeps them); nothing for a flat city
                refresh_board(conn, [c["id"] for c in rows[Case] if c.get("jurisdiction_id") is not None])
            print(f"  generated {min(n, start + CHUNK):,} / {n:,} cases", file=sys.stderr, flush=True)
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                for table in ("messages", "cases", "replies", "ratings", "extension_requests", "case_events"):
                    conn.execute(text(f"SELECT setval('{table}_id_seq', GREATEST(1, (SELECT max(id) FROM {table})))"))  # noqa: S608 (fixed names)
                conn.execute(text("ANALYZE"))
            else:
                conn.execute(text("ANALYZE"))
            events = conn.scalar(select(func.count()).select_from(CaseEvent))
    finally:
        engine.dispose()
    rng = random.Random(seed)
    plan: dict[str, Any] = {
        "cases": n,
        "events": events,
        "public_case_ids": rng.sample(city.public_ids, min(2000, len(city.public_ids))),
        "handler_departments": sorted(handler_of),
        "year": [(to_china(now) - timedelta(days=365)).date().isoformat(), to_china(now).date().isoformat()],
        "levels": None,
    }
    if province is not None:
        plan["levels"] = {
            "jurisdictions": {"province": 1, "city": len(province.cities), "district": len(province.districts)},
            "departments": {
                level: sum(1 for d in departments if province.level_of[d["jurisdiction_id"]] == level)
                for level in ("province", "city", "district")
            },
            "cases": {level: city.by_level[level] for level in ("province", "city", "district")},
            "staff": sorted(set(staff) - {"coordinator"}),
        }
        plan |= {
            "j_slugs": [province.busy_city["slug"], province.busy_district["slug"]],
            "submit_places": province.submit_places(),
            "busy_place": [BUSY_CITY, BUSY_DISTRICT],
            "district_new": city.district_new[-500:],
            "assigned_open": {str(k): v[-200:] for k, v in city.assigned_open.items()},
        }
    return plan


# --- the production layout -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _minyi() -> list[str]:
    script = Path(sys.executable).with_name("minyi")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from minyi.cli import main; main()"]


@contextmanager
def postgres_server(folder: Path) -> Iterator[str]:
    """A private PostgreSQL cluster from Debian's packages, as scripts/with_postgres.sh starts one; its base URL."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        sudo = [] if os.getuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "postgresql"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    bin_dir = found[-1].parent
    folder.mkdir(parents=True, exist_ok=True)
    as_user: list[str] = []
    if os.getuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    port = _free_port()
    data = folder / "data"
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "minyi"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=512MB"
    subprocess.run(
        [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        for name in ("minyi_scale", "minyi_jobs"):
            subprocess.run(
                [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "minyi", name], check=True
            )
        yield f"minyi@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], check=False, capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


def _rss_mb(pid: int) -> float:
    """Resident memory of a process from /proc, in MB; -1 when it has exited (a zombie has no VmRSS)."""
    with suppress(OSError):
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        fields = dict(line.split(":", 1) for line in lines if ":" in line)
        if "VmRSS" in fields:
            return int(fields["VmRSS"].split()[0]) / 1024
    return -1.0


@contextmanager
def layout(env: dict[str, str], folder: Path, webs: int = 2) -> Iterator[tuple[list[str], dict[str, list[int]]]]:
    """2 web processes and 1 worker on the same database and queue; their URLs and process ids."""
    procs: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for i in range(webs):
            port = _free_port()
            with (folder / f"web{i}.log").open("wb") as log:
                procs.append(
                    subprocess.Popen(
                        [*_minyi(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            urls.append(f"http://127.0.0.1:{port}")
        with (folder / "worker.log").open("wb") as log:
            procs.append(subprocess.Popen([*_minyi(), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 120
        for url, proc in zip(urls, procs, strict=False):
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log_text = (folder / f"web{procs.index(proc)}.log").read_text(errors="replace")[-3000:]
                    msg = f"a web process did not start:\n{log_text}"
                    raise RuntimeError(msg)
                with suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/api/v1/departments", timeout=5).status_code == 200:
                        break
                time.sleep(0.3)
        yield urls, {"web": [p.pid for p in procs[:webs]], "worker": [procs[-1].pid]}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


# --- the load (a second process) ---------------------------------------------------------------------------


class Record:
    """Latencies and errors per kind of request, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.missing: dict[str, int] = defaultdict(int)  # 404 of a page whose route is not there yet

    def call(
        self,
        kind: str,
        client: httpx.Client,
        method: str,
        url: str,
        ok: tuple[int, ...] = (200,),
        *,
        missing_route: bool = False,
        **kw: Any,
    ) -> httpx.Response | None:
        """One request, timed; a 404 of a `missing_route` page (a route of another part of issue 17 not merged
        yet) is counted apart, neither timed nor an error."""
        started = time.perf_counter()
        try:
            response = client.request(method, url, **kw)
        except httpx.HTTPError as exc:
            with self.lock:
                self.errors[kind] += 1
                self.error_samples.append(f"{method} {url}: {type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            if missing_route and response.status_code == 404:
                self.missing[kind] += 1
                return response
            self.seconds[kind].append(elapsed)
            self.statuses[kind][response.status_code] += 1
            if response.status_code not in ok:
                self.errors[kind] += 1
                self.error_samples.append(f"{method} {url} -> {response.status_code}: {response.text[:200]!r}")
        return response

    def summary(self, kind: str, seconds: float) -> dict[str, Any]:
        values = sorted(v * 1000 for v in self.seconds.get(kind, []))
        return {
            "p50_ms": round(_percentile(values, 50), 1),
            "p95_ms": round(_percentile(values, 95), 1),
            "p99_ms": round(_percentile(values, 99), 1),
            "rps": round(len(values) / seconds, 2),
            "errors": self.errors.get(kind, 0),
            "count": len(values),
        } | ({"missing_route": self.missing.get(kind, 0)} if kind.startswith("j_") else {})


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


class Load:
    """The clients of one run: browsing people and staff, and the citizens submitting."""

    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.urls: list[str] = plan["urls"]
        self.record = Record()
        self.stop = threading.Event()
        self.acknowledged: dict[int, str] = {}
        self.offered = 0
        self.new_cases: list[int] = []  # acknowledged, for the coordinators to assign
        self.assigned: dict[int, list[int]] = defaultdict(list)  # department -> cases to accept and answer
        # with levels: the busy district's new cases (live ones first, then generated ones), the ones its
        # coordinator could not assign (still at the province's level) for the province's coordinator
        self.levels = bool(plan.get("levels"))
        self.pages = PAGES + LEVEL_PAGES if self.levels else PAGES
        self.district_seed: list[int] = list(plan.get("district_new", []))
        self.province_queue: list[int] = []
        for dept, cases in plan.get("assigned_open", {}).items():
            self.assigned[int(dept)].extend(cases)
        self.actions: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()
        self.ready = threading.Barrier(plan["clients"] + 1, timeout=900)
        self.logins_s = 0.0
        self.shed = 0
        self.sources, _replies = load_sources(2000)
        # One TLS context for every client (the URLs are plain HTTP): httpx would otherwise load the CA bundle for
        # each new client — a fifth of the load process's CPU at 20 submissions/s, each from a client of its own.
        self.tls = ssl.create_default_context()

    def client(self, index: int, address: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.urls[index % len(self.urls)],
            timeout=httpx.Timeout(60, connect=10),
            headers={"X-Forwarded-For": address},
            follow_redirects=False,
            verify=self.tls,
        )

    def login(self, client: httpx.Client, username: str) -> None:
        """A staff member's login at the start of the shift (before the measured phase: one argon2 check at a time
        per process, at the lowest CPU priority, by design — it is timed apart as `login`)."""
        self.record.call("form", client, "GET", "/staff/login")
        fields = {"username": username, "password": PASSWORD, "next": "/staff"}
        fields["csrf_token"] = client.cookies.get(CSRF_COOKIE, "")
        response = self.record.call("login", client, "POST", "/staff/login", ok=(303,), data=fields, timeout=300)
        if response is None or response.status_code != 303:
            msg = f"login of {username} failed: {response.status_code if response else 'no answer'}"
            raise RuntimeError(msg)

    def act(self, client: httpx.Client, case_id: int, action: str, fields: dict[str, str]) -> bool:
        fields = {**fields, "csrf_token": client.cookies.get(CSRF_COOKIE, "")}
        response = self.record.call(
            "action", client, "POST", f"/staff/cases/{case_id}/actions/{action}", ok=(303, 409, 422, 403), data=fields
        )
        done = response is not None and response.status_code == 303
        with self.lock:
            self.actions[f"{action}{'' if done else '_refused'}"] += 1
        return done

    def person(self, index: int) -> None:
        """One client: a role, then a page every 1–3 s (and, for staff, sometimes an action) until stopped."""
        rng = random.Random(index)
        roles = ("public", "coordinator", "handler", "supervisor", "public", "public", "public")
        role = roles[index % len(roles)] if index >= 4 else ("public", "coordinator", "handler", "supervisor")[index]
        if role == "coordinator" and self.levels:  # the province's, a district's, a city's, the province's, …
            role = f"coordinator_{COORDINATOR_LEVELS[index // len(roles) % len(COORDINATOR_LEVELS)]}"
        departments = self.plan["handler_departments"]
        dept = departments[index % len(departments)]
        with self.client(index, f"10.40.{index // 250}.{index % 250 + 1}") as client:
            try:
                if role != "public":
                    username = f"bench-handler-{dept}" if role == "handler" else f"bench-{role.replace('_', '-')}"
                    self.login(client, username)
            finally:
                self.ready.wait()  # every client logged in: the measured phase starts together
            self.stop.wait(rng.uniform(0, 2))
            while not self.stop.is_set():
                getattr(self, f"_{role}")(client, rng, dept)
                self.stop.wait(rng.uniform(1, 3))

    def _public(self, client: httpx.Client, rng: random.Random, _dept: int) -> None:
        pages = ("board", "board", "case", "case", "stats", "hot")
        page = rng.choice((*pages, "j_board", "j_stats") if self.levels else pages)
        if page.startswith("j_"):  # a city's or a district's own pages (parts P and S of issue 17)
            slug = rng.choice(self.plan["j_slugs"])
            start, end = self.plan["year"]
            path = f"/j/{slug}/board" if page == "j_board" else f"/j/{slug}/stats?from={start}&to={end}&by=month"
            self.record.call(page, client, "GET", path, missing_route=True)
        elif page == "board":
            query = f"?q={rng.choice(KEYWORDS)}" if rng.random() < 0.5 else f"?page={rng.randint(1, 5)}"
            self.record.call("board", client, "GET", "/board" + query)
        elif page == "case":
            self.record.call("case", client, "GET", f"/cases/{rng.choice(self.plan['public_case_ids'])}")
        elif page == "stats":
            start, end = self.plan["year"]
            self.record.call("stats", client, "GET", f"/stats?from={start}&to={end}&by=month")
        else:
            self.record.call("hot", client, "GET", "/hot")

    def _coordinator(self, client: httpx.Client, rng: random.Random, _dept: int) -> None:
        query = f"?q={rng.choice(KEYWORDS)}" if rng.random() < 0.3 else ""
        self.record.call("inbox", client, "GET", "/staff/inbox" + query)
        with self.lock:
            case_id = self.new_cases.pop(0) if self.new_cases and rng.random() < 0.7 else None
        if case_id is not None:
            dept = rng.choice(self.plan["handler_departments"])
            if self.act(client, case_id, "assign", {"department_id": str(dept), "note": ""}):
                with self.lock:
                    self.assigned[dept].append(case_id)

    def _coordinator_province(self, client: httpx.Client, rng: random.Random, _dept: int) -> None:
        """With levels: the province's coordinator (sees everything: the same list as the flat city's); assigns
        what the district's coordinator could not (a case routing left at the province's level)."""
        query = f"?q={rng.choice(KEYWORDS)}" if rng.random() < 0.3 else ""
        self.record.call("inbox", client, "GET", "/staff/inbox" + query)
        with self.lock:
            case_id = self.province_queue.pop(0) if self.province_queue else None
        if case_id is not None:
            dept = rng.choice(self.plan["handler_departments"])
            if self.act(client, case_id, "assign", {"department_id": str(dept), "note": ""}):
                with self.lock:
                    self.assigned[dept].append(case_id)

    def _coordinator_city(self, client: httpx.Client, rng: random.Random, _dept: int) -> None:
        """With levels: A市's coordinator browses the city's work list (its districts' cases included)."""
        query = f"?q={rng.choice(KEYWORDS)}" if rng.random() < 0.3 else ""
        self.record.call("inbox_city", client, "GET", "/staff/inbox" + query)

    def _coordinator_district(self, client: httpx.Client, rng: random.Random, _dept: int) -> None:
        """With levels: A1区's coordinator browses the district's list and assigns its new cases (the live
        submissions about A1区 first, then the generated ones) to its departments; a live case it may not act on
        (routing left it at the province: 403) goes to the province's coordinator."""
        query = f"?q={rng.choice(KEYWORDS)}" if rng.random() < 0.3 else ""
        self.record.call("inbox_district", client, "GET", "/staff/inbox" + query)
        live = None
        with self.lock:
            if rng.random() < 0.7:
                if self.new_cases:
                    live = case_id = self.new_cases.pop(0)
                else:
                    case_id = self.district_seed.pop(0) if self.district_seed else None
            else:
                case_id = None
        if case_id is not None:
            dept = rng.choice(self.plan["handler_departments"])
            if self.act(client, case_id, "assign", {"department_id": str(dept), "note": ""}):
                with self.lock:
                    self.assigned[dept].append(case_id)
            elif live is not None:
                with self.lock:
                    self.province_queue.append(live)

    def _handler(self, client: httpx.Client, rng: random.Random, dept: int) -> None:
        query = "?overdue=1" if rng.random() < 0.2 else ""
        self.record.call("dept_inbox", client, "GET", "/staff/department" + query)
        with self.lock:
            case_id = self.assigned[dept].pop(0) if self.assigned[dept] else None
        if case_id is not None and self.act(client, case_id, "accept", {}):
            body = "您好，您反映的问题已转相关单位现场核实，将于近期处理完毕，感谢您的监督。"
            self.act(client, case_id, "reply", {"body": body})

    def _supervisor(self, client: httpx.Client, _rng: random.Random, _dept: int) -> None:
        self.record.call("dashboard", client, "GET", "/staff/dashboard")

    def _submit_released(self, n: int, in_flight: threading.BoundedSemaphore) -> None:
        try:
            self.submit(n)
        finally:
            in_flight.release()

    def submit(self, n: int) -> None:
        """The n-th submission, from the n // 4-th client address (4 each: under the limit of 5 per window)."""
        rng = random.Random(10_000 + n)
        source = rng.choice(self.sources)
        tag = uuid.uuid4().hex[:10]
        body = perturb(source["body"], rng)[:3000]
        body = body if len(body.strip()) >= 10 else source["body"]  # a dropped sentence may leave it under the minimum
        data = {
            "title": f"{perturb(source['title'], rng)[:150]}（{tag}）",
            "body": body,
            "appeal_kind": rng.choice([*CITIZEN_KINDS, ""]),  # what a citizen may choose (or 不确定)
            "place_text": rng.choice(REGIONS),
            "submission_key": f"scale-{tag}",
        }
        busy = False
        if self.levels:  # 40 % about the busy district (its coordinator assigns them), the rest anywhere; the
            # source's places become the district's, as for the generated messages
            busy = rng.random() < 0.4
            city, district = self.plan["busy_place"] if busy else rng.choice(self.plan["submit_places"])
            names = {"district": district, "city": city, "province": PROVINCE}
            data |= {"title": relocate(str(data["title"]), names), "body": relocate(str(data["body"]), names)[:3000]}
            data["place_text"] = city + district
        client_no = n // 4
        with self.client(n, f"10.{50 + client_no // 62500}.{client_no // 250 % 250}.{client_no % 250 + 1}") as client:
            if n % 2 == 0:
                self.record.call("form", client, "GET", "/")  # the form page sets the CSRF cookie
                if CSRF_COOKIE not in client.cookies:  # the form page failed (counted under `form`): no post
                    with self.record.lock:
                        self.record.errors["submit"] += 1
                        self.record.error_samples.append("POST /messages not sent: the form page failed")
                    return
                fields = {**data, "is_public": "on", "csrf_token": client.cookies[CSRF_COOKIE]}
                response = self.record.call("submit", client, "POST", "/messages", data=fields)
                match = CASE_NO.search(response.text) if response is not None and response.status_code == 200 else None
                case_id = int(match.group(1)) if match else None
            else:
                response = self.record.call("submit", client, "POST", "/api/v1/messages", json=data, ok=(200, 201))
                ok = response is not None and response.status_code in (200, 201)
                case_id = int(response.json()["id"]) if ok and response is not None else None
        if case_id is not None:
            with self.lock:
                self.acknowledged[case_id] = data["title"]
                if not self.levels or busy:
                    self.new_cases.append(case_id)

    def run(self) -> dict[str, Any]:
        seconds, rate = self.plan["seconds"], self.plan["rate"]
        threads = [threading.Thread(target=self.person, args=(i,), daemon=True) for i in range(self.plan["clients"])]
        for thread in threads:
            thread.start()
        login_started = time.monotonic()
        self.ready.wait()
        self.logins_s = time.monotonic() - login_started
        started = time.monotonic()
        in_flight = threading.BoundedSemaphore(MAX_IN_FLIGHT)
        submitters: list[threading.Thread] = []
        n = 0
        while rate > 0 and n / rate < seconds:  # an open loop: each submission leaves at its time
            self.stop.wait(max(0.0, started + n / rate - time.monotonic()))
            if in_flight.acquire(blocking=False):
                thread = threading.Thread(target=self._submit_released, args=(n, in_flight), daemon=True)
                thread.start()
                submitters.append(thread)
            else:
                self.shed += 1  # the server is so far behind that this client machine stops sending
            n += 1
        self.offered = n
        self.stop.wait(max(0.0, started + seconds - time.monotonic()))
        self.stop.set()
        for thread in submitters:
            thread.join(timeout=90)
        for thread in threads:
            thread.join(timeout=90)
        elapsed = time.monotonic() - started
        summary = self.record.summary("submit", seconds)
        summary |= {
            "offered_rps": round(self.offered / seconds, 2),
            "acknowledged": len(self.acknowledged),
            "shed": self.shed,
        }
        return {
            "pages": {page: self.record.summary(page, seconds) for page in self.pages},
            "submit": summary,
            "actions": dict(self.actions)
            | {
                "p95_ms": self.record.summary("action", seconds)["p95_ms"],
                "errors": sum(1 for s in self.record.error_samples if "/actions/" in s),
            },
            "acknowledged": {str(k): v for k, v in self.acknowledged.items()},
            "login": self.record.summary("login", 1.0) | {"all_logged_in_s": round(self.logins_s, 1)},
            "elapsed_s": round(elapsed, 1),
            "error_samples": self.record.error_samples[:20],
        }


def wait_for_worker(database_url: str, timeout: float = 600) -> float:
    """Wait until the worker's first round of periodic tasks has finished (the startup burst is not the steady
    state the load measures: hot issues, watches, similar-cases index over the whole new city); its seconds."""
    engine = make_engine(database_url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            with engine.connect() as conn:
                claimed = conn.scalar(select(func.count()).select_from(TaskClaim))
                running = conn.scalar(
                    select(func.count()).select_from(TaskClaim).where(TaskClaim.finished_at.is_(None))
                )
            if claimed and claimed >= SCHEDULED_TASKS and not running:
                break
            time.sleep(1)
    finally:
        engine.dispose()
    return time.monotonic() - started


def warm_up(urls: list[str], plan: dict[str, Any]) -> None:
    """One of each public page on each web process (templates, first queries), not measured."""
    for url in urls:
        with httpx.Client(base_url=url, timeout=120) as client:
            start, end = plan["year"]
            paths = ["/board", "/board?q=路灯", f"/cases/{plan['public_case_ids'][0]}", "/hot"]
            paths.append(f"/stats?from={start}&to={end}&by=month")
            for slug in plan.get("j_slugs", []):
                paths += [f"/j/{slug}/board", f"/j/{slug}/stats?from={start}&to={end}&by=month"]
            for path in paths:
                client.get(path)


# --- the run ------------------------------------------------------------------------------------------


def check_lost(database_url: str, acknowledged: dict[int, str]) -> tuple[int, int]:
    """(acknowledged submissions not in the database with their title, how many of them have an analysis)."""
    engine = make_engine(database_url)
    found: dict[int, str] = {}
    analysed = 0
    ids = sorted(acknowledged)
    try:
        with engine.connect() as conn:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                rows = conn.execute(
                    select(Case.id, Message.title, MessageAnalysis.message_id)
                    .join(Message, Message.id == Case.message_id)
                    .outerjoin(MessageAnalysis, MessageAnalysis.message_id == Message.id)
                    .where(Case.id.in_(chunk))
                )
                for case_id, title, analysis in rows:
                    found[case_id] = title
                    analysed += analysis is not None
    finally:
        engine.dispose()
    lost = sum(1 for case_id, title in acknowledged.items() if found.get(case_id) != title)
    return lost, analysed


def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="minyi-scale-"))
    try:
        with contextlib_database(args.backend, folder) as (database_url, jobs_url):
            env = {
                **os.environ,
                "MINYI_DATA_DIR": str(folder),
                "MINYI_DATABASE_URL": database_url,
                "MINYI_JOBS_URL": jobs_url,
                "MINYI_SECRET_KEY": "scale-" + secrets.token_hex(16),
                "MINYI_TRUSTED_PROXIES": "127.0.0.1",
                "MINYI_RUN_SCHEDULER": "false",
                "MINYI_RUN_ANALYSIS": "true",
            }
            env.pop("FORWARDED_ALLOW_IPS", None)
            subprocess.run([*_minyi(), "migrate"], env=env, check=True, capture_output=True, timeout=600)
            started = time.perf_counter()
            city = generate(database_url, args.cases, levels=args.levels)
            generate_s = time.perf_counter() - started
            print(f"generated {city['cases']:,} cases and {city['events']:,} events in {generate_s:.1f} s", flush=True)
            with layout(env, folder) as (urls, pids):
                plan = {"urls": urls, "seconds": args.seconds, "rate": args.rate, "clients": args.clients} | city
                settle_s = wait_for_worker(database_url, timeout=max(600.0, args.cases * 0.003))  # 1M: 50 min
                warm_up(urls, plan)
                plan_path, out_path = folder / "plan.json", folder / "load.json"
                plan_path.write_text(json.dumps(plan))
                subprocess.run([sys.executable, __file__, "load", str(plan_path), str(out_path)], check=True, env=env)
                result = json.loads(out_path.read_text())
                time.sleep(min(10.0, args.seconds / 3))  # let the worker finish the last analyses
                rss = {role: round(max(_rss_mb(p) for p in ids), 1) for role, ids in pids.items()}
            acknowledged = {int(k): v for k, v in result.pop("acknowledged").items()}
            lost, analysed = check_lost(database_url, acknowledged)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    result["submit"]["analysed"] = analysed
    return {
        "cases": city["cases"],
        "levels": city["levels"],
        "events": city["events"],
        "generate_s": round(generate_s, 1),
        "worker_first_round_s": round(settle_s, 1),
        "backend": args.backend,
        "seconds": args.seconds,
        "clients": args.clients,
        "rate": args.rate,
        **result,
        "lost": lost,
        "rss_mb": rss,
    } | ({"folder": str(folder)} if args.keep else {})


def probe(args: argparse.Namespace, repeats: int = 7) -> dict[str, Any]:
    """Each page alone (`--probe`): the generated city or province, the app in this process (no worker, no load,
    the statistics and the public page cache off), every page asked `repeats` times in a row after one warm-up;
    the median CPU time of this process for one request (what a page costs a core, whatever else the shared
    machine runs) and the size of the answer."""
    from fastapi.testclient import TestClient

    from minyi.core.settings import Settings
    from minyi.web.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="minyi-probe-"))
    try:
        with contextlib_database(args.backend, folder) as (database_url, jobs_url):
            env = {**os.environ, "MINYI_DATA_DIR": str(folder), "MINYI_DATABASE_URL": database_url}
            subprocess.run([*_minyi(), "migrate"], env=env, check=True, capture_output=True, timeout=600)
            city = generate(database_url, args.cases, levels=args.levels)
            settings = Settings(
                data_dir=folder,
                database_url=database_url,
                jobs_url=jobs_url,
                secret_key="probe-" + secrets.token_hex(16),
                run_scheduler=False,
                run_analysis=False,
                stats_max_age=0,
                public_page_ttl=0,
            )
            start, end = city["year"]
            case_id = city["public_case_ids"][0]
            dept = city["handler_departments"][0]
            who = {"public": "", "handler": f"bench-handler-{dept}", "supervisor": "bench-supervisor"}
            coordinators = [f"coordinator-{level}" for level in COORDINATOR_LEVELS] if args.levels else ["coordinator"]
            pages: list[tuple[str, str, str]] = [
                ("form", "public", "/"),
                ("board", "public", "/board"),
                ("board_q", "public", "/board?q=路灯"),
                ("case", "public", f"/cases/{case_id}"),
                ("stats", "public", f"/stats?from={start}&to={end}&by=month"),
                ("hot", "public", "/hot"),
                *[(c.replace("coordinator", "inbox").replace("-", "_"), c, "/staff/inbox") for c in coordinators],
                ("staff_case", coordinators[0], f"/staff/cases/{case_id}"),
                ("dept_inbox", "handler", "/staff/department"),
                ("dashboard", "supervisor", "/staff/dashboard"),
            ]
            for slug in city.get("j_slugs", [])[:1]:
                pages += [("j_board", "public", f"/j/{slug}/board"), ("j_stats", "public", f"/j/{slug}/stats")]
            out: dict[str, Any] = {}
            app = create_app(settings, start_background=False)
            clients: dict[str, TestClient] = {}
            try:
                for name, user, path in pages:
                    if user not in clients:
                        clients[user] = TestClient(app, base_url="http://127.0.0.1").__enter__()
                        if user != "public":
                            client = clients[user]
                            client.get("/staff/login")
                            fields = {"username": who.get(user, f"bench-{user}"), "password": PASSWORD}
                            fields |= {"next": "/staff", "csrf_token": client.cookies.get(CSRF_COOKIE, "")}
                            response = client.post("/staff/login", data=fields, follow_redirects=False)
                            assert response.status_code == 303, (user, response.status_code)
                    client = clients[user]
                    first = client.get(path)
                    cpu: list[float] = []
                    for _ in range(repeats):
                        before = time.process_time()
                        client.get(path)
                        cpu.append((time.process_time() - before) * 1000)
                    out[name] = {"status": first.status_code, "cpu_ms": round(statistics.median(cpu), 1)}
                    out[name]["kb"] = round(len(first.content) / 1024, 1)
            finally:
                for client in clients.values():
                    client.__exit__(None, None, None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    # what the worker does for each live message: the pipeline, then the ranking of the departments it may go to —
    # every one of a flat city; in the province, those of the busy district and of its city (the message's level
    # and the parent's: minyi.messages.analysis.level_department_candidates)
    now = datetime.now(UTC)
    if args.levels:
        province = Province(now)
        levels = {province.busy_district["id"], province.busy_city["id"]}
        rows = [d for d in province.departments if d.get("jurisdiction_id") in levels]
    else:
        rows = department_rows(now)
    departments = [Department(**{k: v for k, v in d.items() if k != "created_at"}) for d in rows]
    analyzer = default_analyzer()
    cpu = []
    for source in load_sources(200)[0][:40]:
        before = time.process_time()
        result = analyzer.analyze(source["title"], source["body"])
        stored_analysis(result, title=source["title"], body=source["body"], departments=departments)
        cpu.append((time.process_time() - before) * 1000)
    analysis = {"departments": len(departments), "cpu_ms": round(statistics.median(cpu[5:]), 1)}
    return {"cases": args.cases, "backend": args.backend, "levels": city["levels"], "probe": out, "analysis": analysis}


@contextmanager
def contextlib_database(backend: str, folder: Path) -> Iterator[tuple[str, str]]:
    """(database URL, job queue URL) of a new database of this backend."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'minyi.sqlite3'}", ""
        return
    with postgres_server(Path(tempfile.mkdtemp(prefix="minyi-scale-pg-"))) as base:
        yield f"postgresql+psycopg://{base}/minyi_scale", f"postgresql://{base}/minyi_jobs"


def report(out: dict[str, Any]) -> None:
    print(f"{out['cases']:,} cases, {out['events']:,} events on {out['backend']}, generated in {out['generate_s']} s")
    if out["levels"]:
        print(f"  levels: {out['levels']}")
    print(f"{out['clients']} clients for {out['seconds']} s, submissions offered {out['submit']['offered_rps']}/s:")
    for name, row in [*out["pages"].items(), ("submit", out["submit"])]:
        print(
            f"  {name:<11} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms"
            f"  {row['rps']:6.2f}/s  errors {row['errors']}"
            + (f"  missing route (404) {row['missing_route']}" if "missing_route" in row else "")
        )
    print(
        f"  achieved submissions {out['submit']['rps']}/s of {out['submit']['offered_rps']}/s offered; "
        f"analysed by the worker: {out['submit']['analysed']} of {out['submit']['acknowledged']}"
    )
    print(f"  staff actions: {out['actions']}")
    print(f"  lost: {out['lost']}   rss: {out['rss_mb']}")
    for line in out["error_samples"][:5]:
        print(f"  error: {line}")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "load":  # the second process
        plan = json.loads(Path(sys.argv[2]).read_text())
        Path(sys.argv[3]).write_text(json.dumps(Load(plan).run(), ensure_ascii=False))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50, help="browsing people and staff")
    parser.add_argument("--rate", type=float, default=20, help="messages submitted per second")
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, SQLite file)")
    parser.add_argument(
        "--levels",
        action="store_true",
        help="a province in three levels (14 cities, 120 districts) instead of one flat city (issue 17)",
    )
    parser.add_argument(
        "--probe", action="store_true", help="instead of the load: each page alone, its CPU time and size"
    )
    args = parser.parse_args()
    if args.probe:
        result = probe(args)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))
        for name, row in result["probe"].items():
            print(f"  {name:<16} {row['status']}  cpu {row['cpu_ms']:7.1f} ms  {row['kb']:8.1f} KB")
        analysis = result["analysis"]
        print(f"  analysis of a message, {analysis['departments']:,} departments ranked: cpu {analysis['cpu_ms']} ms")
        return
    out = run(args)
    args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2))
    report(out)


if __name__ == "__main__":
    main()
