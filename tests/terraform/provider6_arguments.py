"""Checks every resource and data source argument (and nested block) that the
Terraform in modules/ and env/ writes against the hashicorp/aws 6.x schema.

    provider6_arguments.py JSII DIR...

The deploy test runs the 5.100 provider that is on this machine; users get
6.x from the registry. The npm package @cdktn/provider-aws 25.7.0 is
generated from hashicorp/aws 6.66.0 and carries its schema in `.jsii`, which
is what this reads (camelCase names of the same arguments). Before the real
check, a fixture with an unknown argument must be reported, so a checker that
finds nothing cannot pass by accident.
"""

import glob
import json
import os
import re
import sys
import tempfile

import hcl2

META = {"count", "for_each", "depends_on", "lifecycle", "provider", "__is_block__", "__comments__", "__inline_comments__"}


def camel(name):
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


class Schema:
    def __init__(self, path):
        self.types = json.load(open(path))["types"]
        self.by_module = {}
        for fqn in self.types:
            parts = fqn.split(".")
            if len(parts) == 3:
                self.by_module.setdefault(parts[1], []).append(fqn)

    def config(self, kind, block_type):
        """The jsii struct of a resource's or data source's arguments."""
        pascal = camel(block_type[len("aws_"):])
        pascal = pascal[0].upper() + pascal[1:]
        struct = ("DataAws" + pascal if kind == "data" else pascal) + "Config"
        module = struct[0].lower() + struct[1:-len("Config")]
        # jsii renames a struct that collides with another name: FooAConfig, FooConfigA.
        names = {struct, struct[:-len("Config")] + "AConfig", struct + "A"}
        for fqn in self.by_module.get(module, []):
            if fqn.split(".")[-1] in names:
                return fqn
        return None

    def properties(self, fqn):
        found = {p["name"]: p["type"] for p in self.types[fqn].get("properties", [])}
        for parent in self.types[fqn].get("interfaces", []):
            if parent in self.types:
                found.update(self.properties(parent))
        return found


def element(type_ref):
    if "fqn" in type_ref:
        return type_ref["fqn"]
    if "collection" in type_ref:
        return element(type_ref["collection"]["elementtype"])
    for option in type_ref.get("union", {}).get("types", []):
        fqn = element(option)
        if fqn:
            return fqn
    return None


def check_body(schema, body, fqn, where, problems):
    properties = schema.properties(fqn)
    for key, value in body.items():
        key = key.strip('"')
        if key in META:
            continue
        if key == "dynamic":
            for dynamic in value:
                for name, inner in dynamic.items():
                    check_body(schema, {name: [inner.get("content", {})]}, fqn, where, problems)
            continue
        if camel(key) not in properties:
            problems.append(f"{where}: `{key}` is not an argument of hashicorp/aws 6.x")
            continue
        nested = element(properties[camel(key)])
        if nested in schema.types and schema.types[nested].get("kind") == "interface" and isinstance(value, list):
            for block in value:
                if isinstance(block, dict):
                    check_body(schema, block, nested, f"{where}.{key}", problems)


def check_files(schema, paths):
    problems = []
    for path in paths:
        with open(path) as f:
            document = hcl2.load(f)
        for kind in ("resource", "data"):
            for block in document.get(kind, []):
                for block_type, named in block.items():
                    block_type = block_type.strip('"')
                    for name, body in named.items():
                        where = f"{path}: {kind} {block_type}.{name.strip(chr(34))}"
                        fqn = schema.config(kind, block_type)
                        if fqn is None:
                            problems.append(f"{where}: no such {kind} in hashicorp/aws 6.x")
                        else:
                            check_body(schema, body, fqn, where, problems)
    return problems


def main(argv):
    schema = Schema(argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        fixture = os.path.join(tmp, "broken.tf")
        with open(fixture, "w") as f:
            f.write('resource "aws_lambda_function" "x" {\n  not_an_argument = 1\n  tracing_config {\n    mode = "Active"\n  }\n}\n')
        if len(check_files(schema, [fixture])) != 1:
            sys.exit("self-check failed: an unknown argument was not reported exactly once")
    paths = sorted(p for d in argv[2:] for p in glob.glob(os.path.join(d, "**", "*.tf"), recursive=True))
    problems = check_files(schema, paths)
    for problem in problems:
        print(problem)
    print(f"{len(paths)} files checked against hashicorp/aws 6.66.0: {len(problems)} unknown arguments")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main(sys.argv)
