"""``liaison bench``: the benchmarks, every path against a raw-Redis baseline on a private redis-server.

``measure`` runs them and prints or writes the results (``report``); ``paths``, ``e2e``,
``raw_read`` and ``skeleton`` are what is measured, ``workload`` and ``fill`` what it is measured on.
``cluster`` (``--cluster``) drains the same reports on a 1-master and a 3-master Redis Cluster, each master's
cost read by ``shards`` and shown by ``cluster_report``.
"""
