"""Reading the cases: a case's view, the list, a case's history, and live updates (``case``, ``cases``,
``events``, ``watch``)."""
