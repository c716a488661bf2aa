"""``liaison simulate``: realistic traffic between the seed units through the running services
(``simulation``), from two generators: hotline calls and letters (``hotline_traffic``), and
incidents, handovers, patrols and meetings (``incident_traffic``)."""
