#!/usr/bin/env python3
"""Checks that a server speaks the Amazon ECS JSON 1.1 protocol the way the real service does.

python3 ecs_conformance.py --endpoint-url http://127.0.0.1:PORT --scenario clusters|task-definitions|
account-settings|errors|capacity-providers|all, or --scenario tasks --cluster NAME: container instances, attributes and
tasks on an existing cluster with at least one connected agent (not part of all: it runs real tasks of
--image, default wharf-test/busybox:latest, and stops them all). Prints one PASS/FAIL line per check,
then "N passed, M failed", and exits 1 on any failure. The raw status, headers and body of every boto3
call are captured on botocore's `before-parse.ecs.<Operation>` event and checked strictly against
botocore's ECS model. Importable too: validate_output(), validate_error(). Needs only python3, boto3
and botocore."""
import argparse, http.client, io, json, os, re, secrets, select, socket, sys, time  # noqa: E401
import urllib.error, urllib.request  # noqa: E401
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore import xform_name
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REGION = "us-east-1"
TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113"
JSON_CT = "application/x-amz-json-1.1"
FIXTURES = Path(__file__).resolve().parent.parent / "Fixtures"
MODEL = botocore.session.get_session().get_service_model("ecs")
# shape type -> (accepted JSON values as Python types, how to name them in an error)
_JSON_TYPES = {"structure": ((dict,), "object"), "map": ((dict,), "object"), "list": ((list,), "array"),
               "string": ((str,), "string"), "blob": ((str,), "base64 string"), "boolean": ((bool,), "boolean"),
               "integer": ((int,), "integer"), "long": ((int,), "integer"), "double": ((int, float), "number"),
               "float": ((int, float), "number"), "timestamp": ((int, float), "number of epoch seconds")}
_INT_LIMIT = {"integer": 2 ** 31, "long": 2 ** 63}

# ----------------------------------------------------------------------------- validation

def parse_json(raw):
    """Parses body bytes strictly (no NaN/Infinity, no duplicate keys). Returns (value, errors)."""
    errors = []

    def pairs(items):
        errors.extend(f"duplicate JSON key {k!r}" for i, (k, _) in enumerate(items) if k in dict(items[:i]))
        return dict(items)

    def reject(name):
        raise ValueError(f"{name} is not valid JSON")
    try:
        return json.loads(raw, object_pairs_hook=pairs, parse_constant=reject), errors
    except (ValueError, UnicodeDecodeError) as exc:
        return None, [f"body is not valid JSON: {exc}"]

def _walk(shape, value, path, errors):
    """Appends to errors every way value (parsed JSON) departs from botocore shape."""
    t = shape.type_name
    if value is None:
        return errors.append(f"{path}: JSON null is not allowed (omit absent members)")
    if t not in _JSON_TYPES:
        return errors.append(f"{path}: checker does not support shape type {t}")
    accepted, wanted = _JSON_TYPES[t]
    if not isinstance(value, accepted) or (isinstance(value, bool) and t != "boolean"):
        got = f"{type(value).__name__} {json.dumps(value)[:60]}"
        return errors.append(f"{path}: expected a JSON {wanted} ({t} {shape.name}), got {got}")
    if t == "structure":
        wire = {m.serialization.get("name", n): n for n, m in shape.members.items()}
        for key, member_value in value.items():
            if key not in wire:
                errors.append(f"{path}.{key}: unknown member (not in {shape.name})")
            else:
                _walk(shape.members[wire[key]], member_value, f"{path}.{key}", errors)
        errors.extend(f"{path}.{name}: required member of {shape.name} is missing"
                      for name in shape.required_members if name not in value)
    elif t == "list":
        _length(shape, len(value), path, "items", errors)
        for i, item in enumerate(value):
            _walk(shape.member, item, f"{path}[{i}]", errors)
    elif t == "map":
        for key, item in value.items():
            _walk(shape.key, key, f"{path}{{key {key!r}}}", errors)
            _walk(shape.value, item, f"{path}[{json.dumps(key)}]", errors)
    elif t == "string" and shape.enum and value not in shape.enum:
        errors.append(f"{path}: {value!r} is not a {shape.name} value {shape.enum}")
    elif t == "string":
        _length(shape, len(value), path, "characters", errors)
        pattern = _pattern(shape.metadata.get("pattern"))
        if pattern is not None and not pattern.search(value):
            errors.append(f"{path}: {value[:60]!r} does not match {shape.name}'s pattern {shape.metadata['pattern']}")
    elif t in ("integer", "long", "double", "float"):
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if t in _INT_LIMIT and not -_INT_LIMIT[t] <= value < _INT_LIMIT[t]:
            errors.append(f"{path}: {value} overflows a {t}")
        if (low is not None and value < low) or (high is not None and value > high):
            errors.append(f"{path}: {value} outside {shape.name} range [{low}, {high}]")

def _length(shape, count, path, unit, errors):
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and count < low) or (high is not None and count > high):
        errors.append(f"{path}: {count} {unit}, outside {shape.name}'s [{low}, {high}]")


_PATTERNS = {}


def _pattern(text):
    """The model's pattern compiled (as the SDKs apply it: anywhere in the value unless anchored);
    None when there is none or Python's re cannot read it (Java's syntax)."""
    if text is None:
        return None
    if text not in _PATTERNS:
        try:
            _PATTERNS[text] = re.compile(text)
        except re.error:
            _PATTERNS[text] = None
    return _PATTERNS[text]


def validate_output(operation_name, raw_json_dict):
    """Validates a raw (unparsed) response body against <operation_name>'s output shape.
    Returns a list of error strings; each names the JSON path ("$.cluster.tags[0].key")."""
    shape, errors = MODEL.operation_model(operation_name).output_shape, []
    if shape is None and raw_json_dict != {}:
        errors.append(f"$: {operation_name} has no output members; expected {{}}")
    elif shape is not None:
        _walk(shape, raw_json_dict, "$", errors)
    return errors

def header_errors(raw_headers):
    headers = {k.lower(): v for k, v in raw_headers.items()}
    errors = []
    if not headers.get("x-amzn-requestid"):
        errors.append("header x-amzn-RequestId missing")
    content_type = headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != JSON_CT:
        errors.append(f"Content-Type is {content_type!r}, expected {JSON_CT}")
    return errors

def validate_error(raw_status, raw_headers, raw_body, expected_type):
    """Validates a raw JSON 1.1 error response. expected_type is an exception name, a collection
    of accepted names, or None (any). Returns (errors, form), where form tells which __type
    spelling the server used: "bare" or "prefixed 'ns#Name'" (both parse in botocore)."""
    errors = [] if 400 <= raw_status <= 499 else [f"HTTP status {raw_status} is not 4xx"]
    errors += header_errors(raw_headers)
    body, parse_errors = parse_json(raw_body)
    errors += parse_errors
    if not isinstance(body, dict):
        return errors + ([] if parse_errors else ["body is not a JSON object"]), None
    type_field, form, name = body.get("__type"), None, None
    if not isinstance(type_field, str) or not type_field:
        errors.append("__type missing or not a string")
    else:
        name = type_field.rsplit("#", 1)[-1]
        form = f"prefixed {type_field!r}" if "#" in type_field else "bare"
        accepted = {expected_type} if isinstance(expected_type, str) else set(expected_type or ())
        if accepted and name not in accepted:
            errors.append(f"__type is {type_field!r}, expected {' or '.join(sorted(accepted))}")
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        errors.append("'message' missing or empty")
    if name in MODEL.shape_names:  # modeled exception: members must fit its shape
        rest = {k: v for k, v in body.items() if k != "__type"}
        _walk(MODEL.shape_for(name), rest, "$", errors)
    return errors, form

# ----------------------------------------------------------------------------- runner

