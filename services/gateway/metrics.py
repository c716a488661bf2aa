"""Prometheus metrics of the gateway: its own counters, plus the consumer groups' lag read at scrape time."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from services.gateway.groups import StreamGroups
from shared import append_metrics

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""The Prometheus text exposition format, version 0.0.4."""


class Metrics:
    """The gateway's counters, one registry per application (tests run several apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.reports = Counter(
            "liaison_gateway_reports",
            "Reports received by POST /v1/commands, by report type ('unroutable' when it names none the gateway knows)",
            ["type"],
            registry=self.registry,
        )
        self.outcomes = Counter(
            "liaison_gateway_outcomes",
            "Answers to reports by status (accepted, rejected, unanswered) and reason code",
            ["status", "code"],
            registry=self.registry,
        )
        self.report_seconds = Histogram(
            "liaison_gateway_report_seconds",
            "Time from a report's arrival to its outcome",
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.requests = Counter(
            "liaison_gateway_http_requests",
            "HTTP requests by method, route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.subscribers = Gauge(
            "liaison_gateway_update_subscribers",
            "Case-update streams (GET /v1/updates) open now",
            registry=self.registry,
        )

    def render(
        self, groups: list[StreamGroups] | None, latencies: list[append_metrics.Histogram] | None = None,
        parked: dict[tuple[str, int], int] | None = None,
    ) -> bytes:
        """The text exposition: the counters, Redis reachability, every consumer group's lag and pending,
        the write latencies the services published (``None`` for both when Redis did not answer), and the
        log entries each group parked per partition."""
        return generate_latest(_Scrape(self.registry, groups, latencies or [], parked or {}))


class _Scrape:
    """One scrape: the long-lived counters plus families built from a snapshot read just before."""

    def __init__(
        self,
        registry: CollectorRegistry,
        groups: list[StreamGroups] | None,
        latencies: list[append_metrics.Histogram],
        parked: dict[tuple[str, int], int],
    ) -> None:
        self.registry = registry
        self.groups = groups
        self.latencies = latencies
        self.parked = parked

    def collect(self) -> Iterable[Metric]:
        yield from self.registry.collect()
        yield GaugeMetricFamily("liaison_redis_up", "1 if Redis answered this scrape, else 0", self.groups is not None)
        if self.groups is not None:
            yield from _group_families(self.groups)
        yield from _latency_families(self.latencies)
        parked = CounterMetricFamily(
            "liaison_parked_entries", "Log entries a consumer group gave up on and parked, with their reason",
            labels=["group", "partition"],
        )
        for (group, partition), count in sorted(self.parked.items()):
            parked.add_metric([group, str(partition)], count)
        yield parked


def _latency_families(histograms: list[append_metrics.Histogram]) -> Iterator[Metric]:
    """One histogram family per kind (``liaison_append_seconds``...), a series per service that published one."""
    for kind, documentation in append_metrics.KINDS.items():
        family = HistogramMetricFamily(
            f"liaison_{kind}_seconds", f"{documentation} (summed over its processes)", labels=["service"]
        )
        for histogram in histograms:
            if histogram.kind == kind:
                family.add_metric([histogram.service], list(histogram.buckets), histogram.sum)
        yield family


def _group_families(streams: list[StreamGroups]) -> Iterator[Metric]:
    labels = ["stream", "group", "partition"]
    lag = GaugeMetricFamily(
        "liaison_consumer_group_lag",
        "Entries of a stream not yet delivered to a consumer group (NaN when Redis cannot tell)",
        labels=labels,
    )
    pending = GaugeMetricFamily(
        "liaison_consumer_group_pending",
        "Entries delivered to a consumer group but not yet acknowledged",
        labels=labels,
    )
    consumers = GaugeMetricFamily(
        "liaison_consumer_group_consumers", "Consumers registered in a consumer group", labels=labels
    )
    missing = GaugeMetricFamily(
        "liaison_consumer_group_missing",
        "1 for each stream whose service's consumer group does not exist (the service never started there)",
        labels=labels,
    )
    for stream in streams:
        partition = "" if stream.partition is None else str(stream.partition)
        for group in stream.groups:
            values = [stream.stream, group.name, partition]
            lag.add_metric(values, math.nan if group.lag is None else group.lag)
            pending.add_metric(values, group.pending)
            consumers.add_metric(values, group.consumers)
        if stream.group(stream.expected_group) is None:
            missing.add_metric([stream.stream, stream.expected_group, partition], 1)
    yield from (lag, pending, consumers, missing)
