"""A stand-in for a MongoDB server, for LiveDash's tests and benches. It is NOT MongoDB.

Built on Debian's python3-mockupdb (MongoDB's own wire-protocol test server). It answers the official
driver's handshake (isMaster over OP_QUERY, then hello over OP_MSG, with a connectionId and wire version 21,
so MongoDB 7.0 to the driver), keeps collections in memory and evaluates the small subset of find/aggregate
that LiveDash's store sends (mock_query.py). It runs no JavaScript: a `$where` or `$function` that calls `sleep(N)` is taken
as "wait N ms", so the reply is sent N ms later from a timer thread, and the clause itself counts as true.
Replies are never delayed inside a MockupDB responder (its server loop holds one lock for every connection),
so one slow reply never holds another connection.

Prints the port it listens on (127.0.0.1), then serves until stdin closes. Commands for tests:
  getRecorded     the requests received since the last call (opcode, command, document), oldest first,
                  and every handshake since the start
  mockJavaScript  false: refuse $where/$function as a server run with --noscripting does; true: honour sleep()

    usage: mock_mongod.py [--port N] [--state FILE] [--max-wire-version N]
      --state FILE  load the collections from FILE at start (if it exists) and save them there at exit,
                    so a stopped and restarted mock (an outage) still holds what the app seeded
"""
import argparse
import datetime
import heapq
import itertools
import os
import re
import sys
import threading
import time
from collections import OrderedDict, deque

import bson
from bson.int64 import Int64
from bson.regex import Regex
import mockupdb

import mock_query as query
from mock_query import get_path, matches, run_pipeline, sort_docs

lock = threading.Lock()
collections = {}        # name -> OrderedDict(_id -> document)
field_indexes = {}      # (collection, field) -> {value: [documents]}, built on first use, dropped on writes
cursors = {}
recorded = deque(maxlen=5000)
handshakes = deque(maxlen=1000)  # every connection's first hello/isMaster (with the client metadata), never cleared
connection_ids = {}
next_connection_id = itertools.count(1)
javascript = {"enabled": True}
OP_QUERY, OP_MSG = 2004, 2013
SLEEP = re.compile(r"sleep\(\s*(\w+)\s*\)")


class Replier(threading.Thread):
    """Sends delayed replies when they are due: one thread and a heap, not a thread per reply."""

    def __init__(self):
        super().__init__(daemon=True)
        self._due = []
        self._order = itertools.count()
        self._wake = threading.Condition()

    def later(self, seconds, send):
        with self._wake:
            heapq.heappush(self._due, (time.monotonic() + seconds, next(self._order), send))
            self._wake.notify()

    def run(self):
        while True:
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._wake.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, _, send = heapq.heappop(self._due)
            try:
                send()
            except OSError:
                pass  # the client went away while its reply waited


replier = Replier()


def respond(request, reply, delay_ms=0):
    if delay_ms > 0:
        replier.later(delay_ms / 1000.0, lambda: request.replies(reply))
        return True
    return request.replies(reply)


def error(code, message, code_name=""):
    return OrderedDict([("ok", 0), ("errmsg", message), ("code", code), ("codeName", code_name)])


# ---------- sleep() in server-side JavaScript ----------

def where_sleep(flt):
    """Removes $where from a filter; returns its sleep(ms), or None if it was not a sleep."""
    code = flt.pop("$where", None)
    if code is None:
        return 0
    match = SLEEP.search(str(code))
    return int(match.group(1)) if match and match.group(1).isdigit() else None


def function_sleep(stage):
    """A {$match: {$expr: {$function: {body: '...sleep(x)...', args: [...]}}}} stage: its sleep in ms, else None."""
    function = stage.get("$match", {}).get("$expr", {}).get("$function") if isinstance(stage.get("$match"), dict) else None
    if not isinstance(function, dict):
        return None
    body = str(function.get("body", ""))
    match = SLEEP.search(body)
    if not match:
        return None
    argument = match.group(1)
    if argument.isdigit():
        return int(argument)
    params = re.search(r"function\s*\(([^)]*)\)", body)
    names = [p.strip() for p in params.group(1).split(",")] if params else []
    args = function.get("args", [])
    return int(args[names.index(argument)]) if argument in names and names.index(argument) < len(args) else None


