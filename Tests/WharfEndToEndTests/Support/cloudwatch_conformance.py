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
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import botocore.session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conformance_checks import Checks, method  # noqa: E402
from ecs_conformance import _walk  # noqa: E402
from query_xml import validate as validate_xml  # noqa: E402

ENDPOINT = sys.argv[1]
MODEL = botocore.session.get_session().get_service_model("cloudwatch")
raw = {}
checks = Checks()
check = checks.check


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
    return checks.refused(cw, raw, operation, exception, label=f"[{protocol}] ", **params)


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


def alarms(protocol):
    cw = client(protocol)
    namespace = f"Conformance/{protocol}"
    name = f"{protocol}-latency-high"
    dims = [{"Name": "Service", "Value": "web"}, {"Name": "Az", "Value": "a"}]
    # A metric without data, missing data ignored: the controller's own evaluations leave the
    # alarm's state alone, so what these checks set is what they read.
    call(cw, protocol, "PutMetricAlarm", AlarmName=name, AlarmDescription="latency above 50 ms",
         Namespace=namespace, MetricName="Quiet", Dimensions=dims, Statistic="Average", Period=60,
         EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=50, ComparisonOperator="GreaterThanThreshold",
         TreatMissingData="ignore", Unit="Milliseconds", Tags=[{"Key": "team", "Value": "web"}])
    call(cw, protocol, "PutMetricAlarm", AlarmName=f"{protocol}-p99", Namespace=namespace, MetricName="Latency",
         ExtendedStatistic="p99", Period=60, EvaluationPeriods=1, Threshold=100,
         ComparisonOperator="GreaterThanOrEqualToThreshold", EvaluateLowSampleCountPercentile="ignore")
    described = call(cw, protocol, "DescribeAlarms", AlarmNames=[name])["MetricAlarms"]
    alarm = described[0] if described else {}
    check(f"[{protocol}] a new alarm is INSUFFICIENT_DATA, unchecked, with its ARN and configuration",
          alarm.get("StateValue") == "INSUFFICIENT_DATA"
          and alarm.get("StateReason") == "Unchecked: Initial alarm creation"
          and alarm.get("AlarmArn") == f"arn:aws:cloudwatch:us-east-1:000000000000:alarm:{name}"
          and alarm.get("DatapointsToAlarm") == 2 and alarm.get("TreatMissingData") == "ignore"
          and alarm.get("ActionsEnabled") is True and alarm.get("OKActions") == [], str(alarm))
    first = call(cw, protocol, "DescribeAlarms", AlarmNamePrefix=f"{protocol}-", MaxRecords=1)
    rest = call(cw, protocol, "DescribeAlarms", AlarmNamePrefix=f"{protocol}-", MaxRecords=1,
                NextToken=first.get("NextToken", ""))
    check(f"[{protocol}] DescribeAlarms pages by MaxRecords, in name order",
          [a["AlarmName"] for a in first["MetricAlarms"] + rest["MetricAlarms"]] == [name, f"{protocol}-p99"]
          and "NextToken" not in rest, f"{first} / {rest}")
    both = call(cw, protocol, "DescribeAlarms", AlarmNames=[name], AlarmTypes=["CompositeAlarm", "MetricAlarm"])
    check(f"[{protocol}] asked for composite alarms, DescribeAlarms answers an empty list of them",
          both.get("CompositeAlarms") == [] and len(both["MetricAlarms"]) == 1, str(both))
    for_metric = call(cw, protocol, "DescribeAlarmsForMetric", Namespace=namespace, MetricName="Quiet",
                      Dimensions=list(reversed(dims)))
    check(f"[{protocol}] DescribeAlarmsForMetric finds the alarm on those dimensions (in any order)",
          [a["AlarmName"] for a in for_metric["MetricAlarms"]] == [name], str(for_metric))
    call(cw, protocol, "SetAlarmState", AlarmName=name, StateValue="ALARM", StateReason="testing",
         StateReasonData='{"by": "conformance"}')
    state = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    check(f"[{protocol}] SetAlarmState sets the state and its reason",
          state["StateValue"] == "ALARM" and state["StateReason"] == "testing", str(state))
    history = call(cw, protocol, "DescribeAlarmHistory", AlarmName=name)["AlarmHistoryItems"]
    check(f"[{protocol}] DescribeAlarmHistory tells the state change, then the creation",
          [h["HistorySummary"] for h in history]
          == ["Alarm updated from INSUFFICIENT_DATA to ALARM", f'Alarm "{name}" created']
          and json.loads(history[0]["HistoryData"])["newState"]["stateValue"] == "ALARM", str(history))
    created = call(cw, protocol, "DescribeAlarmHistory", AlarmName=name, HistoryItemType="ConfigurationUpdate",
                   ScanBy="TimestampAscending", MaxRecords=1)
    check(f"[{protocol}] DescribeAlarmHistory filters by item type",
          [h["HistoryItemType"] for h in created["AlarmHistoryItems"]] == ["ConfigurationUpdate"], str(created))
    call(cw, protocol, "DisableAlarmActions", AlarmNames=[name])
    check(f"[{protocol}] DisableAlarmActions turns the actions off",
          cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["ActionsEnabled"] is False)
    call(cw, protocol, "EnableAlarmActions", AlarmNames=[name])
    arn = alarm.get("AlarmArn", "")
    call(cw, protocol, "TagResource", ResourceARN=arn, Tags=[{"Key": "tier", "Value": "gold"}])
    call(cw, protocol, "UntagResource", ResourceARN=arn, TagKeys=["team"])
    tags = call(cw, protocol, "ListTagsForResource", ResourceARN=arn)["Tags"]
    check(f"[{protocol}] the alarm's tags: created with one, one added, one removed",
          tags == [{"Key": "tier", "Value": "gold"}], str(tags))

    base = dict(Namespace=namespace, MetricName="Latency", Period=60, EvaluationPeriods=1, Threshold=1,
                ComparisonOperator="GreaterThanThreshold")
    refused(cw, protocol, "PutMetricAlarm", "InvalidParameterCombinationException", AlarmName="bad",
            Statistic="Average", ExtendedStatistic="p99", **base)
    refused(cw, protocol, "PutMetricAlarm", "InvalidParameterValueException", AlarmName="bad", Statistic="Average",
            **{**base, "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold"})
    refused(cw, protocol, "PutMetricAlarm", "InvalidParameterValueException", AlarmName="bad", Statistic="Average",
            AlarmActions=["arn:aws:sns:us-east-1:000000000000:topic"], **base)
    refused(cw, protocol, "PutMetricAlarm", "InvalidParameterValueException", AlarmName="bad", Statistic="Average",
            DatapointsToAlarm=2, **base)
    refused(cw, protocol, "PutMetricAlarm", "InvalidParameterValueException", AlarmName="bad", Statistic="Average",
            **{**base, "Period": 45})
    refused(cw, protocol, "PutMetricAlarm", "MissingRequiredParameterException", AlarmName="bad",
            Statistic="Average", Namespace=namespace, MetricName="Latency", EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanThreshold")
    refused(cw, protocol, "SetAlarmState", "ResourceNotFound", AlarmName="nope", StateValue="OK", StateReason="x")
    refused(cw, protocol, "SetAlarmState", "InvalidFormatFault", AlarmName=name, StateValue="OK", StateReason="x",
            StateReasonData="not json")
    refused(cw, protocol, "DeleteAlarms", "ResourceNotFound", AlarmNames=[name, "nope"])
    check(f"[{protocol}] a refused DeleteAlarms deletes nothing",
          len(cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]) == 1)
    call(cw, protocol, "DeleteAlarms", AlarmNames=[name, f"{protocol}-p99"])
    check(f"[{protocol}] DeleteAlarms deletes them", cw.describe_alarms(AlarmNamePrefix=protocol)["MetricAlarms"] == [])


