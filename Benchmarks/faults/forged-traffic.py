#!/usr/bin/env python3
"""Forged traffic: an agent acting for another node, replayed and expired signatures, unsigned
register: 100 % refused, nothing written.

    python3 Benchmarks/faults/forged-traffic.py [--bin-dir .build-release/release] [--timeout 10]
        [--json docs/benchmarks.json]

Starts a wharf-controller (agent long poll 2 s) and two wharf-agents, A and B, each joined to
cluster "default" with an activation of its own, and stores a cluster, a task definition, a
parameter, a secret and a log group. Then it sends forged requests, each of which must be refused
(an HTTP 4xx; a 2xx is an attack accepted, a 5xx or no answer within --timeout a fault):

  (a) agent A's credential with agent B's container instance (its ARN or its ID) in sync, logs
      and register, and B's with A's;
  (b) A's own ARN with A's credential garbled: a character changed, cut short, padded, in upper
      case, with spaces, its SHA-256 (what the controller stores), random, empty, of another type;
  (c) SigV4-signed writes (ECS, SSM, Secrets Manager, Logs, admin) dated 16 and 20 minutes ago and
      20 minutes ahead;
  (d) the exact bytes of signed writes sent again and again once their date is outside the
      15-minute window (as if captured 16 minutes or a day before). The verifier keeps no state,
      so this is what a replay after the window meets. Replays within the window are accepted, as
      by AWS: that is measured once, before the snapshot, and reported as information;
  (e) a wrong secret, an unknown access key, the body or X-Amz-Target or Host or X-Amz-Date
      changed after signing, the target left out of the signed headers, a signature scoped to
      another service or a region AWS does not have, the Authorization of another request, presigned query strings;
  (f) register without an activation (cluster "default", another cluster), with a made-up
      activation, a wrong code, a deleted activation, A's used-up activation, A's ARN without or
      with a wrong credential;
  (g) unsigned ECS, SSM, Secrets Manager, Logs and admin writes, and ones with an empty or
      malformed Authorization.

"Nothing written": a snapshot taken before the attacks and after them through the APIs (clusters,
task definitions, parameters and their values, secrets, container instances with their status,
attributes, resources, version and agentConnected, activations with their registration counts,
log groups and streams, access keys, tasks, services) and the row counts of wharf.db and logs.db
must be equal, and both agents still connected. Last (it makes an activation): A's ARN without a
credential but with a fresh, valid activation not made for A, as `wharf-agent
--container-instance` would send it: it must be refused (only an activation whose
DefaultInstanceName is A's may rejoin a node as A), and A's own credential must still work. Prints
attempts, refusals and the statuses per kind; exits 1 when any attack was accepted, any answer was
a fault or anything changed. Needs Docker (.ci/setup.sh) and botocore. Always stops the processes
and removes its temp dir.
"""
import argparse, collections, datetime, hashlib, json, os, shutil, signal, socket, sqlite3, subprocess, sys, tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # faultlib
from wharf_bench import ACCESS_KEY, IMAGE, stop, wait_for, write_record  # noqa: E402
from faultlib import APIS, JSON_11, call, header_list, paginate, send, sigv4  # noqa: E402

NOW = lambda: datetime.datetime.now(datetime.timezone.utc)  # noqa: E731
MINUTES = lambda n: datetime.timedelta(minutes=n)  # noqa: E731


