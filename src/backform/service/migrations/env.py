"""Alembic environment: the engine comes from the service (``config.attributes['engine']``)."""
from alembic import context

from backform.service.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


run()