def unserved(protocol):
    """Operations of the model that Wharf does not serve: refused by name in either protocol."""
    cw = client(protocol)
    code = "UnknownOperationException" if protocol == "json" else "InvalidAction"
    checks.unserved(cw, raw, "PutDashboard", code, label=f"[{protocol}] ", DashboardName="d", DashboardBody="{}")
    checks.unserved(cw, raw, "PutCompositeAlarm", code, label=f"[{protocol}] ", AlarmName="c",
                    AlarmRule="ALARM(x)")
    checks.unserved(cw, raw, "ListDashboards", code, label=f"[{protocol}] ")


unserved("json")
unserved("query")
json_client = metrics("json")
metrics("query")
alarms("json")
alarms("query")

# PutMetricData from several clients at once, beside the controller's own samples: every call stored
# (a second transaction begun inside the first on the one connection answered 500s before).
def put_concurrently(writer, outcomes):
    cw = boto3.client("cloudwatch", endpoint_url=ENDPOINT, region_name="us-east-1")
    for index in range(15):
        try:
            cw.put_metric_data(Namespace="Conformance/concurrent", MetricData=[
                {"MetricName": f"w{writer}", "Dimensions": [{"Name": "Index", "Value": str(index)}], "Value": 1.0}])
            outcomes.append("ok")
        except Exception as error:  # noqa: BLE001 - any failure is what this check counts
            outcomes.append(repr(error))


outcomes = []
writers = [threading.Thread(target=put_concurrently, args=(writer, outcomes)) for writer in range(8)]
for thread in writers:
    thread.start()
for thread in writers:
    thread.join()
failed = [outcome for outcome in outcomes if outcome != "ok"]
check("120 PutMetricData calls from 8 clients at once are all stored", len(outcomes) == 120 and not failed,
      "; ".join(failed[:3]))

# botocore gzips a PutMetricData body of 10 KB or more; the samples must land all the same.
large = [{"MetricName": "Bulk", "Dimensions": [{"Name": "Index", "Value": str(i)}], "Value": float(i)}
         for i in range(600)]
call(json_client, "json", "PutMetricData", Namespace="Conformance/bulk", MetricData=large)
check("a large PutMetricData went gzip-compressed", raw["request_headers"].get("content-encoding") == "gzip",
      str(raw["request_headers"]))
first_page = call(json_client, "json", "ListMetrics", Namespace="Conformance/bulk")
second_page = call(json_client, "json", "ListMetrics", Namespace="Conformance/bulk",
                   NextToken=first_page.get("NextToken", ""))
listed = {m["Dimensions"][0]["Value"] for m in first_page["Metrics"] + second_page["Metrics"]}
check("... and every one of its 600 metrics is there, listed 500 a page",
      len(first_page["Metrics"]) == 500 and len(listed) == 600 and "NextToken" not in second_page,
      f"{len(first_page['Metrics'])} + {len(second_page['Metrics'])}")

checks.finish()
