"""``python -m liaison`` is the ``liaison`` command."""

from liaison.cli import main

main()
