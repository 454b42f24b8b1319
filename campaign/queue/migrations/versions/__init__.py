"""Alembic revisions of the queue schema, oldest first; each tested from the one before with data."""
