#!/usr/bin/env python3
"""Drives the Cloud Map API (servicediscovery) with boto3 and checks every raw JSON answer strictly
against botocore's model (the checker of ecs_conformance.py, on this model), and every refusal is
a 4xx whose __type botocore maps to the model's exception.

python3 cloudmap_conformance.py ENDPOINT

Prints one line per check; exits 1 when any fails."""
import json
import sys
from pathlib import Path

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ecs_conformance import _walk  # noqa: E402

MODEL = botocore.session.get_session().get_service_model("servicediscovery")
raw = {}
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


# DiscoverInstances goes to the data- host in AWS; a custom endpoint serves both.
client = boto3.client("servicediscovery", endpoint_url=sys.argv[1], region_name="us-east-1",
                      config=Config(inject_host_prefix=False))
client.meta.events.register(
    "before-parse.servicediscovery",
    lambda operation_model, response_dict, **_: raw.update(body=response_dict["body"],
                                                           status=response_dict["status_code"]))


def method(operation):
    return "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")


def call(operation, **params):
    result = getattr(client, method(operation))(**params)
    body = json.loads(raw["body"] or b"{}")
    errors = []
    shape = MODEL.operation_model(operation).output_shape
    if shape is not None:
        _walk(shape, body, "$", errors)
    elif body != {}:
        errors.append(f"$: {operation} has no output members")
    check(f"{operation}: the answer is valid against the servicediscovery model", not errors, "; ".join(errors[:5]))
    return result


def refused(operation, exception, **params):
    try:
        getattr(client, method(operation))(**params)
    except ClientError as error:
        modeled = getattr(client.exceptions, exception, None)
        check(f"{operation} refused with {exception} (HTTP {raw.get('status')})",
              modeled is not None and isinstance(error, modeled) and 400 <= raw.get("status", 0) < 500,
              f"got {error.response['Error']['Code']} HTTP {raw.get('status')}: {error}")
        return
    check(f"{operation} refused with {exception}", False, "it succeeded")


operation = call("CreatePrivateDnsNamespace", Name="conformance.internal", Vpc="vpc-1", CreatorRequestId="c-1",
                 Tags=[{"Key": "suite", "Value": "conformance"}])["OperationId"]
namespace = call("GetOperation", OperationId=operation)["Operation"]["Targets"]["NAMESPACE"]
again = call("CreatePrivateDnsNamespace", Name="conformance.internal", Vpc="vpc-1", CreatorRequestId="c-1")
check("CreatePrivateDnsNamespace with the same CreatorRequestId answers the same operation",
      again["OperationId"] == operation, str(again))
http_operation = call("CreateHttpNamespace", Name="conformance-http")["OperationId"]
call("GetNamespace", Id=namespace)
call("ListNamespaces", Filters=[{"Name": "TYPE", "Values": ["DNS_PRIVATE"], "Condition": "EQ"}])
service = call("CreateService", Name="web", NamespaceId=namespace,
               DnsConfig={"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "A", "TTL": 10},
                                                                        {"Type": "SRV", "TTL": 10}]},
               HealthCheckCustomConfig={"FailureThreshold": 1})["Service"]
call("GetService", Id=service["Id"])
call("ListServices", Filters=[{"Name": "NAMESPACE_ID", "Values": [namespace], "Condition": "EQ"}])
call("RegisterInstance", ServiceId=service["Id"], InstanceId="task-1",
     Attributes={"AWS_INSTANCE_IPV4": "10.64.0.5", "AWS_INSTANCE_PORT": "80", "ECS_CLUSTER_NAME": "default"})
call("RegisterInstance", ServiceId=service["Id"], InstanceId="task-2",
     Attributes={"AWS_INSTANCE_IPV4": "10.64.1.5", "AWS_INSTANCE_PORT": "80"})
call("ListInstances", ServiceId=service["Id"])
call("GetInstance", ServiceId=service["Id"], InstanceId="task-1")
found = call("DiscoverInstances", NamespaceName="conformance.internal", ServiceName="web")
check("DiscoverInstances finds both instances", len(found["Instances"]) == 2, str(found))
call("DiscoverInstancesRevision", NamespaceName="conformance.internal", ServiceName="web")
call("UpdateInstanceCustomHealthStatus", ServiceId=service["Id"], InstanceId="task-2", Status="UNHEALTHY")
call("GetInstancesHealthStatus", ServiceId=service["Id"])
call("DeregisterInstance", ServiceId=service["Id"], InstanceId="task-2")
call("ListOperations", Filters=[{"Name": "NAMESPACE_ID", "Values": [namespace], "Condition": "EQ"}])
call("TagResource", ResourceARN=service["Arn"], Tags=[{"Key": "team", "Value": "web"}])
call("ListTagsForResource", ResourceARN=service["Arn"])
call("UntagResource", ResourceARN=service["Arn"], TagKeys=["team"])

refused("GetNamespace", "NamespaceNotFound", Id="ns-0000000000000000")
refused("GetService", "ServiceNotFound", Id="srv-0000000000000000")
refused("GetInstance", "InstanceNotFound", ServiceId=service["Id"], InstanceId="nope")
refused("GetOperation", "OperationNotFound", OperationId="nope")
refused("CreatePrivateDnsNamespace", "NamespaceAlreadyExists", Name="conformance.internal", Vpc="vpc-1")
refused("CreateService", "ServiceAlreadyExists", Name="web", NamespaceId=namespace)
refused("DeleteNamespace", "ResourceInUse", Id=namespace)
refused("RegisterInstance", "InvalidInput", ServiceId=service["Id"], InstanceId="x",
        Attributes={"AWS_INSTANCE_IPV4": "not-an-address", "AWS_INSTANCE_PORT": "80"})
refused("ListTagsForResource", "ResourceNotFoundException",
        ResourceARN=service["Arn"].rsplit("/", 1)[0] + "/srv-0000000000000000")

call("DeregisterInstance", ServiceId=service["Id"], InstanceId="task-1")
call("DeleteService", Id=service["Id"])
call("DeleteNamespace", Id=namespace)
print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