class Run:
    """Holds the boto3 client, the raw responses it captured and the pass/fail tally."""

    def __init__(self, endpoint):
        for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            os.environ.setdefault(var, "wharf")  # dummy credentials unless the caller set some
        self.endpoint, self.suffix = endpoint.rstrip("/"), secrets.token_hex(4)
        self.passed = self.failed = 0
        self.raw, self.last_body = [], None
        self.ecs = boto3.client("ecs", region_name=REGION, endpoint_url=self.endpoint,
                                config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
        # before-parse.ecs.<Op> fires once per HTTP attempt with the unparsed status, headers and body.
        self.ecs.meta.events.register("before-parse.ecs", self._capture)

    def _capture(self, operation_model, response_dict, **_):
        self.raw.append((operation_model.name, response_dict["status_code"],
                         response_dict["headers"], response_dict["body"]))

    def check(self, name, ok, detail=""):
        self.passed, self.failed = self.passed + bool(ok), self.failed + (not ok)
        print(f"PASS  {name}" if ok else f"FAIL  {name}: {str(detail)[:600]}")
        return bool(ok)

    def call(self, op, expect_error=None, quiet=False, **params):
        """Calls op through boto3 and checks each raw response. Returns the parsed dict, {} on error.
        The raw body of the last successful response stays in last_body (timestamps as sent).
        quiet (for polling): checks that pass are neither printed nor counted; failures still are."""
        self.raw.clear()
        self.last_body = None
        result, error = {}, None
        try:
            result = getattr(self.ecs, xform_name(op))(**params)
        except ClientError as exc:
            error = exc
        except Exception as exc:  # connection refused, client-side validation, ...
            self.check(f"{op}: request completes", False, repr(exc))
            return {}
        for name, status, headers, body in self.raw:
            if status < 300:
                value, errors = parse_json(body)
                errors += header_errors(headers) + ([] if value is None else validate_output(name, value))
                self.last_body = value
                if not quiet or errors:
                    self.check(f"{name}: raw response matches {name}Response", not errors, "; ".join(errors))
            else:
                errors, form = validate_error(status, headers, body, expect_error)
                self.check(f"{name}: raw error is a JSON 1.1 error (HTTP {status}, __type {form})",
                           not errors, "; ".join(errors))
        if expect_error:
            code = error.response["Error"]["Code"] if error else "no error"
            self.check(f"{op}: fails with {expect_error}", code == expect_error, code)
        elif error is not None:
            self.check(f"{op}: succeeds", False, f"{error} | request: {json.dumps(params, default=str)[:300]}")
        return result

    def signed_headers(self, target, body):
        request = AWSRequest(method="POST", url=self.endpoint + "/", data=body,
                             headers={"Content-Type": JSON_CT, "X-Amz-Target": TARGET_PREFIX + "." + target})
        creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
        SigV4Auth(creds, "ecs", REGION).add_auth(request)
        return dict(request.headers.items())

    def raw_post(self, target, body):
        """A SigV4-signed JSON 1.1 POST through urllib (no boto3). Returns (status, headers, body)."""
        request = urllib.request.Request(self.endpoint + "/", data=body, method="POST",
                                         headers=self.signed_headers(target, body))
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def raw_post_early_reply(self, target, body):
        """Like raw_post over a bare socket, but stops sending once the server answers, so a server
        that rejects a huge body without reading it is seen answering instead of resetting."""
        url = urlsplit(self.endpoint)
        headers = {**self.signed_headers(target, body), "Content-Length": len(body), "Connection": "close"}
        head = f"POST / HTTP/1.1\r\nHost: {url.netloc}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() != "host") + "\r\n"
        data, sent, received = memoryview(head.encode() + body), 0, b""
        with socket.create_connection((url.hostname, url.port or 80), timeout=15) as sock:
            while sent < len(data):
                readable, writable, _ = select.select([sock], [sock], [], 15)
                if readable or not writable:
                    break
                try:
                    sent += sock.send(data[sent:sent + 65536])
                except OSError:  # EPIPE/ECONNRESET: the server stopped reading; its answer may be waiting
                    break
            try:
                while chunk := sock.recv(65536):
                    received += chunk
            except OSError:
                pass
        response = http.client.HTTPResponse(type("Sock", (), {"makefile": lambda *_: io.BytesIO(received)})())
        response.begin()  # raises if no status line came back
        return response.status, response.headers, response.read()

def dig(value, *keys):
    for key in keys:
        value = value.get(key, {}) if isinstance(value, dict) else {}
    return value

def tag_map(tags):
    return {t.get("key"): t.get("value") for t in tags or []}

def arn_ok(arn, resource):
    return re.fullmatch(rf"arn:aws:ecs:{REGION}:\d{{12}}:{re.escape(resource)}", arn or "") is not None

def page_all(run, op, key, **params):
    """Follows nextToken to the end. Returns (items, problems)."""
    items, problems, token = [], [], None
    for _ in range(1000):
        page = run.call(op, **params, **({"nextToken": token} if token else {}))
        if len(page.get(key, [])) > params.get("maxResults", 100):
            problems.append(f"a page has {len(page[key])} items, more than maxResults")
        items, token = items + page.get(key, []), page.get("nextToken")
        if not token:
            return items, problems
    return items, problems + ["still a nextToken after 1000 pages"]

# ----------------------------------------------------------------------------- scenarios

def scenario_clusters(run):
    name, missing = f"wharf-conf-{run.suffix}", f"wharf-conf-missing-{run.suffix}"
    tags = [{"key": "team", "value": "wharf"}, {"key": "suite", "value": "conformance"}]
    insights = {"name": "containerInsights", "value": "enabled"}
    c = run.call("CreateCluster", clusterName=name, tags=tags, settings=[insights],
                 configuration={"executeCommandConfiguration": {"logging": "DEFAULT"}}).get("cluster", {})
    arn = c.get("clusterArn", "")
    run.check("CreateCluster: clusterName echoed, status ACTIVE, arn:aws:ecs:us-east-1:<acct>:cluster/<name>",
              (c.get("clusterName"), c.get("status")) == (name, "ACTIVE") and arn_ok(arn, f"cluster/{name}"), c)
    c = run.call("CreateCluster", clusterName=name).get("cluster", {})
    run.check("CreateCluster again, same name: same ARN, ACTIVE",
              (c.get("clusterArn"), c.get("status")) == (arn, "ACTIVE"), c)

    out = run.call("DescribeClusters", clusters=[name, missing],
                   include=["SETTINGS", "TAGS", "STATISTICS", "CONFIGURATIONS"])
    found = out.get("clusters", [])
    c = found[0] if len(found) == 1 else {}
    run.check("DescribeClusters: exactly the existing cluster in clusters", c.get("clusterArn") == arn, found)
    run.check("DescribeClusters SETTINGS: containerInsights=enabled", insights in c.get("settings", []), c)
    run.check("DescribeClusters TAGS: the creation tags", tag_map(c.get("tags")) == tag_map(tags), c.get("tags"))
    run.check("DescribeClusters STATISTICS: statistics is a list", isinstance(c.get("statistics"), list), c)
    run.check("DescribeClusters CONFIGURATIONS: executeCommandConfiguration.logging DEFAULT",
              dig(c, "configuration", "executeCommandConfiguration", "logging") == "DEFAULT", c.get("configuration"))
    want = [{"arn": arn.rsplit("/", 1)[0] + "/" + missing, "reason": "MISSING"}]
    failures = [{k: f.get(k) for k in ("arn", "reason")} for f in out.get("failures", [])]
    run.check("DescribeClusters: unknown name in failures, reason MISSING, arn = its cluster ARN",
              failures == want, failures)

    arns, problems = page_all(run, "ListClusters", "clusterArns", maxResults=1)
    run.check("ListClusters maxResults=1 paged to the end: cluster listed once, <= 1 ARN a page",
              arns.count(arn) == 1 and len(set(arns)) == len(arns) and not problems, problems or arns)

    c = run.call("UpdateCluster", cluster=name,
                 configuration={"executeCommandConfiguration": {"logging": "NONE"}}).get("cluster", {})
    run.check("UpdateCluster: executeCommandConfiguration.logging now NONE",
              dig(c, "configuration", "executeCommandConfiguration", "logging") == "NONE", c)
    disabled = {"name": "containerInsights", "value": "disabled"}
    c = run.call("UpdateClusterSettings", cluster=name, settings=[disabled]).get("cluster", {})
    run.check("UpdateClusterSettings: settings has containerInsights=disabled", disabled in c.get("settings", []), c)
    c = run.call("PutClusterCapacityProviders", cluster=name, capacityProviders=["FARGATE"],
                 defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}]).get("cluster", {})
    strategy = [(s.get("capacityProvider"), s.get("weight"), s.get("base", 0))
                for s in c.get("defaultCapacityProviderStrategy", [])]
    run.check("PutClusterCapacityProviders: capacityProviders [FARGATE], strategy FARGATE weight 1 (base 0)",
              c.get("capacityProviders") == ["FARGATE"] and strategy == [("FARGATE", 1, 0)], c)

    run.call("TagResource", resourceArn=arn, tags=[{"key": "extra", "value": "1"}])
    listed = tag_map(run.call("ListTagsForResource", resourceArn=arn).get("tags"))
    run.check("TagResource, ListTagsForResource: creation tags + extra=1",
              listed == {**tag_map(tags), "extra": "1"}, listed)
    run.call("UntagResource", resourceArn=arn, tagKeys=["extra"])
    listed = tag_map(run.call("ListTagsForResource", resourceArn=arn).get("tags"))
    run.check("UntagResource: extra removed, the others kept", listed == tag_map(tags), listed)

    c = run.call("DeleteCluster", cluster=name).get("cluster", {})
    run.check("DeleteCluster: returns the cluster with status INACTIVE",
              (c.get("clusterArn"), c.get("status")) == (arn, "INACTIVE"), c)
    found = run.call("DescribeClusters", clusters=[name]).get("clusters", [])
    run.check("DescribeClusters after delete: INACTIVE", [x.get("status") for x in found] == ["INACTIVE"], found)
    run.call("DeleteCluster", expect_error="ClusterNotFoundException", cluster=missing)

def scenario_task_definitions(run):
    for fixture in ("sleep360.json", "sample-fargate.json"):
        doc = json.loads((FIXTURES / fixture).read_text())
        family = f"{doc['family']}-{run.suffix}"
        td = run.call("RegisterTaskDefinition", **{**doc, "family": family}).get("taskDefinition", {})
        run.check(f"Register {fixture}: family, revision 1, ACTIVE, ARN .../task-definition/<family>:1",
                  (td.get("family"), td.get("revision"), td.get("status")) == (family, 1, "ACTIVE")
                  and arn_ok(td.get("taskDefinitionArn"), f"task-definition/{family}:1"), td)
        # ECS fills in a container's cpu as 0 when the definition gives none.
        sent = [(c["name"], c["image"], c.get("cpu", 0), c.get("memory")) for c in doc["containerDefinitions"]]
        got = [(c.get("name"), c.get("image"), c.get("cpu"), c.get("memory"))
               for c in td.get("containerDefinitions", [])]
        run.check(f"Register {fixture}: containers echoed (name, image, cpu, memory)", got == sent, got)
        echoed = {k: td.get(k) for k in ("networkMode", "requiresCompatibilities", "cpu", "memory") if k in doc}
        run.check(f"Register {fixture}: task-level fields echoed {sorted(echoed)}",
                  echoed == {k: doc[k] for k in echoed}, echoed)
        launch = "FARGATE" if "FARGATE" in doc.get("requiresCompatibilities", []) else "EC2"
        run.check(f"Register {fixture}: compatibilities include {launch}", launch in td.get("compatibilities", []), td)

    family, arns = f"wharf-conf-rev-{run.suffix}", []
    base = {"family": family, "tags": [{"key": "suite", "value": "conformance"}], "containerDefinitions": [
        {"name": "app", "image": "busybox", "memory": 64, "essential": True, "command": ["sleep", "60"]}]}
    for revision in (1, 2, 3):
        extra = {"cpu": "1 vCPU", "memory": "2 GB"} if revision == 3 else {}
        td = run.call("RegisterTaskDefinition", **base, **extra).get("taskDefinition", {})
        run.check(f"RegisterTaskDefinition #{revision} of {family}: revision {revision}", td.get("revision") == revision
                  and arn_ok(td.get("taskDefinitionArn"), f"task-definition/{family}:{revision}"), td)
        arns.append(td.get("taskDefinitionArn"))
    run.check("RegisterTaskDefinition: cpu '1 vCPU' / memory '2 GB' come back as '1024' / '2048'",
              (td.get("cpu"), td.get("memory")) == ("1024", "2048"), (td.get("cpu"), td.get("memory")))

    for ref, revision in ((family, 3), (f"{family}:2", 2), (arns[0], 1)):
        out = run.call("DescribeTaskDefinition", taskDefinition=ref, include=["TAGS"])
        run.check(f"DescribeTaskDefinition {ref} include TAGS: revision {revision}, tags suite=conformance",
                  dig(out, "taskDefinition", "revision") == revision
                  and tag_map(out.get("tags")) == {"suite": "conformance"}, out)

    listed, problems = page_all(run, "ListTaskDefinitions", "taskDefinitionArns", familyPrefix=family,
                                status="ACTIVE", sort="DESC", maxResults=1)
    run.check("ListTaskDefinitions familyPrefix, ACTIVE, DESC, maxResults=1 paged: revisions 3,2,1",
              listed == arns[::-1] and not problems, problems or listed)
    listed = run.call("ListTaskDefinitions", familyPrefix=family, sort="ASC").get("taskDefinitionArns")
    run.check("ListTaskDefinitions familyPrefix, sort ASC: revisions 1,2,3", listed == arns, listed)
    families = run.call("ListTaskDefinitionFamilies", familyPrefix=family).get("families")
    run.check("ListTaskDefinitionFamilies familyPrefix: exactly the family", families == [family], families)

    td = run.call("DeregisterTaskDefinition", taskDefinition=f"{family}:1").get("taskDefinition", {})
    run.check("DeregisterTaskDefinition: status INACTIVE", td.get("status") == "INACTIVE", td)
    td = run.call("DescribeTaskDefinition", taskDefinition=f"{family}:1").get("taskDefinition", {})
    run.check("DescribeTaskDefinition of the deregistered revision: INACTIVE", td.get("status") == "INACTIVE", td)
    listed = run.call("ListTaskDefinitions", familyPrefix=family, status="INACTIVE").get("taskDefinitionArns")
    run.check("ListTaskDefinitions status INACTIVE: only revision 1", listed == arns[:1], listed)

    out = run.call("DeleteTaskDefinitions", taskDefinitions=[f"{family}:2"])
    failures = out.get("failures", [])
    run.check("DeleteTaskDefinitions of an ACTIVE revision: one failure (its arn, a reason), nothing deleted",
              len(failures) == 1 and failures[0].get("arn") == arns[1] and failures[0].get("reason")
              and not out.get("taskDefinitions"), out)
    out = run.call("DeleteTaskDefinitions", taskDefinitions=[f"{family}:1"])
    deleted = [(t.get("taskDefinitionArn"), t.get("status")) for t in out.get("taskDefinitions", [])]
    run.check("DeleteTaskDefinitions of the INACTIVE revision: DELETE_IN_PROGRESS, no failures",
              deleted == [(arns[0], "DELETE_IN_PROGRESS")] and not out.get("failures"), out)

