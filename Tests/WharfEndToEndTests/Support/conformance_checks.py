"""What the conformance scripts share: one line per check ("ok   NAME" or "FAIL NAME: DETAIL"), a
tally at the end, and refusals checked against the model's exceptions."""
import sys

from botocore.exceptions import ClientError


def method(operation):
    """boto3's method for an operation: DescribeAlarms -> describe_alarms."""
    return "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")


class Checks:
    def __init__(self):
        self.passed = 0
        self.failures = []

    def check(self, name, ok, detail=""):
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
        if ok:
            self.passed += 1
        else:
            self.failures.append(name)

    def refused(self, client, raw, operation, exception, label="", **params):
        """Checks that the call fails with the model's `exception` and a 4xx status (from `raw`,
        which the client's before-parse handler fills)."""
        try:
            getattr(client, method(operation))(**params)
        except ClientError as error:
            modeled = getattr(client.exceptions, exception, None)
            self.check(f"{label}{operation} refused with {exception} (HTTP {raw.get('status')})",
                       modeled is not None and isinstance(error, modeled) and 400 <= raw.get("status", 0) < 500,
                       f"got {error.response['Error']['Code']} HTTP {raw.get('status')}: {error}")
            return error
        self.check(f"{label}{operation} refused with {exception}", False, "it succeeded")

    def unserved(self, client, raw, operation, code, label="", **params):
        """Checks that an operation Wharf does not serve is refused with a 4xx of `code` whose
        message names it, never accepted and ignored, never a 5xx."""
        try:
            getattr(client, method(operation))(**params)
        except ClientError as error:
            got = error.response["Error"]
            self.check(f"{label}{operation}, not served, is refused with {code} naming it (HTTP {raw.get('status')})",
                       got.get("Code") == code and operation in got.get("Message", "")
                       and 400 <= raw.get("status", 0) < 500,
                       f"got {got.get('Code')} HTTP {raw.get('status')}: {got.get('Message')}")
            return error
        self.check(f"{label}{operation}, not served, is refused", False, "it succeeded")

    def finish(self):
        print(f"{self.passed} passed, {len(self.failures)} failed")
        sys.exit(1 if self.failures else 0)
