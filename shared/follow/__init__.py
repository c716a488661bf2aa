"""One log follower for every reader of the partition logs (the projections, the incidents' hotline-event reader).

``Follower`` reads a consumer group's partition logs in batches and hands each batch to a handler;
``batch.py`` says what a handler gets and answers, ``parking.py`` where given-up entries go.
"""

from shared.follow.batch import Batch, CaseKey, Delivery, EntryHandler, Handler, Outcome, per_entry
from shared.follow.follower import Follower, Stats
from shared.follow.parking import Parking, parked_key

__all__ = [
    "Batch",
    "CaseKey",
    "Delivery",
    "EntryHandler",
    "Follower",
    "Handler",
    "Outcome",
    "Parking",
    "Stats",
    "parked_key",
    "per_entry",
]
