#!/usr/bin/env python3
"""Checks sample JSON against the component schemas of an OpenAPI 3.0 document.

python3 check_openapi.py OPENAPI.yaml SAMPLES_DIR

SAMPLES_DIR holds files named <SchemaName>.json, each one JSON object or a non-empty list of them;
each object is validated against components/schemas/<SchemaName> ($refs resolved within the
document). Every Wharf-defined schema (additionalProperties: false and no x-ecs-shape marker) must
have a sample file, so a new type cannot go unchecked. Prints one PASS/FAIL line per file (errors
indented below it), then "N passed, M failed", and exits 1 on any failure (2 on bad usage).
Needs python3, PyYAML and jsonschema 4.18 or later."""
import json, sys  # noqa: E401
from pathlib import Path

import yaml
from jsonschema import Draft4Validator
from referencing import Registry  # jsonschema >= 4.18 brings it
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4

BASE_URI = "urn:wharf:openapi"


def parse_json(text):
    """Parses strictly: no NaN or Infinity, no duplicate keys."""
    def pairs(items):
        keys = [key for key, _ in items]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"duplicate JSON keys {duplicates}")
        return dict(items)

    def reject(name):
        raise ValueError(f"{name} is not valid JSON")
    return json.loads(text, object_pairs_hook=pairs, parse_constant=reject)


def make_validator(document, name):
    """A validator for components/schemas/<name> that resolves $refs within the document.

    OpenAPI 3.0 schema objects follow JSON Schema draft 4 in every keyword the document uses."""
    registry = Registry().with_resource(BASE_URI, DRAFT4.create_resource(document))
    return Draft4Validator({"$ref": f"{BASE_URI}#/components/schemas/{name}"}, registry=registry)


def location(path):
    """`$.tasks[0].name` for a jsonschema error path."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def check_file(document, schemas, sample):
    """Returns the errors of one sample file (an empty list when it passes) and its object count."""
    name = sample.stem
    if name not in schemas:
        return [f"components/schemas has no schema named {name!r}"], 0
    try:
        value = parse_json(sample.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        return [f"not valid JSON: {error}"], 0
    objects = value if isinstance(value, list) else [value]
    if not objects:
        return ["the file holds an empty list; give at least one sample"], 0
    validator = make_validator(document, name)
    errors = []
    for index, instance in enumerate(objects):
        if not isinstance(instance, dict):
            errors.append(f"sample {index}: is {type(instance).__name__}, not a JSON object")
            continue
        try:
            found = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
        except Unresolvable as error:
            return [f"the document has a $ref that does not resolve: {error.ref}"], len(objects)
        errors += [f"sample {index}: {location(error.absolute_path)}: {error.message}" for error in found]
    return errors, len(objects)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    openapi, directory = Path(argv[1]), Path(argv[2])
    if not openapi.is_file() or not directory.is_dir():
        print(f"usage: {argv[0]} OPENAPI.yaml SAMPLES_DIR (got {openapi}, {directory})", file=sys.stderr)
        return 2
    document = yaml.safe_load(openapi.read_text(encoding="utf-8"))
    schemas = document.get("components", {}).get("schemas", {})
    wharf_defined = sorted(name for name, schema in schemas.items()
                           if schema.get("additionalProperties") is False and "x-ecs-shape" not in schema)
    samples = {path.stem: path for path in sorted(directory.glob("*.json"))}

    passed = failed = 0
    for sample in samples.values():
        errors, count = check_file(document, schemas, sample)
        if errors:
            failed += 1
            print(f"FAIL {sample.name}")
            for error in errors:
                print(f"    {error}")
        else:
            passed += 1
            print(f"PASS {sample.name} ({count} sample{'s' if count != 1 else ''})")
    for name in wharf_defined:
        if name not in samples:
            failed += 1
            print(f"FAIL {name}.json")
            print(f"    no sample file for the Wharf-defined schema {name}; add one to the test that writes the samples")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
