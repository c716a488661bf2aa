"""``liaison keys``: the Redis key layout in use, from the one module that builds every key."""

from __future__ import annotations

import sys
from typing import Any

import msgspec

from liaison import exits
from liaison.connect import open_redis, open_store
from shared.store import keys


def layout(partitions: int | None) -> dict[str, Any]:
    """Every key (pattern) with its Redis type and meaning."""
    p = keys.PartitionKeys(0)
    per_partition = {
        p.log: ("stream", "partition log: one entry per event, fields n, prev, hash, e (never trimmed)"),
        p.number: ("string", "how many entries the append script has numbered"),
        p.heads: ("hash", "case id -> '<version> <hash>' of the case's latest event"),
        p.eids: ("hash", "event id -> log entry id (drops a retried append)"),
        p.cmds: ("hash", "command id -> log entry ids of its events"),
        p.case("<case_id>"): ("list", "log entry ids of one case, in version order"),
        p.views: ("hash", "case id -> case view (JSON), written by the projections"),
        p.view_versions: ("hash", "case id -> the case version its view was folded to"),
        p.updates: ("stream", "case updates for dashboards, written with the view (derived; MAXLEN ~)"),
        p.parked: ("hash", "log entry id -> why the projection parked it"),
        p.parked_by("incidents"): ("hash", "log entry id -> why the incidents' hotline-event reader parked it"),
        p.disclosures: ("stream", "every cross-border disclosure: who saw which case's content, its hash, when"),
        p.parked_counts: ("hash", "consumer group -> entries it ever parked here (a counter)"),
        keys.claims(0): ("hash", "command id -> fingerprint of the one report it names (ADR 0008)"),
        keys.deadlines(0): ("zset", "incidents service's pending deadlines (member -> Unix ms)"),
    }
    return {
        "partitions": partitions,
        "hash_tag": "{pN}: every key of partition N shares it, so one script can write them atomically",
        "global": {
            keys.META: {"type": "hash", "meaning": "partitions (N, fixed at creation), format"},
            keys.intake("<service>"): {
                "type": "stream",
                "meaning": "reports for a service: one field 'report' (JSON)",
            },
            keys.OUTCOMES: {"type": "stream", "meaning": "one outcome per report: fields command_id, outcome (JSON)"},
            keys.dead_letters("<service>"): {"type": "stream", "meaning": "messages a service could not read, and why"},
            keys.rejection("<command_id>"): {"type": "string", "meaning": "a rejected report's outcome, for resends"},
            keys.vault_key("<subject>"): {"type": "string", "meaning": "one person's AES-GCM key (delete = shred)"},
            keys.vault_data("<subject>"): {"type": "string", "meaning": "one person's data, sealed under their key"},
            keys.VAULT_NAME_INDEX: {"type": "hash", "meaning": "keyed hashes of names -> subject ids, to refuse names"},
            keys.VAULT_INDEX_KEY: {"type": "string", "meaning": "the key of those name hashes"},
            keys.VAULT_FORGOTTEN: {"type": "set", "meaning": "subject ids forgotten, never reused"},
            keys.latency("<kind>", "<service>"): {
                "type": "hash",
                "meaning": "a service's latency histogram (append, view_write): le:<bound> -> count, sum",
            },
        },
        "per_partition": {
            key.replace("{p0}", "{pN}"): {"type": kind, "meaning": meaning}
            for key, (kind, meaning) in per_partition.items()
        },
    }


def show(partitions: int | None, as_json: bool) -> int:
    """Print the layout for people, or as one JSON object."""
    data = layout(partitions)
    if as_json:
        sys.stdout.write(msgspec.json.encode(data).decode() + "\n")
        return 0
    print(f"partitions: {partitions if partitions is not None else 'unknown (no store reachable)'}")
    print(f"hash tag:   {data['hash_tag']}")
    for title in ("global", "per_partition"):
        print(f"\n{title.replace('_', ' ')}:")
        for key, info in data[title].items():
            print(f"  {key:<36} {info['type']:<7} {info['meaning']}")
    return 0


async def partitions() -> int | None:
    """The partitions of the store in the reachable Redis; None when there is no Redis or no store."""
    try:
        client = await open_redis()
    except exits.CliError:
        return None
    try:
        return (await open_store(client)).partitions
    except exits.CliError:
        return None
    finally:
        await client.aclose()
