"""Reporting: sample reports of every type (``example``) and sending reports to the services that handle
them, one outcome per report (``send``; the ``sender`` is shared with ``liaison simulate``)."""