def scenario_account_settings(run):
    setting = run.call("PutAccountSetting", name="containerInsights", value="enabled").get("setting", {})
    run.check("PutAccountSetting: returns containerInsights=enabled",
              (setting.get("name"), setting.get("value")) == ("containerInsights", "enabled"), setting)
    setting = run.call("PutAccountSettingDefault", name="awsvpcTrunking", value="enabled").get("setting", {})
    run.check("PutAccountSettingDefault: returns awsvpcTrunking=enabled",
              (setting.get("name"), setting.get("value")) == ("awsvpcTrunking", "enabled"), setting)
    settings = run.call("ListAccountSettings", name="containerInsights").get("settings", [])
    run.check("ListAccountSettings name=containerInsights: only that name, one of them enabled",
              settings and {s.get("name") for s in settings} == {"containerInsights"}
              and any(s.get("value") == "enabled" for s in settings), settings)
    settings = run.call("ListAccountSettings", effectiveSettings=True).get("settings", [])
    effective = {s.get("name"): s.get("value") for s in settings}
    run.check("ListAccountSettings effectiveSettings: lists containerInsights, and awsvpcTrunking=enabled",
              "containerInsights" in effective and effective.get("awsvpcTrunking") == "enabled", settings)

def scenario_more_operations(run):
    """The operations issue 19 added, each answer strict: DeleteAccountSetting, RegisterContainerInstance
    and DeregisterContainerInstance, DescribeServiceRevisions, ListServicesByNamespace, Get/UpdateTaskProtection,
    DiscoverPollEndpoint; tags on a service and a container instance, managed tags absent on request."""
    cluster, family, service = (f"wharf-conf-more-{run.suffix}",) * 3
    run.call("PutAccountSetting", name="containerInsights", value="enabled")
    deleted = run.call("DeleteAccountSetting", name="containerInsights").get("setting", {})
    run.check("DeleteAccountSetting: answers the setting removed", deleted.get("name") == "containerInsights", deleted)
    run.call("DeleteAccountSetting", expect_error="InvalidParameterException", name="noSuchSetting")
    run.call("CreateCluster", clusterName=cluster)
    registered = run.call("RegisterContainerInstance", cluster=cluster, totalResources=[
        {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
        {"name": "MEMORY", "type": "INTEGER", "integerValue": 2048}],
        versionInfo={"agentVersion": "1.0.0"}, tags=[{"key": "rack", "value": "top"}]).get("containerInstance", {})
    instance = registered.get("containerInstanceArn", "")
    run.check("RegisterContainerInstance: an instance of the cluster, not connected, its resources registered",
              arn_ok(instance, f"container-instance/{cluster}/" + instance.rsplit("/", 1)[-1])
              and registered.get("agentConnected") is False
              and {r.get("name") for r in registered.get("registeredResources", [])} >= {"CPU", "MEMORY"}, registered)
    run.call("TagResource", resourceArn=instance, tags=[{"key": "zone", "value": "b"}])
    run.call("UntagResource", resourceArn=instance, tagKeys=["rack"])
    tags = tag_map(run.call("ListTagsForResource", resourceArn=instance).get("tags"))
    run.check("a container instance's tags: created with one, one added, one removed", tags == {"zone": "b"}, tags)
    described = run.call("DescribeContainerInstances", cluster=cluster, containerInstances=[instance],
                         include=["TAGS"]).get("containerInstances", [{}])
    run.check("DescribeContainerInstances include TAGS shows them", tag_map(described[0].get("tags")) == {"zone": "b"},
              described)
    poll = run.call("DiscoverPollEndpoint", cluster=cluster, containerInstance=instance)
    run.check("DiscoverPollEndpoint: the controller as endpoint and telemetry endpoint",
              poll.get("endpoint", "").startswith(run.endpoint) and "telemetryEndpoint" in poll, poll)
    run.call("DiscoverPollEndpoint", expect_error="ClusterNotFoundException", cluster=f"nope-{run.suffix}")
    run.call("RegisterTaskDefinition", family=family, containerDefinitions=[
        {"name": "app", "image": "busybox", "memory": 16}], tags=[{"key": "team", "value": "web"}])
    created = run.call("CreateService", cluster=cluster, serviceName=service, taskDefinition=family, desiredCount=0,
                       tags=[{"key": "tier", "value": "gold"}], propagateTags="TASK_DEFINITION",
                       enableECSManagedTags=True).get("service", {})
    arn = created.get("serviceArn", "")
    run.call("TagResource", resourceArn=arn, tags=[{"key": "owner", "value": "ops"}])
    run.call("UntagResource", resourceArn=arn, tagKeys=["tier"])
    tags = tag_map(run.call("ListTagsForResource", resourceArn=arn).get("tags"))
    run.check("a service's tags: created with one, one added, one removed", tags == {"owner": "ops"}, tags)
    shown = run.call("DescribeServices", cluster=cluster, services=[service], include=["TAGS"]).get("services", [{}])
    run.check("DescribeServices include TAGS shows them; propagateTags and enableECSManagedTags kept",
              tag_map(shown[0].get("tags")) == {"owner": "ops"} and shown[0].get("propagateTags") == "TASK_DEFINITION"
              and shown[0].get("enableECSManagedTags") is True, shown)
    run.call("TagResource", expect_error="InvalidParameterException", resourceArn=arn,
             tags=[{"key": "aws:ecs:serviceName", "value": "x"}])
    deployments = run.call("ListServiceDeployments", cluster=cluster, service=service).get("serviceDeployments", [])
    revisions = [d.get("targetServiceRevisionArn") for d in deployments if d.get("targetServiceRevisionArn")]
    answer = run.call("DescribeServiceRevisions", serviceRevisionArns=revisions[:1])
    got = answer.get("serviceRevisions", [{}])
    run.check("DescribeServiceRevisions: the service's first revision with its task definition",
              len(got) == 1 and got[0].get("serviceArn") == arn and family in got[0].get("taskDefinition", ""), answer)
    missing = run.call("DescribeServiceRevisions", serviceRevisionArns=[
        f"arn:aws:ecs:{REGION}:000000000000:service-revision/{cluster}/{service}/1"])
    run.check("DescribeServiceRevisions: an unknown revision is a failure", missing.get("failures"), missing)
    run.call("ListServicesByNamespace", expect_error="NamespaceNotFoundException", namespace=f"nope-{run.suffix}")
    discovery = boto3.client("servicediscovery", region_name=REGION, endpoint_url=run.endpoint)
    namespace = f"conf-{run.suffix}"
    discovery.create_http_namespace(Name=namespace)
    listed = run.call("ListServicesByNamespace", namespace=namespace)
    run.check("ListServicesByNamespace: a namespace no service uses lists none", listed.get("serviceArns") == [], listed)
    task = f"arn:aws:ecs:{REGION}:000000000000:task/{cluster}/0123456789abcdef0123456789abcdef"
    protection = run.call("GetTaskProtection", cluster=cluster, tasks=[task])
    run.check("GetTaskProtection: an unknown task is a MISSING failure",
              [f.get("reason") for f in protection.get("failures", [])] == ["MISSING"], protection)
    protection = run.call("UpdateTaskProtection", cluster=cluster, tasks=[task], protectionEnabled=True,
                          expiresInMinutes=60)
    run.check("UpdateTaskProtection: an unknown task is a MISSING failure",
              [f.get("reason") for f in protection.get("failures", [])] == ["MISSING"], protection)
    run.call("UpdateTaskProtection", expect_error="InvalidParameterException", cluster=cluster, tasks=[task],
             protectionEnabled=True, expiresInMinutes=5000)
    # A service watched by a deployment alarm: its configuration and its deployments' alarms, strictly.
    boto3.client("cloudwatch", region_name=REGION, endpoint_url=run.endpoint).put_metric_alarm(
        AlarmName=f"conf-{run.suffix}", Namespace="Conformance", MetricName="Errors", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold")
    alarmed = run.call("CreateService", cluster=cluster, serviceName=f"{service}-alarmed", taskDefinition=family,
                       desiredCount=0, deploymentConfiguration={"alarms": {
                           "alarmNames": [f"conf-{run.suffix}"], "enable": True, "rollback": True}}).get("service", {})
    run.check("CreateService: deploymentConfiguration.alarms kept",
              dig(alarmed, "deploymentConfiguration", "alarms").get("alarmNames") == [f"conf-{run.suffix}"], alarmed)
    deployments = run.call("ListServiceDeployments", cluster=cluster, service=f"{service}-alarmed")
    arns = [d.get("serviceDeploymentArn") for d in deployments.get("serviceDeployments", [])]
    described = run.call("DescribeServiceDeployments", serviceDeploymentArns=arns[:1]).get("serviceDeployments", [{}])
    run.check("DescribeServiceDeployments: the deployment names the alarm it watches",
              described and dig(described[0], "alarms").get("alarmNames") == [f"conf-{run.suffix}"], described)
    run.call("DeleteService", cluster=cluster, service=f"{service}-alarmed")
    run.call("DeleteService", cluster=cluster, service=service)
    for name in (service, f"{service}-alarmed"):
        seen, held = wait_for_service(run, cluster, name, lambda found: found.get("status") == "INACTIVE")
        run.check(f"DeleteService: {name} INACTIVE once drained", held, seen.get("status"))
    gone = run.call("DeregisterContainerInstance", cluster=cluster, containerInstance=instance, force=True)
    run.check("DeregisterContainerInstance: the instance, INACTIVE",
              gone.get("containerInstance", {}).get("status") == "INACTIVE", gone)
    run.call("DeregisterTaskDefinition", taskDefinition=f"{family}:1")
    run.call("DeleteCluster", cluster=cluster)

def scenario_errors(run):
    def expect(label, target, body, accepted):
        status, headers, raw = run.raw_post(target, body)
        errors, form = validate_error(status, headers, raw, accepted)
        errors = ([] if status == 400 else [f"HTTP {status}, expected 400"]) + errors
        run.check(f"{label} -> 400 {' or '.join(sorted(accepted))} (__type {form})", not errors,
                  "; ".join(errors) + f" | body: {raw[:200]!r}")

    expect("unknown X-Amz-Target operation", "NoSuchOperation", b"{}", {"UnknownOperationException"})
    expect("body is not JSON", "CreateCluster", b"this is {not json", {"SerializationException"})
    expect('wrong member type {"clusterName": 5}', "CreateCluster", b'{"clusterName": 5}', {"SerializationException"})
    body = json.dumps({"family": f"wharf-conf-empty-{run.suffix}", "containerDefinitions": []}).encode()
    expect("RegisterTaskDefinition with no containers", "RegisterTaskDefinition", body,
           {"ClientException", "InvalidParameterException"})

    try:
        status, headers, raw = run.raw_post_early_reply("CreateCluster", b'{"clusterName": "' + b"a" * 10485760 + b'"}')
        parsed, _ = parse_json(raw)
        message = parsed.get("message") if isinstance(parsed, dict) else raw.decode("utf-8", "replace")
        run.check(f"10 MiB body -> 4xx with a message (got HTTP {status})",
                  400 <= status <= 499 and isinstance(message, str) and message.strip(), raw[:300])
        errors, _ = validate_error(status, headers, raw, None)
        if errors:
            print(f"NOTE  10 MiB body: the rejection is not a JSON 1.1 error: {'; '.join(errors)}")
    except Exception as exc:
        run.check("10 MiB body -> 4xx with a message", False, f"no HTTP response: {exc!r}")

    try:
        with urllib.request.urlopen(run.endpoint + "/healthz", timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except Exception as exc:
        status = repr(exc)
    run.check("afterwards the server still answers GET /healthz with 200", status == 200, status)

def scenario_capacity_providers(run):
    name, cluster = f"wharf-conf-cp-{run.suffix}", f"wharf-conf-cp-{run.suffix}"
    group = f"arn:aws:autoscaling:{REGION}:000000000000:autoScalingGroup:0f1e:autoScalingGroupName/nodes-{run.suffix}"
    cp = run.call("CreateCapacityProvider", name=name, autoScalingGroupProvider={"autoScalingGroupArn": group},
                  tags=[{"key": "team", "value": "wharf"}]).get("capacityProvider", {})
    asg = cp.get("autoScalingGroupProvider", {})
    run.check("CreateCapacityProvider: ACTIVE, EC2_AUTOSCALING, ARN .../capacity-provider/<name>, ECS's defaults",
              (cp.get("status"), cp.get("type")) == ("ACTIVE", "EC2_AUTOSCALING")
              and arn_ok(cp.get("capacityProviderArn"), f"capacity-provider/{name}")
              and asg.get("autoScalingGroupArn") == group and dig(asg, "managedScaling", "status") == "DISABLED"
              and asg.get("managedTerminationProtection") == "DISABLED" and asg.get("managedDraining") == "ENABLED", cp)
    run.call("CreateCapacityProvider", expect_error="ClientException", name=name,
             autoScalingGroupProvider={"autoScalingGroupArn": "other"})
    run.call("CreateCapacityProvider", expect_error="InvalidParameterException", name="fargate-mine",
             autoScalingGroupProvider={"autoScalingGroupArn": "other"})
    listed = run.call("DescribeCapacityProviders", include=["TAGS"]).get("capacityProviders", [])
    names = [p.get("name") for p in listed]
    run.check("DescribeCapacityProviders: FARGATE, FARGATE_SPOT and the new one with its tags",
              names[:2] == ["FARGATE", "FARGATE_SPOT"] and name in names
              and tag_map(next((p for p in listed if p.get("name") == name), {}).get("tags"))
              == {"team": "wharf"}, names)
    out = run.call("DescribeCapacityProviders", capacityProviders=[name, "nope"])
    run.check("DescribeCapacityProviders: unknown name in failures, reason MISSING",
              [p.get("name") for p in out.get("capacityProviders", [])] == [name]
              and [f.get("reason") for f in out.get("failures", [])] == ["MISSING"], out)
    items, problems = page_all(run, "DescribeCapacityProviders", "capacityProviders", maxResults=1)
    run.check("DescribeCapacityProviders maxResults=1 paged to the end",
              [p.get("name") for p in items] == names and not problems, problems or items)
    cp = run.call("UpdateCapacityProvider", name=name,
                  autoScalingGroupProvider={"managedDraining": "DISABLED"}).get("capacityProvider", {})
    run.check("UpdateCapacityProvider: managedDraining DISABLED",
              dig(cp, "autoScalingGroupProvider", "managedDraining") == "DISABLED", cp)
    arn = cp.get("capacityProviderArn", "")
    run.call("TagResource", resourceArn=arn, tags=[{"key": "extra", "value": "1"}])
    listed = tag_map(run.call("ListTagsForResource", resourceArn=arn).get("tags"))
    run.check("TagResource on a capacity provider", listed == {"team": "wharf", "extra": "1"}, listed)
    run.call("CreateCluster", clusterName=cluster)
    c = run.call("PutClusterCapacityProviders", cluster=cluster, capacityProviders=[name, "FARGATE"],
                 defaultCapacityProviderStrategy=[{"capacityProvider": name, "weight": 1}]).get("cluster", {})
    run.check("PutClusterCapacityProviders with the account's own provider",
              c.get("capacityProviders") == [name, "FARGATE"], c)
    run.call("PutClusterCapacityProviders", expect_error="InvalidParameterException", cluster=cluster,
             capacityProviders=["nope"], defaultCapacityProviderStrategy=[])
    run.call("DeleteCapacityProvider", expect_error="ClientException", capacityProvider=name)
    run.call("PutClusterCapacityProviders", cluster=cluster, capacityProviders=[],
             defaultCapacityProviderStrategy=[])
    cp = run.call("DeleteCapacityProvider", capacityProvider=arn).get("capacityProvider", {})
    run.check("DeleteCapacityProvider: returned INACTIVE", cp.get("status") == "INACTIVE", cp)
    run.call("DeleteCapacityProvider", expect_error="InvalidParameterException", capacityProvider=name)
    run.call("DeleteCluster", cluster=cluster)

def wait_for_tasks(run, cluster, arns, status, timeout=60):
    """Polls DescribeTasks (quietly) until every task's lastStatus is status, or a task stops when
    status is not STOPPED, or timeout seconds pass. Returns (tasks last seen, reached)."""
    deadline, tasks = time.monotonic() + timeout, []
    while True:
        tasks = run.call("DescribeTasks", quiet=True, cluster=cluster, tasks=arns).get("tasks", [])
        seen = [t.get("lastStatus") for t in tasks]
        if len(tasks) == len(arns) and all(s == status for s in seen):
            return tasks, True
        if time.monotonic() > deadline or (status != "STOPPED" and "STOPPED" in seen):
            return tasks, False
        time.sleep(0.5)

def scenario_capacity_tasks(run, cluster, image):
    """RunTask with a strategy of the account's own capacity provider, on a real agent whose node is
    put in the provider's group with PutAttributes."""
    name, group = f"wharf-conf-cpt-{run.suffix}", f"nodes-{run.suffix}"
    instance = (run.call("ListContainerInstances", cluster=cluster).get("containerInstanceArns") or [""])[0]
    attribute = {"name": "wharf.node-group", "value": group, "targetType": "container-instance", "targetId": instance}
    family, tasks = f"wharf-conf-cpt-{run.suffix}", []
    try:
        run.call("PutAttributes", cluster=cluster, attributes=[attribute])
        run.call("CreateCapacityProvider", name=name, autoScalingGroupProvider={"autoScalingGroupArn": group})
        run.call("PutClusterCapacityProviders", cluster=cluster, capacityProviders=[name],
                 defaultCapacityProviderStrategy=[])
        described = run.call("DescribeContainerInstances", cluster=cluster, containerInstances=[instance])
        run.check("DescribeContainerInstances: capacityProviderName is the provider of the node's group",
                  [i.get("capacityProviderName") for i in described.get("containerInstances", [])] == [name],
                  described)
        run.call("RegisterTaskDefinition", family=family, containerDefinitions=[
            {"name": "app", "image": image, "memory": 32, "command": ["sleep", "300"], "stopTimeout": 1}])
        out = run.call("RunTask", cluster=cluster, taskDefinition=family, count=2,
                       capacityProviderStrategy=[{"capacityProvider": name, "weight": 1}])
        tasks = [t.get("taskArn") for t in out.get("tasks", [])]
        run.check("RunTask with the provider's strategy: 2 tasks on the node, capacityProviderName set, EC2",
                  len(tasks) == 2 and all(t.get("capacityProviderName") == name and t.get("launchType") == "EC2"
                                          and t.get("containerInstanceArn") == instance for t in out["tasks"]),
                  [brief(t) for t in out.get("tasks", [])] + out.get("failures", []))
        seen, reached = wait_for_tasks(run, cluster, tasks, "RUNNING")
        run.check("the provider's tasks reach RUNNING on the real agent", reached, [brief(t) for t in seen])
        service = run.call("CreateService", cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=1,
                           capacityProviderStrategy=[{"capacityProvider": name, "weight": 1}]).get("service", {})
        run.check("CreateService with the provider's strategy: the strategy kept, no launchType",
                  "launchType" not in service and [i.get("capacityProvider") for i in
                                                   service.get("capacityProviderStrategy", [])] == [name], service)
        seen, steady = wait_for_service(run, cluster, name, lambda s: s.get("runningCount") == 1)
        run.check("the service's task runs on the provider's node", steady, seen)
        running = run.call("ListTasks", cluster=cluster, serviceName=name).get("taskArns", [])
        described = run.call("DescribeTasks", cluster=cluster, tasks=running).get("tasks", [])
        run.check("the service's task shows the provider", [t.get("capacityProviderName") for t in described]
                  == [name], [brief(t) for t in described])
        run.call("DeleteService", cluster=cluster, service=name, force=True)
        run.call("DeleteAttributes", cluster=cluster, attributes=[attribute])
        out = run.call("RunTask", cluster=cluster, taskDefinition=family,
                       capacityProviderStrategy=[{"capacityProvider": name, "weight": 1}])
        run.check("RunTask when no node is in the provider's group: no task, one failure",
                  not out.get("tasks") and len(out.get("failures", [])) == 1, out)
    finally:
        for arn in tasks:
            run.call("StopTask", quiet=True, cluster=cluster, task=arn)
        if tasks:
            wait_for_tasks(run, cluster, tasks, "STOPPED")
        # A draining service still names the provider: the cluster keeps it until the service is gone.
        wait_for_service(run, cluster, name, lambda s: s.get("status") in ("INACTIVE", None))
        run.call("PutClusterCapacityProviders", quiet=True, cluster=cluster, capacityProviders=[],
                 defaultCapacityProviderStrategy=[])
        run.call("DeleteCapacityProvider", quiet=True, capacityProvider=name)
        run.call("DeregisterTaskDefinition", quiet=True, taskDefinition=f"{family}:1")

def scenario_task_sets(run, cluster, image):
    """A service with the EXTERNAL deployment controller and its task sets, on a real agent."""
    name, family = f"wharf-conf-ts-{run.suffix}", f"wharf-conf-ts-{run.suffix}"
    try:
        run.call("RegisterTaskDefinition", family=family, containerDefinitions=[
            {"name": "app", "image": image, "memory": 32, "command": ["sleep", "300"], "stopTimeout": 1}])
        service = run.call("CreateService", cluster=cluster, serviceName=name, desiredCount=2,
                           deploymentController={"type": "EXTERNAL"}).get("service", {})
        run.check("CreateService EXTERNAL: deploymentController EXTERNAL, no task set, no task definition",
                  dig(service, "deploymentController", "type") == "EXTERNAL" and not service.get("taskSets")
                  and "taskDefinition" not in service, service)
        run.call("CreateService", expect_error="InvalidParameterException", cluster=cluster,
                 serviceName=name + "-x", taskDefinition=family, desiredCount=1,
                 deploymentController={"type": "CODE_DEPLOY"})
        blue = run.call("CreateTaskSet", cluster=cluster, service=name, taskDefinition=family, externalId="blue",
                        scale={"value": 100, "unit": "PERCENT"}).get("taskSet", {})
        run.check("CreateTaskSet: ACTIVE, computedDesiredCount 2, ARN .../task-set/<cluster>/<service>/ecs-svc/<id>",
                  blue.get("status") == "ACTIVE" and blue.get("computedDesiredCount") == 2
                  and arn_ok(blue.get("taskSetArn"), f"task-set/{cluster}/{name}/{blue.get('id', '')}"), blue)
        seen, steady = wait_for_service(run, cluster, name, lambda s: s.get("runningCount") == 2)
        run.check("the blue task set's two tasks run on the real agent", steady, seen)
        green = run.call("CreateTaskSet", cluster=cluster, service=name, taskDefinition=family, externalId="green",
                         scale={"value": 50, "unit": "PERCENT"}).get("taskSet", {})
        primary = run.call("UpdateServicePrimaryTaskSet", cluster=cluster, service=name,
                           primaryTaskSet=green.get("taskSetArn", "")).get("taskSet", {})
        run.check("UpdateServicePrimaryTaskSet: the green task set is PRIMARY", primary.get("status") == "PRIMARY",
                  primary)
        sets = run.call("DescribeTaskSets", cluster=cluster, service=name, include=["TAGS"]).get("taskSets", [])
        run.check("DescribeTaskSets: blue ACTIVE, green PRIMARY",
                  sorted((t.get("externalId"), t.get("status")) for t in sets)
                  == [("blue", "ACTIVE"), ("green", "PRIMARY")], sets)
        run.call("TagResource", resourceArn=green.get("taskSetArn", ""), tags=[{"key": "color", "value": "green"}])
        tags = tag_map(run.call("ListTagsForResource", resourceArn=green.get("taskSetArn", "")).get("tags"))
        run.check("TagResource and ListTagsForResource on a task set", tags == {"color": "green"}, tags)
        run.call("UpdateTaskSet", cluster=cluster, service=name, taskSet=blue.get("id", ""),
                 scale={"value": 0, "unit": "PERCENT"})
        seen, steady = wait_for_service(run, cluster, name, lambda s: s.get("runningCount") == 1)
        run.check("blue scaled to 0 %, green at 50 %: one task runs", steady, seen)
        gone = run.call("DeleteTaskSet", cluster=cluster, service=name, taskSet=blue.get("id", "")).get("taskSet", {})
        run.check("DeleteTaskSet: DRAINING", gone.get("status") == "DRAINING", gone)
        run.call("DescribeTaskSets", expect_error="ServiceNotFoundException", cluster=cluster, service=name + "-no")
    finally:
        run.call("DeleteService", quiet=True, cluster=cluster, service=name, force=True)
        wait_for_service(run, cluster, name, lambda s: s.get("status") in ("INACTIVE", None))
        run.call("DeregisterTaskDefinition", quiet=True, taskDefinition=f"{family}:1")

def scenario_blue_green(run, cluster, image):
    """A BLUE_GREEN service behind an application load balancer, on a real agent. There is no load
    balancer node here, so targets stay initial and green stays in SCALE_UP: the traffic itself is
    the wharf lab test's; this checks the shapes, the rules ECS manages, and a stop that rolls back."""
    elb = boto3.client("elbv2", region_name=REGION, endpoint_url=run.endpoint,
                       config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
    name, family, short = f"wharf-conf-bg-{run.suffix}", f"wharf-conf-bg-{run.suffix}", f"bg-{run.suffix}"
    made = {}
    try:
        made["lb"] = elb.create_load_balancer(Name=short, Subnets=["subnet-a"])["LoadBalancers"][0]["LoadBalancerArn"]
        made["tgs"] = [elb.create_target_group(Name=f"{short}-{color}", Protocol="HTTP", Port=80, VpcId="vpc-1",
                                               TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
                       for color in ("blue", "green")]
        blue, green = made["tgs"]
        for group in made["tgs"]:  # green's task leaves its target group at once when it stops
            elb.modify_target_group_attributes(TargetGroupArn=group, Attributes=[
                {"Key": "deregistration_delay.timeout_seconds", "Value": "0"}])
        made["listener"] = elb.create_listener(
            LoadBalancerArn=made["lb"], Protocol="HTTP", Port=80,
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )["Listeners"][0]["ListenerArn"]
        rule = elb.create_rule(ListenerArn=made["listener"], Priority=1,
                               Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
                               Actions=[{"Type": "forward", "TargetGroupArn": blue}])["Rules"][0]["RuleArn"]
        container = {"name": "app", "image": image, "memory": 32, "command": ["sleep", "300"], "stopTimeout": 1,
                     "portMappings": [{"containerPort": 80, "hostPort": 0}]}
        for _ in range(2):
            run.call("RegisterTaskDefinition", family=family, containerDefinitions=[container])
        advanced = {"alternateTargetGroupArn": green, "productionListenerRule": rule,
                    "roleArn": "arn:aws:iam::000000000000:role/ecsInfrastructureRole"}
        balancers = [{"targetGroupArn": blue, "containerName": "app", "containerPort": 80,
                      "advancedConfiguration": advanced}]
        run.call("CreateService", expect_error="InvalidParameterException", cluster=cluster, serviceName=name,
                 taskDefinition=f"{family}:1", desiredCount=1, loadBalancers=balancers)
        run.call("CreateService", expect_error="InvalidParameterException", cluster=cluster, serviceName=name,
                 taskDefinition=f"{family}:1", desiredCount=1, loadBalancers=balancers,
                 deploymentConfiguration={"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.0}})
        run.call("CreateService", expect_error="InvalidParameterException", cluster=cluster, serviceName=name,
                 taskDefinition=f"{family}:1", desiredCount=1, loadBalancers=balancers,
                 deploymentConfiguration={"strategy": "BLUE_GREEN", "lifecycleHooks": [{
                     "hookTargetArn": "arn:aws:lambda:us-east-1:000000000000:function:f",
                     "roleArn": "arn:aws:iam::000000000000:role/r", "lifecycleStages": ["POST_SCALE_UP"]}]})
        service = run.call("CreateService", cluster=cluster, serviceName=name, taskDefinition=f"{family}:1",
                           desiredCount=1, loadBalancers=balancers,
                           deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0})
        service = service.get("service", {})
        run.check("CreateService BLUE_GREEN: the strategy and each load balancer's advancedConfiguration shown",
                  dig(service, "deploymentConfiguration", "strategy") == "BLUE_GREEN"
                  and (service.get("loadBalancers") or [{}])[0].get("advancedConfiguration") == advanced, service)
        seen, steady = wait_for_service(run, cluster, name, lambda s: s.get("runningCount") == 1)
        run.check("the blue task runs on the real agent", steady, seen)

        def weights():
            actions = elb.describe_rules(RuleArns=[rule])["Rules"][0]["Actions"]
            groups = actions[0].get("ForwardConfig", {}).get("TargetGroups", [])
            return {g["TargetGroupArn"]: g.get("Weight") for g in groups}
        run.check("the production rule forwards to both target groups, all of it to the blue one",
                  weights() == {blue: 100, green: 0}, weights())
        run.call("UpdateService", cluster=cluster, service=name, taskDefinition=f"{family}:2")
        history = run.call("ListServiceDeployments", cluster=cluster, service=name).get("serviceDeployments", [])
        arn = history[0].get("serviceDeploymentArn", "") if history else ""
        deadline, deployment = time.monotonic() + 60, {}
        while time.monotonic() < deadline:
            found = run.call("DescribeServiceDeployments", quiet=True, serviceDeploymentArns=[arn])
            deployment = (found.get("serviceDeployments") or [{}])[0]
            seen = run.call("DescribeServices", quiet=True, cluster=cluster, services=[name]).get("services", [{}])[0]
            if deployment.get("lifecycleStage") == "SCALE_UP" and seen.get("runningCount") == 2:
                break
            time.sleep(0.25)
        run.check("UpdateService: green runs beside blue, the deployment in SCALE_UP (its targets are not healthy)",
                  deployment.get("lifecycleStage") == "SCALE_UP" and seen.get("runningCount") == 2,
                  (deployment, seen.get("runningCount")))
        run.check("production traffic stays on blue while green is not healthy", weights() == {blue: 100, green: 0},
                  weights())
        run.call("StopServiceDeployment", serviceDeploymentArn=arn, stopType="ROLLBACK")
        # Blue's target is never healthy without a load balancer node, so the rollback stays in progress (it
        # ends ROLLBACK_SUCCESSFUL in the wharf lab test); green is stopped and blue's revision is the service's.
        seen, steady = wait_for_service(run, cluster, name, lambda s: s.get("runningCount") == 1
                                        and len(s.get("deployments", [])) == 1
                                        and s.get("taskDefinition", "").endswith(f"{family}:1"))
        found = run.call("DescribeServiceDeployments", serviceDeploymentArns=[arn])
        deployment = (found.get("serviceDeployments") or [{}])[0]
        run.check("StopServiceDeployment ROLLBACK: back to blue's revision and deployment, green stopped",
                  deployment.get("status") == "ROLLBACK_IN_PROGRESS" and steady,
                  (deployment.get("status"), deployment.get("statusReason"), seen.get("runningCount"),
                   seen.get("taskDefinition"), [(d.get("status"), d.get("rolloutState"), d.get("runningCount"))
                                                for d in seen.get("deployments", [])]))
    finally:
        run.call("DeleteService", quiet=True, cluster=cluster, service=name, force=True)
        wait_for_service(run, cluster, name, lambda s: s.get("status") in ("INACTIVE", None))
        for revision in (1, 2):
            run.call("DeregisterTaskDefinition", quiet=True, taskDefinition=f"{family}:{revision}")
        for delete, key, arns in ((elb.delete_listener, "ListenerArn", [made.get("listener")]),
                                  (elb.delete_load_balancer, "LoadBalancerArn", [made.get("lb")]),
                                  (elb.delete_target_group, "TargetGroupArn", made.get("tgs", []))):
            for value in arns:
                if value:
                    try:
                        delete(**{key: value})
                    except ClientError as exc:
                        print(f"cleanup: {exc}")

def scenario_exec(run, cluster, image):
    """ExecuteCommand (ECS Exec's API, which `wharf exec` uses) on a real agent: a task run with
    enableExecuteCommand shows it and its managed agent; the answer has ECS's shape; the rest is refused."""
    family = f"wharf-conf-exec-{run.suffix}"
    tasks = []
    try:
        run.call("RegisterTaskDefinition", family=family, containerDefinitions=[
            {"name": "app", "image": image, "memory": 32, "command": ["sleep", "300"], "stopTimeout": 1}])
        for enable in (True, False):
            started = run.call("RunTask", cluster=cluster, taskDefinition=family, enableExecuteCommand=enable)
            tasks.append((started.get("tasks") or [{}])[0].get("taskArn", ""))
        deadline, described = time.monotonic() + 60, []
        while time.monotonic() < deadline:
            described = run.call("DescribeTasks", quiet=True, cluster=cluster, tasks=tasks).get("tasks", [])
            if len(described) == 2 and all(t.get("lastStatus") == "RUNNING" for t in described):
                break
            time.sleep(0.25)
        by_arn = {t.get("taskArn"): t for t in described}
        enabled = by_arn.get(tasks[0], {})
        agents = (enabled.get("containers") or [{}])[0].get("managedAgents", [])
        run.check("RunTask enableExecuteCommand: the task shows it, its container the ExecuteCommandAgent RUNNING",
                  enabled.get("enableExecuteCommand") is True and enabled.get("lastStatus") == "RUNNING"
                  and [(a.get("name"), a.get("lastStatus")) for a in agents] == [("ExecuteCommandAgent", "RUNNING")],
                  enabled)
        run.check("a task run without it shows false and no managed agent",
                  by_arn.get(tasks[1], {}).get("enableExecuteCommand") is False
                  and "managedAgents" not in (by_arn.get(tasks[1], {}).get("containers") or [{}])[0],
                  by_arn.get(tasks[1]))
        opened = run.call("ExecuteCommand", cluster=cluster, task=tasks[0], command="ls -la /", interactive=True)
        session = opened.get("session", {})
        run.check("ExecuteCommand: ECS's answer, with a session ID, a token and a stream URL",
                  opened.get("taskArn") == tasks[0] and opened.get("containerName") == "app"
                  and opened.get("interactive") is True
                  and session.get("sessionId", "").startswith("ecs-execute-command-")
                  and len(session.get("tokenValue", "")) == 64 and session.get("streamUrl", "").startswith("http"),
                  opened)
        run.call("ExecuteCommand", expect_error="InvalidParameterException", cluster=cluster, task=tasks[1],
                 command="ls", interactive=True)
        run.call("ExecuteCommand", expect_error="InvalidParameterException", cluster=cluster, task=tasks[0],
                 command="ls", interactive=False)
        run.call("ExecuteCommand", expect_error="InvalidParameterException", cluster=cluster, task=tasks[0],
                 container="nope", command="ls", interactive=True)
        run.call("ExecuteCommand", expect_error="ClusterNotFoundException", cluster=f"missing-{run.suffix}",
                 task=tasks[0], command="ls", interactive=True)
    finally:
        for arn in tasks:
            if arn:
                run.call("StopTask", quiet=True, cluster=cluster, task=arn)
        run.call("DeregisterTaskDefinition", quiet=True, taskDefinition=f"{family}:1")

def brief(task):
    """The members of a task worth showing when a check about it fails."""
    keys = ("taskArn", "lastStatus", "desiredStatus", "stopCode", "stoppedReason", "startedAt", "stoppedAt",
            "containerInstanceArn", "group", "launchType", "createdAt")
    return {**{k: task.get(k) for k in keys if k in task},
            "containers": [{k: c.get(k) for k in ("name", "lastStatus", "exitCode", "reason") if k in c}
                           for c in task.get("containers", [])]}

def scenario_tasks(run, cluster, image):
    """Container instances, attributes and tasks on an existing cluster with a connected agent."""
    name = cluster.rsplit("/", 1)[-1]
    started, drained, attribute, families = [], [], None, []
    try:
        instances = run.call("ListContainerInstances", cluster=cluster, status="ACTIVE",
                             filter="attribute:ecs.os-type == linux").get("containerInstanceArns", [])
        run.check("ListContainerInstances ACTIVE, filter attribute:ecs.os-type == linux: at least one instance, "
                  f"ARNs .../container-instance/{name}/<id>",
                  instances and all(arn_ok(a, f"container-instance/{name}/{a.rsplit('/', 1)[-1]}") for a in instances),
                  instances)
        listed = run.call("ListContainerInstances", cluster=cluster, filter="attribute:ecs.os-type == windows")
        run.check("ListContainerInstances filter attribute:ecs.os-type == windows: none",
                  listed.get("containerInstanceArns") == [], listed.get("containerInstanceArns"))
        if not instances:
            return

        missing = f"{secrets.token_hex(16)}"
        out = run.call("DescribeContainerInstances", cluster=cluster, containerInstances=[*instances, missing])
        described = out.get("containerInstances", [])
        connected = [i for i in described if i.get("agentConnected") is True]
        run.check("DescribeContainerInstances by ARN: every listed instance, at least one with agentConnected true",
                  sorted(i.get("containerInstanceArn") for i in described) == sorted(instances) and connected,
                  [(i.get("containerInstanceArn"), i.get("agentConnected")) for i in described])
        failures = [(f.get("arn") or "", f.get("reason")) for f in out.get("failures", [])]
        run.check("DescribeContainerInstances: the unknown ID in failures, reason MISSING",
                  len(failures) == 1 and failures[0][0].endswith(missing) and failures[0][1] == "MISSING", failures)
        if not connected:
            return
        ci = connected[0]
        instance, instance_id = ci.get("containerInstanceArn"), ci.get("containerInstanceArn", "").rsplit("/", 1)[-1]
        resources = {r.get("name"): r for r in ci.get("registeredResources", [])}
        run.check("registeredResources: CPU and MEMORY INTEGER > 0, PORTS and PORTS_UDP STRINGSET",
                  all(resources.get(n, {}).get("type") == "INTEGER" and resources[n].get("integerValue", 0) > 0
                      for n in ("CPU", "MEMORY"))
                  and all(resources.get(n, {}).get("type") == "STRINGSET" for n in ("PORTS", "PORTS_UDP")), resources)
        remaining = {r.get("name") for r in ci.get("remainingResources", [])}
        run.check("remainingResources: CPU, MEMORY, PORTS, PORTS_UDP",
                  {"CPU", "MEMORY", "PORTS", "PORTS_UDP"} <= remaining, remaining)
        attrs = {a.get("name"): a.get("value") for a in ci.get("attributes", [])}
        run.check("attributes: ecs.os-type linux, ecs.cpu-architecture set",
                  attrs.get("ecs.os-type") == "linux" and attrs.get("ecs.cpu-architecture"), attrs)
        run.check("status ACTIVE, versionInfo with agentVersion and dockerVersion, registeredAt, counts",
                  ci.get("status") == "ACTIVE" and dig(ci, "versionInfo", "agentVersion")
                  and dig(ci, "versionInfo", "dockerVersion") and "registeredAt" in ci
                  and isinstance(ci.get("runningTasksCount"), int) and isinstance(ci.get("pendingTasksCount"), int),
                  {k: ci.get(k) for k in ("status", "versionInfo", "registeredAt", "runningTasksCount",
                                          "pendingTasksCount")})
        by_id = run.call("DescribeContainerInstances", cluster=cluster, containerInstances=[instance_id],
                         include=["TAGS"])
        run.check("DescribeContainerInstances by ID, include TAGS: the same instance, no failures",
                  [i.get("containerInstanceArn") for i in by_id.get("containerInstances", [])] == [instance]
                  and not by_id.get("failures"), by_id)

        # ------------------------------------------------------------- attributes
        attribute = {"name": f"wharf-conf.{run.suffix}", "value": "blue", "targetType": "container-instance",
                     "targetId": instance}
        put = run.call("PutAttributes", cluster=cluster, attributes=[attribute]).get("attributes", [])
        run.check("PutAttributes: the attribute echoed (name, value, targetId)",
                  [(a.get("name"), a.get("value"), a.get("targetId")) for a in put]
                  == [(attribute["name"], "blue", instance)], put)
        got = run.call("ListAttributes", cluster=cluster, targetType="container-instance",
                       attributeName=attribute["name"]).get("attributes", [])
        run.check("ListAttributes container-instance, attributeName: exactly it, on the instance",
                  [(a.get("name"), a.get("value"), a.get("targetId"), a.get("targetType")) for a in got]
                  == [(attribute["name"], "blue", instance, "container-instance")], got)
        got = run.call("ListAttributes", cluster=cluster, targetType="container-instance",
                       attributeName="ecs.os-type").get("attributes", [])
        run.check("ListAttributes attributeName ecs.os-type: the instance, value linux",
                  (instance, "linux") in [(a.get("targetId"), a.get("value")) for a in got], got)
        hits = run.call("ListContainerInstances", cluster=cluster,
                        filter=f"attribute:{attribute['name']} == blue").get("containerInstanceArns")
        run.check("ListContainerInstances filtered by the new attribute: just the instance", hits == [instance], hits)
        deleted = run.call("DeleteAttributes", cluster=cluster,
                           attributes=[{"name": attribute["name"], "targetId": instance}]).get("attributes", [])
        run.check("DeleteAttributes: the attribute echoed",
                  [a.get("name") for a in deleted] == [attribute["name"]], deleted)
        attribute = None
        got = run.call("ListAttributes", cluster=cluster, targetType="container-instance",
                       attributeName=f"wharf-conf.{run.suffix}").get("attributes")
        run.check("ListAttributes after DeleteAttributes: none", got == [], got)

        # ------------------------------------------------------------- RunTask, DescribeTasks, ListTasks
        family, started_by = f"wharf-conf-task-{run.suffix}", f"wharf-conf-{run.suffix}"
        td = run.call("RegisterTaskDefinition", family=family, containerDefinitions=[
            {"name": "app", "image": image, "memory": 16, "essential": True, "command": ["sleep", "100000"],
             "stopTimeout": 1}]).get("taskDefinition", {})
        td_arn = td.get("taskDefinitionArn")
        families.append(f"{family}:{td.get('revision', 1)}")
        run.check("RegisterTaskDefinition busybox sleep 100000, memory 16, stopTimeout 1: revision 1",
                  arn_ok(td_arn, f"task-definition/{family}:1"), td)
        tags = [{"key": "suite", "value": "conformance"}]
        out = run.call("RunTask", cluster=cluster, taskDefinition=family, count=2, startedBy=started_by, tags=tags)
        raw_tasks = (run.last_body or {}).get("tasks", [])
        tasks = out.get("tasks", [])
        arns = [t.get("taskArn") for t in tasks]
        started += arns
        run.check("RunTask count 2: two tasks, no failures", len(tasks) == 2 and not out.get("failures"), out)
        run.check("RunTask: lastStatus PROVISIONING, desiredStatus RUNNING, launchType EC2, "
                  f"group family:{family}, startedBy echoed",
                  tasks and all([t.get(k) for k in ("lastStatus", "desiredStatus", "launchType", "group", "startedBy")]
                                == ["PROVISIONING", "RUNNING", "EC2", f"family:{family}", started_by] for t in tasks),
                  [brief(t) for t in tasks])
        run.check(f"RunTask: task ARNs .../task/{name}/<id>, the cluster, definition and a listed instance",
                  tasks and all(arn_ok(t.get("taskArn"), f"task/{name}/{(t.get('taskArn') or '').rsplit('/', 1)[-1]}")
                                and t.get("clusterArn", "").endswith(f":cluster/{name}")
                                and t.get("taskDefinitionArn") == td_arn
                                and t.get("containerInstanceArn") in instances for t in tasks),
                  [brief(t) for t in tasks])
        run.check("RunTask: containers [app] with the image, each with a containerArn and the taskArn",
                  tasks and all([(c.get("name"), c.get("image"), bool(c.get("containerArn")), c.get("taskArn"))
                                 for c in t.get("containers", [])] == [("app", image, True, t.get("taskArn"))]
                                for t in tasks), [t.get("containers") for t in tasks])
        run.check("RunTask: createdAt is a JSON number (epoch seconds) in the raw response",
                  raw_tasks and all(type(t.get("createdAt")) in (int, float) for t in raw_tasks),
                  [t.get("createdAt") for t in raw_tasks])
        if len(arns) != 2:
            return

        running, ok = wait_for_tasks(run, cluster, arns, "RUNNING")
        run.check("DescribeTasks polled: both tasks RUNNING within 60 s", ok, [brief(t) for t in running])
        out = run.call("DescribeTasks", cluster=cluster, tasks=arns, include=["TAGS"])
        described = out.get("tasks", [])
        run.check("DescribeTasks include TAGS: both RUNNING, startedAt set, container RUNNING, tags suite=conformance",
                  sorted(t.get("taskArn") for t in described) == sorted(arns) and not out.get("failures")
                  and all(t.get("lastStatus") == "RUNNING" and t.get("startedAt")
                          and [c.get("lastStatus") for c in t.get("containers", [])] == ["RUNNING"]
                          and tag_map(t.get("tags")) == tag_map(tags) for t in described),
                  [dict(brief(t), tags=t.get("tags")) for t in described])
        out = run.call("DescribeTasks", cluster=cluster, tasks=[arns[0].rsplit("/", 1)[-1], secrets.token_hex(16)])
        failures = [f.get("reason") for f in out.get("failures", [])]
        run.check("DescribeTasks by task ID + an unknown ID: the task (no tags without include), one MISSING failure",
                  [t.get("taskArn") for t in out.get("tasks", [])] == arns[:1]
                  and not any("tags" in t for t in out.get("tasks", [])) and failures == ["MISSING"], out)
        host = described[0].get("containerInstanceArn") if described else instance  # task 1's, with several agents
        on_instance = {t.get("taskArn") for t in described if t.get("containerInstanceArn") == host}

        listed = run.call("ListTasks", cluster=cluster, family=family).get("taskArns", [])
        run.check("ListTasks family: both tasks", sorted(listed) == sorted(arns), listed)
        listed = run.call("ListTasks", cluster=cluster, startedBy=started_by).get("taskArns", [])
        run.check("ListTasks startedBy: both tasks", sorted(listed) == sorted(arns), listed)
        listed = run.call("ListTasks", cluster=cluster, containerInstance=host).get("taskArns", [])
        run.check("ListTasks containerInstance: includes the tasks on that instance, none on others",
                  on_instance and on_instance <= set(listed) and not (set(arns) - on_instance) & set(listed), listed)
        listed = run.call("ListTasks", cluster=cluster, family=family, desiredStatus="RUNNING").get("taskArns", [])
        run.check("ListTasks family, desiredStatus RUNNING: both tasks", sorted(listed) == sorted(arns), listed)
        listed, problems = page_all(run, "ListTasks", "taskArns", cluster=cluster, family=family, maxResults=1)
        run.check("ListTasks family, maxResults=1 paged to the end: both tasks once, <= 1 a page",
                  sorted(listed) == sorted(arns) and not problems, problems or listed)

        # ------------------------------------------------------------- StopTask
        reason = f"stopped by the wharf conformance check {run.suffix}"
        stopped = run.call("StopTask", cluster=cluster, task=arns[0], reason=reason).get("task", {})
        run.check("StopTask with a reason: desiredStatus STOPPED, stoppedReason echoed",
                  (stopped.get("taskArn"), stopped.get("desiredStatus"), stopped.get("stoppedReason"))
                  == (arns[0], "STOPPED", reason), brief(stopped))
        final, ok = wait_for_tasks(run, cluster, arns[:1], "STOPPED")
        run.check("DescribeTasks polled: the stopped task reaches lastStatus STOPPED within 60 s", ok,
                  [brief(t) for t in final])
        t = final[0] if final else {}
        run.check("stopped task: stopCode UserInitiated, stoppedReason echoed",
                  (t.get("stopCode"), t.get("stoppedReason")) == ("UserInitiated", reason), brief(t))
        run.check("stopped task: stoppedAt >= startedAt",
                  None not in (t.get("stoppedAt"), t.get("startedAt")) and t["stoppedAt"] >= t["startedAt"], brief(t))
        run.check("stopped task: every container STOPPED with an exitCode",
                  t.get("containers") and all(c.get("lastStatus") == "STOPPED" and isinstance(c.get("exitCode"), int)
                                              for c in t["containers"]), brief(t))
        listed = run.call("ListTasks", cluster=cluster, family=family, desiredStatus="STOPPED").get("taskArns", [])
        run.check("ListTasks desiredStatus STOPPED: includes the stopped task, not the running one",
                  arns[0] in listed and arns[1] not in listed, listed)
        listed = run.call("ListTasks", cluster=cluster, family=family).get("taskArns", [])
        run.check("ListTasks (RUNNING) after StopTask: only the running task", listed == arns[1:], listed)

        # ------------------------------------------------------------- a task that cannot fit
        out = run.call("RunTask", cluster=cluster, taskDefinition=family, startedBy=started_by,
                       overrides={"containerOverrides": [{"name": "app", "memory": 10000000}]})
        started += [t.get("taskArn") for t in out.get("tasks", [])]
        failures = [(f.get("arn"), f.get("reason")) for f in out.get("failures", [])]
        run.check("RunTask needing 10000000 MiB: no tasks, failures has (instance ARN, RESOURCE:MEMORY)",
                  not out.get("tasks") and (instance, "RESOURCE:MEMORY") in failures, out)

        # ------------------------------------------------------------- StartTask
        out = run.call("StartTask", cluster=cluster, taskDefinition=family, containerInstances=[instance],
                       startedBy=started_by)
        tasks = out.get("tasks", [])
        started += [t.get("taskArn") for t in tasks]
        run.check("StartTask on the instance: one task there, PROVISIONING, desired RUNNING, no failures",
                  [(t.get("containerInstanceArn"), t.get("lastStatus"), t.get("desiredStatus")) for t in tasks]
                  == [(instance, "PROVISIONING", "RUNNING")] and not out.get("failures"), out)
        if tasks:
            single = tasks[0].get("taskArn")
            seen, ok = wait_for_tasks(run, cluster, [single], "RUNNING")
            run.check("DescribeTasks polled: the started task RUNNING within 60 s", ok, [brief(t) for t in seen])
            stopped = run.call("StopTask", cluster=cluster, task=single).get("task", {})
            run.check("StopTask of the started task: desiredStatus STOPPED, stopCode UserInitiated",
                      (stopped.get("desiredStatus"), stopped.get("stopCode")) == ("STOPPED", "UserInitiated"),
                      brief(stopped))
            seen, ok = wait_for_tasks(run, cluster, [single], "STOPPED")
            run.check("DescribeTasks polled: the started task STOPPED within 60 s", ok, [brief(t) for t in seen])

        # ------------------------------------------------------------- DRAINING
        # Every ACTIVE instance is drained, so RunTask cannot land on another one.
        active = run.call("ListContainerInstances", cluster=cluster, status="ACTIVE").get("containerInstanceArns", [])
        drained = active  # set back to ACTIVE in cleanup unless done below
        out = run.call("UpdateContainerInstancesState", cluster=cluster, containerInstances=active, status="DRAINING")
        returned = [i.get("containerInstanceArn") for i in out.get("containerInstances", [])]
        run.check("UpdateContainerInstancesState DRAINING: every ACTIVE instance returned DRAINING, no failures",
                  sorted(returned) == sorted(active) and instance in returned and not out.get("failures")
                  and all(i.get("status") == "DRAINING" for i in out.get("containerInstances", [])), out)
        listed = run.call("ListContainerInstances", cluster=cluster, status="DRAINING").get("containerInstanceArns")
        run.check("ListContainerInstances status DRAINING: the drained instances",
                  sorted(listed or []) == sorted(active), listed)
        out = run.call("RunTask", cluster=cluster, taskDefinition=family, startedBy=started_by)
        started += [t.get("taskArn") for t in out.get("tasks", [])]
        failures = {f.get("arn"): f.get("reason") for f in out.get("failures", [])}
        run.check(f"RunTask with every instance DRAINING: no tasks, a failure for the instance "
                  f"(reason {failures.get(instance)!r})",
                  not out.get("tasks") and isinstance(failures.get(instance), str) and failures[instance], out)
        out = run.call("UpdateContainerInstancesState", cluster=cluster, containerInstances=drained, status="ACTIVE")
        run.check("UpdateContainerInstancesState back to ACTIVE: every drained instance ACTIVE",
                  sorted(i.get("containerInstanceArn") for i in out.get("containerInstances", [])) == sorted(drained)
                  and all(i.get("status") == "ACTIVE" for i in out.get("containerInstances", [])), out)
        drained = [] if not out.get("failures") and out.get("containerInstances") else drained

        # ------------------------------------------------------------- bad requests
        run.call("RunTask", expect_error="InvalidParameterException", cluster=cluster, taskDefinition=family,
                 launchType="FARGATE")
        run.call("DescribeTasks", expect_error="InvalidParameterException", cluster=cluster, tasks=[])
        run.call("StopTask", expect_error="InvalidParameterException", cluster=cluster, task=secrets.token_hex(16))
        run.call("PutAttributes", expect_error="InvalidParameterException", cluster=cluster,
                 attributes=[{"name": "bad name!", "value": "x", "targetType": "container-instance",
                              "targetId": instance}])
    finally:
        cleanup_tasks(run, cluster, started, drained, attribute, families)

def cleanup_tasks(run, cluster, started, drained, attribute, families):
    """Stops every task scenario_tasks started, sets drained instances back to ACTIVE, deletes its
    attribute and deregisters its task definitions, whatever happened before. Adds a check only
    when some of that fails, so a passing run's count does not depend on where it stopped."""
    problems = []
    try:
        if drained:
            run.ecs.update_container_instances_state(cluster=cluster, containerInstances=drained, status="ACTIVE")
        if attribute:
            run.ecs.delete_attributes(cluster=cluster,
                                      attributes=[{"name": attribute["name"], "targetId": attribute["targetId"]}])
    except Exception as exc:
        problems.append(f"restoring the instances: {exc!r}")
    arns = [a for a in started if a]
    try:
        for i in range(0, len(arns), 100):
            for task in run.ecs.describe_tasks(cluster=cluster, tasks=arns[i:i + 100]).get("tasks", []):
                if task.get("desiredStatus") != "STOPPED":
                    run.ecs.stop_task(cluster=cluster, task=task["taskArn"], reason="wharf conformance check cleanup")
        if arns:
            seen, ok = wait_for_tasks(run, cluster, arns, "STOPPED")
            if not ok:
                left = [brief(t) for t in seen if t.get("lastStatus") != "STOPPED"]
                problems.append(f"not STOPPED within 60 s: {left}")
    except Exception as exc:
        problems.append(f"stopping the tasks: {exc!r}")
    for revision in families:
        try:
            run.ecs.deregister_task_definition(taskDefinition=revision)
        except Exception as exc:
            problems.append(f"deregistering {revision}: {exc!r}")
    if problems:
        run.check("cleanup: every task started is STOPPED, instances and attributes restored", False,
                  "; ".join(problems))
    else:
        print(f"# cleanup: the {len(arns)} task(s) this run started are STOPPED; {len(drained)} instance(s) set back "
              f"to ACTIVE; {len(families)} task definition(s) deregistered")

def wait_for_service(run, cluster, service, done, timeout=60):
    """Polls DescribeServices until done(service) holds; returns (last seen, whether it held)."""
    deadline, seen = time.monotonic() + timeout, {}
    while time.monotonic() < deadline:
        found = run.call("DescribeServices", quiet=True, cluster=cluster, services=[service]).get("services", [])
        seen = found[0] if found else {}
        if done(seen):
            return seen, True
        time.sleep(0.25)
    return seen, False

def primary_rollout(service):
    return ((service.get("deployments") or [{}])[0]).get("rolloutState")

def scenario_services(run, cluster, image):
    """Service operations on an existing cluster with a connected agent."""
    name = cluster.rsplit("/", 1)[-1]
    family, service = f"conf-svc-{run.suffix}", f"conf-{run.suffix}"
    container = {"name": "app", "image": image, "memory": 16, "command": ["sleep", "1000"], "stopTimeout": 1}
    created = False
    try:
        td = run.call("RegisterTaskDefinition", family=family, containerDefinitions=[container]).get("taskDefinition", {})
        out = run.call("CreateService", cluster=cluster, serviceName=service, taskDefinition=family, desiredCount=2,
                       clientToken=f"token-{run.suffix}", tags=[{"key": "k", "value": "v"}], propagateTags="SERVICE",
                       deploymentConfiguration={"maximumPercent": 200, "minimumHealthyPercent": 50,
                                                "deploymentCircuitBreaker": {"enable": True, "rollback": True}}).get("service", {})
        created = bool(out)
        run.check("CreateService: ACTIVE, long ARN, one PRIMARY deployment IN_PROGRESS, REPLICA, ECS deployment controller",
                  out.get("status") == "ACTIVE" and arn_ok(out.get("serviceArn", ""), f"service/{name}/{service}")
                  and [d.get("status") for d in out.get("deployments", [])] == ["PRIMARY"]
                  and out["deployments"][0].get("rolloutState") == "IN_PROGRESS"
                  and out.get("schedulingStrategy") == "REPLICA" and dig(out, "deploymentController", "type") == "ECS"
                  and dig(out, "deploymentConfiguration", "deploymentCircuitBreaker", "rollback") is True, out)
        again = run.call("CreateService", cluster=cluster, serviceName=service, taskDefinition=family, desiredCount=2,
                         clientToken=f"token-{run.suffix}").get("service", {})
        run.check("CreateService with the same clientToken returns the same service", again.get("serviceArn") == out.get("serviceArn"))
        run.call("CreateService", expect_error="InvalidParameterException", cluster=cluster, serviceName=service,
                 taskDefinition=family, desiredCount=2)
        run.call("CreateService", expect_error="InvalidParameterException", cluster=cluster, serviceName=f"x-{run.suffix}",
                 taskDefinition=family, desiredCount=1, deploymentConfiguration={"maximumPercent": 50})
        run.call("CreateService", expect_error="ClientException", cluster=cluster, serviceName=f"x-{run.suffix}",
                 taskDefinition=f"nope-{run.suffix}", desiredCount=1)
        run.call("CreateService", expect_error="ClusterNotFoundException", cluster=f"nope-{run.suffix}",
                 serviceName=service, taskDefinition=family, desiredCount=1)
        seen, ok = wait_for_service(run, cluster, service,
                                    lambda s: s.get("runningCount") == 2 and primary_rollout(s) == "COMPLETED")
        run.check("the service reaches 2 running tasks and its deployment COMPLETED", ok, seen)
        events = [e.get("message", "") for e in seen.get("events", [])]
        run.check("events are newest first and say, in ECS's words, that it started 2 tasks and reached a steady state",
                  events[:1] == [f"(service {service}) has reached a steady state."]
                  and any(m.startswith(f"(service {service}) has started 2 tasks: (task ") for m in events), events)
        described = run.call("DescribeServices", cluster=cluster, services=[service, f"missing-{run.suffix}"], include=["TAGS"])
        run.check("DescribeServices: tags with include TAGS, unknown names as MISSING failures",
                  described.get("services", [{}])[0].get("tags") == [{"key": "k", "value": "v"}]
                  and [f.get("reason") for f in described.get("failures", [])] == ["MISSING"], described)
        tasks = run.call("ListTasks", cluster=cluster, serviceName=service).get("taskArns", [])
        detail = run.call("DescribeTasks", cluster=cluster, tasks=tasks, include=["TAGS"]).get("tasks", []) if tasks else []
        run.check("ListTasks serviceName: the service's 2 tasks, in group service:NAME, started by the deployment, with the service's tags",
                  len(detail) == 2 and all(t.get("group") == f"service:{service}" and t.get("startedBy", "").startswith("ecs-svc/")
                                           and t.get("tags") == [{"key": "k", "value": "v"}] for t in detail), [brief(t) for t in detail])
        listed, problems = page_all(run, "ListServices", "serviceArns", cluster=cluster, maxResults=1)
        run.check("ListServices pages of 1 hold the service", out.get("serviceArn") in listed and not problems, (listed, problems))
        run.call("ListServices", expect_error="InvalidParameterException", cluster=cluster, maxResults=101)
        up = run.call("UpdateService", cluster=cluster, service=service, desiredCount=3, forceNewDeployment=True).get("service", {})
        run.check("UpdateService forceNewDeployment: a new PRIMARY deployment beside the old ACTIVE one",
                  [d.get("status") for d in up.get("deployments", [])] == ["PRIMARY", "ACTIVE"] and up.get("desiredCount") == 3, up)
        seen, ok = wait_for_service(run, cluster, service,
                                    lambda s: s.get("runningCount") == 3 and len(s.get("deployments", [])) == 1
                                    and primary_rollout(s) == "COMPLETED")
        run.check("the forced deployment replaces every task and completes with 3 running", ok, seen)
        history = run.call("ListServiceDeployments", cluster=cluster, service=service).get("serviceDeployments", [])
        run.check("ListServiceDeployments: the forced deployment and the first, newest first, both SUCCESSFUL",
                  [d.get("status") for d in history] == ["SUCCESSFUL", "SUCCESSFUL"]
                  and all(arn_ok(d.get("serviceDeploymentArn", ""), f"service-deployment/{name}/{service}/"
                                 + d.get("serviceDeploymentArn", "").rsplit("/", 1)[-1]) for d in history), history)
        one = run.call("ListServiceDeployments", cluster=cluster, service=service, maxResults=1)
        run.check("ListServiceDeployments pages", len(one.get("serviceDeployments", [])) == 1 and one.get("nextToken"), one)
        arns = [d.get("serviceDeploymentArn") for d in history]
        described = run.call("DescribeServiceDeployments", serviceDeploymentArns=arns + [arns[0][:-1] + "x"] if arns else ["x"])
        first = (described.get("serviceDeployments") or [{}])[0]
        run.check("DescribeServiceDeployments: target revision with 3 running, circuit breaker MONITORING_COMPLETE, unknown ARN MISSING",
                  dig(first, "targetServiceRevision", "runningTaskCount") == 3
                  and dig(first, "deploymentCircuitBreaker", "status") == "MONITORING_COMPLETE"
                  and [f.get("reason") for f in described.get("failures", [])] == ["MISSING"], described)
        run.call("ListServiceDeployments", expect_error="ServiceNotFoundException", cluster=cluster, service=f"missing-{run.suffix}")
        run.call("UpdateService", expect_error="ServiceNotFoundException", cluster=cluster, service=f"missing-{run.suffix}", desiredCount=1)
        run.call("UpdateService", expect_error="InvalidParameterException", cluster=cluster, service=service, desiredCount=-1)
        run.call("DeleteService", expect_error="InvalidParameterException", cluster=cluster, service=service)
        gone = run.call("DeleteService", cluster=cluster, service=service, force=True).get("service", {})
        run.check("DeleteService force: DRAINING with desiredCount 0", gone.get("status") == "DRAINING" and gone.get("desiredCount") == 0, gone)
        seen, ok = wait_for_service(run, cluster, service, lambda s: s.get("status") == "INACTIVE")
        created = not ok
        run.check("the deleted service turns INACTIVE once its tasks have stopped", ok, seen)
        run.call("UpdateService", expect_error="ServiceNotActiveException", cluster=cluster, service=service, desiredCount=1)
        listed, _ = page_all(run, "ListServices", "serviceArns", cluster=cluster)
        run.check("ListServices no longer lists it", out.get("serviceArn") not in listed, listed)
    finally:
        if created:
            try:
                run.ecs.delete_service(cluster=cluster, service=service, force=True)
            except Exception as exc:
                run.check("cleanup: the service is deleted", False, repr(exc))
        try:
            run.ecs.deregister_task_definition(taskDefinition=f"{family}:1")
        except Exception:
            pass

SCENARIOS = {"clusters": scenario_clusters, "task-definitions": scenario_task_definitions,
             "account-settings": scenario_account_settings, "errors": scenario_errors,
             "capacity-providers": scenario_capacity_providers, "more-operations": scenario_more_operations}
# Scenarios that need a cluster with a connected agent (--cluster); "all" leaves them out.
AGENT_SCENARIOS = {"tasks": scenario_tasks, "services": scenario_services,
                   "capacity-tasks": scenario_capacity_tasks, "task-sets": scenario_task_sets,
                   "blue-green": scenario_blue_green, "exec": scenario_exec}

def main(argv=None):
    global REGION
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--scenario", choices=[*SCENARIOS, *AGENT_SCENARIOS, "all"], default="all")
    parser.add_argument("--cluster", help="for --scenario tasks: an existing cluster with a connected agent")
    parser.add_argument("--region", default="us-east-1", help="the region to sign for (each has its own resources)")
    parser.add_argument("--image", default="wharf-test/busybox:latest",
                        help="for --scenario tasks: a busybox image the agent has or can pull")
    args = parser.parse_args(argv)
    if args.scenario in AGENT_SCENARIOS and not args.cluster:
        parser.error(f"--scenario {args.scenario} needs --cluster NAME (a cluster with a connected agent)")
    REGION = args.region
    run = Run(args.endpoint_url)
    print(f"# run suffix {run.suffix}")
    for name, scenario in {**SCENARIOS, **AGENT_SCENARIOS}.items():
        if args.scenario == name or (args.scenario == "all" and name in SCENARIOS):
            print(f"# scenario {name}")
            try:
                scenario(run, args.cluster, args.image) if name in AGENT_SCENARIOS else scenario(run)
            except Exception as exc:  # a checker bug or a wildly wrong response: report it, go on
                run.check(f"scenario {name} ran to completion", False, repr(exc))
    print(f"{run.passed} passed, {run.failed} failed")
    return 1 if run.failed else 0

if __name__ == "__main__":
    sys.exit(main())
