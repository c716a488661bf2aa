"""The read model: what a case looks like and how it is read, in one place.

The projections write it; the gateway (``/v1/cases``, ``/v1/updates``, the board) and the CLI
(``liaison case``, ``cases``, ``watch``) read it only through this package, so a rule about who may
see what applies in one place. ``schema`` and ``facts`` are pure; ``queries``, ``updates`` read Redis.
"""