class TwoAgents:
    """A wharf-controller and two wharf-agents, A and B, in cluster "default", in a temporary
    directory. A context manager: on exit, even on failure or Ctrl-C, all three are stopped (their
    logs' last lines printed first when something failed) and the directory is deleted."""

    def __init__(self, bin_dir):
        self.bin_dir = bin_dir
        self.work = tempfile.mkdtemp(prefix="wharf-forged-")
        self.controller, self.agents, self.logs, self.activations, self.identity = None, {}, {}, {}, {}

    def _start(self, name, command):
        environment = dict(os.environ, WHARF_ADMIN_ACCESS_KEY_ID=ACCESS_KEY[0],
                           WHARF_ADMIN_SECRET_ACCESS_KEY=ACCESS_KEY[1])
        self.logs[name] = open(os.path.join(self.work, f"{name}.log"), "w")
        return subprocess.Popen([os.path.join(self.bin_dir, command[0])] + command[1:], stdin=subprocess.DEVNULL,
                                stdout=self.logs[name], stderr=subprocess.STDOUT, env=environment,
                                start_new_session=True)

    def __enter__(self):
        try:
            return self._enter()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise

    def _enter(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = self._start("controller", [
            "wharf-controller", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir,
            "--agent-long-poll", "2"])
        wait_for("the controller's /healthz", lambda: urllib.request.urlopen(
            f"http://127.0.0.1:{self.port}/healthz", timeout=2).status == 200, 30, {"controller": self.controller})
        for count, name in enumerate(("A", "B"), 1):
            activation = call(self.port, "ssm", "CreateActivation", {"IamRole": "ecsAnywhereRole"})
            self.activations[name] = activation
            self.agents[name] = self._start(f"agent-{name}", [
                "wharf-agent", "--controller", f"http://127.0.0.1:{self.port}", "--cluster", "default",
                "--data-dir", os.path.join(self.work, f"agent-{name}"), "--activation-id", activation["ActivationId"],
                "--activation-code", activation["ActivationCode"]])
            wait_for(f"agent {name} to register", lambda: os.path.exists(self.identity_path(name)) and len(
                call(self.port, "ecs", "ListContainerInstances", {"cluster": "default"})["containerInstanceArns"])
                == count, 60, self.processes)
            self.identity[name] = json.load(open(self.identity_path(name)))
        return self

    def remove_task_containers(self):
        """The containers of any task this controller placed (none, unless an attack got through);
        found through it, since other sessions' containers carry the same labels."""
        try:
            ids = []
            for arn in paginate(self.port, "ecs", "ListClusters", {}, "clusterArns"):
                tasks = paginate(self.port, "ecs", "ListTasks", {"cluster": arn}, "taskArns")
                if tasks:
                    described = call(self.port, "ecs", "DescribeTasks", {"cluster": arn, "tasks": tasks})["tasks"]
                    ids += [c["runtimeId"] for t in described for c in t.get("containers", []) if c.get("runtimeId")]
            if ids:
                subprocess.run(["docker", "rm", "-f", *ids], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (RuntimeError, OSError, AttributeError):
            pass

    @property
    def data_dir(self):
        return os.path.join(self.work, "controller")

    def identity_path(self, name):
        return os.path.join(self.work, f"agent-{name}", "identity.json")

    @property
    def processes(self):
        return dict({"controller": self.controller}, **{f"agent {n}": p for n, p in self.agents.items()})

    def __exit__(self, kind, value, traceback):
        if kind is not None:
            for name, log in self.logs.items():
                log.flush()
                print(f"--- last lines of the {name} log ---", file=sys.stderr)
                print("".join(open(log.name, errors="replace").readlines()[-15:]), file=sys.stderr)
        self.remove_task_containers()
        for process in self.agents.values():
            stop(process)
        stop(self.controller)
        for log in self.logs.values():
            log.close()
        shutil.rmtree(self.work, ignore_errors=True)
        return False


class Attacks:
    """The attempts, by kind, and what each got."""

    def __init__(self, port, timeout):
        self.port, self.timeout = port, timeout
        self.rows = collections.defaultdict(collections.Counter)
        self.statuses = collections.defaultdict(collections.Counter)
        self.bad = []

    def send(self, kind, what, method, path, headers, body):
        answer = send(self.port, method, path, body, headers, self.timeout)
        row = self.rows[kind]
        row["attempts"] += 1
        if answer.status is not None and 400 <= answer.status < 500:
            row["refused"] += 1
            self.statuses[kind][f"{answer.status} {answer.error_type or ''}".strip()] += 1
            return answer
        verdict = "ACCEPTED" if answer.status is not None and answer.status < 400 else "FAULT"
        row["accepted" if verdict == "ACCEPTED" else "faults"] += 1
        seen = f"{answer.status} {answer.error_type or ''}".strip() if answer.status else answer.error
        self.statuses[kind][seen] += 1
        shown = {k: (v[:70] + "..." if k == "Authorization" else v) for k, v in headers if k != "Content-Length"}
        self.bad.append(f"({kind}) {what}: {verdict}\n  {method} {path} headers={json.dumps(shown)}\n"
                        f"  body: {body[:500].decode(errors='replace')}\n  -> {answer!r}")
        return answer

    def agent(self, kind, what, path, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = header_list({"Host": f"127.0.0.1:{self.port}", "Content-Type": "application/json"}, data)
        return self.send(kind, what, "POST", f"/agent/v1/{path}", headers, data)

    def aws(self, kind, what, api, operation, body, headers=None, path="/"):
        """An AWS call with the given headers (unsigned when none); Host and Content-Length added."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        out = {"Host": f"127.0.0.1:{self.port}", "Content-Type": JSON_11,
               "X-Amz-Target": f"{APIS[api][1]}.{operation}"} if headers is None else dict(headers)
        return self.send(kind, what, "POST", path, header_list(out, data), data)


def signed(port, api, operation, body, **options):
    """The headers and bytes of a signed call; `options` go to sigv4 (key, when, region, signed)."""
    _, prefix, service = APIS[api]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    service = options.pop("service", service)
    headers = sigv4(f"127.0.0.1:{port}", data, {"Content-Type": JSON_11, "X-Amz-Target": f"{prefix}.{operation}"},
                    service, **options)
    return headers, data


def writes(names):
    """One write of each API, all aimed at what exists (or would be new) so that any acceptance shows."""
    return [
        ("ecs", "CreateCluster", {"clusterName": f"forged-new-{names['tag']}"}),
        ("ecs", "DeleteCluster", {"cluster": names["cluster"]}),
        ("ecs", "RegisterTaskDefinition", {"family": names["family"], "containerDefinitions": [
            {"name": "forged", "image": IMAGE, "command": ["sh", "-c", "echo owned"], "memory": 16}]}),
        ("ecs", "DeregisterTaskDefinition", {"taskDefinition": f"{names['family']}:1"}),
        ("ecs", "RunTask", {"cluster": "default", "taskDefinition": f"{names['family']}:1"}),
        ("ecs", "DeregisterContainerInstance", {"cluster": "default", "containerInstance": names["B"], "force": True}),
        ("ecs", "UpdateContainerInstancesState", {"cluster": "default", "containerInstances": [names["A"]],
                                                  "status": "DRAINING"}),
        ("ecs", "PutAttributes", {"cluster": "default", "attributes": [
            {"name": "forged", "value": "yes", "targetType": "container-instance", "targetId": names["A"]}]}),
        ("ssm", "PutParameter", {"Name": names["parameter"], "Value": "forged", "Type": "String", "Overwrite": True}),
        ("ssm", "DeleteParameter", {"Name": names["parameter"]}),
        ("ssm", "CreateActivation", {"IamRole": "forged", "RegistrationLimit": 1000}),
        ("ssm", "DeleteActivation", {"ActivationId": names["spare"]}),
        ("secretsmanager", "PutSecretValue", {"SecretId": names["secret"], "SecretString": "forged"}),
        ("secretsmanager", "DeleteSecret", {"SecretId": names["secret"], "ForceDeleteWithoutRecovery": True}),
        ("logs", "CreateLogGroup", {"logGroupName": f"forged-new-{names['tag']}"}),
        ("logs", "DeleteLogGroup", {"logGroupName": names["group"]}),
        ("admin", "CreateAccessKey", {"Description": "forged"}),
    ]


def attack(cluster, names, attacks):
    port, idA, idB = cluster.port, cluster.identity["A"], cluster.identity["B"]
    arnA, arnB = idA["containerInstanceArn"], idB["containerInstanceArn"]
    credA, credB = idA["credential"], idB["credential"]
    register = {"protocolVersion": 1, "cluster": "default", "hostname": "forged-host", "resources": {
        "cpu": 99999, "memoryMiB": 99999, "reservedTCPPorts": [], "reservedUDPPorts": []},
        "attributes": [{"name": "forged", "value": "yes"}], "versionInfo": {"agentVersion": "forged"}}
    report = {"taskArn": f"arn:aws:ecs:us-east-1:000000000000:task/default/{'f' * 32}", "lastStatus": "STOPPED",
              "containers": []}
    logs = {"logGroup": f"forged-logs-{names['tag']}", "logStream": "s", "createGroup": True,
            "events": [{"timestamp": int(time.time() * 1000), "message": "forged"}]}

    def sync(arn, credential, **extra):
        return dict({"protocolVersion": 1, "containerInstanceArn": arn, "credential": credential, "desiredVersion": 0,
                     "tasks": []}, **extra)

    def deliver(arn, credential):
        return {"protocolVersion": 1, "containerInstanceArn": arn, "credential": credential, "firstSequence": 1,
                "streams": [logs]}

    # (a) one agent's credential, another node's identity
    kind = "a: A's credential for B"
    for arn, credential, who in ((arnB, credA, "B's ARN, A's credential"), (arnA, credB, "A's ARN, B's credential"),
                                 (arnB.rsplit("/", 1)[1], credA, "B's ID, A's credential"),
                                 (arnB.replace("/default/", "/"), credA, "B's short ARN, A's credential")):
        attacks.agent(kind, f"sync, {who}", "sync", sync(arn, credential))
        attacks.agent(kind, f"sync reporting a task STOPPED, {who}", "sync",
                      sync(arn, credential, desiredVersion=10 ** 6, tasks=[report]))
        attacks.agent(kind, f"logs, {who}", "logs", deliver(arn, credential))
        attacks.agent(kind, f"register (rejoin), {who}", "register",
                      dict(register, containerInstanceArn=arn, credential=credential))
    attacks.agent(kind, "register (rejoin) into another cluster, B's ARN, A's credential", "register",
                  dict(register, containerInstanceArn=arnB, credential=credA, cluster=names["cluster"]))
    attacks.agent(kind, "sync with protocolVersion 2, B's ARN, A's credential", "sync",
                  sync(arnB, credA, protocolVersion=2))
    # (b) A's own identity with its credential garbled
    kind = "b: garbled credential"
    garbled = {"one character changed": credA[:-1] + ("A" if credA[-1] != "A" else "B"), "cut short": credA[:-1],
               "padded with =": credA + "=", "upper case": credA.upper(), "trailing space": credA + " ",
               "leading space": " " + credA, "its SHA-256": hashlib.sha256(credA.encode()).hexdigest(),
               "random": "Zm9yZ2VkLWNyZWRlbnRpYWwtMDEyMzQ1Njc4OWFiY2RlZg", "empty": "", "null": None,
               "a number": 0, "a list": [credA], "an object": {"credential": credA}, "doubled": credA + credA,
               "with NUL": credA + "\u0000"}
    for what, credential in garbled.items():
        attacks.agent(kind, f"sync, {what}", "sync", sync(arnA, credential))
        attacks.agent(kind, f"logs, {what}", "logs", deliver(arnA, credential))
        attacks.agent(kind, f"register (rejoin), {what}", "register",
                      dict(register, containerInstanceArn=arnA, credential=credential))
    # (c) expired and future signatures
    kind = "c: expired or future signature"
    for offset in (-16, -20, 20):
        for api, operation, body in writes(names):
            headers, data = signed(port, api, operation, body, when=NOW() + MINUTES(offset))
            attacks.aws(kind, f"{api}:{operation} dated {offset:+d} min", api, operation, data, headers)
    # (d) the same signed bytes again and again, outside the window
    kind = "d: replay outside the window"
    for age, label in ((MINUTES(16), "16 min"), (datetime.timedelta(days=1), "a day")):
        for api, operation, body in writes(names)[:6] + writes(names)[8:9] + writes(names)[-1:]:
            headers, data = signed(port, api, operation, body, when=NOW() - age)
            for attempt in range(3):
                attacks.aws(kind, f"{api}:{operation} signed {label} before, sent #{attempt + 1}", api, operation,
                            data, headers)
    # (e) signatures that do not match the request
    kind = "e: forged signature"
    for api, operation, body in writes(names):
        headers, data = signed(port, api, operation, body, key=(ACCESS_KEY[0], ACCESS_KEY[1] + "x"))
        attacks.aws(kind, f"{api}:{operation} with a wrong secret", api, operation, data, headers)
        headers, data = signed(port, api, operation, body, key=("AKWHFORGED0000000001", ACCESS_KEY[1]))
        attacks.aws(kind, f"{api}:{operation} with an unknown access key", api, operation, data, headers)
        headers, data = signed(port, api, operation, {"harmless": True})
        attacks.aws(kind, f"{api}:{operation} with the body changed after signing", api, operation,
                    json.dumps(body).encode(), headers)
        other = "DescribeClusters" if api == "ecs" else "ListAccessKeys" if api == "admin" else "DescribeLogGroups" \
            if api == "logs" else "ListSecrets" if api == "secretsmanager" else "DescribeParameters"
        headers, data = signed(port, api, other, body)
        headers["X-Amz-Target"] = f"{APIS[api][1]}.{operation}"
        attacks.aws(kind, f"{api}:{operation} with the target changed after signing ({other})", api, operation,
                    data, headers)
        headers, data = signed(port, api, operation, body, signed=["host", "x-amz-date"])
        attacks.aws(kind, f"{api}:{operation} without X-Amz-Target among the signed headers", api, operation,
                    data, headers)
        wrong = "ssm" if APIS[api][2] != "ssm" else "ecs"
        headers, data = signed(port, api, operation, body, service=wrong)
        attacks.aws(kind, f"{api}:{operation} signed for service {wrong}", api, operation, data, headers)
        headers, data = signed(port, api, operation, body, region="xx-nowhere-1")
        attacks.aws(kind, f"{api}:{operation} signed for region xx-nowhere-1", api, operation, data, headers)
        headers, data = signed(port, api, operation, body, when=NOW() - MINUTES(20))
        headers["X-Amz-Date"] = NOW().strftime("%Y%m%dT%H%M%SZ")
        attacks.aws(kind, f"{api}:{operation} with X-Amz-Date changed after signing", api, operation, data, headers)
        headers, data = signed(port, api, operation, body)
        headers["Host"] = "evil.example:80"
        attacks.aws(kind, f"{api}:{operation} with Host changed after signing", api, operation, data, headers)
        legit, _ = signed(port, "ecs", "ListClusters", {})
        headers = {"Host": legit["Host"], "Content-Type": JSON_11, "X-Amz-Target": f"{APIS[api][1]}.{operation}",
                   "X-Amz-Date": legit["X-Amz-Date"], "Authorization": legit["Authorization"]}
        attacks.aws(kind, f"{api}:{operation} with the Authorization of a ListClusters", api, operation, body, headers)
        headers, data = signed(port, api, operation, body)
        headers["X-Amz-Content-Sha256"] = hashlib.sha256(b"{}").hexdigest()
        attacks.aws(kind, f"{api}:{operation} with an x-amz-content-sha256 of another body", api, operation, data,
                    headers)
        query = ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + ACCESS_KEY[0] +
                 "%2F20260101%2Fus-east-1%2Fecs%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=86400"
                 "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + "0" * 64)
        attacks.aws(kind, f"{api}:{operation} presigned (query string)", api, operation, body, path="/?" + query)
    # (f) registration without a right to it
    kind = "f: register without a right"
    plain = dict(register)
    for what, extra in (
            ("no activation, cluster default", {}),
            ("no activation, another cluster", {"cluster": names["cluster"]}),
            ("no activation, empty cluster name", {"cluster": ""}),
            ("no activation, a cluster that does not exist", {"cluster": f"forged-none-{names['tag']}"}),
            ("a made-up activation", {"activationId": "8d2f1c3e-0000-4000-8000-000000000000",
                                      "activationCode": "ForgedCode0123456789"}),
            ("an activation with a wrong code", {"activationId": names["spare"],
                                                 "activationCode": "WrongCode0123456789"}),
            ("an activation's ID without its code", {"activationId": names["spare"]}),
            ("a deleted activation with its code", {"activationId": names["deleted"]["ActivationId"],
                                                    "activationCode": names["deleted"]["ActivationCode"]}),
            ("A's used-up activation with its code", {"activationId": cluster.activations["A"]["ActivationId"],
                                                      "activationCode": cluster.activations["A"]["ActivationCode"]}),
            ("A's ARN without a credential", {"containerInstanceArn": arnA}),
            ("A's ARN with a wrong credential", {"containerInstanceArn": arnA, "credential": "Zm9yZ2Vk" * 5 + "abc"}),
            ("A's ARN with an empty credential", {"containerInstanceArn": arnA, "credential": ""}),
            ("A's ID with a wrong credential", {"containerInstanceArn": arnA.rsplit("/", 1)[1], "credential": "x"}),
            ("A's ARN, a wrong credential, another cluster", {"containerInstanceArn": arnA, "credential": "x",
                                                              "cluster": names["cluster"]}),
            ("a deleted activation and A's ARN", {"containerInstanceArn": arnA,
                                                  "activationId": names["deleted"]["ActivationId"],
                                                  "activationCode": names["deleted"]["ActivationCode"]})):
        attacks.agent(kind, what, "register", dict(plain, **extra))
    # (g) unsigned API calls, and malformed Authorization headers
    kind = "g: unsigned API call"
    for api, operation, body in writes(names):
        attacks.aws(kind, f"{api}:{operation} unsigned", api, operation, body)
        for authorization in ("", "AWS4-HMAC-SHA256", "Basic Zm9yZ2VkOmZvcmdlZA==", "Bearer forged",
                              f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY[0]}/20260101/us-east-1/{APIS[api][2]}/"
                              "aws4_request, SignedHeaders=host, Signature="):
            headers = {"Host": f"127.0.0.1:{port}", "Content-Type": JSON_11,
                       "X-Amz-Target": f"{APIS[api][1]}.{operation}", "Authorization": authorization}
            attacks.aws(kind, f"{api}:{operation} with Authorization {authorization[:40]!r}", api, operation, body,
                        headers)


def snapshot(cluster):
    """What an attack could change, read through the APIs, and the row counts of the databases."""
    port, state = cluster.port, {}
    clusters = paginate(port, "ecs", "ListClusters", {}, "clusterArns")
    state["clusters"] = sorted((c["clusterName"], c["status"], c["registeredContainerInstancesCount"])
                               for c in call(port, "ecs", "DescribeClusters", {"clusters": clusters})["clusters"])
    state["task definitions"] = sorted(paginate(port, "ecs", "ListTaskDefinitions", {}, "taskDefinitionArns"))
    state["inactive task definitions"] = sorted(paginate(port, "ecs", "ListTaskDefinitions", {"status": "INACTIVE"},
                                                         "taskDefinitionArns"))
    state["parameters"] = sorted((p["Name"], p["Value"], p["Version"]) for p in paginate(
        port, "ssm", "GetParametersByPath", {"Path": "/", "Recursive": True}, "Parameters", token="NextToken"))
    state["secrets"] = sorted((s["Name"], s.get("DeletedDate") is None) for s in paginate(
        port, "secretsmanager", "ListSecrets", {"IncludePlannedDeletion": True}, "SecretList", token="NextToken"))
    state["secret values"] = {s[0]: call(port, "secretsmanager", "GetSecretValue", {"SecretId": s[0]})["SecretString"]
                              for s in state["secrets"]}
    instances, tasks, services = [], [], []
    for arn in clusters:
        listed = paginate(port, "ecs", "ListContainerInstances", {"cluster": arn}, "containerInstanceArns")
        if listed:
            for i in call(port, "ecs", "DescribeContainerInstances", {"cluster": arn, "containerInstances": listed})[
                    "containerInstances"]:
                instances.append((i["containerInstanceArn"], i["status"], i.get("agentConnected"),
                                  i.get("ec2InstanceId"),
                                  sorted((a["name"], a.get("value")) for a in i.get("attributes", [])),
                                  sorted((r["name"], r.get("integerValue"), tuple(r.get("stringSetValue", [])))
                                         for r in i.get("registeredResources", [])),
                                  json.dumps(i.get("versionInfo"), sort_keys=True)))
        tasks += paginate(port, "ecs", "ListTasks", {"cluster": arn}, "taskArns")
        services += paginate(port, "ecs", "ListServices", {"cluster": arn}, "serviceArns")
    state["container instances"], state["tasks"], state["services"] = sorted(instances), sorted(tasks), sorted(services)
    state["activations"] = sorted((a["ActivationId"], a.get("RegistrationsCount"), a.get("RegistrationLimit"))
                                  for a in paginate(port, "ssm", "DescribeActivations", {}, "ActivationList",
                                                    token="NextToken"))
    groups = [g["logGroupName"] for g in paginate(port, "logs", "DescribeLogGroups", {}, "logGroups")]
    state["log groups"] = sorted(groups)
    state["log streams"] = sorted((g, s["logStreamName"]) for g in groups for s in paginate(
        port, "logs", "DescribeLogStreams", {"logGroupName": g}, "logStreams"))
    state["access keys"] = sorted(k["AccessKeyId"] for k in call(port, "admin", "ListAccessKeys", {})["AccessKeys"])
    for name in ("wharf.db", "logs.db"):
        path = os.path.join(cluster.data_dir, name)
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            state[f"{name} rows"] = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    return state


def setup(cluster, tag):
    """What the attacks aim at, and the replays within the window (measured here, before the
    snapshot, since AWS accepts them too and they write)."""
    port = cluster.port
    names = {"tag": tag, "cluster": f"forged-other-{tag}", "family": f"forged-keep-{tag}",
             "parameter": f"/forged/keep-{tag}", "secret": f"forged-keep-{tag}", "group": f"forged-keep-{tag}",
             "A": cluster.identity["A"]["containerInstanceArn"], "B": cluster.identity["B"]["containerInstanceArn"]}
    call(port, "ecs", "CreateCluster", {"clusterName": names["cluster"]})
    call(port, "ecs", "RegisterTaskDefinition", {"family": names["family"], "containerDefinitions": [
        {"name": "keep", "image": IMAGE, "command": ["sleep", "1"], "memory": 16}]})
    call(port, "ssm", "PutParameter", {"Name": names["parameter"], "Value": "kept", "Type": "String"})
    call(port, "secretsmanager", "CreateSecret", {"Name": names["secret"], "SecretString": "kept"})
    call(port, "logs", "CreateLogGroup", {"logGroupName": names["group"]})
    names["spare"] = call(port, "ssm", "CreateActivation", {"IamRole": "spare", "RegistrationLimit": 5})["ActivationId"]
    names["deleted"] = call(port, "ssm", "CreateActivation", {"IamRole": "deleted"})
    call(port, "ssm", "DeleteActivation", {"ActivationId": names["deleted"]["ActivationId"]})
    # Within the window: a PutParameter captured, the value changed, the capture sent again.
    within = collections.Counter()
    replay = f"/forged/replay-{tag}"
    for age in (0, 14):
        captured = {"Name": replay, "Value": f"captured {age}", "Type": "String", "Overwrite": True}
        headers, data = signed(port, "ssm", "PutParameter", captured, when=NOW() - MINUTES(age))
        first = send(port, "POST", "/", data, header_list(headers, data))
        call(port, "ssm", "PutParameter", {"Name": replay, "Value": "changed", "Type": "String", "Overwrite": True})
        again = send(port, "POST", "/", data, header_list(headers, data))
        value = call(port, "ssm", "GetParameter", {"Name": replay})["Parameter"]["Value"]
        within[f"signed {age} min before: first {first.status}, replay {again.status}, value after: {value!r}"] += 1
    return names, within


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds without an answer that count as a fault")
    parser.add_argument("--json", help="merge the record into this JSON file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    tag = "%06x" % (int(time.time() * 1000) % 0xFFFFFF)
    changes, checks = {}, {}
    with TwoAgents(args.bin_dir) as cluster:
        names, within = setup(cluster, tag)
        time.sleep(1)
        before = snapshot(cluster)
        attacks = Attacks(cluster.port, args.timeout)
        attack(cluster, names, attacks)
        time.sleep(2)  # writes are batched: let any that an attack caused land
        after = snapshot(cluster)
        for key in before:
            if before[key] != after[key]:
                changes[key] = {"before": before[key], "after": after[key]}
        checks["processes running"] = all(p.poll() is None for p in cluster.processes.values())
        checks["both agents connected"] = all(i[2] is True for i in after["container instances"])
        rejoin = takeover(cluster, args.timeout)
        checks["rejoin as A with an activation not made for A refused"] = (
            not rejoin["A's ARN handed out"] and rejoin["A's own credential afterwards"].startswith("200"))
    seconds = time.monotonic() - started
    report(args, attacks, changes, checks, within, rejoin, seconds)


def takeover(cluster, timeout):
    """Last, since it makes an activation: A's ARN without a credential but with a fresh, valid
    activation made for no instance, as wharf-agent --container-instance sends it. Shown: whether
    the answer hands out A's ARN, and whether A's own credential still works after it."""
    port, identity = cluster.port, cluster.identity["A"]
    bait = call(port, "ssm", "CreateActivation", {"IamRole": "bait"})
    body = {"protocolVersion": 1, "cluster": "default", "hostname": "forged-host", "containerInstanceArn":
            identity["containerInstanceArn"], "activationId": bait["ActivationId"],
            "activationCode": bait["ActivationCode"], "resources": {"cpu": 1024, "memoryMiB": 1024,
                                                                    "reservedTCPPorts": [], "reservedUDPPorts": []},
            "attributes": [], "versionInfo": {}}
    data = json.dumps(body).encode()
    host = {"Host": f"127.0.0.1:{port}", "Content-Type": "application/json"}
    answer = send(port, "POST", "/agent/v1/register", data, header_list(host, data), timeout)
    got = answer.json() if answer.status == 200 else {}
    sync = json.dumps({"protocolVersion": 1, "containerInstanceArn": identity["containerInstanceArn"],
                       "credential": identity["credential"], "desiredVersion": -1, "tasks": []}).encode()
    own = send(port, "POST", "/agent/v1/sync", sync, header_list(host, sync), timeout)
    return {"answer": f"{answer.status} {answer.error_type or ''}".strip(),
            "A's ARN handed out": got.get("containerInstanceArn") == identity["containerInstanceArn"],
            "A's own credential afterwards": f"{own.status} {own.error_type or ''}".strip()}


def report(args, attacks, changes, checks, within, rejoin, seconds):
    print(f"\n{'kind':<34}{'attempts':>9}{'refused':>9}{'accepted':>9}{'faults':>8}  refusals")
    total = collections.Counter()
    for kind in sorted(attacks.rows):
        row = attacks.rows[kind]
        total.update(row)
        statuses = ", ".join(f"{s} x{n}" for s, n in attacks.statuses[kind].most_common())
        print(f"{kind:<34}{row['attempts']:>9}{row['refused']:>9}{row['accepted']:>9}{row['faults']:>8}  {statuses}")
    print(f"{'all':<34}{total['attempts']:>9}{total['refused']:>9}{total['accepted']:>9}{total['faults']:>8}  "
          f"({100 * total['refused'] / max(1, total['attempts']):.1f} % refused)")
    print("rejoin as A with a fresh activation not made for A, no credential (wharf-agent --container-instance): "
          + ", ".join(f"{k}: {v}" for k, v in rejoin.items()))
    print("replays within the window (information; AWS accepts them too):")
    for line in within:
        print(f"  {line}")
    print(f"changed by the attacks: {', '.join(changes) if changes else 'nothing'}")
    for name, ok in checks.items():
        print(f"check: {name}: {'ok' if ok else 'FAILED'}")
    print(f"run {seconds:.1f} s")
    for line in attacks.bad:
        print(line, file=sys.stderr)
    for key, change in changes.items():
        print(f"{key} changed:\n  before {change['before']}\n  after  {change['after']}", file=sys.stderr)
    failed = bool(total["accepted"] or total["faults"] or changes or not all(checks.values()))
    print(f"result: {'FAILED' if failed else 'passed'}")
    if args.json:
        write_record(args.json, "fault-forged-traffic", args.bin_dir, {"timeout_s": args.timeout},
                     {"kinds": {k: dict(v) for k, v in attacks.rows.items()},
                      "refusals": {k: dict(v) for k, v in attacks.statuses.items()},
                      "attempts": total["attempts"], "refused": total["refused"], "accepted": total["accepted"],
                      "faults": total["faults"], "changed": sorted(changes), "checks": checks,
                      "within_window": list(within), "rejoin_with_activation": rejoin, "seconds": round(seconds, 1),
                      "passed": not failed})
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
