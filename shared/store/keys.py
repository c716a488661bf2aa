"""Every Redis key Liaison uses, built in one place.

Keys of one partition share the hash tag ``{pN}`` so a single server-side script
can touch all of them atomically, on one Redis or on a Redis Cluster (ADR 0001).
"""

from __future__ import annotations

import zlib

PREFIX = "liaison"

META = f"{PREFIX}:meta"
"""Hash: ``partitions`` (N, fixed when the store is created) and ``format``."""

PROJECTIONS_GROUP = "projections"
"""Consumer group of the projection workers on every partition log."""


def partition_of(case_id: str, partitions: int) -> int:
    """The partition a case lives in: CRC-32 of its UTF-8 id, modulo N (stable across processes)."""
    return zlib.crc32(case_id.encode("utf-8")) % partitions


class PartitionKeys:
    """The keys of one partition; all carry the same hash tag."""

    __slots__ = (
        "case_prefix", "cmds", "disclosures", "eids", "heads", "log", "number", "parked", "parked_counts", "tag",
        "updates", "view_versions", "views",
    )

    def __init__(self, partition: int) -> None:
        self.tag = f"{{p{partition}}}"
        base = f"{PREFIX}:{self.tag}"
        self.log = f"{base}:log"
        """Stream: the partition log, one entry per event (never trimmed)."""
        self.number = f"{base}:n"
        """String: how many entries the append script has numbered in this partition."""
        self.heads = f"{base}:heads"
        """Hash: case id -> ``<version> <hash>`` of the case's latest event."""
        self.eids = f"{base}:eids"
        """Hash: event id -> log entry id (drops a retried append)."""
        self.cmds = f"{base}:cmds"
        """Hash: command id -> the log entry ids its events were written at."""
        self.case_prefix = f"{base}:case:"
        self.views = f"{base}:views"
        """Hash: case id -> the case view (JSON), written with the projection's version."""
        self.view_versions = f"{base}:viewv"
        """Hash: case id -> the case version its view was folded to (compared by the view write script)."""
        self.updates = f"{base}:updates"
        """Stream: case updates for dashboards, written with the view."""
        self.parked = f"{base}:parked"
        """Hash: log entry id -> why a projection parked that event (``liaison parked`` lists and retries it)."""
        self.disclosures = f"{base}:disclosures"
        """Stream: every cross-border disclosure of this partition's cases (who saw what content, when; ADR 0019)."""
        self.parked_counts = f"{base}:metrics:parked"
        """Hash: consumer group -> entries it ever parked in this partition (only incremented: a counter)."""

    def case(self, case_id: str) -> str:
        """List: the log entry ids of one case's events, in version order."""
        return f"{self.case_prefix}{case_id}"

    def parked_by(self, group: str) -> str:
        """Hash: log entry id -> why ``group`` parked it (the projections' is ``parked``; the incidents'
        hotline-event reader's is ``parked:incidents``)."""
        return self.parked if group == PROJECTIONS_GROUP else f"{self.parked}:{group}"


def intake(service: str) -> str:
    """Stream: reports sent to one service (``hotline``, ``incidents``)."""
    return f"{PREFIX}:intake:{service}"


def dead_letters(service: str) -> str:
    """Stream: messages a service could not read, each with the reason."""
    return f"{PREFIX}:dead:{service}"


OUTCOMES = f"{PREFIX}:outcomes"
"""Stream: one outcome (accepted or rejected) per report, keyed by command id."""


def rejection(command_id: str) -> str:
    """String: the outcome of a rejected command, so a resend gets the same answer."""
    return f"{PREFIX}:rejected:{command_id}"


VAULT_PREFIX = f"{PREFIX}:vault"
"""Keys of the personal-data vault (ADR 0016). Not partitioned: the log never refers to them."""


def vault_key(subject_id: str) -> str:
    """String: one person's own 256-bit AES-GCM key; deleting it alone shreds their data."""
    return f"{VAULT_PREFIX}:key:{subject_id}"


def vault_data(subject_id: str) -> str:
    """String: one person's personal data, encrypted under their key (nonce + ciphertext)."""
    return f"{VAULT_PREFIX}:data:{subject_id}"


VAULT_NAME_INDEX = f"{VAULT_PREFIX}:name-index"
"""Hash, to find names in free text in one round trip: ``<keyed hash of a name>`` -> the subject ids bearing it
(space-separated); ``<subject id>`` -> the keyed hashes of their names (to remove them); ``key-id`` -> a
fingerprint of the index key the hashes were made with; ``longest`` -> the most tokens of any name indexed."""

VAULT_INDEX_KEY = f"{VAULT_PREFIX}:index-key"
"""String: the vault-wide key of the names' keyed hashes (a name cannot be read back from its hash)."""

VAULT_FORGOTTEN = f"{VAULT_PREFIX}:forgotten"
"""Set: subject ids whose key was deleted; their ids are never reused."""


def claims(partition: int) -> str:
    """Hash: command id -> fingerprint of the one report it names (ADR 0008); spread over the partitions by the
    command id's own hash, so no single key grows with every report on a Redis Cluster."""
    return f"{PREFIX}:{{p{partition}}}:claims"


def deadlines(partition: int) -> str:
    """Sorted set: the incidents service's pending deadlines in one partition (member -> deadline, Unix ms)."""
    return f"{PREFIX}:{{p{partition}}}:deadlines"


TOKENS = f"{PREFIX}:tokens"
"""Hash: token id -> what is kept of a bearer token (unit, role, issued, expires, revoked, SHA-256; never the token)."""


def latency(kind: str, service: str) -> str:
    """Hash: one service's latency histogram of ``kind`` (``append``, ``view_write``), summed over its processes.

    Fields: ``le:<upper bound in seconds>`` -> observations in that bucket alone (``le:+Inf`` the rest), and
    ``sum`` -> their total seconds. Only ever incremented, so it reads as a Prometheus counter.
    """
    return f"{PREFIX}:metrics:{kind}:{service}"


def lease(partition: int, group: str) -> str:
    """String: ``<consumer> <epoch>`` of the one worker of ``group`` allowed to write this partition's results,
    with a TTL (ADR 0022). Tagged ``{pN}``, so the projections' view-write script checks it in the same call."""
    return f"{PREFIX}:{{p{partition}}}:lease:{group}"


def lease_epochs(partition: int, group: str) -> str:
    """String: how many times the partition's lease of ``group`` was taken (each holder's fencing epoch)."""
    return f"{PREFIX}:{{p{partition}}}:lease-epochs:{group}"


def members(group: str) -> str:
    """Sorted set: the live workers of ``group`` -> when their membership lapses (server time, Unix ms)."""
    return f"{PREFIX}:members:{group}"
