"""Observability glue: feeds the core Prometheus instruments from usage, routing and backends."""
