"""`minyi hot IN [--top N] [--xlsx OUT.xlsx] [--json OUT.json]`: rank the hot issues of a message file."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import click

_XLSX_CELL_LIMIT = 32_767  # Excel's limit on the characters of one cell


@click.command("hot")
@click.argument("path", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--top", default=20, show_default=True, type=click.IntRange(min=1), help="How many issues")
@click.option(
    "--xlsx",
    "xlsx_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the hot-issue table and the member-message table here",
)
@click.option(
    "--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the issues as a JSON list here"
)
@click.option(
    "--now",
    "now_text",
    default=None,
    metavar="'YYYY-MM-DD HH:MM:SS'",
    help="Reference time of 'recent growth' (default: the latest message)",
)
@click.option(
    "--members",
    "show_members",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Also print the titles of up to this many members of each issue",
)
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bars on stderr")
def hot(
    path: Path,
    top: int,
    xlsx_path: Path | None,
    json_path: Path | None,
    now_text: str | None,
    show_members: int,
    progress: bool,
) -> None:
    """Rank the hot issues (热点问题) of a .jsonl/.csv/.xlsx message file (the shared data's schema)."""
    from minyi.nlp.hot import rank_hot_issues

    messages = _read(path)
    records = _records(messages)
    now = _parse_now(now_text)
    try:
        issues = rank_hot_issues(records, now=now, top=top, progress=progress)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    by_id = {m["id"]: m for m in messages}
    writers: list[tuple[Path, Callable[[Path], None]]] = []
    if xlsx_path:
        writers.append((xlsx_path, lambda tmp: _write_xlsx(tmp, issues, by_id)))
    if json_path:
        writers.append((json_path, lambda tmp: _write_json(tmp, issues)))
    _write_all(writers)
    for issue in issues:
        click.echo(
            f"{issue.rank:>3}  {issue.score:>5.1f}  {issue.description}  "
            f"[{issue.start:%Y-%m-%d} ~ {issue.end:%Y-%m-%d}]  {issue.messages} 条  {issue.explanation}"
        )
        for member in issue.members[:show_members]:
            m = by_id[member]
            click.echo(f"       {m['id']}  {m.get('time', '')[:10]}  {m.get('user') or '-'}  {m.get('title', '')}")


def _read(path: Path) -> list[dict[str, Any]]:
    from minyi.nlp.io import MessageFileError, read_messages

    try:
        messages = read_messages(path)
    except MessageFileError as exc:
        raise click.ClickException(str(exc)) from exc
    for n, message in enumerate(messages, start=1):
        if not message.get("time"):
            raise click.ClickException(
                f"{path}: row {n}, column 'time': a hot-issue ranking needs every message's time"
            )
    return messages


def _records(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Shared-schema rows (likes/dislikes) -> the records rank_hot_issues takes (supports/opposes)."""
    return [
        {
            "id": m["id"],
            "title": m.get("title") or "",
            "body": m.get("body") or "",
            "user": m.get("user"),
            "time": datetime.strptime(m["time"], "%Y-%m-%d %H:%M:%S"),
            "supports": m.get("likes") or 0,
            "opposes": m.get("dislikes") or 0,
        }
        for m in messages
    ]


def _parse_now(text: str | None) -> datetime | None:
    if text is None:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise click.BadParameter(f"unparseable time {text!r} (expected YYYY-MM-DD HH:MM:SS)", param_hint="--now")


def _write_all(writers: list[tuple[Path, Callable[[Path], None]]]) -> None:
    """Write every output to a temporary file beside it, then rename all: nothing is half-written."""
    with contextlib.ExitStack() as stack:
        done: list[tuple[Path, Path]] = []
        for target, write in writers:
            tmp = stack.enter_context(_temporary_beside(target))
            try:
                write(tmp)
            except OSError as exc:
                raise click.ClickException(f"cannot write {target}: {exc}") from exc
            done.append((tmp, target))
        mode = _default_file_mode()
        for tmp, target in done:
            tmp.chmod(mode)
            os.replace(tmp, target)


def _default_file_mode() -> int:
    """The mode a plain open() would give a new file (mkstemp's files are private)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def _temporary_beside(target: Path) -> Iterator[Path]:
    if target.parent and not target.parent.exists():
        raise click.ClickException(f"cannot write {target}: folder {target.parent} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _write_json(tmp: Path, issues: list) -> None:
    tmp.write_text(
        json.dumps([issue.as_dict() for issue in issues], ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def _write_xlsx(tmp: Path, issues: list, by_id: dict[Any, dict[str, Any]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    table = book.active
    table.title = "热点问题"
    table.append(
        [
            "排名",
            "热度指数",
            "问题描述",
            "开始时间",
            "结束时间",
            "留言数",
            "不同用户数",
            "点赞数",
            "反对数",
            "近30天新增",
            "热度说明",
            "留言编号",
        ]
    )
    members = book.create_sheet("热点问题留言明细")
    members.append(["问题排名", "留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"])
    for issue in issues:
        _append(
            table,
            [
                issue.rank,
                issue.score,
                issue.description,
                _fmt(issue.start),
                _fmt(issue.end),
                issue.messages,
                issue.people,
                issue.supports,
                issue.opposes,
                issue.recent,
                issue.explanation,
                "、".join(map(str, issue.members)),
            ],
        )
        for member in issue.members:
            m = by_id[member]
            _append(
                members,
                [
                    issue.rank,
                    m["id"],
                    m.get("user") or "",
                    m.get("title") or "",
                    m.get("time") or "",
                    " ".join((m.get("body") or "").split()),
                    m.get("likes") or 0,
                    m.get("dislikes") or 0,
                ],
            )
    book.save(tmp)


def _append(sheet: Any, values: list[Any]) -> None:
    """Append a row; text is always stored as text (a title starting with '=' is not a formula)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v)[:_XLSX_CELL_LIMIT] if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def register(group: click.Group) -> None:
    group.add_command(hot)
