#!/usr/bin/env python3
"""Calls one ECS operation with boto3 (configured from the environment, as `wharf lab env` sets it)
and checks the raw answer strictly against botocore's model (ecs_conformance.validate_output).

python3 ecs_strict_call.py OPERATION 'JSON PARAMETERS'

Prints the raw answer body; exits 1, after printing each problem on stderr, when it is not valid."""
import json
import sys
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ecs_conformance import validate_output  # noqa: E402

operation, parameters = sys.argv[1], json.loads(sys.argv[2])
client = boto3.client("ecs")
raw = {}


def capture(operation_model, response_dict, **_):
    raw["body"] = response_dict["body"]


client.meta.events.register("before-parse.ecs", capture)
method = "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")
getattr(client, method)(**parameters)
body = json.loads(raw["body"])
problems = validate_output(operation, body)
for problem in problems:
    print(problem, file=sys.stderr)
print(json.dumps(body))
sys.exit(1 if problems else 0)
