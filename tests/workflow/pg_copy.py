"""Bulk rows for the PostgreSQL plan tests of the work lists and the board: COPY, not the ORM row by row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection


def copy_rows(conn: Connection, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Write `rows` into `table` with PostgreSQL's COPY on the connection's own transaction."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)
