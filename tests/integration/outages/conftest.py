"""Private Redis / PostgreSQL servers for outage tests (tests/outages.py)."""

from tests.outages import private_postgres, private_postgres_cluster, private_redis

__all__ = ["private_postgres", "private_postgres_cluster", "private_redis"]
