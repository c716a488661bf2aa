"""Access control (docs/security.md): who is asking (``principals``), how they prove it (``tokens``), and what
of a case they may see (``visibility``: party units and handling codes H0-H3)."""
