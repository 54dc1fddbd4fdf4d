"""The small subset of MongoDB's query and aggregation language that LiveDash's store sends, for mock_mongod.py.

A stand-in's interpretation, not MongoDB's engine: equality, $or/$and, case-insensitive regexes; $match, $sort,
$skip, $limit, $project (with $size, $map, $multiply, $sum over decimal128), $count and $facet.
"""
import decimal
import re
from collections import OrderedDict
from decimal import Decimal

from bson.decimal128 import Decimal128, create_decimal128_context
from bson.regex import Regex

projections = {}        # (id(stored document), projection) -> (document, projected); stored documents never change


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


def cached_project(doc, spec, spec_key):
    hit = projections.get((id(doc), spec_key))
    if hit is not None and hit[0] is doc:  # the entry keeps doc alive, so its id is not reused
        return hit[1]
    projected = project(doc, spec)
    projections[(id(doc), spec_key)] = (doc, projected)
    return projected


def sort_docs(docs, spec):
    for key, direction in reversed(list(spec.items())):
        docs.sort(key=lambda d: (get_path(d, key) is None, to_number(get_path(d, key))), reverse=direction < 0)
    return docs


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
            # Computed once per stored document: Decimal128 arithmetic in pure Python would otherwise make the
            # mock, not the app, the limit of a bench.
            spec = repr(arg)
            docs = [cached_project(d, arg, spec) for d in docs]
        elif name == "$count":
            docs = [OrderedDict([(arg, len(docs))])] if docs else []
        elif name == "$facet":
            docs = [OrderedDict((key, run_pipeline(docs, sub)) for key, sub in arg.items())]
        else:
            raise ValueError("unsupported stage " + name)
    return docs
