"""Running Liaison on a box: the services (``up``, ``run``), the Redis keys, parked log entries,
and the personal-data vault (``person``, ``forget``)."""

SERVICES = ("hotline", "incidents", "projections", "gateway")
"""The services, each its own process (``python -m services.NAME``)."""
