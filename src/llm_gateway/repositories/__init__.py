"""Repositories: the database queries, one module per aggregate."""
