"""A scriptable MongoDB stand-in for LiveDash's tests, built on Debian's python3-mockupdb.

Prints the port it listens on (127.0.0.1, chosen by the OS), then serves until stdin closes.
It keeps collections in memory and evaluates the small subset of find/aggregate that the
LiveDash store sends, so the store can be exercised end to end. Commands starting with "mock"
script failures: delays, hang-ups mid-reply, checksummed or malformed replies. JavaScript
($where, $function) is refused, as a server started with --noscripting would.

    usage: mock_mongod.py [--max-wire-version N] [--user NAME --password PW]
"""
import argparse
import base64
import decimal
import hashlib
import hmac
import os
import re
import struct
import sys
import threading
import time
from collections import OrderedDict
from decimal import Decimal

import bson
from bson.decimal128 import Decimal128, create_decimal128_context
from bson.int64 import Int64
from bson.regex import Regex
import mockupdb

OP_MSG = 2013
lock = threading.Lock()
collections = {}
cursors = {}
recorded = []


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


# Keep the raw request bytes (without the header, so without the request id) for byte comparisons.
_unpack = mockupdb.OpMsg.unpack.__func__
def _unpack_keeping_bytes(cls, msg, client, server, request_id):
    request = _unpack(cls, msg, client, server, request_id)
    request.raw = msg
    return request
mockupdb.OpMsg.unpack = classmethod(_unpack_keeping_bytes)
mockupdb.OPCODES[OP_MSG] = mockupdb.OpMsg


def send_raw(request, body, flags=0, checksum=None, truncate=None):
    payload = struct.pack("<I", flags) + b"\x00" + bson.encode(body)
    header = struct.pack("<iiii", 16 + len(payload) + (4 if checksum is not None else 0), 7, request.request_id, OP_MSG)
    message = header + payload
    if checksum is not None:
        message += struct.pack("<I", checksum if checksum != "good" else crc32c(message))
    if truncate is not None:
        message = message[:truncate]
    request._client.sendall(message)


def error(request, code, message, code_name=""):
    return request.replies(OrderedDict([("ok", 0), ("errmsg", message), ("code", code), ("codeName", code_name)]))


def refuse_js(doc):
    text = repr(doc)
    return "$where" in text or "$function" in text


# ---------- the tiny query engine ----------

def get_path(doc, path):
    for part in path.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return None
        doc = doc[part]
    return doc


def matches(doc, flt):
    for key, cond in flt.items():
        if key == "$or":
            if not any(matches(doc, sub) for sub in cond):
                return False
        elif key == "$and":
            if not all(matches(doc, sub) for sub in cond):
                return False
        else:
            value = get_path(doc, key)
            if isinstance(cond, Regex):
                flags = re.IGNORECASE if cond.flags & re.IGNORECASE else 0
                if not isinstance(value, str) or not re.search(cond.pattern, value, flags):
                    return False
            elif value != cond:
                return False
    return True


def to_number(v):
    return v.to_decimal() if isinstance(v, Decimal128) else v


def evaluate(expr, doc, variables):
    if isinstance(expr, str) and expr.startswith("$$"):
        name, _, path = expr[2:].partition(".")
        value = variables[name]
        return get_path(value, path) if path else value
    if isinstance(expr, str) and expr.startswith("$"):
        return get_path(doc, expr[1:])
    if isinstance(expr, dict) and len(expr) == 1:
        op, arg = next(iter(expr.items()))
        if op == "$size":
            return len(evaluate(arg, doc, variables))
        if op == "$map":
            items = evaluate(arg["input"], doc, variables)
            return [evaluate(arg["in"], doc, dict(variables, **{arg.get("as", "this"): item})) for item in items]
        if op == "$multiply":
            values = [evaluate(a, doc, variables) for a in arg]
            result = 1
            for v in values:
                result = result * to_number(v)
            return Decimal128(result) if any(isinstance(v, Decimal128) for v in values) else result
        if op == "$sum":
            values = evaluate(arg, doc, variables)
            values = values if isinstance(values, list) else [values]
            with_decimal = any(isinstance(v, Decimal128) for v in values)
            with decimal.localcontext(create_decimal128_context()):
                total = sum((to_number(v) for v in values), Decimal(0) if with_decimal else 0)
            return Decimal128(total) if with_decimal else total
        raise ValueError("unsupported expression " + op)
    return expr


def project(doc, spec):
    out = OrderedDict([("_id", doc["_id"])])
    for key, value in spec.items():
        if key == "_id":
            continue
        if value == 1 or value is True:
            if key in doc:
                out[key] = doc[key]
        else:
            out[key] = evaluate(value, doc, {"ROOT": doc})
    return out


def sort_docs(docs, spec):
    for key, direction in reversed(list(spec.items())):
        docs.sort(key=lambda d: (get_path(d, key) is None, sort_key(get_path(d, key))), reverse=direction < 0)
    return docs


