"""The hotline service: calls and letters between border units, their acknowledgements and written confirmations.

Its intake app decides reports with ``domain/`` (pure, ADR 0012) and appends them through the shared
intake pipeline (ADR 0003, ADR 0004).
"""
