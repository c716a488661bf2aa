"""Attestations: an auditor's signed statement of every case's chain head (``keygen``, ``audit-report``,
``verify-report``); ``document`` builds, signs and checks one (pure), ``issue`` runs the commands."""
