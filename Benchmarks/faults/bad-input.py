#!/usr/bin/env python3
"""Bad input: N generated malformed requests across the ECS, SSM, Secrets Manager, Logs, CloudWatch and
Application Auto Scaling APIs (from botocore's models, mutated) and the agent API
(Protocols/agent-v1.openapi.yaml): 0 5xx, 0 crashes, 0 hangs.

    python3 Benchmarks/faults/bad-input.py [--bin-dir .build-release/release] [--requests 10000]
        [--seed 1] [--workers 8] [--timeout 10] [--max-crashes 10] [--only INDEX ...]
        [--json docs/benchmarks.json]

Starts a wharf-controller (agent long poll 2 s, so that a held sync is not taken for a hang) and a
wharf-agent (cluster "default"), and stores what must survive: a cluster, a task definition, a
parameter, a secret and a log stream with three events; and a playground (fz-play: a cluster with
a service, a task definition, a parameter, a secret, a log stream, a CloudWatch alarm, the service
as a scalable target) that half of the generated names point at, so that requests get past "not
found". Then it asks the controller which operations of botocore's ECS, SSM, Secrets Manager,
Logs, CloudWatch and Application Auto Scaling models it serves (a signed call whose body is not
JSON: UnknownOperationException or not), and sends --requests requests from
--workers threads, each generated from --seed and its index alone (so `--only INDEX` sends one
again):

  - AWS JSON calls (85 % to served operations; JSON 1.0 for CloudWatch, 1.1 for the others): a
    valid-ish input built from the operation's input shape, then mutated 0 to 3 times: a member of
    the wrong type, null, huge / negative / fractional numbers, deep nesting, a required member
    missing, an unknown member, a 100 KB string, control characters, NUL, lone surrogates and other
    odd text, empty strings, a 10,000-element array, duplicate keys, a body that is not an object;
    or the bytes broken: not JSON, truncated, empty, over the size limit; or the headers: wrong
    Content-Type, unknown X-Amz-Target. Half the CloudWatch calls go in the Query protocol instead
    (a form body with Action and Version, the same members flattened, the same mutations, an
    unknown or altered Action or Version). 84 % are signed with the bootstrap key, 8 % unsigned, 8 %
    carry a bad signature (wrong secret or key, changed body or target, wrong scope, expired,
    malformed Authorization or X-Amz-Date);
  - agent API calls (register, sync, logs), built from the OpenAPI schemas and mutated the same
    way, with the real agent's instance ARN and credential (from its identity.json), a wrong one,
    or none; registrations with a fuzzing activation, a wrong code or none;
  - a few odd HTTP requests (other methods and paths, chunked bodies, no Host).

Every request has a --timeout. One not answered in time is sent again alone at the end: a hang
when it hangs again, else a stall (the controller, or the machine, slow for everyone at that
moment: reported, not a failure). An HTTP status of 500 or more is a failure (a 503 whose error
type names throttling or unavailability is counted apart, not hidden). A connection closed
without an answer counts as dropped (a failure, but for bodies over the size limit). The
controller or agent exiting is a crash: a fresh controller and agent take over (up to
--max-crashes), first sending the requests unanswered at the crash one at a time, which names the
culprit, then the rest. Afterwards the controller must answer ListClusters, the agent be
connected, and what was stored before be unchanged. Prints a summary table, writes up to 20
examples of each failure (and each crash's request and log) to stderr, and exits 1 on any
failure. Needs Docker and wharf-test/busybox:latest (.ci/setup.sh), botocore and PyYAML. Always
stops both processes and removes its containers and temp dirs.
"""
import argparse, base64, collections, datetime, hashlib, json, os, random, re, signal, subprocess, sys, threading, time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # faultlib
from wharf_bench import ACCESS_KEY, IMAGE, Cluster, wait_for, write_record  # noqa: E402
from faultlib import APIS, JSON_11, Answer, call, header_list, json_type, paginate, send, sigv4  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OPENAPI = os.path.join(HERE, "..", "..", "Protocols", "agent-v1.openapi.yaml")
AWS_APIS = ("ecs", "ssm", "secretsmanager", "logs", "cloudwatch", "application-autoscaling")
KINDS = [("ecs", 32), ("ssm", 12), ("secretsmanager", 10), ("logs", 12), ("cloudwatch", 8),
         ("application-autoscaling", 8), ("agent", 16), ("http", 2)]
MUTATIONS = [("wrong-type", 14), ("null", 5), ("huge-number", 8), ("negative", 5), ("fraction", 4),
             ("deep-nesting", 4), ("missing-required", 8), ("unknown-member", 6), ("overlong-string", 5),
             ("odd-text", 10), ("empty-string", 6), ("huge-array", 4), ("duplicate-keys", 4), ("top-level", 3),
             ("not-json", 4), ("truncated", 5), ("empty-body", 3), ("content-type", 5), ("unknown-target", 4),
             ("oversize", 0.3)]
BYTE_MUTATIONS = {"not-json", "truncated", "empty-body", "oversize"}
AUTH = [("signed", 84), ("unsigned", 8), ("bad-signature", 8)]
BAD_SIGNATURES = ["wrong-secret", "unknown-key", "body-changed", "target-changed", "wrong-service", "wrong-region",
                  "expired", "future", "garbage-authorization", "no-date", "garbage-date", "target-unsigned",
                  "truncated-signature", "empty-authorization"]
ODD_TEXT = ["\x00", "a\x00b", "\ud800", "\udfff\ud800x", "\u202eevil", "\U0001F600" * 50, "\r\n\r\nX-Injected: 1",
            "\x1b[31mred", "../../../../etc/passwd", "%s%s%n%x", "' OR '1'='1' --", "${jndi:ldap://127.0.0.1/x}",
            "\uffff\ufffe", "\ufeff", "e\u0301" * 100, "<script>alert(1)</script>", "\\", "\"", "arn:aws:ecs:::",
            "arn:aws:ecs:us-east-1:000000000000:task-definition/fz:99999999999999999999", "*", "%", "_", "//",
            "null", "-1", "1e999", "NaN", " ", "\t", "\u0085", "\u2028", "\u03a9" * 1000, "\x7f\x01\x02",
            "arn:aws:ssm:us-east-1:000000000000:parameter/", "/" * 200, "a/" * 100, "fz-" + "x" * 2048]
HUGE_NUMBERS = [2 ** 63 - 1, 2 ** 63, 2 ** 64, -2 ** 63, -2 ** 63 - 1, 10 ** 40, 1e308, -1e308, 9007199254740993,
                2 ** 31, 2 ** 32, -2 ** 31 - 1, 4294967295]
