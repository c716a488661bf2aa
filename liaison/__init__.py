"""The ``liaison`` command line: the one place that may import every service."""