def sort_key(v):
    return v.to_decimal() if isinstance(v, Decimal128) else v


def run_pipeline(docs, pipeline):
    docs = list(docs)
    for stage in pipeline:
        name, arg = next(iter(stage.items()))
        if name == "$match":
            docs = [d for d in docs if matches(d, arg)]
        elif name == "$sort":
            docs = sort_docs(docs, arg)
        elif name == "$skip":
            docs = docs[arg:]
        elif name == "$limit":
            docs = docs[:arg]
        elif name == "$project":
            docs = [project(d, arg) for d in docs]
        elif name == "$count":
            docs = [OrderedDict([(arg, len(docs))])] if docs else []
        elif name == "$facet":
            docs = [OrderedDict((key, run_pipeline(docs, sub)) for key, sub in arg.items())]
        else:
            raise ValueError("unsupported stage " + name)
    return docs


def cursor_reply(request, ns, docs, batch_size, first):
    with lock:
        cursor_id = 0
        if batch_size is not None and len(docs) > batch_size:
            # The smallest free id, so repeating an exchange repeats its bytes.
            cursor_id = next(i for i in range(1001, 1 << 62) if i not in cursors)
            cursors[cursor_id] = docs[batch_size:]
            docs = docs[:batch_size]
    batch = "firstBatch" if first else "nextBatch"
    return request.replies(OrderedDict([("cursor", OrderedDict([(batch, docs), ("id", Int64(cursor_id)), ("ns", ns)]))]))


# ---------- commands ----------

def handle(request):
    try:
        return dispatch(request)
    except Exception as e:  # a bug in the mock must reach the test as a readable error, not a silent hang-up
        return error(request, 8000, "mock_mongod: %s: %s" % (type(e).__name__, e), "MockFailure")


def dispatch(request):
    doc = request.doc
    name = request.command_name
    db = doc.get("$db")
    with lock:
        recorded.append(OrderedDict([("command", name), ("raw", getattr(request, "raw", b"")), ("doc", doc)]))

    if name in ("isMaster", "ismaster", "hello"):
        reply = OrderedDict([("isWritablePrimary", True), ("ismaster", True), ("helloOk", True), ("minWireVersion", 0),
                             ("maxWireVersion", args.max_wire_version), ("maxBsonObjectSize", 16777216),
                             ("maxMessageSizeBytes", 48000000), ("maxWriteBatchSize", 100000)])
        if "saslSupportedMechs" in doc:
            reply["saslSupportedMechs"] = ["SCRAM-SHA-1", "SCRAM-SHA-256"]
        return request.replies(reply)
    if name == "saslStart":
        return sasl_start(request)
    if name == "saslContinue":
        return sasl_continue(request)
    if name == "ping":
        return request.replies()
    if name == "getRecorded":
        with lock:
            items = [OrderedDict([("command", r["command"]), ("raw", r["raw"]), ("doc", r["doc"])]) for r in recorded]
            recorded.clear()
        return request.replies(OrderedDict([("requests", items)]))

    # scripted behaviour
    if name == "mockSleep":
        with request.server._unlock():  # MockupDB serialises connections on one lock; let others run while this one waits
            time.sleep(doc["mockSleep"] / 1000.0)
        return request.replies()
    if name == "mockHangup":
        if doc.get("midReply"):
            send_raw(request, OrderedDict([("ok", 1), ("padding", "x" * 100)]), truncate=40)
        return request.hangup()
    if name == "mockError":
        return error(request, doc["mockError"], doc.get("errmsg", "scripted failure"), doc.get("codeName", ""))
    if name == "mockChecksum":
        send_raw(request, OrderedDict([("ok", 1), ("checked", True)]), flags=1, checksum="good" if doc["mockChecksum"] == "good" else 0xDEADBEEF)
        return True
    if name == "mockMoreToCome":
        send_raw(request, OrderedDict([("ok", 1)]), flags=2)
        return True
    if name == "mockSequenceReply":
        # An OP_MSG reply whose documents come in a kind 1 section.
        docs = b"".join(bson.encode({"i": i}) for i in range(3))
        section = b"\x01" + struct.pack("<i", 4 + len(b"items\x00") + len(docs)) + b"items\x00" + docs
        payload = struct.pack("<I", 0) + b"\x00" + bson.encode({"ok": 1}) + section
        request._client.sendall(struct.pack("<iiii", 16 + len(payload), 8, request.request_id, OP_MSG) + payload)
        return True

    if refuse_js(doc):
        return error(request, 2, "no globalScriptEngine in $where parsing: JavaScript execution is disabled on this server", "BadValue")

    if name == "insert":
        coll = collections.setdefault(doc["insert"], OrderedDict())
        errors = []
        n = 0
        with lock:
            for i, d in enumerate(doc.get("documents", [])):
                if d["_id"] in coll:
                    errors.append(OrderedDict([("index", i), ("code", 11000), ("errmsg", "E11000 duplicate key error _id: %r" % (d["_id"],))]))
                    break
                coll[d["_id"]] = d
                n += 1
        reply = OrderedDict([("n", n)])
        if errors:
            reply["writeErrors"] = errors
        return request.replies(reply)
    if name == "drop":
        if doc["drop"] not in collections:
            return error(request, 26, "ns not found", "NamespaceNotFound")
        collections.pop(doc["drop"], None)
        return request.replies()
    if name == "createIndexes":
        return request.replies(OrderedDict([("numIndexesBefore", 1), ("numIndexesAfter", 1 + len(doc["indexes"]))]))
    if name == "count":
        docs = [d for d in collections.get(doc["count"], {}).values() if matches(d, doc.get("query", {}))]
        return request.replies(OrderedDict([("n", len(docs))]))
    if name == "find":
        coll = doc["find"]
        docs = [d for d in collections.get(coll, {}).values() if matches(d, doc.get("filter", {}))]
        if "sort" in doc:
            docs = sort_docs(docs, doc["sort"])
        docs = docs[doc.get("skip", 0):]
        if doc.get("limit"):
            docs = docs[:doc["limit"]]
        batch = doc.get("batchSize", 101)
        if doc.get("singleBatch"):
            docs = docs[:batch]
        return cursor_reply(request, "%s.%s" % (db, coll), docs, batch, first=True)
    if name == "aggregate":
        docs = run_pipeline(collections.get(doc["aggregate"], {}).values(), doc["pipeline"])
        return cursor_reply(request, "%s.%s" % (db, doc["aggregate"]), docs, doc.get("cursor", {}).get("batchSize", 101), first=True)
    if name == "getMore":
        with lock:
            rest = cursors.pop(doc["getMore"], None)
        if rest is None:
            return error(request, 43, "cursor id %d not found" % doc["getMore"], "CursorNotFound")
        return cursor_reply(request, "%s.%s" % (db, doc["collection"]), rest, doc.get("batchSize", 101), first=False)
    if name == "killCursors":
        with lock:
            killed = [c for c in doc["cursors"] if cursors.pop(c, None) is not None]
        return request.replies(OrderedDict([("cursorsKilled", killed), ("cursorsNotFound", [c for c in doc["cursors"] if c not in killed])]))
    return error(request, 59, "no such command: '%s'" % name, "CommandNotFound")


