"""Cross-checks LiveDash's BSON codec against pymongo's (Debian python3-pymongo).

    bson_crosscheck.py generate SEED COUNT   -> COUNT lines "hex<TAB>typed-json" of random documents
    bson_crosscheck.py decode                -> for each hex line on stdin, "hex-re-encoded<TAB>typed-json"

typed-json spells every value with its BSON type, so the C# side can compare exactly.
"""
import base64
import calendar
import datetime
import json
import random
import struct
import sys
from collections import OrderedDict

import bson
from bson.binary import Binary
from bson.codec_options import CodecOptions
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp
from decimal import Decimal

OPTIONS = CodecOptions(document_class=OrderedDict, tz_aware=True)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
FLAGS = {"i": 2, "l": 4, "m": 8, "s": 16, "u": 32, "x": 64}


def typed(v):
    if v is None:
        return ["null"]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, Int64):
        return ["int64", str(int(v))]
    if isinstance(v, int):
        return ["int32", v]
    if isinstance(v, float):
        return ["double", struct.pack("<d", v).hex()]
    if isinstance(v, str):
        return ["string", v]
    if isinstance(v, dict):
        return ["doc", [[k, typed(x)] for k, x in v.items()]]
    if isinstance(v, list):
        return ["array", [typed(x) for x in v]]
    if isinstance(v, Binary):
        return ["binary", v.subtype, base64.b64encode(bytes(v)).decode()]
    if isinstance(v, bytes):
        return ["binary", 0, base64.b64encode(v).decode()]
    if isinstance(v, ObjectId):
        return ["oid", str(v)]
    if isinstance(v, datetime.datetime):
        return ["datetime", calendar.timegm(v.utctimetuple()) * 1000 + v.microsecond // 1000]
    if isinstance(v, Decimal128):
        return ["decimal128", v.bid.hex()]
    if isinstance(v, Timestamp):
        return ["timestamp", v.time, v.inc]
    if isinstance(v, Regex):
        flags = v.flags if isinstance(v.flags, str) else "".join(k for k, bit in sorted(FLAGS.items()) if v.flags & bit)
        return ["regex", v.pattern, flags]
    if isinstance(v, MinKey):
        return ["minkey"]
    if isinstance(v, MaxKey):
        return ["maxkey"]
    raise TypeError("no typed form for %r" % (v,))


def text(rng, n):
    alphabet = "abcXYZ 019_-.$é€中😀\t\"\\"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(n)))


def value(rng, depth):
    kind = rng.randrange(16 if depth < 3 else 13)
    if kind == 0:
        return rng.choice([0.0, -0.0, 1.5, -2.25e300, 5e-324, float("inf"), float("-inf"), rng.uniform(-1e9, 1e9)])
    if kind == 1:
        return text(rng, 12)
    if kind == 2:
        return Binary(bytes(rng.randrange(256) for _ in range(rng.randrange(20))), rng.choice([0, 5, 128]))
    if kind == 3:
        return ObjectId(bytes(rng.randrange(256) for _ in range(12)))
    if kind == 4:
        return rng.random() < 0.5
    if kind == 5:
        return EPOCH + datetime.timedelta(milliseconds=rng.randrange(-10**12, 4 * 10**12))
    if kind == 6:
        return None
    if kind == 7:
        return rng.randrange(-2**31, 2**31)
    if kind == 8:
        return Int64(rng.randrange(-2**63, 2**63))
    if kind == 9:
        return Decimal128(Decimal(rng.randrange(-10**12, 10**12)).scaleb(-rng.randrange(0, 8)))
    if kind == 10:
        return Timestamp(rng.randrange(2**32), rng.randrange(2**32))
    if kind == 11:
        return Regex(text(rng, 6).replace("\0", ""), "".join(sorted(rng.sample("ilmsux", rng.randrange(4)))))
    if kind == 12:
        return rng.choice([MinKey(), MaxKey()])
    if kind in (13, 14):
        return document(rng, depth + 1)
    return [value(rng, depth + 1) for _ in range(rng.randrange(5))]


def document(rng, depth=0):
    doc = OrderedDict()
    for i in range(rng.randrange(1, 7)):
        doc[text(rng, 6) + str(i)] = value(rng, depth)
    return doc


def main():
    if sys.argv[1] == "generate":
        rng = random.Random(int(sys.argv[2]))
        for _ in range(int(sys.argv[3])):
            doc = document(rng)
            print(bson.encode(doc).hex() + "\t" + json.dumps(typed(doc)))
    else:
        for line in sys.stdin:
            doc = bson.decode(bytes.fromhex(line.strip()), OPTIONS)
            print(bson.encode(doc).hex() + "\t" + json.dumps(typed(doc)), flush=True)


main()