CONTENT_TYPES = [None, "text/plain", "application/xml", "application/json", "application/x-amz-json-1.0",
                 "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                 "application/json; charset=utf-16", "\x00", "application/x-amz-json-1.1; charset=" + "x" * 5000]
UNAVAILABLE = re.compile(r"throttl|unavailable|toomany|slowdown|limitexceeded", re.I)


def weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def token(rng, lo=1, hi=64):
    """A name no fixture or real resource has ("fz" and hex), as long as min and max allow."""
    text = "fz" + "%032x" % rng.getrandbits(128)
    want = min(max(min(len(text), hi if hi is not None else len(text)), lo), 4096)
    return (text * (want // len(text) + 1))[:want]


class Body:
    """A request body being built: the JSON value, where required members sit, and raw JSON text to
    splice in place of sentinel strings (deep nesting and duplicate keys, which json.dumps cannot
    make)."""

    def __init__(self):
        self.value, self.required, self.raw = None, [], {}

    def sentinel(self, text):
        key = f"\u0001raw{len(self.raw)}\u0001"
        self.raw[key] = text
        return key

    def encode(self, rng):
        ascii_only = rng.random() < 0.5
        text = json.dumps(self.value, ensure_ascii=ascii_only, allow_nan=True)
        for key, raw in self.raw.items():
            text = text.replace(json.dumps(key, ensure_ascii=ascii_only), raw)
        return text.encode("utf-8", "surrogatepass")


# The playground: resources made for the fuzzing to act on (and delete, and make again), so that
# half the time a request reaches past "not found". Never the fixtures, never cluster "default".
PLAY = "fz-play"
PLAY_NAMES = {
    "ecs": {"cluster": PLAY, "clusterName": PLAY, "clusters": PLAY, "family": PLAY, "familyPrefix": "fz",
            "taskDefinition": f"{PLAY}:1", "service": PLAY, "serviceName": PLAY, "services": PLAY},
    "ssm": {"Name": f"/{PLAY}/p", "Names": f"/{PLAY}/p", "Path": f"/{PLAY}", "ResourceId": f"/{PLAY}/p"},
    "secretsmanager": {"SecretId": PLAY, "Name": PLAY, "SecretIdList": PLAY},
    "logs": {"logGroupName": PLAY, "logGroupIdentifier": PLAY, "logStreamName": PLAY, "logGroupNamePrefix": "fz",
             "logStreamNamePrefix": "fz", "logGroupNames": PLAY},
    "cloudwatch": {"AlarmName": PLAY, "AlarmNames": PLAY, "AlarmNamePrefix": "fz", "Namespace": "fz/play",
                   "MetricName": PLAY},
    "application-autoscaling": {"ServiceNamespace": "ecs", "ResourceId": f"service/{PLAY}/{PLAY}",
                                "ResourceIds": f"service/{PLAY}/{PLAY}",
                                "ScalableDimension": "ecs:service:DesiredCount",
                                "PolicyName": PLAY, "PolicyNames": PLAY, "ScheduledActionName": PLAY},
}


def playground(port):
    """Makes the playground (again)."""
    call(port, "ecs", "CreateCluster", {"clusterName": PLAY})
    call(port, "ecs", "RegisterTaskDefinition", {"family": PLAY, "containerDefinitions": [
        {"name": "play", "image": IMAGE, "command": ["sleep", "1"], "memory": 16}]})
    call(port, "ecs", "CreateService", {"cluster": PLAY, "serviceName": PLAY, "taskDefinition": PLAY,
                                        "desiredCount": 0})
    call(port, "ssm", "PutParameter", {"Name": f"/{PLAY}/p", "Value": "play", "Type": "String", "Overwrite": True})
    call(port, "secretsmanager", "CreateSecret", {"Name": PLAY, "SecretString": "play"})
    call(port, "logs", "CreateLogGroup", {"logGroupName": PLAY})
    call(port, "logs", "CreateLogStream", {"logGroupName": PLAY, "logStreamName": PLAY})
    call(port, "logs", "PutLogEvents", {"logGroupName": PLAY, "logStreamName": PLAY, "logEvents": [
        {"timestamp": int(time.time() * 1000), "message": "play"}]})
    call(port, "cloudwatch", "PutMetricAlarm", {
        "AlarmName": PLAY, "Namespace": "fz/play", "MetricName": PLAY, "Statistic": "Average", "Period": 60,
        "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"})
    call(port, "application-autoscaling", "RegisterScalableTarget", {
        "ServiceNamespace": "ecs", "ResourceId": f"service/{PLAY}/{PLAY}",
        "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 0, "MaxCapacity": 2})


class ShapeValues:
    """Valid-ish JSON values from botocore shapes; members named as in PLAY_NAMES name the
    playground half the time."""

    def __init__(self, rng, body, play=None):
        self.rng, self.body, self.play = rng, body, play or {}

    def value(self, shape, depth=0, name=None):
        rng, kind, meta = self.rng, shape.type_name, shape.metadata
        if kind == "structure":
            out = {}
            required = list(getattr(shape, "required_members", []) or [])
            members = list(shape.members.items())
            if shape.is_tagged_union and members:
                members = [rng.choice(members)]
            for member_name, member in members:
                if member_name in required or (depth < 5 and rng.random() < 0.45):
                    out[member_name] = self.value(member, depth + 1, member_name) if depth < 8 else {}
            if required:
                self.body.required.append((out, required))
            return out
        if kind == "list":
            lo = meta.get("min", 0)
            return [self.value(shape.member, depth + 1, name)
                    for _ in range(max(lo, rng.randint(0, 2 if depth < 4 else 0)))]
        if kind == "map":
            return {self.value(shape.key, depth + 1): self.value(shape.value, depth + 1)
                    for _ in range(rng.randint(0, 2 if depth < 4 else 0))}
        if kind == "string":
            # The playground's value first, also for an enum (Application Auto Scaling's namespace and
            # dimension are "ecs" and "ecs:service:DesiredCount" among many).
            if name in self.play and rng.random() < 0.5:
                return self.play[name]
            if shape.enum:
                return rng.choice(shape.enum)
            return token(rng, meta.get("min", 1), meta.get("max", 64))
        if kind in ("integer", "long"):
            lo, hi = meta.get("min", 0), meta.get("max", 100)
            return rng.randint(int(lo), int(min(hi, lo + 1000)))
        if kind in ("double", "float"):
            return round(rng.uniform(0, 100), 3)
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "timestamp":
            return round(time.time() + rng.uniform(-86400, 86400), 3)
        if kind == "blob":
            return base64.b64encode(rng.randbytes(rng.randint(0, 32))).decode()
        return token(rng)


class SchemaValues:
    """Valid-ish JSON values from the agent protocol's OpenAPI schemas; ECS shapes it only names
    (`x-ecs-shape`) come from botocore's ECS model."""

    def __init__(self, spec, ecs_model, rng, body):
        self.spec, self.ecs_model, self.rng, self.body = spec, ecs_model, rng, body

    def resolve(self, schema):
        while "$ref" in schema:
            schema = self.spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def value(self, schema, depth=0):
        rng, schema = self.rng, self.resolve(schema)
        if "x-ecs-shape" in schema and "properties" not in schema:
            return ShapeValues(rng, self.body).value(self.ecs_model.shape_for(schema["x-ecs-shape"]), depth)
        if "enum" in schema:
            return rng.choice(schema["enum"])
        kind = schema.get("type", "object")
        if kind == "object":
            out, required = {}, schema.get("required", [])
            for name, member in schema.get("properties", {}).items():
                if name in required or (depth < 5 and rng.random() < 0.5):
                    out[name] = self.value(member, depth + 1)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                for _ in range(rng.randint(0, 2)):
                    out[token(rng, 1, 16)] = self.value(extra, depth + 1)
            if required:
                self.body.required.append((out, required))
            return out
        if kind == "array":
            items = schema.get("items", {})
            return [self.value(items, depth + 1) for _ in range(rng.randint(0, 2 if depth < 4 else 0))]
        if kind == "integer":
            return rng.randint(0, 100)
        if kind == "number":
            return round(rng.uniform(0, 2e9), 3)
        if kind == "boolean":
            return rng.random() < 0.5
        return token(rng, 1, 40)


def nodes(value, parent=None, key=None, out=None):
    """Every (parent, key) under the root, depth first."""
    out = [] if out is None else out
    if parent is not None:
        out.append((parent, key))
    if isinstance(value, dict):
        for k in list(value):
            nodes(value[k], value, k, out)
    elif isinstance(value, list):
        for i in range(len(value)):
            nodes(value[i], value, i, out)
    return out


def deep(rng, depth):
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}"), ('[{"a":', "}]")])
    return opener * depth + "1" + closer * depth


def mutate_value(rng, body, mutation):
    """Applies one value-level mutation to body.value (in place where it can)."""
    root = body.value
    spots = nodes(root)

    def pick(want=None):
        chosen = [s for s in spots if want is None or want(s[0][s[1]])]
        return rng.choice(chosen) if chosen else None

    def put(spot, new):
        if spot is not None:
            spot[0][spot[1]] = new
        elif isinstance(root, dict):
            root[token(rng, 4, 12)] = new
        else:
            body.value = new

    if mutation == "wrong-type":
        spot = pick()
        current = spot[0][spot[1]] if spot else root
        choices = ["str", 12345, [], {}, True, 1.5, [1, "a", None], {"a": {"b": []}}]
        put(spot, rng.choice([c for c in choices if type(c) is not type(current)]))
    elif mutation == "null":
        put(pick(), None)
    elif mutation == "huge-number":
        put(pick(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)) or pick(), rng.choice(HUGE_NUMBERS))
    elif mutation == "negative":
        put(pick(lambda v: isinstance(v, int) and not isinstance(v, bool)) or pick(), rng.choice([-1, -100, -2 ** 31]))
    elif mutation == "fraction":
        put(pick(lambda v: isinstance(v, int) and not isinstance(v, bool)) or pick(),
            rng.choice([0.5, 1e-9, 3.0000001, 1e21, -0.0]))
    elif mutation == "deep-nesting":
        put(pick(), body.sentinel(deep(rng, rng.choice([64, 513, 2000, 20000, 100000]))))
    elif mutation == "missing-required":
        sites = [(obj, [k for k in required if k in obj]) for obj, required in body.required]
        sites = [s for s in sites if s[1]]
        if sites:
            obj, present = rng.choice(sites)
            del obj[rng.choice(present)]
        elif isinstance(root, dict) and root:
            del root[rng.choice(list(root))]
    elif mutation == "unknown-member":
        dicts = [root] if isinstance(root, dict) else []
        dicts += [p[0][p[1]] for p in spots if isinstance(p[0][p[1]], dict)]
        if dicts:
            rng.choice(dicts)[rng.choice(["__proto__", "constructor", "fzUnknown", "", "\u0000", token(rng)])] = (
                rng.choice([1, "x", None, [], {}]))
    elif mutation == "overlong-string":
        text = rng.choice(["a" * 102400, "\u00e9" * 51200, "\U0001F600" * 25600, "%00" * 34134])
        put(pick(lambda v: isinstance(v, str)) or pick(), text)
    elif mutation == "odd-text":
        put(pick(lambda v: isinstance(v, str)) or pick(), rng.choice(ODD_TEXT))
    elif mutation == "empty-string":
        if rng.random() < 0.5:
            for parent, key in spots:
                if isinstance(parent[key], str):
                    parent[key] = ""
        else:
            put(pick(lambda v: isinstance(v, str)) or pick(), "")
    elif mutation == "huge-array":
        spot = pick(lambda v: isinstance(v, list))
        element = spot[0][spot[1]][0] if spot and spot[0][spot[1]] else None
        shown = json.dumps(element)
        if element is None or len(shown) > 200 or "\\u0001raw" in shown:  # 10,000 of them: a few MB at most
            element = rng.choice([1, "fz", {"a": 1}, None])
        put(spot or pick(), [element] * 10000 if not isinstance(element, (dict, list)) else
            [json.loads(json.dumps(element)) for _ in range(10000)])
    elif mutation == "duplicate-keys":
        if isinstance(root, dict) and root:
            name = rng.choice(list(root))
            again = json.dumps(rng.choice([None, 1, "dup", [], {}, ""]))
            inner = json.dumps(name) + ":" + again
            root[token(rng, 6, 6)] = body.sentinel("0," + inner)  # "fz...": 0, "name": again
    elif mutation == "top-level":
        body.value = rng.choice([[], [root], "x", 1, None, True, -1.5])


def break_bytes(rng, data, mutation, max_bytes):
    if mutation == "not-json":
        return rng.choice([rng.randbytes(rng.randint(1, 200)), b"\xff\xfe{\x00}\x00", b"{'a': 1}", b"{a:1}",
                           b"NaN", b"{\"a\": Infinity}", data + b"}}}garbage", b"\xef\xbb\xbf" + data,
                           b"{\"cluster\": \"\xc3\x28\"}", data.decode(errors="ignore").encode("utf-16"),
                           b"{" * 50, b"[" * 100000, b"\"" + b"\\u" * 1000, b"{\"a\":\"\\ud800\\u0000\\uZZZZ\"}"])
    if mutation == "truncated":
        return data[:rng.randint(0, max(0, len(data) - 1))]
    if mutation == "empty-body":
        return b""
    if mutation == "oversize":
        return b"{\"a\":\"" + b"x" * (max_bytes + 1024) + b"\"}"
    return data


class Case:
    """One generated request."""

    def __init__(self, index, kind, operation, mutations, auth, method, path, headers, body):
        self.index, self.kind, self.operation, self.mutations, self.auth = index, kind, operation, mutations, auth
        self.method, self.path, self.headers, self.body = method, path, headers, body

    def describe(self, answer):
        shown = {k: v for k, v in self.headers if k.lower() not in ("content-length",)}
        if "Authorization" in shown:
            shown["Authorization"] = shown["Authorization"][:60] + "..."
        body = self.body[:500].decode("utf-8", "backslashreplace")
        mutations = ",".join(self.mutations) or "-"
        return (f"#{self.index} {self.kind}:{self.operation} mutations={mutations} auth={self.auth}\n"
                f"  {self.method} {self.path[:120]} headers={json.dumps(shown)[:600]}\n"
                f"  body ({len(self.body)} bytes): {body!r}\n  -> {answer!r}")


class Generator:
    def __init__(self, seed, port, served, models, spec, identity, activation, max_bytes):
        self.seed, self.port, self.served, self.models, self.spec = seed, port, served, models, spec
        self.identity, self.activation, self.max_bytes = identity, activation, max_bytes

    def case(self, index):
        rng = random.Random(f"{self.seed}/{index}")
        kind = weighted(rng, KINDS)
        count = 0 if rng.random() < 0.1 else rng.choice([1, 1, 1, 2, 2, 3])
        mutations = [weighted(rng, MUTATIONS) for _ in range(count)]
        if kind == "http":
            return self.odd_http(rng, index)
        if kind == "agent":
            return self.agent(rng, index, [m for m in mutations if m not in ("content-type", "unknown-target")])
        return self.aws(rng, index, kind, mutations)

    def finish_body(self, rng, body, mutations):
        for mutation in mutations:
            if mutation not in BYTE_MUTATIONS and mutation not in ("content-type", "unknown-target"):
                mutate_value(rng, body, mutation)
        data = body.encode(rng)
        for mutation in mutations:
            if mutation in BYTE_MUTATIONS:
                data = break_bytes(rng, data, mutation, self.max_bytes)
        return data

    def aws(self, rng, index, api, mutations):
        model = self.models[api]
        served, others = self.served[api], sorted(set(model.operation_names) - set(self.served[api]))
        operation = rng.choice(served if served and (rng.random() < 0.85 or not others) else others)
        body = Body()
        shape = model.operation_model(operation).input_shape
        body.value = ShapeValues(rng, body, PLAY_NAMES[api]).value(shape) if shape is not None else {}
        if api == "cloudwatch" and rng.random() < 0.5:
            return self.query(rng, index, operation, body, mutations)
        data = self.finish_body(rng, body, mutations)
        data, operation = protect(api, operation, data)
        _, prefix, service = APIS[api]
        target = f"{prefix}.{operation}"
        if "unknown-target" in mutations:
            target = rng.choice([f"{prefix}.FuzzOperation", f"{prefix}.", prefix, "", "\u00e9\u00e9.x",
                                 f"{prefix}.{operation}\x00", f"{prefix}..{operation}", "x" * 10000,
                                 f"{prefix}.{operation.lower()}", f"{APIS[rng.choice(AWS_APIS)][1]}.{operation}"])
        headers = {"X-Amz-Target": target}
        content_type = rng.choice(CONTENT_TYPES) if "content-type" in mutations else json_type(api)
        if content_type is not None:
            headers["Content-Type"] = content_type
        auth = weighted(rng, AUTH)
        if auth == "bad-signature":
            auth = rng.choice(BAD_SIGNATURES)
        pairs = self.sign(rng, auth, headers, data, service)
        return Case(index, api, operation, mutations, auth, "POST", "/", pairs, data)

    def query(self, rng, index, operation, body, mutations):
        """A CloudWatch request in the Query protocol (what older SDKs send): the same generated
        and mutated members, flattened into a form body with Action and Version."""
        for mutation in mutations:
            if mutation not in BYTE_MUTATIONS and mutation not in ("content-type", "unknown-target"):
                mutate_value(rng, body, mutation)
        action, version = operation, "2010-08-01"
        if "unknown-target" in mutations:
            action, version = rng.choice([("FuzzOperation", version), ("", version), (operation, ""),
                                          (operation, "2099-01-01"), (operation.lower(), version),
                                          ("x" * 10000, version), (operation + "\x00", version)])
        pairs = [("Action", action), ("Version", version)] + query_pairs(body.value)
        if "duplicate-keys" in mutations and len(pairs) > 2:
            pairs.append(rng.choice(pairs[2:]))
        data = urllib.parse.urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode()
        for mutation in mutations:
            if mutation in BYTE_MUTATIONS:
                data = break_bytes(rng, data, mutation, self.max_bytes)
        headers = {}
        content_type = (rng.choice(CONTENT_TYPES) if "content-type" in mutations
                        else "application/x-www-form-urlencoded; charset=utf-8")
        if content_type is not None:
            headers["Content-Type"] = content_type
        auth = weighted(rng, AUTH)
        if auth == "bad-signature":
            auth = rng.choice([a for a in BAD_SIGNATURES if a not in ("target-changed", "target-unsigned")])
        pairs = self.sign(rng, auth, headers, data, "monitoring")
        return Case(index, "cloudwatch", "Query:" + operation, mutations, auth, "POST", "/", pairs, data)

    def sign(self, rng, auth, headers, data, service):
        """The header pairs of `headers` signed (or not) as `auth` says; the target header is
        sent as signed unless the attack changes it."""
        host = f"127.0.0.1:{self.port}"
        if auth == "unsigned":
            return header_list(dict(headers, Host=host), data)
        key, region, when, signed_data, signed = ACCESS_KEY, "us-east-1", None, data, None
        if auth == "wrong-secret":
            key = (ACCESS_KEY[0], ACCESS_KEY[1] + "x")
        elif auth == "unknown-key":
            key = ("AKWHFUZZ" + "%012X" % rng.getrandbits(48), "fuzz-secret")
        elif auth == "body-changed":
            signed_data = data + b" "
        elif auth == "wrong-service":
            service = rng.choice([s for s in ("ecs", "ssm", "logs", "secretsmanager", "monitoring", "wharf", "iam")
                                  if s != service])
        elif auth == "wrong-region":
            region = rng.choice(["xx-nowhere-1", "", "us-east-1 "])
        elif auth == "expired":
            when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=rng.choice([16, 60, 1e6]))
        elif auth == "future":
            when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=rng.choice([16, 600]))
        elif auth == "target-unsigned":
            signed = ["host", "x-amz-date"]
        try:
            out = sigv4(host, signed_data, headers, service, key=key, region=region, when=when, signed=signed)
        except (OverflowError, ValueError):
            out = sigv4(host, signed_data, headers, service)
        if auth == "target-changed" or auth == "target-unsigned":
            out["X-Amz-Target"] = out.get("X-Amz-Target", "") + "x"
        elif auth == "garbage-authorization":
            out["Authorization"] = rng.choice([
                "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 ", "Bearer abc", "AWS4-HMAC-SHA256 Credential=/////",
                "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=, Signature=",
                "AWS4-HMAC-SHA256 Credential=" + "/" * 5000 + ", SignedHeaders=host, Signature=00",
                "AWS4-HMAC-SHA256 Credential=AK/2026/us-east-1/ecs/aws4_request,SignedHeaders=host;x-amz-date,"
                "Signature=zz", "AWS4-HMAC-SHA256 " + ",".join("=" * 10 for _ in range(1000)), "\u00e9\u00e9",
                out["Authorization"] * 20,
                out["Authorization"].replace("aws4_request", "aws4_request\u00e9")])
        elif auth == "no-date":
            del out["X-Amz-Date"]
        elif auth == "garbage-date":
            out["X-Amz-Date"] = rng.choice(["", "yesterday", "20261301T250000Z", "99999999T999999Z", "0" * 5000,
                                            "20260101T000000", "1970-01-01T00:00:00Z"])
        elif auth == "truncated-signature":
            out["Authorization"] = out["Authorization"][:-rng.randint(1, 63)]
        elif auth == "empty-authorization":
            out["Authorization"] = ""
        return header_list(out, data)

    def agent(self, rng, index, mutations):
        path = rng.choice(["/agent/v1/register", "/agent/v1/sync", "/agent/v1/sync", "/agent/v1/logs"])
        schema = self.spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        body = Body()
        body.value = SchemaValues(self.spec, self.models["ecs"], rng, body).value(schema)
        value, arn, credential = body.value, self.identity["containerInstanceArn"], self.identity["credential"]
        if rng.random() < 0.9:
            value["protocolVersion"] = 1
        if path == "/agent/v1/register":
            auth = rng.choice(["rejoin-real", "rejoin-wrong", "activation", "activation", "wrong-code", "none"])
            for name in ("containerInstanceArn", "credential", "activationId", "activationCode"):
                value.pop(name, None)
            if auth == "rejoin-real":
                value.update(containerInstanceArn=arn, credential=credential, cluster="default")
            elif auth == "rejoin-wrong":
                value.update(containerInstanceArn=arn, credential=wrong_credential(rng, credential))
            elif auth in ("activation", "wrong-code"):
                code = self.activation["ActivationCode"] if auth == "activation" else token(rng, 20, 20)
                value.update(activationId=self.activation["ActivationId"], activationCode=code)
            value["cluster"] = "default" if rng.random() < 0.7 else token(rng, 1, 20)
        else:
            auth = rng.choice(["real", "real", "real", "wrong-credential", "wrong-arn", "instance-id", "random"])
            if auth == "real":
                value.update(containerInstanceArn=arn, credential=credential)
            elif auth == "wrong-credential":
                value.update(containerInstanceArn=arn, credential=wrong_credential(rng, credential))
            elif auth == "wrong-arn":
                value.update(containerInstanceArn=arn.rsplit("/", 1)[0] + "/" + "%032x" % rng.getrandbits(128),
                             credential=credential)
            elif auth == "instance-id":
                value.update(containerInstanceArn=arn.rsplit("/", 1)[1], credential=credential)
        data = self.finish_body(rng, body, mutations)
        content_type = "application/json" if rng.random() < 0.9 else rng.choice(CONTENT_TYPES)
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        return Case(index, "agent", path.rsplit("/", 1)[1], mutations, auth, "POST", path, header_list(headers, data),
                    data)

    def odd_http(self, rng, index):
        host = f"127.0.0.1:{self.port}"
        body = json.dumps({"cluster": token(rng)}).encode()
        choice = rng.choice(["GET /", "PUT /", "DELETE /", "GET /agent/v1/sync", "POST /agent/v1/../v1/sync",
                             "POST /agent/v2/sync", "POST /agent/v1/sync?x=1", "POST //", "POST /" + "a" * 8000,
                             "GET /healthz", "GET /metrics", "GET /v1/ca", "POST /healthz", "OPTIONS *",
                             "POST /?X-Amz-Signature=00&X-Amz-Credential=x", "chunked", "no-host", "HEAD /"])
        if choice == "chunked":
            chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7))
            headers = sigv4(host, body, {"Content-Type": JSON_11, "X-Amz-Target":
                                         "AmazonEC2ContainerServiceV20141113.DescribeClusters"}, "ecs")
            pairs = list(headers.items()) + [("Transfer-Encoding", "chunked")]
            return Case(index, "http", "chunked", [], "signed", "POST", "/", pairs, chunked + b"0\r\n\r\n")
        if choice == "no-host":
            return Case(index, "http", "no-host", [], "unsigned", "POST", "/",
                        [("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters"),
                         ("Content-Length", str(len(body)))], body)
        method, path = choice.split(" ", 1)
        headers = sigv4(host, body, {"Content-Type": JSON_11, "X-Amz-Target":
                                     "AmazonEC2ContainerServiceV20141113.ListClusters"}, "ecs", method=method,
                        path=path.split("?")[0], query=path.split("?")[1] if "?" in path else "")
        return Case(index, "http", choice[:40], [], "signed", method, path, header_list(headers, body), body)


