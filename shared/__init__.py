"""Liaison's common package: events, event store, unit registry, settings and logging."""
