"""structlog set-up: JSON lines in production, readable lines in a terminal, for every logger of a process.

Lines written through structlog and through the standard library (aiohttp, redis, FastStream) go
through the same processors and the same renderer, so in production every line a service writes is
one JSON object carrying ``service`` and, where known, ``case_id``, ``command_id`` and ``event_id``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

FOREIGN_LOGGERS = ("faststream", "faststream.access", "faststream.access.redis", "aiohttp", "redis")
"""Libraries' loggers whose own handlers are removed so their lines go through ours (FastStream colours its own)."""
FASTSTREAM_LOGGER = "faststream.liaison"


def _named(service: str) -> structlog.typing.Processor:
    """A processor that puts ``service`` on every line: a fixed value, so threads' lines carry it too."""

    def name(_: Any, __: str, event: structlog.typing.EventDict) -> structlog.typing.EventDict:
        event.setdefault("service", service)
        return event

    return name


def _shared_processors(service: str) -> list[structlog.typing.Processor]:
    return [
        _named(service),
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _formatter(service: str, as_json: bool) -> structlog.stdlib.ProcessorFormatter:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        # ExtraAdder: a library's ``extra={...}`` fields (FastStream's channel, message_id) become keys of the line.
        foreign_pre_chain=[*_shared_processors(service), structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def configure(service: str, *, json: bool | None = None, level: int = logging.INFO) -> None:
    """Configure structlog and the standard library's logging for one process.

    ``json`` defaults to True unless stderr is a terminal. Every line names ``service``.
    """
    as_json = (not sys.stderr.isatty()) if json is None else json
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_formatter(service, as_json))
    handler.setLevel(level)  # also for libraries that lower their own logger's level (FastStream's DEBUG)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in FOREIGN_LOGGERS:
        # FastStream gives its loggers a colouring handler and stops propagation: undo both.
        foreign = logging.getLogger(name)
        foreign.handlers = []
        foreign.propagate = True
    structlog.configure(
        processors=[*_shared_processors(service), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


class _SupervisorChatter(logging.Filter):
    """FastStream 0.7's task supervisor logs "callback for Task-N is being executed..." at INFO whenever a
    subscriber task ends (every shutdown): chatter about its internals, not an event; shown at DEBUG only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and str(record.msg).endswith("is being executed..."):
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def faststream_logger() -> logging.Logger:
    """The logger to give FastStream: ``RedisBroker(url, logger=faststream_logger())``.

    FastStream's default broker logger is created when the broker starts, after ``configure``, and writes
    coloured lines to stdout; a logger given to the broker is used as it is, so its lines are formatted here.
    """
    logger = logging.getLogger(FASTSTREAM_LOGGER)
    if not any(isinstance(f, _SupervisorChatter) for f in logger.filters):
        logger.addFilter(_SupervisorChatter())
    return logger


@contextmanager
def bound(
    *, case_id: str | None = None, command_id: str | None = None, event_id: str | None = None
) -> Iterator[None]:
    """Add the given ids to every log line written inside the ``with`` block (ids left None are not added).

    Safe in asyncio: the ids live in context variables, so they belong to the current task only, and the
    previous values come back when the block ends (nesting is fine). Example::

        with bound(command_id=report.command_id, case_id=report.case_id):
            log.info("accepted", events=3)   # -> {..., "command_id": "...", "case_id": "...", ...}
    """
    ids = {"case_id": case_id, "command_id": command_id, "event_id": event_id}
    with structlog.contextvars.bound_contextvars(**{k: v for k, v in ids.items() if v is not None}):
        yield
