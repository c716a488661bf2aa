"""The incidents service: border incidents, handovers, patrols and deadlines (issue 3; not built yet)."""
