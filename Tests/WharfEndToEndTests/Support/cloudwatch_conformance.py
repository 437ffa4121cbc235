#!/usr/bin/env python3
"""Drives the CloudWatch API with boto3 in both of its protocols and checks every raw answer
strictly against botocore's cloudwatch model: AWS JSON 1.0 (what botocore sends: every member of
its shape, no nulls, numbers and timestamps as numbers) and the Query protocol with XML answers
(what older SDKs send; botocore is made to speak it from a copy of the model that names only
`query`). Every refusal must be a 4xx whose code botocore maps to the model's exception.

python3 cloudwatch_conformance.py ENDPOINT

Prints one line per check, then "N passed, M failed"; exits 1 when any fails."""
import json
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import botocore.session
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ecs_conformance import _walk  # noqa: E402
from query_xml import validate as validate_xml  # noqa: E402

ENDPOINT = sys.argv[1]
MODEL = botocore.session.get_session().get_service_model("cloudwatch")
raw = {}
failures = []
passed = 0


def check(name, ok, detail=""):
    global passed
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if ok:
        passed += 1
    else:
        failures.append(name)


def validate_json(operation, body, headers):
    errors = []
    if headers.get("content-type", "").split(";")[0] != "application/x-amz-json-1.0":
        errors.append(f"Content-Type {headers.get('content-type')!r} is not application/x-amz-json-1.0")
    value = json.loads(body or b"{}")
    shape = MODEL.operation_model(operation).output_shape
    if shape is not None:
        _walk(shape, value, "$", errors)
    elif value != {}:
        errors.append(f"$: {operation} has no output members")
    return errors


def client(protocol):
    session = botocore.session.get_session()
    if protocol == "query":
        # A copy of the model that names only the Query protocol, found first.
        folder = Path(tempfile.mkdtemp()) / "cloudwatch" / "2010-08-01"
        folder.mkdir(parents=True)
        # Read from another session: a loader keeps what it loaded.
        model = botocore.session.get_session().get_component("data_loader").load_service_model(
            "cloudwatch", "service-2")
        model = json.loads(json.dumps(model))
        model["metadata"]["protocol"] = "query"
        model["metadata"]["protocols"] = ["query"]
        (folder / "service-2.json").write_text(json.dumps(model))
        session.get_component("data_loader").search_paths.insert(0, str(folder.parent.parent))
    made = boto3.Session(botocore_session=session).client("cloudwatch", endpoint_url=ENDPOINT, region_name="us-east-1")
    made.meta.events.register(
        "before-parse.cloudwatch",
        lambda operation_model, response_dict, **_: raw.update(
            body=response_dict["body"], status=response_dict["status_code"],
            headers={k.lower(): v for k, v in response_dict["headers"].items()}))
    made.meta.events.register(
        "before-send.cloudwatch",
        lambda request, **_: raw.update(request_headers={
            k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}))
    return made


def method(operation):
    return "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")


def call(cw, protocol, operation, **params):
    result = getattr(cw, method(operation))(**params)
    if protocol == "json":
        problems = validate_json(operation, raw["body"], raw["headers"])
    else:
        problems = validate_xml(MODEL, operation, raw["body"])
    check(f"[{protocol}] {operation}: the answer is valid against the cloudwatch model", not problems,
          "; ".join(problems[:5]))
    return result


def refused(cw, protocol, operation, exception, **params):
    try:
        getattr(cw, method(operation))(**params)
    except ClientError as error:
        modeled = getattr(cw.exceptions, exception, None)
        check(f"[{protocol}] {operation} refused with {exception} (HTTP {raw.get('status')})",
              modeled is not None and isinstance(error, modeled) and 400 <= raw.get("status", 0) < 500,
              f"got {error.response['Error']['Code']} HTTP {raw.get('status')}: {error}")
        return error
    check(f"[{protocol}] {operation} refused with {exception}", False, "it succeeded")


