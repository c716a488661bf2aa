"""The auditors' tools: ``replay`` (verify every chain, rebuild and diff the views, ``--as-of``), the log
as a file (``archive``: ``export``, ``import``), and signed attestations of the log (``attestation``:
``keygen``, ``audit-report``, ``verify-report``). See ``docs/auditors.md``."""
