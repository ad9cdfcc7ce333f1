"""Runtime settings, read once from MINYI_* environment variables."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        msg = f"{name} must be an integer, got {raw!r}"
        raise ValueError(msg) from exc


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        msg = f"{name} must be a number, got {raw!r}"
        raise ValueError(msg) from exc


def _env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_networks(name: str, default: str = "") -> tuple[str, ...]:
    """A comma-separated list of IP addresses or CIDR networks, checked now so that a typo stops the start."""
    entries = [e.strip() for e in os.environ.get(name, default).split(",") if e.strip()]
    try:
        return tuple(str(ipaddress.ip_network(e, strict=False)) for e in entries)
    except ValueError as exc:
        msg = f"{name} must list IP addresses or networks (CIDR), separated by commas: {exc}"
        raise ValueError(msg) from exc


def _secret_key(data_dir: Path) -> str:
    """Use MINYI_SECRET_KEY, else a random key kept in the data folder (created once)."""
    explicit = os.environ.get("MINYI_SECRET_KEY")
    if explicit:
        return explicit
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    """Everything the product reads from its environment; documented in docs/settings.md."""

    data_dir: Path
    database_url: str
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    trusted_proxies: tuple[str, ...] = ()  # reverse proxies whose X-Forwarded-For is believed (none by default)
    secure_cookies: bool = False
    session_hours: int = 12
    api_token_days: int = 30  # lifetime of an API token
    login_max_failures: int = 5  # failed logins per (account, client) before a temporary lockout
    login_lockout_minutes: int = 15  # length of that lockout (and of the window failures are counted in)
    login_max_delay: int = 10  # seconds: cap of the growing delay on failed answers for one account
    submit_rate_limit: int = 5  # public submissions per client per window
    submit_rate_window_seconds: int = 600
    run_scheduler: bool = True
    scheduler_interval_seconds: int = 300
    jobs_url: str = ""  # the job queue's storage (docs/jobs.md): empty = SQLite file jobs.sqlite3 in data_dir
    worker_threads: int = 2  # threads per `minyi worker` process
    worker_nice: int = 10  # `minyi worker` lowers its CPU priority by this much (os.nice): pages first
    web_threads: int = 40  # AnyIO's thread pool of a web process; its database pool keeps a connection for each
    db_wait: int = 5  # seconds a request waits for its turn to write or a pooled connection, then 503 (Retry-After)
    run_analysis: bool = True
    public_url: str = ""  # e.g. https://minyi.example.gov.cn: makes links in e-mails and webhooks absolute
    remind_workdays: int = 1  # deadline reminders this many working days before the deadline
    auto_escalate: bool = True  # 督办 overdue open cases automatically
    smtp_host: str = ""  # empty: no e-mail
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "minyi@localhost"
    smtp_starttls: bool = True
    smtp_ssl: bool = False  # implicit TLS (port 465) instead of STARTTLS
    webhook_url: str = ""  # empty: no webhook
    webhook_secret: str = field(default="", repr=False)
    sms_provider: str = ""  # empty: no text messages; "aliyun": Alibaba Cloud SMS (minyi.notifications.sms)
    sms_endpoint: str = "https://dysmsapi.aliyuncs.com/"
    sms_access_key_id: str = ""
    sms_access_key_secret: str = field(default="", repr=False)
    sms_sign_name: str = ""  # the approved signature (签名) shown in every text
    sms_template_code: str = ""  # the provider's template for a one-time code (parameter `code`)
    sms_template_link: str = ""  # the provider's template for a case's tracking link (parameters `case`, `link`)
    stats_cache: int = 16  # statistics periods kept in memory per process (0 = no cache)
    stats_max_age: int = 60  # seconds a cached report is still shown after a change (0 = always exact)
    public_page_ttl: int = 5  # seconds /board, /hot and /stats pages are served from a process's cache (0 = no cache)
    contact_retention_days: int = 365  # contact data of closed cases erased this long after closing (0 = kept)
    web_retention_days: int = 180  # web items that became no case: text cleared this long after collection (0 = kept)
    import_archive_days: int = 365  # `minyi import`: unreplied messages older than this are archived (0 = never)
    surge_min_count: int = 5  # web voices in 24 hours before a topic can be a surge (网络民意激增)
    surge_factor: float = 3.0  # ... and at least this many times its daily mean over the baseline days
    surge_baseline_days: int = 14  # the days before the last 24 hours that make a topic's baseline
    metrics_allow: tuple[str, ...] = ("127.0.0.1/32", "::1/128")  # clients that may read /metrics without a token
    metrics_token: str = field(default="", repr=False)  # bearer token for /metrics from anywhere (empty = none)
    extra: dict[str, str] = field(default_factory=dict)


def load_settings() -> Settings:
    """Build Settings from the environment (MINYI_DATA_DIR defaults to ./data)."""
    data_dir = Path(os.environ.get("MINYI_DATA_DIR", "data")).resolve()
    database_url = os.environ.get("MINYI_DATABASE_URL") or f"sqlite:///{data_dir / 'minyi.sqlite3'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=_secret_key(data_dir),
        host=os.environ.get("MINYI_HOST", "127.0.0.1"),
        port=_env_int("MINYI_PORT", 8000),
        trusted_proxies=_env_networks("MINYI_TRUSTED_PROXIES"),
        secure_cookies=_env_bool("MINYI_SECURE_COOKIES", default=False),
        session_hours=_env_int("MINYI_SESSION_HOURS", 12),
        api_token_days=_env_int("MINYI_API_TOKEN_DAYS", 30),
        login_max_failures=_env_int("MINYI_LOGIN_MAX_FAILURES", 5),
        login_lockout_minutes=_env_int("MINYI_LOGIN_LOCKOUT_MINUTES", 15),
        login_max_delay=_env_int("MINYI_LOGIN_MAX_DELAY", 10),
        submit_rate_limit=_env_int("MINYI_SUBMIT_RATE_LIMIT", 5),
        submit_rate_window_seconds=_env_int("MINYI_SUBMIT_RATE_WINDOW", 600),
        run_scheduler=_env_bool("MINYI_RUN_SCHEDULER", default=True),
        scheduler_interval_seconds=_env_int("MINYI_SCHEDULER_INTERVAL", 300),
        jobs_url=os.environ.get("MINYI_JOBS_URL", ""),
        worker_threads=_env_int("MINYI_WORKER_THREADS", 2),
        worker_nice=min(19, max(0, _env_int("MINYI_WORKER_NICE", 10))),
        web_threads=max(1, _env_int("MINYI_WEB_THREADS", 40)),
        db_wait=max(1, _env_int("MINYI_DB_WAIT", 5)),
        run_analysis=_env_bool("MINYI_RUN_ANALYSIS", default=True),
        public_url=os.environ.get("MINYI_PUBLIC_URL", "").rstrip("/"),
        remind_workdays=_env_int("MINYI_REMIND_WORKDAYS", 1),
        auto_escalate=_env_bool("MINYI_AUTO_ESCALATE", default=True),
        smtp_host=os.environ.get("MINYI_SMTP_HOST", ""),
        smtp_port=_env_int("MINYI_SMTP_PORT", 587),
        smtp_user=os.environ.get("MINYI_SMTP_USER", ""),
        smtp_password=os.environ.get("MINYI_SMTP_PASSWORD", ""),
        smtp_from=os.environ.get("MINYI_SMTP_FROM", "minyi@localhost"),
        smtp_starttls=_env_bool("MINYI_SMTP_STARTTLS", default=True),
        smtp_ssl=_env_bool("MINYI_SMTP_SSL", default=False),
        webhook_url=os.environ.get("MINYI_WEBHOOK_URL", ""),
        webhook_secret=os.environ.get("MINYI_WEBHOOK_SECRET", ""),
        sms_provider=os.environ.get("MINYI_SMS_PROVIDER", "").strip().lower(),
        sms_endpoint=os.environ.get("MINYI_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
        sms_access_key_id=os.environ.get("MINYI_SMS_ACCESS_KEY_ID", ""),
        sms_access_key_secret=os.environ.get("MINYI_SMS_ACCESS_KEY_SECRET", ""),
        sms_sign_name=os.environ.get("MINYI_SMS_SIGN_NAME", ""),
        sms_template_code=os.environ.get("MINYI_SMS_TEMPLATE_CODE", ""),
        sms_template_link=os.environ.get("MINYI_SMS_TEMPLATE_LINK", ""),
        stats_cache=_env_int("MINYI_STATS_CACHE", 16),
        stats_max_age=_env_int("MINYI_STATS_MAX_AGE", 60),
        public_page_ttl=_env_int("MINYI_PUBLIC_PAGE_TTL", 5),
        contact_retention_days=_env_int("MINYI_CONTACT_RETENTION_DAYS", 365),
        web_retention_days=_env_int("MINYI_WEB_RETENTION_DAYS", 180),
        import_archive_days=_env_int("MINYI_IMPORT_ARCHIVE_DAYS", 365),
        surge_min_count=max(1, _env_int("MINYI_SURGE_MIN_COUNT", 5)),
        surge_factor=max(1.0, _env_float("MINYI_SURGE_FACTOR", 3.0)),
        surge_baseline_days=min(60, max(1, _env_int("MINYI_SURGE_BASELINE_DAYS", 14))),
        metrics_allow=_env_networks("MINYI_METRICS_ALLOW", "127.0.0.1,::1"),
        metrics_token=os.environ.get("MINYI_METRICS_TOKEN", ""),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (cached)."""
    return load_settings()
