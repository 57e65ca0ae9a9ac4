"""Core infrastructure: settings, database, store, errors, logging and app state."""