# ---------- SCRAM (server side, for the client's conversation) ----------

conversations = {}


def sasl_start(request):
    doc = request.doc
    mechanism = doc["mechanism"]
    client_first = bytes(doc["payload"]).decode()
    bare = client_first[3:]
    fields = dict(part.split("=", 1) for part in bare.split(","))
    if fields["n"] != args.user:
        return error(request, 18, "Authentication failed.", "AuthenticationFailed")
    digest = "sha1" if mechanism == "SCRAM-SHA-1" else "sha256"
    password = hashlib.md5(("%s:mongo:%s" % (args.user, args.password)).encode()).hexdigest() if digest == "sha1" else args.password
    salt = os.urandom(16)
    nonce = fields["r"] + base64.b64encode(os.urandom(18)).decode()
    server_first = "r=%s,s=%s,i=4096" % (nonce, base64.b64encode(salt).decode())
    salted = hashlib.pbkdf2_hmac(digest, password.encode(), salt, 4096)
    conversations[1] = (digest, salted, bare, server_first)
    return request.replies(OrderedDict([("conversationId", 1), ("done", False), ("payload", server_first.encode())]))


def sasl_continue(request):
    digest, salted, bare, server_first = conversations[request.doc["conversationId"]]
    client_final = bytes(request.doc["payload"]).decode()
    without_proof = client_final[:client_final.index(",p=")]
    proof = base64.b64decode(client_final[client_final.index(",p=") + 3:])
    auth_message = ",".join([bare, server_first, without_proof]).encode()
    client_key = hmac.new(salted, b"Client Key", digest).digest()
    stored_key = hashlib.new(digest, client_key).digest()
    signature = hmac.new(stored_key, auth_message, digest).digest()
    if bytes(a ^ b for a, b in zip(client_key, signature)) != proof:
        return error(request, 18, "Authentication failed.", "AuthenticationFailed")
    server_signature = hmac.new(hmac.new(salted, b"Server Key", digest).digest(), auth_message, digest).digest()
    return request.replies(OrderedDict([("conversationId", 1), ("done", True), ("payload", ("v=" + base64.b64encode(server_signature).decode()).encode())]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-wire-version", type=int, default=17)
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()
    server = mockupdb.MockupDB(port=0, request_timeout=int(1e6))
    server._address = ("127.0.0.1", 0)
    server.autoresponds(handle)
    port = server.run()
    print(port, flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()
