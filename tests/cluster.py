"""A local Redis Cluster on loopback for tests: the product's own starter (shared/redis_cluster.py), which
``liaison bench --cluster`` also uses, under the names the tests import."""

from __future__ import annotations

from shared.redis_cluster import serving, start_cluster, stop_all, url_of

__all__ = ["serving", "start_cluster", "stop_all", "url_of"]