# ---------- finding documents ----------

def candidates(name, flt):
    """The documents a filter may match, through an _id lookup or an equality index when it has one field."""
    coll = collections.get(name, {})
    if len(flt) == 1:
        (key, value), = flt.items()
        if key == "_id" and not isinstance(value, (dict, Regex)):
            return [coll[value]] if value in coll else []
        if not key.startswith("$") and isinstance(value, (int, str)):
            with lock:
                index = field_indexes.get((name, key))
                if index is None:
                    index = {}
                    for d in coll.values():
                        index.setdefault(get_path(d, key), []).append(d)
                    field_indexes[(name, key)] = index
            return index.get(value, [])
    return [d for d in coll.values() if matches(d, flt)]


def cursor_reply(ns, docs, batch_size, first):
    cursor_id = 0
    if batch_size is not None and len(docs) > batch_size:
        with lock:
            cursor_id = next(i for i in range(1001, 1 << 62) if i not in cursors)
            cursors[cursor_id] = docs[batch_size:]
        docs = docs[:batch_size]
    batch = "firstBatch" if first else "nextBatch"
    return OrderedDict([("cursor", OrderedDict([(batch, docs), ("id", Int64(cursor_id)), ("ns", ns)]))])


# ---------- commands ----------

def handle(request):
    try:
        reply, delay_ms = dispatch(request)
    except Exception as e:  # a bug in the mock must reach the test as a readable error, not a silent hang-up
        reply, delay_ms = error(8000, "mock_mongod: %s: %s" % (type(e).__name__, e), "MockFailure"), 0
    return respond(request, reply, delay_ms)


def record(request, name, doc):
    if name == "insert":
        doc = OrderedDict((k, v) for k, v in doc.items() if k != "documents")
    entry = OrderedDict([("opcode", {OP_QUERY: "OP_QUERY", OP_MSG: "OP_MSG"}.get(request.opcode, str(request.opcode))), ("command", name), ("doc", doc)])
    recorded.append(entry)
    if "client" in doc:
        handshakes.append(entry)


def hello_reply(request):
    with lock:
        port = request.client_port
        if port not in connection_ids:
            connection_ids[port] = next(next_connection_id)
        connection_id = connection_ids[port]
    return OrderedDict([("isWritablePrimary", True), ("ismaster", True), ("helloOk", True),
                        ("connectionId", connection_id), ("minWireVersion", 0), ("maxWireVersion", args.max_wire_version),
                        ("maxBsonObjectSize", 16777216), ("maxMessageSizeBytes", 48000000), ("maxWriteBatchSize", 100000),
                        ("localTime", datetime.datetime.now(datetime.timezone.utc))])


