"""What the fault suites share beyond ../wharf_bench.py: AWS Signature Version 4 done by hand (any
date, key, scope or signed-header list, so that forged and expired signatures can be made too), a
raw HTTP/1.1 request whose headers are sent exactly as given (duplicates, none, wrong ones), and
one signed call to any of the JSON 1.1 APIs the controller serves, Secrets Manager included."""
import datetime, hashlib, hmac, http.client, json, os, select, socket, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wharf_bench import ACCESS_KEY  # noqa: E402

REGION = "us-east-1"
JSON_11 = "application/x-amz-json-1.1"
# CloudWatch speaks AWS JSON 1.0 (as botocore calls it with the json protocol); the others 1.1.
JSON_10 = "application/x-amz-json-1.0"


def json_type(api):
    """The Content-Type of `api`'s JSON calls."""
    return JSON_10 if api == "cloudwatch" else JSON_11
# api -> (botocore service name, X-Amz-Target prefix, SigV4 signing name)
APIS = {
    "ecs": ("ecs", "AmazonEC2ContainerServiceV20141113", "ecs"),
    "ssm": ("ssm", "AmazonSSM", "ssm"),
    "secretsmanager": ("secretsmanager", "secretsmanager", "secretsmanager"),
    "logs": ("logs", "Logs_20140328", "logs"),
    "cloudwatch": ("cloudwatch", "GraniteServiceVersion20100801", "monitoring"),
    "application-autoscaling": ("application-autoscaling", "AnyScaleFrontendService", "application-autoscaling"),
    "admin": (None, "WharfAdmin", "wharf"),
}


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def amz_date(when):
    return when.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def sigv4(host, body, headers, service, key=ACCESS_KEY, region=REGION, when=None, signed=None, method="POST",
          path="/", query=""):
    """The headers of a request signed with SigV4: `headers` (a dict) plus Host, X-Amz-Date and
    Authorization. `when` (a datetime, default now) is the signing time; `signed` the names of
    the headers to sign (default: all of them, as botocore does)."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    stamp = amz_date(when)
    out = dict(headers)
    out["Host"] = host
    out["X-Amz-Date"] = stamp
    lowered = {name.lower(): " ".join(str(value).split()) for name, value in out.items()}
    names = sorted(n.lower() for n in (signed or lowered))
    canonical = "\n".join([method, path, query, "".join(f"{n}:{lowered.get(n, '')}\n" for n in names),
                           ";".join(names), hashlib.sha256(body).hexdigest()])
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = _hmac(("AWS4" + key[1]).encode(), stamp[:8])
    for part in (region, service, "aws4_request"):
        k = _hmac(k, part)
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={key[0]}/{scope}, SignedHeaders={';'.join(names)}, "
                            f"Signature={signature}")
    return out


class Answer:
    """An HTTP answer: status (None when there was none), body, seconds taken, and the error when
    the exchange failed (`timeout` for no answer in time, else the exception's name)."""

    def __init__(self, status=None, body=b"", seconds=0.0, error=None):
        self.status, self.body, self.seconds, self.error = status, body, seconds, error

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def error_type(self):
        decoded = self.json()
        if isinstance(decoded, dict):
            return decoded.get("__type") or decoded.get("code")
        return None

    def __repr__(self):
        shown = self.body[:300].decode(errors="replace")
        return f"HTTP {self.status} {shown}" if self.status is not None else f"no answer ({self.error})"


def send(port, method, path, body, headers, timeout=10.0):
    """One request on a fresh connection, its headers exactly as listed (pairs; Host and
    Content-Length only when listed), within `timeout` seconds in all. As curl does, the body
    stops when an answer comes first (a server may refuse a request before reading its body, and
    need not read the rest)."""
    started = time.monotonic()
    deadline = started + timeout
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        sock, view, sent = connection.sock, memoryview(body), 0
        try:
            while sent < len(body):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                readable, writable, _ = select.select([sock], [sock], [], left)
                if readable:
                    break
                if writable:
                    sent += sock.send(view[sent:sent + 65536])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the answer may be waiting all the same
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, data, time.monotonic() - started)
    except (socket.timeout, TimeoutError):
        return Answer(None, b"", time.monotonic() - started, "timeout")
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, b"", time.monotonic() - started, type(error).__name__)
    finally:
        connection.close()


def header_list(headers, body):
    """`headers` (a dict) as pairs, Content-Length added."""
    return list(headers.items()) + [("Content-Length", str(len(body)))]


def signed_request(port, api, operation, body, key=ACCESS_KEY, when=None):
    """(headers, body bytes) of a correctly formed, signed AWS JSON call."""
    _, prefix, service = APIS[api]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = sigv4(f"127.0.0.1:{port}", data,
                    {"Content-Type": json_type(api), "X-Amz-Target": f"{prefix}.{operation}"},
                    service, key=key, when=when)
    return header_list(headers, data), data


def call(port, api, operation, body, timeout=30.0):
    """One signed call; returns the decoded answer or raises RuntimeError with the error body."""
    headers, data = signed_request(port, api, operation, body)
    answer = send(port, "POST", "/", data, headers, timeout)
    if answer.status != 200:
        raise RuntimeError(f"{api}:{operation}: {answer!r}")
    return answer.json()


def paginate(port, api, operation, body, key, token="nextToken"):
    """Every item of a list operation, page after page."""
    items, body = [], dict(body)
    while True:
        page = call(port, api, operation, body)
        items += page.get(key, [])
        if not page.get(token):
            return items
        body[token] = page[token]
