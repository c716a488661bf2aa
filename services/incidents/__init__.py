"""The incidents service: border incidents, handovers, patrols, meetings and their deadlines.

Its intake app decides reports with ``domain/`` (pure, ADR 0012) and appends them through the shared
intake pipeline; it also reads urgent hotline calls from the partition logs and raises incidents
for them, and watches deadlines (ADR 0005).
"""
