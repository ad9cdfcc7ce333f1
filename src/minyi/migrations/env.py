"""Alembic environment: the URL comes from the config (set by minyi.core.migrate) or settings."""

from __future__ import annotations

from alembic import context

from minyi.core.db import make_engine
from minyi.models import Base

config = context.config
target_metadata = Base.metadata
SEARCH_TABLES = "messages_fts"  # SQLite's FTS5 index of messages and its shadow tables (migration 0011)


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Leave the search index's tables out of the comparison with the models: SQL builds them, not models."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLES))


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from minyi.core.settings import get_settings

    return get_settings().database_url


def run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=target_metadata, render_as_batch=True, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
