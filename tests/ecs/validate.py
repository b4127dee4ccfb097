"""Validates stackc's ECS artifacts against botocore's own service models.

Each file is the input of AWS API calls: botocore's parameter validation must accept it (types,
required members, ranges), every enum value must be one the model lists, and task definitions must
be valid Fargate sizes in awsvpc mode. Usage: validate.py FILE... (prints problems; exit 1 if any).
"""
import json
import os
import re
import sys

import botocore.session
from botocore.validate import ParamValidator

session = botocore.session.get_session()
models = {name: session.get_service_model(name) for name in ("ecs", "elbv2", "ec2", "logs", "efs", "servicediscovery")}
validator = ParamValidator()

FARGATE = {256: [512, 1024, 2048]}
FARGATE[512] = list(range(1024, 4097, 1024))
FARGATE[1024] = list(range(2048, 8193, 1024))
FARGATE[2048] = list(range(4096, 16385, 1024))
FARGATE[4096] = list(range(8192, 30721, 1024))
FARGATE[8192] = list(range(16384, 61441, 4096))
FARGATE[16384] = list(range(32768, 122881, 8192))

problems = []
checked = 0


def enums(shape, value, path):
    if shape.type_name == "string" and getattr(shape, "enum", None) and isinstance(value, str):
        if value not in shape.enum:
            problems.append(f"{path}: {value!r} is not one of {shape.enum}")
    elif shape.type_name == "structure" and isinstance(value, dict):
        for key, item in value.items():
            if key in shape.members:
                enums(shape.members[key], item, f"{path}.{key}")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            enums(shape.member, item, f"{path}[{i}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            enums(shape.value, item, f"{path}[{key}]")


# Name rules AWS documents but botocore's validator does not check (it checks types and lengths).
NAME_RULES = {
    "family": (r"[A-Za-z0-9_-]{1,255}", None),
    "serviceName": (r"[A-Za-z0-9_-]{1,255}", None),
    "GroupName": (r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}", "sg-"),
    "elb": (r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?", "internal-"),
    "token": (r".{1,64}", None),
}


def name_rule(rule, value, where):
    pattern, forbidden_prefix = NAME_RULES[rule]
    if not re.fullmatch(pattern, value):
        problems.append(f"{where}: {value!r} breaks the {rule} name rules ({pattern})")
    if forbidden_prefix and value.startswith(forbidden_prefix):
        problems.append(f"{where}: {value!r} must not start with {forbidden_prefix!r}")


def check(service, operation, params, where):
    global checked
    shape = models[service].operation_model(operation).input_shape
    report = validator.validate(params, shape)
    if report.has_errors():
        problems.append(f"{where} ({service} {operation}):\n{report.generate_report()}")
    enums(shape, params, where)
    checked += 1


for path in sys.argv[1:]:
    name = os.path.basename(path)
    with open(path) as f:
        doc = json.load(f)
    if name.endswith(".taskdef.json"):
        check("ecs", "RegisterTaskDefinition", doc, path)
        name_rule("family", doc["family"], f"{path} family")
        cpu, memory = int(doc["cpu"]), int(doc["memory"])
        if memory not in FARGATE.get(cpu, []):
            problems.append(f"{path}: cpu {cpu} with memory {memory} is not a Fargate size")
        if doc.get("networkMode") != "awsvpc":
            problems.append(f"{path}: networkMode is {doc.get('networkMode')!r}, not awsvpc")
        if doc.get("requiresCompatibilities") != ["FARGATE"]:
            problems.append(f"{path}: not a Fargate task definition")
        for c in doc["containerDefinitions"]:
            for d in c.get("dependsOn", []):
                target = next(x for x in doc["containerDefinitions"] if x["name"] == d["containerName"])
                if d["condition"] in ("SUCCESS", "COMPLETE") and target.get("essential", True):
                    problems.append(f"{path}: {c['name']} waits for {d['condition']} of essential {target['name']}")
    elif name.endswith(".service.json"):
        check("ecs", "CreateService", doc, path)
        name_rule("serviceName", doc["serviceName"], f"{path} serviceName")
    elif name == "cluster.json":
        check("servicediscovery", "CreateHttpNamespace", doc["namespace"], f"{path} namespace")
        name_rule("token", doc["namespace"]["CreatorRequestId"], f"{path} namespace CreatorRequestId")
        check("ecs", "CreateCluster", doc["cluster"], f"{path} cluster")
        check("logs", "CreateLogGroup", doc["logGroup"], f"{path} logGroup")
        check("logs", "PutRetentionPolicy", {"logGroupName": doc["logGroup"]["logGroupName"], "retentionInDays": doc["logRetentionInDays"]}, f"{path} retention")
    elif name == "parameters.json":
        pass
    elif name == "load-balancer.json":
        check("elbv2", "CreateLoadBalancer", doc["loadBalancer"], f"{path} loadBalancer")
        name_rule("elb", doc["loadBalancer"]["Name"], f"{path} loadBalancer Name")
        check("elbv2", "CreateListener", doc["listener"], f"{path} listener")
        if "redirectListener" in doc:
            check("elbv2", "CreateListener", doc["redirectListener"], f"{path} redirectListener")
        if "listenerAttributes" in doc:
            check("elbv2", "ModifyListenerAttributes", doc["listenerAttributes"], f"{path} listenerAttributes")
        for service, group in doc["targetGroups"].items():
            check("elbv2", "CreateTargetGroup", group, f"{path} targetGroups.{service}")
            name_rule("elb", group["Name"], f"{path} targetGroups.{service} Name")
        for i, rule in enumerate(doc["rules"]):
            check("elbv2", "CreateRule", rule, f"{path} rules[{i}]")
    elif name == "efs.json":
        check("efs", "CreateFileSystem", doc["fileSystem"], f"{path} fileSystem")
        name_rule("token", doc["fileSystem"]["CreationToken"], f"{path} fileSystem CreationToken")
        for subnet in doc["mountTargets"]["SubnetIds"]:
            target = {"FileSystemId": doc["mountTargets"]["FileSystemId"], "SubnetId": subnet,
                      "SecurityGroups": doc["mountTargets"]["SecurityGroups"]}
            check("efs", "CreateMountTarget", target, f"{path} mountTargets")
        for volume, point in doc["accessPoints"].items():
            check("efs", "CreateAccessPoint", point, f"{path} accessPoints.{volume}")
            name_rule("token", point["ClientToken"], f"{path} accessPoints.{volume} ClientToken")
    elif name == "security-groups.json":
        for group in doc["groups"]:
            check("ec2", "CreateSecurityGroup", group["create"], f"{path} {group['owner']} create")
            name_rule("GroupName", group["create"]["GroupName"], f"{path} {group['owner']} GroupName")
            if "ingress" in group:
                check("ec2", "AuthorizeSecurityGroupIngress", group["ingress"], f"{path} {group['owner']} ingress")

for problem in problems:
    print(problem)
print(f"{checked} API inputs checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
