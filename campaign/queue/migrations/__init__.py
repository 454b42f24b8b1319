"""Alembic migrations of the queue database; run them with ``campaign db upgrade``."""