def wrong_credential(rng, credential):
    return rng.choice([credential[:-1] + ("A" if credential[-1] != "A" else "B"), credential[:-5], "", credential + "=",
                       credential.upper(), credential + " ", hashlib.sha256(credential.encode()).hexdigest(),
                       base64.urlsafe_b64encode(rng.randbytes(32)).decode().rstrip("=")])


def query_pairs(value, prefix="", out=None):
    """The Query protocol's flattened members of a (possibly mutated) JSON value: a structure's
    members as `A.B`, a list's as `A.member.N`; anything else written as text."""
    out = [] if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            query_pairs(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for number, item in enumerate(value, 1):
            query_pairs(item, f"{prefix}.member.{number}" if prefix else f"member.{number}", out)
    elif value is None:
        out.append((prefix, ""))
    elif isinstance(value, bool):
        out.append((prefix, "true" if value else "false"))
    else:
        out.append((prefix, str(value)))
    return out


def unsafe_cluster(value):
    """A cluster reference that could name "default" (the agent's cluster) or be taken for it."""
    return isinstance(value, str) and value.strip().lower().rsplit("/", 1)[-1].strip() in ("", "default")


def protect(api, operation, data):
    """Keeps the fuzzing from deleting the agent's cluster (DeleteCluster of "default", or of ""
    which the controller takes for it): such a body goes to DescribeClusters instead."""
    if api != "ecs" or operation != "DeleteCluster":
        return data, operation
    found = []

    def hook(pairs):
        found.extend(v for k, v in pairs if k == "cluster")
        return dict(pairs)
    try:
        json.loads(data, object_pairs_hook=hook)
        dangerous = any(unsafe_cluster(v) for v in found) or not found
    except (ValueError, RecursionError):
        dangerous = True
    return data, ("DescribeClusters" if dangerous else operation)


class Fuzz(Cluster):
    """wharf_bench's Cluster with a short agent long poll (a held sync answers within 2 s), cleaned
    up also when starting fails."""

    def __enter__(self):
        try:
            return super().__enter__()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise

    def _start(self, name, command):
        if name == "controller":
            command = command + ["--agent-long-poll", "2"]
        return super()._start(name, command)


class Tally:
    """What the requests got, by API, status and failure, with up to 20 examples of each failure."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_api = collections.defaultdict(collections.Counter)
        self.statuses = collections.Counter()
        self.failures = collections.defaultdict(list)
        self.counts = collections.Counter()
        self.slowest = []  # (seconds, index, what) of the 10 slowest answered requests
        self.hung = []  # (case, answer) unanswered within --timeout, to send again alone

    def record(self, case, answer, timeout, kind=None, note=""):
        with self.lock:
            if kind is None and classify(case, answer, timeout) == "hang":
                self.hung.append((case, answer))
                return
            if answer.status is not None:
                self.slowest = sorted(self.slowest + [(answer.seconds, case.index, f"{case.kind}:{case.operation}")],
                                      reverse=True)[:10]
            row = self.by_api[case.kind]
            row["requests"] += 1
            if answer.status is not None and answer.seconds <= timeout:
                self.statuses[answer.status] += 1
                row[f"{answer.status // 100}xx"] += 1
            kind = kind or classify(case, answer, timeout)
            if kind:
                row[kind] += 1
                self.counts[kind] += 1
                if len(self.failures[kind]) < 20:
                    self.failures[kind].append(case.describe(answer) + note)

    @property
    def sent(self):
        return sum(row["requests"] for row in self.by_api.values())


def classify(case, answer, timeout):
    """The failure this answer is, if any."""
    if answer.error == "timeout" or answer.seconds > timeout:
        return "hang"
    if answer.status is None:
        return None if "oversize" in case.mutations else "dropped"
    if answer.status == 503 and UNAVAILABLE.search(answer.error_type or answer.body.decode(errors="replace")):
        return "503-unavailable"
    if answer.status >= 500:
        return "5xx"
    return None


def probe(port, models, tally, timeout):
    """The operations the controller serves, by API: a signed call with a body that is not JSON
    answers UnknownOperationException for any other (and changes nothing either way)."""
    served = {}
    for api in AWS_APIS:
        served[api] = []
        for operation in sorted(models[api].operation_names):
            _, prefix, service = APIS[api]
            headers = sigv4(f"127.0.0.1:{port}", b"{",
                            {"Content-Type": json_type(api), "X-Amz-Target": f"{prefix}.{operation}"}, service)
            answer = send(port, "POST", "/", b"{", header_list(headers, b"{"), timeout)
            kind = classify(Case(-1, api, operation, [], "signed", "POST", "/", [], b"{"), answer, timeout)
            if kind:
                tally.failures[kind].append(f"probe {api}:{operation} -> {answer!r}")
                tally.counts[kind] += 1
            if answer.error_type != "UnknownOperationException":
                served[api].append(operation)
    return served


def fixtures(port, tag):
    """Stores what must survive the fuzzing; returns how to read it back and what it read."""
    name = f"fault-keep-{tag}"
    call(port, "ecs", "CreateCluster", {"clusterName": name})
    call(port, "ecs", "RegisterTaskDefinition", {"family": name, "containerDefinitions": [
        {"name": "keep", "image": IMAGE, "command": ["sleep", "1"], "memory": 16}]})
    call(port, "ssm", "PutParameter", {"Name": f"/fault-keep/{tag}", "Value": "kept value", "Type": "String"})
    call(port, "secretsmanager", "CreateSecret", {"Name": name, "SecretString": "kept secret"})
    call(port, "logs", "CreateLogGroup", {"logGroupName": f"/fault-keep/{tag}"})
    call(port, "logs", "CreateLogStream", {"logGroupName": f"/fault-keep/{tag}", "logStreamName": "s"})
    now = int(time.time() * 1000)
    call(port, "logs", "PutLogEvents", {"logGroupName": f"/fault-keep/{tag}", "logStreamName": "s", "logEvents": [
        {"timestamp": now + i, "message": f"kept line {i}"} for i in range(3)]})
    return name


def read_fixtures(port, name, tag):
    cluster = call(port, "ecs", "DescribeClusters", {"clusters": [name]})["clusters"]
    definition = call(port, "ecs", "DescribeTaskDefinition", {"taskDefinition": f"{name}:1"})["taskDefinition"]
    parameter = call(port, "ssm", "GetParameter", {"Name": f"/fault-keep/{tag}"})["Parameter"]
    secret = call(port, "secretsmanager", "GetSecretValue", {"SecretId": name})
    events = call(port, "logs", "GetLogEvents", {"logGroupName": f"/fault-keep/{tag}", "logStreamName": "s",
                                                 "startFromHead": True})["events"]
    families = paginate(port, "ecs", "ListTaskDefinitions", {"familyPrefix": name}, "taskDefinitionArns")
    return {"cluster": [(c["clusterName"], c["status"]) for c in cluster],
            "task definition": (definition["status"], definition["revision"], definition["containerDefinitions"]),
            "task definition revisions": families,
            "parameter": (parameter["Value"], parameter["Version"], parameter["Type"]),
            "secret": (secret["SecretString"], secret["ARN"]),
            "log events": [(e["timestamp"], e["message"]) for e in events]}


def recheck(cluster, generator, args, tally):
    """Sends each request that went unanswered for --timeout again, alone: a hang when it hangs
    again, else a stall (the controller, or the machine, slow for everyone at that moment)."""
    hung, tally.hung = tally.hung, []
    for case, answer in hung:
        again = generator.case(case.index)
        alone = send(cluster.port, again.method, again.path, again.body, again.headers, args.timeout)
        kind = "hang" if classify(again, alone, args.timeout) == "hang" else "stall"
        tally.record(case, answer, args.timeout, kind=kind,
                     note=f"\n  sent again alone: {alone!r} in {alone.seconds:.2f} s")


def died(cluster, wait):
    """The process that exited, waiting up to `wait` seconds while the controller does not answer
    /healthz (a crashing Swift process writes its backtrace before it exits)."""
    deadline = time.monotonic() + wait
    while True:
        for name, process in cluster.processes.items():
            if process.poll() is not None:
                return name
        if time.monotonic() > deadline:
            return None
        answer = send(cluster.port, "GET", "/healthz", b"", [("Host", f"127.0.0.1:{cluster.port}")], 2)
        if answer.status == 200:
            return None
        time.sleep(0.5)


def crash_record(cluster, name, culprit=None, suspects=()):
    process = cluster.processes[name]
    cluster.logs[name].flush()
    log = open(os.path.join(cluster.work, f"{name}.log"), errors="replace").read()
    return {"process": name, "status": process.returncode, "culprit": culprit, "suspects": list(suspects),
            "log": crash_excerpt(log)}


def run(cluster, generator, serial, queue, args, tally):
    """Sends `serial` (indices) one at a time, then what `queue` (a deque of indices) holds from
    --workers threads, until a process exits. Returns None, or the crash and the indices to send
    again one at a time in a fresh cluster (the requests without an answer just before it)."""
    for position, index in enumerate(serial):
        case = generator.case(index)
        answer = send(cluster.port, case.method, case.path, case.body, case.headers, args.timeout)
        name = died(cluster, 60) if answer.status is None else None
        if name:
            tally.record(case, answer, args.timeout, kind="crash")
            return crash_record(cluster, name, culprit=case.describe(answer)), serial[position + 1:]
        tally.record(case, answer, args.timeout)
    lock, stopped, unanswered = threading.Lock(), threading.Event(), []

    def worker():
        while not stopped.is_set():
            with lock:
                if not queue:
                    return
                index = queue.popleft()
            case = generator.case(index)
            answer = send(cluster.port, case.method, case.path, case.body, case.headers, args.timeout)
            with lock:
                if answer.status is None or answer.seconds > args.timeout:
                    unanswered.append((time.monotonic(), case, answer))  # counted once no crash explains it
                    continue
            tally.record(case, answer, args.timeout)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    for thread in threads:
        thread.start()
    crashed, last_report = None, time.monotonic()
    while any(t.is_alive() for t in threads):
        time.sleep(0.1)
        for name, process in cluster.processes.items():
            if process.poll() is not None and crashed is None:
                crashed, detected = name, time.monotonic()
                stopped.set()  # the requests in flight end (within --timeout) among the unanswered
        if time.monotonic() - last_report > 10:
            last_report = time.monotonic()
            print(f"  {tally.sent} requests answered, {len(queue)} to go", flush=True)
    if crashed is None:
        for _, case, answer in unanswered:
            tally.record(case, answer, args.timeout)
        return None, []
    # A Swift crash report takes seconds to write: what went unanswered in the last minute may be
    # the cause or its victims, so it is sent again, one request at a time.
    suspects = []
    for moment, case, answer in unanswered:
        if moment >= detected - 60:
            suspects.append(case)
        else:
            tally.record(case, answer, args.timeout)
    return crash_record(cluster, crashed, suspects=[c.describe(Answer(None, b"", 0, "crash")) for c in suspects]), \
        sorted(c.index for c in suspects)


def crash_excerpt(text):
    """The part of a log that says why the process died: Swift's fatal error message and the first
    frames of the thread that crashed, else the last lines."""
    lines = text.splitlines()
    cause = [line for line in lines if "Fatal error" in line or "Program crashed" in line]
    for i, line in enumerate(lines):
        if line.startswith("Thread ") and line.rstrip().endswith("crashed:"):
            return "\n".join(cause + lines[i:i + 25])
    return "\n".join(cause + lines[-25:])


def crash_site(log):
    """Where and why it crashed, in one line: the cause Swift names, the first frame in Wharf's
    sources with its line."""
    cause = re.search(r"(?:Swift runtime failure: |Fatal error: )(.*?)(?: in wharf-\S+ at |$)", log, re.M)
    frame = re.search(r"^\s*\d+\s+(?:\[\w+\]\s+)*0x[0-9a-f]+ (.*?) in wharf-\S+ at "
                      r"\S*?(Sources/\S+\.swift:\d+(?::\d+)?)", log, re.M)
    if not cause and not frame:
        return None
    return " ".join(filter(None, [cause and cause.group(1).strip(),
                                  frame and f"at {frame.group(2)} ({frame.group(1)})"]))


def agent_connected(cluster, arn):
    instances = call(cluster.port, "ecs", "DescribeContainerInstances",
                     {"cluster": "default", "containerInstances": [arn]})["containerInstances"]
    return bool(instances) and instances[0].get("agentConnected") is True and instances[0]["status"] == "ACTIVE"


def remove_task_containers(cluster):
    """Removes the containers of any task the fuzzing managed to start (found through this
    controller only: other sessions' containers carry the same labels)."""
    try:
        ids = []
        for arn in paginate(cluster.port, "ecs", "ListClusters", {}, "clusterArns"):
            tasks = paginate(cluster.port, "ecs", "ListTasks", {"cluster": arn}, "taskArns")
            for start in range(0, len(tasks), 100):
                described = call(cluster.port, "ecs", "DescribeTasks",
                                 {"cluster": arn, "tasks": tasks[start:start + 100]})["tasks"]
                ids += [c["runtimeId"] for t in described for c in t.get("containers", []) if c.get("runtimeId")]
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return len(ids)
    except (RuntimeError, OSError):
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds without an answer that count as a hang")
    parser.add_argument("--max-request-bytes", type=int, default=4194304, help="the controller's (its default)")
    parser.add_argument("--max-crashes", type=int, default=10, help="crashes after which to give up")
    parser.add_argument("--only", type=int, nargs="+", help="send only these request indices (to reproduce one)")
    parser.add_argument("--json", help="merge the record into this JSON file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    import botocore.session
    import yaml
    session = botocore.session.get_session()
    models = {api: session.get_service_model(APIS[api][0]) for api in AWS_APIS}
    spec = yaml.safe_load(open(OPENAPI))
    tag = "%08x" % random.Random(args.seed).getrandbits(32)
    started, fuzz_seconds = time.monotonic(), 0.0
    tally, checks, crashes, served = Tally(), {}, [], None
    queue, serial = collections.deque(args.only or range(args.requests)), []
    # After a crash, a fresh controller and agent take over: first the requests suspected of it,
    # one at a time (which names the culprit), then the rest.
    while True:
        with Fuzz(args.bin_dir, f"fault-keep-{tag}", "wharf-bad-input-") as cluster:
            identity = json.load(open(os.path.join(cluster.work, "agent", "identity.json")))
            name = fixtures(cluster.port, tag)
            before = read_fixtures(cluster.port, name, tag)
            activation = call(cluster.port, "ssm", "CreateActivation", {"IamRole": "fuzz", "RegistrationLimit": 1000})
            playground(cluster.port)
            if served is None:
                served = probe(cluster.port, models, tally, args.timeout)
                print("served operations: " + ", ".join(
                    f"{api} {len(served[api])}/{len(models[api].operation_names)}" for api in AWS_APIS), flush=True)
            generator = Generator(args.seed, cluster.port, served, models, spec, identity, activation,
                                  args.max_request_bytes)
            fuzz_started = time.monotonic()
            crash, serial = run(cluster, generator, serial, queue, args, tally)
            fuzz_seconds += time.monotonic() - fuzz_started
            if crash is None:
                recheck(cluster, generator, args, tally)
                checks.update(final_checks(cluster, identity, name, tag, before))
            removed = remove_task_containers(cluster) if crash is None or crash["process"] != "controller" else 0
            checks["task containers removed"] = checks.get("task containers removed", 0) + removed
        if crash is None:
            break
        previous = crashes[-1] if crashes else None
        if previous and previous["culprit"] is None and crash["culprit"] and not crash["suspects"]:
            previous["culprit"] = crash["culprit"]  # the suspect that crashed the fresh controller too
            previous["confirmed"] = crash["log"]
        else:
            crashes.append(crash)
        print(f"  the {crash['process']} crashed; starting afresh", flush=True)
        if len(crashes) >= args.max_crashes or (not queue and not serial):
            break
    for case, answer in tally.hung:  # not sent again: the last controller crashed
        tally.record(case, answer, args.timeout, kind="hang", note="\n  (not sent again: the controller crashed)")
    report(args, tally, crashes, checks, fuzz_seconds, time.monotonic() - started, served)


def final_checks(cluster, identity, name, tag, before):
    checks = {"controller answers ListClusters": "clusterArns" in call(cluster.port, "ecs", "ListClusters", {})}
    try:
        wait_for("the agent connected", lambda: agent_connected(cluster, identity["containerInstanceArn"]), 20,
                 cluster.processes)
        checks["agent connected"] = True
    except RuntimeError:
        checks["agent connected"] = False
    after = read_fixtures(cluster.port, name, tag)
    for key in before:
        checks[f"{key} intact"] = before[key] == after[key]
        if before[key] != after[key]:
            print(f"{key} changed:\n  before {before[key]}\n  after  {after[key]}", file=sys.stderr)
    return checks


def report(args, tally, crashes, checks, fuzz_seconds, total_seconds, served):
    columns = ["requests", "2xx", "3xx", "4xx", "5xx", "503-unavailable", "hang", "stall", "dropped", "crash"]
    print(f"\n{'api':<15}" + "".join(f"{c:>{max(9, len(c) + 1)}}" for c in columns))
    for api in [k for k, _ in KINDS if k in tally.by_api]:
        row = tally.by_api[api]
        print(f"{api:<15}" + "".join(f"{row[c]:>{max(9, len(c) + 1)}}" for c in columns))
    print("status codes: " + ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items())))
    print(f"5xx: {tally.counts['5xx']}, 503 unavailable: {tally.counts['503-unavailable']}, "
          f"hangs: {tally.counts['hang']}, stalls (not again alone): {tally.counts['stall']}, "
          f"dropped: {tally.counts['dropped']}, crashes: {len(crashes)}")
    for site, count in collections.Counter(crash_site(c["log"]) for c in crashes).items():
        print(f"crash: {site} (x{count})")
    print(f"{tally.sent} requests in {fuzz_seconds:.1f} s ({tally.sent / max(fuzz_seconds, 1e-9):.0f}/s); "
          f"run {total_seconds:.1f} s")
    print("slowest answers: " + ", ".join(f"#{i} {what} {seconds:.1f} s" for seconds, i, what in tally.slowest[:5]))
    for name, ok in checks.items():
        print(f"check: {name}: {ok if not isinstance(ok, bool) else 'ok' if ok else 'FAILED'}")
    for kind, examples in tally.failures.items():
        if kind == "crash":
            continue  # below, with the crash reports
        print(f"\n=== {kind}: {tally.counts[kind]} (up to 20 shown) ===", file=sys.stderr)
        for example in examples:
            print(example, file=sys.stderr)
    shown = set()
    for number, crash in enumerate(crashes, 1):
        site = crash_site(crash["log"])
        print(f"\n=== crash {number}: the {crash['process']} exited with status {crash['status']}: {site} ===",
              file=sys.stderr)
        if site in shown and crash["culprit"]:
            print(f"at the same place as before ({site}), by:\n{crash['culprit']}", file=sys.stderr)
            continue
        shown.add(site)
        if crash["culprit"]:
            print(f"the request that crashed it (again, alone, in a fresh controller):\n{crash['culprit']}",
                  file=sys.stderr)
        else:
            print(f"requests unanswered when it crashed ({len(crash['suspects'])}):", file=sys.stderr)
            for example in crash["suspects"][:20]:
                print(example, file=sys.stderr)
        print(f"--- its log ---\n{crash['log']}", file=sys.stderr)
    failed = bool(tally.counts["5xx"] or tally.counts["hang"] or tally.counts["dropped"] or crashes
                  or not all(v for v in checks.values() if isinstance(v, bool)) or "agent connected" not in checks)
    print(f"result: {'FAILED' if failed else 'passed'}")
    if args.json:
        write_record(args.json, "fault-bad-input", args.bin_dir,
                     {"requests": args.requests, "seed": args.seed, "workers": args.workers, "timeout_s": args.timeout},
                     {"sent": tally.sent, "per_api": {k: dict(v) for k, v in tally.by_api.items()},
                      "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
                      "five_xx": tally.counts["5xx"], "unavailable_503": tally.counts["503-unavailable"],
                      "hangs": tally.counts["hang"], "stalls": tally.counts["stall"],
                      "dropped": tally.counts["dropped"], "crashes": len(crashes),
                      "crash_sites": [crash_site(c["log"]) for c in crashes],
                      "served_operations": {k: len(v) for k, v in (served or {}).items()}, "checks": checks,
                      "fuzz_seconds": round(fuzz_seconds, 1), "passed": not failed})
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
