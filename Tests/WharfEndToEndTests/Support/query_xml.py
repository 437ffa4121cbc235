"""Strict checks of AWS Query protocol answers against a botocore model, shared by the
conformance scripts of the services Wharf serves in that protocol (elbv2, cloudwatch): the
envelope (<ActionResponse><ActionResult>, ResponseMetadata with a RequestId), every element a
member of its shape, lists made of <member> elements, maps of <entry><key/><value/></entry>,
numbers, booleans and timestamps that parse, enum values the model allows, required members."""
import xml.etree.ElementTree as ET
from datetime import datetime


def walk(shape, node, path, errors, ns):
    """Appends to errors every way node (an XML element) departs from botocore shape."""
    t = shape.type_name
    if t == "structure":
        members = {m.serialization.get("name", n): m for n, m in shape.members.items()}
        seen = set()
        for child in node:
            tag = child.tag.replace(ns, "")
            if tag not in members:
                errors.append(f"{path}.{tag}: not a member of {shape.name}")
                continue
            seen.add(tag)
            walk(members[tag], child, f"{path}.{tag}", errors, ns)
        errors.extend(f"{path}.{r}: required member of {shape.name} missing"
                      for r in shape.required_members if r not in seen)
    elif t == "list":
        for i, child in enumerate(node):
            if child.tag.replace(ns, "") != "member":
                errors.append(f"{path}[{i}]: list element <{child.tag}> is not <member>")
            walk(shape.member, child, f"{path}[{i}]", errors, ns)
    elif t == "map":
        for i, entry in enumerate(node):
            key, value = entry.find(f"{ns}key"), entry.find(f"{ns}value")
            if entry.tag.replace(ns, "") != "entry" or key is None or value is None:
                errors.append(f"{path}[{i}]: map entries must be <entry><key/><value/></entry>")
                continue
            walk(shape.value, value, f"{path}[{key.text!r}]", errors, ns)
    else:
        text = node.text or ""
        if len(node):
            errors.append(f"{path}: a {t} has child elements")
        elif t in ("integer", "long"):
            try:
                int(text)
            except ValueError:
                errors.append(f"{path}: {text!r} is not an integer")
        elif t in ("double", "float"):
            try:
                float(text)
            except ValueError:
                errors.append(f"{path}: {text!r} is not a number")
        elif t == "boolean" and text not in ("true", "false"):
            errors.append(f"{path}: {text!r} is not a boolean")
        elif t == "timestamp":
            try:
                datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
            except ValueError:
                errors.append(f"{path}: {text!r} is not an ISO 8601 timestamp with milliseconds")
        elif t == "string" and shape.enum and text not in shape.enum:
            errors.append(f"{path}: {text!r} is not one of {shape.name} {shape.enum}")


def validate(model, operation, body):
    """The ways the XML answer body of operation departs from the model; empty when none."""
    ns = "{" + model.metadata["xmlNamespace"] + "}"
    errors = []
    root = ET.fromstring(body)
    if root.tag != f"{ns}{operation}Response":
        return [f"root element {root.tag} is not {operation}Response in the {model.service_name} namespace"]
    result = root.find(f"{ns}{operation}Result")
    request_id = root.find(f"{ns}ResponseMetadata/{ns}RequestId")
    if request_id is None or not (request_id.text or "").strip():
        errors.append("no ResponseMetadata/RequestId")
    shape = model.operation_model(operation).output_shape
    if shape is not None:
        if result is None:
            errors.append(f"no {operation}Result element")
        else:
            walk(shape, result, "$", errors, ns)
    return errors