def dispatch(request):
    doc = request.doc
    name = request.command_name
    db = doc.get("$db", getattr(request, "namespace", "admin"))
    if name != "getRecorded":
        record(request, name, doc)

    if name in ("isMaster", "ismaster", "hello"):
        return hello_reply(request), 0
    if name in ("ping", "endSessions"):
        return OrderedDict(), 0
    if name == "buildInfo":
        return OrderedDict([("version", "7.0.0-mock"), ("versionArray", [7, 0, 0, 0])]), 0
    if name == "getRecorded":
        with lock:
            items = list(recorded)
            recorded.clear()
        return OrderedDict([("requests", items), ("handshakes", list(handshakes))]), 0
    if name == "mockJavaScript":
        javascript["enabled"] = bool(doc["mockJavaScript"])
        return OrderedDict(), 0

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
            for key in [k for k in field_indexes if k[0] == doc["insert"]]:
                del field_indexes[key]
            query.projections.clear()
        reply = OrderedDict([("n", n)])
        if errors:
            reply["writeErrors"] = errors
        return reply, 0
    if name == "drop":
        with lock:
            found = collections.pop(doc["drop"], None)
            for key in [k for k in field_indexes if k[0] == doc["drop"]]:
                del field_indexes[key]
            query.projections.clear()
        return (OrderedDict() if found is not None else error(26, "ns not found", "NamespaceNotFound")), 0
    if name == "createIndexes":
        return OrderedDict([("numIndexesBefore", 1), ("numIndexesAfter", 1 + len(doc["indexes"]))]), 0
    if name == "listCollections":
        docs = [OrderedDict([("name", c), ("type", "collection"), ("options", {})]) for c in list(collections)]
        return cursor_reply("%s.$cmd.listCollections" % db, docs, None, first=True), 0

    if name == "find":
        flt = OrderedDict(doc.get("filter", {}))
        delay = where_sleep(flt)
        if delay is None or (delay and not javascript["enabled"]):
            return refused(), 0
        docs = [d for d in candidates(doc["find"], flt) if matches(d, flt)]
        if "sort" in doc:
            docs = sort_docs(docs, doc["sort"])
        docs = docs[doc.get("skip", 0):]
        if doc.get("limit"):
            docs = docs[:abs(doc["limit"])]
        batch = doc.get("batchSize", 101)
        if doc.get("singleBatch"):
            docs = docs[:batch]
        return cursor_reply("%s.%s" % (db, doc["find"]), docs, batch, first=True), delay
    if name == "aggregate":
        pipeline, delay = [], 0
        for stage in doc["pipeline"]:
            sleep = function_sleep(stage)
            if sleep is None:
                if "$function" in repr(stage) or "$where" in repr(stage):
                    return refused(), 0
                pipeline.append(stage)
            else:
                delay += sleep
        if delay and not javascript["enabled"]:
            return refused(), 0
        source = collections.get(doc["aggregate"], {}).values()
        first = pipeline[0].get("$match") if pipeline else None
        if isinstance(first, dict) and len(first) == 1 and not next(iter(first)).startswith("$"):
            source = candidates(doc["aggregate"], first)
        docs = run_pipeline(source, pipeline)
        return cursor_reply("%s.%s" % (db, doc["aggregate"]), docs, doc.get("cursor", {}).get("batchSize", 101), first=True), delay
    if name == "getMore":
        with lock:
            rest = cursors.pop(doc["getMore"], None)
        if rest is None:
            return error(43, "cursor id %d not found" % doc["getMore"], "CursorNotFound"), 0
        return cursor_reply("%s.%s" % (db, doc["collection"]), rest, doc.get("batchSize", 101), first=False), 0
    if name == "killCursors":
        with lock:
            killed = [c for c in doc["cursors"] if cursors.pop(c, None) is not None]
        return OrderedDict([("cursorsKilled", killed), ("cursorsNotFound", [c for c in doc["cursors"] if c not in killed])]), 0
    return error(59, "no such command: '%s'" % name, "CommandNotFound"), 0


def refused():
    return error(2, "no globalScriptEngine in $where parsing: JavaScript execution is disabled on this server", "BadValue")


# ---------- state across a restart ----------

def load(path):
    if not path or not os.path.exists(path):
        return
    with open(path, "rb") as f:
        for entry in bson.decode_file_iter(f, mockupdb.CODEC_OPTIONS):
            collections.setdefault(entry["c"], OrderedDict())[entry["d"]["_id"]] = entry["d"]


def save(path):
    if not path:
        return
    with open(path + ".tmp", "wb") as f:
        for name, coll in list(collections.items()):
            for d in list(coll.values()):
                f.write(bson.encode(OrderedDict([("c", name), ("d", d)]), codec_options=mockupdb.CODEC_OPTIONS))
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state")
    parser.add_argument("--max-wire-version", type=int, default=21)
    args = parser.parse_args()
    load(args.state)
    replier.start()
    server = mockupdb.MockupDB(port=args.port, request_timeout=int(1e6))
    server._address = ("127.0.0.1", args.port)
    server.autoresponds(handle)
    port = server.run()
    print(port, flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()
        save(args.state)
