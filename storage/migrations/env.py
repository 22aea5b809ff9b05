"""Alembic environment: migrates the database named by the caller's configuration."""

from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, create_engine, pool

from storage.models import UtcDateTime
from storage.schema import metadata


def _render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations spell our UTC column type as the plain SQL type it is stored as.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_item=_render_item,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


url = context.config.get_main_option("sqlalchemy.url")
if url is None:
    raise RuntimeError("the Alembic configuration names no sqlalchemy.url to migrate")
engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as conn:
    _migrate(conn)