def metrics(protocol):
    cw = client(protocol)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    minute = now.replace(second=0)
    namespace = f"Conformance/{protocol}"
    dims = [{"Name": "Service", "Value": "web"}, {"Name": "Az", "Value": "a"}]
    call(cw, protocol, "PutMetricData", Namespace=namespace, MetricData=[
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": minute - timedelta(minutes=2), "Value": 10,
         "Unit": "Milliseconds"},
        {"MetricName": "Latency", "Dimensions": list(reversed(dims)), "Timestamp": minute - timedelta(minutes=2),
         "Values": [20, 30], "Counts": [1, 2], "Unit": "Milliseconds"},
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": minute - timedelta(minutes=1),
         "StatisticValues": {"SampleCount": 4, "Sum": 100, "Minimum": 5, "Maximum": 50}, "Unit": "Milliseconds"},
        {"MetricName": "Requests", "Timestamp": minute - timedelta(minutes=1), "Value": 7, "Unit": "Count"},
    ])
    stats = call(cw, protocol, "GetMetricStatistics", Namespace=namespace, MetricName="Latency", Dimensions=dims,
                 StartTime=minute - timedelta(minutes=5), EndTime=minute, Period=60,
                 Statistics=["SampleCount", "Average", "Sum", "Minimum", "Maximum"])
    points = sorted(stats["Datapoints"], key=lambda p: p["Timestamp"])
    check(f"[{protocol}] GetMetricStatistics sums each minute",
          [(p["SampleCount"], p["Sum"], p["Minimum"], p["Maximum"], p["Unit"]) for p in points]
          == [(4.0, 90.0, 10.0, 30.0, "Milliseconds"), (4.0, 100.0, 5.0, 50.0, "Milliseconds")]
          and points[0]["Average"] == 22.5 and stats["Label"] == "Latency", str(points))
    percentiles = call(cw, protocol, "GetMetricStatistics", Namespace=namespace, MetricName="Latency",
                       Dimensions=dims, StartTime=minute - timedelta(minutes=5), EndTime=minute, Period=300,
                       ExtendedStatistics=["p50", "p99.5"])
    extended = [p.get("ExtendedStatistics") for p in percentiles["Datapoints"]]
    check(f"[{protocol}] percentiles only where every sample is a value (a statistic set has none)",
          extended == [{}], str(extended))
    single = call(cw, protocol, "GetMetricStatistics", Namespace=namespace, MetricName="Latency",
                  Dimensions=dims, StartTime=minute - timedelta(minutes=2), EndTime=minute - timedelta(minutes=1),
                  Period=60, ExtendedStatistics=["p50", "p99.5"])
    check(f"[{protocol}] p50 and p99.5 of 10, 20, 30, 30",
          [p.get("ExtendedStatistics") for p in single["Datapoints"]] == [{"p50": 20.0, "p99.5": 30.0}],
          str(single["Datapoints"]))
    data = call(cw, protocol, "GetMetricData", StartTime=minute - timedelta(minutes=5), EndTime=minute,
                MetricDataQueries=[
                    {"Id": "latency", "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": "Latency",
                                                                "Dimensions": dims},
                                                     "Period": 60, "Stat": "Maximum"}},
                    {"Id": "hidden", "ReturnData": False,
                     "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": "Requests"},
                                    "Period": 60, "Stat": "Sum"}},
                    {"Id": "requests", "Label": "calls",
                     "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": "Requests"},
                                    "Period": 60, "Stat": "Sum"}}])
    results = {r["Id"]: r for r in data["MetricDataResults"]}
    check(f"[{protocol}] GetMetricData answers newest first, leaves out ReturnData false",
          set(results) == {"latency", "requests"} and results["latency"]["Values"] == [50.0, 30.0]
          and results["requests"]["Label"] == "calls" and results["requests"]["Values"] == [7.0]
          and results["latency"]["StatusCode"] == "Complete", str(results))
    paged = call(cw, protocol, "GetMetricData", StartTime=minute - timedelta(minutes=5), EndTime=minute,
                 MaxDatapoints=1, ScanBy="TimestampAscending",
                 MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {"Namespace": namespace,
                                                                          "MetricName": "Latency",
                                                                          "Dimensions": dims},
                                                               "Period": 60, "Stat": "Minimum"}}])
    second = call(cw, protocol, "GetMetricData", StartTime=minute - timedelta(minutes=5), EndTime=minute,
                  MaxDatapoints=1, ScanBy="TimestampAscending", NextToken=paged.get("NextToken", ""),
                  MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {"Namespace": namespace,
                                                                           "MetricName": "Latency",
                                                                           "Dimensions": dims},
                                                                "Period": 60, "Stat": "Minimum"}}])
    check(f"[{protocol}] GetMetricData pages by MaxDatapoints, oldest first when asked",
          paged["MetricDataResults"][0]["Values"] == [10.0] and second["MetricDataResults"][0]["Values"] == [5.0]
          and paged["MetricDataResults"][0]["StatusCode"] == "PartialData" and "NextToken" not in second,
          f"{paged} / {second}")
    listed = call(cw, protocol, "ListMetrics", Namespace=namespace)
    names = sorted((m["MetricName"], len(m.get("Dimensions", []))) for m in listed["Metrics"])
    check(f"[{protocol}] ListMetrics lists each metric once, dimensions in any order the same",
          names == [("Latency", 2), ("Requests", 0)], str(listed["Metrics"]))
    filtered = call(cw, protocol, "ListMetrics", Namespace=namespace, Dimensions=[{"Name": "Service"}],
                    RecentlyActive="PT3H")
    check(f"[{protocol}] ListMetrics filters by a dimension's name",
          [m["MetricName"] for m in filtered["Metrics"]] == ["Latency"], str(filtered))

    refused(cw, protocol, "PutMetricData", "InvalidParameterValueException", Namespace="AWS/ECS",
            MetricData=[{"MetricName": "CPUUtilization", "Value": 1}])
    refused(cw, protocol, "PutMetricData", "InvalidParameterCombinationException", Namespace=namespace,
            MetricData=[{"MetricName": "X", "Value": 1, "StatisticValues": {"SampleCount": 1, "Sum": 1,
                                                                           "Minimum": 1, "Maximum": 1}}])
    refused(cw, protocol, "PutMetricData", "InvalidParameterValueException", Namespace=namespace,
            MetricData=[{"MetricName": "X", "Value": 1, "Timestamp": now - timedelta(days=15)}])
    refused(cw, protocol, "PutMetricData", "InvalidParameterValueException", Namespace=namespace,
            MetricData=[{"MetricName": "X", "Values": [1, 2], "Counts": [1]}])
    refused(cw, protocol, "GetMetricStatistics", "InvalidParameterValueException", Namespace=namespace,
            MetricName="Latency", StartTime=minute, EndTime=minute - timedelta(minutes=5), Period=60,
            Statistics=["Average"])
    refused(cw, protocol, "GetMetricStatistics", "InvalidParameterValueException", Namespace=namespace,
            MetricName="Latency", StartTime=minute - timedelta(minutes=5), EndTime=minute, Period=45,
            Statistics=["Average"])
    refused(cw, protocol, "GetMetricStatistics", "InvalidParameterCombinationException", Namespace=namespace,
            MetricName="Latency", StartTime=minute - timedelta(days=2), EndTime=minute, Period=60,
            Statistics=["Average"])
    refused(cw, protocol, "GetMetricStatistics", "InvalidParameterCombinationException", Namespace=namespace,
            MetricName="Latency", StartTime=minute - timedelta(minutes=5), EndTime=minute, Period=60,
            Statistics=["Average"], ExtendedStatistics=["p99"])
    refused(cw, protocol, "GetMetricData", "InvalidParameterValueException", StartTime=minute - timedelta(minutes=5),
            EndTime=minute, MetricDataQueries=[{"Id": "e", "Expression": "SUM(METRICS())"}])
    refused(cw, protocol, "GetMetricData", "InvalidParameterValueException", StartTime=minute - timedelta(minutes=5),
            EndTime=minute, MetricDataQueries=[{"Id": "Upper", "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": "Latency"}, "Period": 60, "Stat": "Sum"}}])
    refused(cw, protocol, "GetMetricData", "InvalidNextToken", StartTime=minute - timedelta(minutes=5),
            EndTime=minute, NextToken="bm90IGEgdG9rZW4=", MetricDataQueries=[{"Id": "m", "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": "Latency"}, "Period": 60, "Stat": "Sum"}}])
    return cw


json_client = metrics("json")
metrics("query")

# botocore gzips a PutMetricData body of 10 KB or more; the samples must land all the same.
large = [{"MetricName": "Bulk", "Dimensions": [{"Name": "Index", "Value": str(i)}], "Value": float(i)}
         for i in range(300)]
call(json_client, "json", "PutMetricData", Namespace="Conformance/bulk", MetricData=large)
check("a large PutMetricData went gzip-compressed", raw["request_headers"].get("content-encoding") == "gzip",
      str(raw["request_headers"]))
bulk = json_client.list_metrics(Namespace="Conformance/bulk")["Metrics"]
check("... and every one of its 300 metrics is there", len(bulk) == 300, str(len(bulk)))

print(f"{passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
