#!/usr/bin/env node
// A reference verifier of a `liaison export` file, written from docs/log-format.md alone (no npm packages).
//
//   node scripts/verify-log.mjs EXPORT.jsonl
//
// Checks every case's hash chain (prev links, each hash recomputed as sha256(prev + "\n" + e)), case
// versions 1, 2, 3... per case, entry numbers 1, 2, 3... per partition without gaps, each case in the
// partition its id maps to, and the header's counts (entries, command records, cases) and chain-heads digest. Prints a summary; exits 0 when
// everything holds, 3 when anything breaks (each break named by its line), 2 when the file cannot be read.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

const GENESIS = "0".repeat(64);
const HEX64 = /^[0-9a-f]{64}$/;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) { // CRC-32 (IEEE, as zlib.crc32): the partition of a case is crc32(utf8 id) mod N
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function sha256hex(...parts) {
  const h = createHash("sha256");
  for (const part of parts) h.update(part);
  return h.digest("hex");
}

const path = process.argv[2];
if (!path) {
  console.error("usage: node scripts/verify-log.mjs EXPORT.jsonl");
  process.exit(2);
}

const breaks = [];
const fail = (line, what) => breaks.push(`line ${line}: ${what}`);
let header = null;
const next = new Map(); // partition -> the entry number its next entry must carry
const lastLine = new Map(); // partition -> the line of its last entry
const cases = new Map(); // case id -> [version, hash] of its last event
let entries = 0;
const commands = new Map(); // partition -> its command records (which entries one report wrote; not hashed)
let lineNo = 0;

function entry(line, x) {
  const p = x.partition;
  if (!Number.isInteger(p) || p < 0 || p >= header.partitions) return fail(line, `partition ${p} out of range`);
  if (typeof x.prev !== "string" || typeof x.hash !== "string" || typeof x.e !== "string" || !Number.isInteger(x.n)) {
    return fail(line, "an entry needs n (integer), prev, hash and e (strings)");
  }
  entries++;
  lastLine.set(p, line);
  const expected = next.get(p) ?? 1;
  if (x.n > expected) {
    fail(line, `partition ${p}: entry #${expected}${x.n > expected + 1 ? `..#${x.n - 1}` : ""} missing (this is #${x.n})`);
  } else if (x.n < expected) {
    fail(line, `partition ${p}: entry #${x.n} again (expected #${expected})`);
  }
  next.set(p, Math.max(expected, x.n + 1));
  if (!HEX64.test(x.prev) || !HEX64.test(x.hash)) return fail(line, "prev and hash must be 64 lowercase hex digits");
  const e = Buffer.from(x.e, "utf8");
  const altered = sha256hex(Buffer.from(x.prev, "ascii"), Buffer.from("\n"), e) !== x.hash;
  let event;
  try {
    event = JSON.parse(x.e);
  } catch {
    return fail(line, `${altered ? "hash mismatch and " : ""}the event is not JSON`);
  }
  const { case_id: id, case_version: version } = event ?? {};
  if (typeof id !== "string" || !Number.isInteger(version)) return fail(line, "the event lacks case_id or case_version");
  if (altered) fail(line, `case ${id} version ${version}: hash mismatch: sha256(prev + "\\n" + e) is not ${x.hash}`);
  const [lastVersion, lastHash] = cases.get(id) ?? [0, GENESIS];
  if (lastVersion === 0 && crc32(Buffer.from(id, "utf8")) % header.partitions !== p) {
    fail(line, `case ${id} is not in partition ${p} (crc32 of its id mod ${header.partitions})`);
  }
  if (version !== lastVersion + 1) {
    fail(line, `case ${id}: version ${version} follows version ${lastVersion}`);
    if (version <= lastVersion) return; // a repeat: the chain goes on from the later head
  } else if (x.prev !== lastHash) {
    fail(line, `case ${id} version ${version}: prev ${x.prev} is not the hash of version ${lastVersion} (${lastHash})`);
  }
  cases.set(id, [version, x.hash]); // continue from the stored hash: one altered event is one break
}

const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
try {
  for await (const text of lines) {
    lineNo++;
    let x;
    try {
      x = JSON.parse(text);
    } catch {
      fail(lineNo, "not a JSON line");
      continue;
    }
    if (lineNo === 1) {
      if (x?.kind !== "header" || x.format !== "liaison-export" || x.version !== 1 || !(x.partitions >= 1)) {
        console.error(`line 1: not a liaison-export version 1 header: ${path} cannot be verified`);
        process.exit(3);
      }
      header = x;
    } else if (x?.kind === "entry") {
      entry(lineNo, x);
    } else if (x?.kind === "command") {
      commands.set(x.partition, (commands.get(x.partition) ?? 0) + 1);
    } else {
      fail(lineNo, `unknown line kind ${JSON.stringify(x?.kind)}`);
    }
  }
} catch (error) {
  console.error(`cannot read ${path}: ${error.message}`);
  process.exit(2);
}
if (header === null) {
  console.error(`${path} is empty: no header`);
  process.exit(3);
}

const end = "end of file";
let commandTotal = 0;
for (const [p, k] of commands) {
  commandTotal += k;
  if (!(Number.isInteger(p) && p >= 0 && p < header.partitions)) fail(lineNo, `${end}: command records of partition ${p}`);
}
for (let p = 0; p < header.partitions; p++) {
  const counted = header.counts?.find((c) => c.partition === p) ?? { entries: 0, commands: 0 };
  const last = (next.get(p) ?? 1) - 1;
  if (last !== counted.entries) {
    fail(lastLine.get(p) ?? lineNo, `partition ${p}: the log ends at #${last} but the header counts ${counted.entries} entries`);
  }
  if ((commands.get(p) ?? 0) !== counted.commands) {
    fail(lineNo, `${end}: partition ${p} has ${commands.get(p) ?? 0} command records, the header counts ${counted.commands}`);
  }
}
if (entries !== header.events) fail(lineNo, `${end}: ${entries} entries but the header counts ${header.events}`);
if (cases.size !== header.cases) fail(lineNo, `${end}: ${cases.size} cases but the header counts ${header.cases}`);
const utf8 = (s) => Buffer.from(s, "utf8");
const sorted = [...cases.keys()].sort((a, b) => Buffer.compare(utf8(a), utf8(b))); // code point order
const digest = sha256hex(...sorted.map((id) => utf8(`${id} ${cases.get(id)[0]} ${cases.get(id)[1]}\n`)));
if (digest !== header.digest) fail(lineNo, `${end}: chain heads digest ${digest}, the header says ${header.digest}`);

console.log(`${breaks.length ? "BROKEN" : "verified"}: ${entries} events of ${cases.size} cases over ` +
  `${header.partitions} partitions, ${commandTotal} command records; chain heads digest ${digest}`);
for (const b of breaks) console.error(b);
process.exit(breaks.length ? 3 : 0);
