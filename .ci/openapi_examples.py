"""Checks every example in an OpenAPI document against its own schema (issue #18).

The command schemas are traced from the vocabulary and their examples are the golden samples
(proto-events/tests/vectors/payloads.txt), so this proves the traced schemas accept real payloads.
Usage: python openapi_examples.py openapi.json
"""

import json
import sys

from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def main(path):
    with open(path, encoding="utf-8") as file:
        document = json.load(file)
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:letopis:openapi", resource)
    checked = 0
    for name, schema in document["components"]["schemas"].items():
        for example in schema.get("examples", []):
            reference = {"$ref": f"urn:letopis:openapi#/components/schemas/{name}"}
            OAS31Validator(reference, registry=registry).validate(example)
            checked += 1
    if checked < 39:
        raise SystemExit(f"openapi examples: only {checked} examples")
    print(f"openapi examples: {checked} passed, 0 failed")


if __name__ == "__main__":
    main(sys.argv[1])
