#!/usr/bin/env python3
"""Read contrastream's embeddings topic as a plain Kafka consumer would.

    deploy/bin/contrastream schemas --out schemas
    python3 python/consume_embeddings.py --bootstrap-servers 127.0.0.1:9092 --schema schemas/embedding.avsc

Needs only Debian's python3-confluent-kafka and python3-avro (or `pip install confluent-kafka avro`).
Values are bare Avro binary (no Confluent framing, no registry): the writer's schema is the
`contrastream schemas` file. Reads with isolation.level=read_committed, so it sees exactly the
embeddings of the job's committed checkpoints. Prints one line per embedding and a last summary line:

    id=img-17 model=moco-v2 version=3 header_version=3 dim=128 norm=4.1873
    consume: records=300 ids=300 versions=1..3 dims=[128] header_mismatches=0 seconds=2.1
"""
import argparse
import io
import math
import sys
import time
import uuid

import avro.io
import avro.schema
from confluent_kafka import Consumer, KafkaError

MODEL_VERSION_HEADER = "model-version"  # decimal text, equal to the value's modelVersion


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    ap.add_argument("--topic", default="embeddings")
    ap.add_argument("--schema", required=True, help="embedding.avsc written by `contrastream schemas --out DIR`")
    ap.add_argument("--group", default=None, help="consumer group (default: a new one, reading from the beginning)")
    ap.add_argument("--max-records", type=int, default=0, help="stop after this many (0: no limit)")
    ap.add_argument("--idle-seconds", type=float, default=10.0, help="stop after this long without a new record")
    ap.add_argument("--quiet", action="store_true", help="print the summary line only")
    args = ap.parse_args(argv)

    with open(args.schema, encoding="utf-8") as f:
        schema = avro.schema.parse(f.read())  # self-contained: no other file needed
    reader = avro.io.DatumReader(schema)

    consumer = Consumer({
        "bootstrap.servers": args.bootstrap_servers,
        "group.id": args.group or "consume-embeddings-" + uuid.uuid4().hex[:8],
        "isolation.level": "read_committed",  # the job writes in transactions
        "auto.offset.reset": "earliest",
        "enable.auto.commit": args.group is not None,
    })
    consumer.subscribe([args.topic])
    t0 = time.monotonic()
    last = t0
    records, ids, versions, dims, mismatches = 0, set(), set(), set(), 0
    try:
        while args.max_records <= 0 or records < args.max_records:
            msg = consumer.poll(0.5)
            if msg is None:
                if time.monotonic() - last > args.idle_seconds:
                    break
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise SystemExit("consume: " + str(msg.error()))
            last = time.monotonic()
            e = reader.read(avro.io.BinaryDecoder(io.BytesIO(msg.value())))
            headers = dict(msg.headers() or [])
            header = headers.get(MODEL_VERSION_HEADER)
            header_version = int(header.decode("ascii")) if header is not None else None
            if header_version != e["modelVersion"]:
                mismatches += 1
            vector = e["vector"]
            norm = math.sqrt(sum(x * x for x in vector))
            records += 1
            ids.add(e["recordId"])
            versions.add(e["modelVersion"])
            dims.add(len(vector))
            if not args.quiet:
                print("id=%s model=%s version=%d header_version=%s dim=%d norm=%.4f"
                      % (e["recordId"], e["modelId"], e["modelVersion"], header_version, len(vector), norm))
    finally:
        consumer.close()
    span = "%d..%d" % (min(versions), max(versions)) if versions else "-"
    print("consume: records=%d ids=%d versions=%s dims=%s header_mismatches=%d seconds=%.1f"
          % (records, len(ids), span, sorted(dims), mismatches, time.monotonic() - t0))
    return 0 if records > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
