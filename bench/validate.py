"""Benchmark the generated CDR model against a reference hand-written for speed.

    python bench/validate.py [--records 100000] [--repeat 5]

Validates one JSON array of CDR records with TypeAdapter(list[Model]).validate_json and prints
records per second (median and best of runs), memory per record and the ratio generated /
reference (target >= 0.9).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import tracemalloc
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

Id9 = Literal["1", "2", "3", "4", "5", "6", "7", "8", "9"]


class Reference(BaseModel):
    """CDR written by hand for speed: plain types, Literal ids, no enums, no tolerance of new ids.

    A record as the generated class reads it: the id required, every field optional, no bounds.
    """

    model_config = ConfigDict(extra="ignore")
    id: str
    entity: str | None = None
    level: int | None = None
    comboKey: str | None = None
    name: str | None = None
    callId: str | None = None
    sessionId: str | None = None
    callType: Id9 | None = None
    direction: Literal["1", "2", "3", "4", "5"] | None = None
    callStatus: Literal["1", "2", "3", "4", "5", "6", "7", "8"] | None = None
    callingNumber: str | None = None
    calledNumber: str | None = None
    originalCalledNumber: str | None = None
    finalCalledNumber: str | None = None
    callingName: str | None = None
    calledName: str | None = None
    imsi: str | None = None
    imei: str | None = None
    startTime: datetime | None = None
    answerTime: datetime | None = None
    endTime: datetime | None = None
    duration: float | None = None
    billableDuration: float | None = None
    ringDuration: float | None = None
    holdDuration: float | None = None
    originatingSwitch: str | None = None
    terminatingSwitch: str | None = None
    transitSwitches: str | None = None
    originatingTrunk: str | None = None
    terminatingTrunk: str | None = None
    routingNumber: str | None = None
    originatingCell: str | None = None
    terminatingCell: str | None = None
    originatingLAC: str | None = None
    terminatingLAC: str | None = None
    originatingMSC: str | None = None
    terminatingMSC: str | None = None
    roamingIndicator: bool | None = None
    internationalCall: bool | None = None
    codec: Id9 | None = None
    mos: float | None = None
    jitter: float | None = None
    packetLoss: float | None = None
    latency: float | None = None
    rtpPacketsSent: float | None = None
    rtpPacketsReceived: float | None = None
    protocol: Literal["1", "2", "3", "4", "5", "6"] | None = None
    sipResponseCode: str | None = None
    releaseCode: str | None = None
    releaseCause: str | None = None
    q850Cause: float | None = None
    chargeAmount: float | None = None
    currency: str | None = None
    rateApplied: float | None = None
    rateType: Literal["1", "2", "3", "4", "5"] | None = None
    billingClass: Literal["1", "2", "3", "4", "5", "6", "7"] | None = None
    accountNumber: str | None = None
    customerCode: str | None = None
    costCenter: str | None = None
    projectCode: str | None = None
    taxAmount: float | None = None
    taxRate: float | None = None
    fraudScore: float | None = None
    fraudIndicators: list[str] | None = None
    qualityScore: float | None = None
    customerExperience: Literal["1", "2", "3", "4"] | None = None
    tags: list[str] | None = None


def records(count: int) -> bytes:
    """A JSON array of realistic CDR records, the same for every run."""
    rng = random.Random(7)
    rows = []
    for i in range(count):
        rows.append(
            {
                "id": f"{i:08x}",
                "entity": "CDR",
                "name": f"CDR-{i:08d}",
                "callId": f"{rng.getrandbits(64):x}@sbc.example.net",
                "sessionId": str(i),
                "callType": str(rng.randint(1, 9)),
                "direction": str(rng.randint(1, 5)),
                "callStatus": str(rng.randint(1, 8)),
                "callingNumber": f"+4416329{rng.randint(0, 99999):05d}",
                "calledNumber": f"+4416329{rng.randint(0, 99999):05d}",
                "imsi": "234150999999999",
                "startTime": "2024-05-01T12:00:00Z",
                "answerTime": "2024-05-01T12:00:04+00:00",
                "endTime": "2024-05-01T12:03:00+02:00",
                "duration": rng.randint(1, 3600),
                "billableDuration": rng.randint(1, 3600),
                "ringDuration": 4.5,
                "originatingSwitch": "SW-LON-1",
                "terminatingSwitch": "SW-MAN-2",
                "originatingCell": "23415-1234",
                "roamingIndicator": False,
                "internationalCall": rng.random() < 0.1,
                "codec": str(rng.randint(1, 9)),
                "mos": round(rng.uniform(1, 5), 2),
                "jitter": rng.randint(0, 50),
                "packetLoss": round(rng.uniform(0, 3), 2),
                "latency": rng.randint(5, 200),
                "protocol": "1",
                "sipResponseCode": "200",
                "q850Cause": 16,
                "chargeAmount": round(rng.uniform(0, 10), 4),
                "currency": "GBP",
                "rateType": "1",
                "billingClass": "2",
                "accountNumber": f"AC{i % 1000:06d}",
                "taxRate": 20,
                "fraudScore": rng.randint(0, 100),
                "fraudIndicators": ["velocity"] if rng.random() < 0.05 else [],
                "qualityScore": rng.randint(0, 100),
                "customerExperience": str(rng.randint(1, 4)),
                "tags": ["bench"],
            }
        )
    return json.dumps(rows).encode()


def generated_cdr() -> type:
    import tempfile

    from tests.helpers import generate, import_generated, write_tree

    out = Path(tempfile.mkdtemp())
    write_tree(out, generate(ROOT / "definitions", lambda p: p.name, {}, ("models",)))
    return import_generated(out).CDR


def timings(model: type, data: bytes, repeat: int) -> list[float]:
    """Seconds of each of `repeat` validations of the whole array, after one to warm up."""
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
    adapter.validate_json(data)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        adapter.validate_json(data)
        times.append(time.perf_counter() - start)
    return times


def bytes_per_record(model: type, data: bytes, count: int) -> float:
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
    tracemalloc.start()
    kept = adapter.validate_json(data)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    return size / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = records(args.records)
    generated = generated_cdr()
    # Alternate the two so that machine noise hits both alike.
    ours: list[float] = []
    reference: list[float] = []
    for _ in range(3):
        ours += timings(generated, data, args.repeat)
        reference += timings(Reference, data, args.repeat)
    print(f"{args.records} CDR records in one JSON array ({len(data) / 1e6:.1f} MB), {len(ours)} runs each\n")
    print(f"{'model':<28} {'records/s, median':>18} {'records/s, best':>16} {'bytes/record':>13}")
    for name, model, times in (("generated CDR", generated, ours), ("reference (hand-written)", Reference, reference)):
        median, best = args.records / statistics.median(times), args.records / min(times)
        memory = bytes_per_record(model, data, args.records)
        print(f"{name:<28} {median:>18,.0f} {best:>16,.0f} {memory:>13,.0f}")
    # Best of runs is the least disturbed by other work on the machine; the median is shown too.
    by_median = statistics.median(reference) / statistics.median(ours)
    by_best = min(reference) / min(ours)
    print(f"\ngenerated / reference: {by_median:.2f}x by median, {by_best:.2f}x by best  (target >= 0.9)")


if __name__ == "__main__":
    main()
