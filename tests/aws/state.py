"""Prints what exists in a moto server as normalized JSON (names, counts, rules; no ids), so two
runs can be compared for equality and duplicates show. Usage: state.py ENDPOINT REGION."""
import json
import sys

import boto3

endpoint, region = sys.argv[1], sys.argv[2]


def client(name):
    return boto3.client(name, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="test", aws_secret_access_key="test")


ecs, ec2, elb, logs, ssm, efs, sd = (client(n) for n in ("ecs", "ec2", "elbv2", "logs", "ssm", "efs", "servicediscovery"))
out = {}
clusters = ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"])["clusters"]
out["clusters"] = sorted(c["clusterName"] for c in clusters if c["status"] == "ACTIVE")
out["services"] = {}
for c in out["clusters"]:
    arns = ecs.list_services(cluster=c)["serviceArns"]
    for i in range(0, len(arns), 10):
        for s in ecs.describe_services(cluster=c, services=arns[i:i + 10])["services"]:
            if s["status"] == "ACTIVE":
                out["services"][f"{c}/{s['serviceName']}"] = {
                    "desiredCount": s["desiredCount"],
                    "taskDefinition": s["taskDefinition"].rsplit("/", 1)[-1],
                    "loadBalancers": len(s.get("loadBalancers", [])),
                }
families = {}
for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]:
    family = arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]
    families[family] = families.get(family, 0) + 1
out["taskDefinitionRevisions"] = families
groups = ec2.describe_security_groups()["SecurityGroups"]
names = {g["GroupId"]: g["GroupName"] for g in groups}
out["securityGroups"] = {}
for g in groups:
    rules = []
    for p in g["IpPermissions"]:
        for r in p.get("IpRanges", []):
            rules.append(f"{p.get('FromPort')} {r['CidrIp']}")
        for r in p.get("UserIdGroupPairs", []):
            rules.append(f"{p.get('FromPort')} {names.get(r['GroupId'], r['GroupId'])}")
    key = g["GroupName"]
    if key in out["securityGroups"]:
        key += " (duplicate)"
    out["securityGroups"][key] = sorted(rules)
lbs = elb.describe_load_balancers()["LoadBalancers"]
out["loadBalancers"] = sorted(l["LoadBalancerName"] for l in lbs)
out["targetGroups"] = sorted(t["TargetGroupName"] for t in elb.describe_target_groups()["TargetGroups"])
out["rules"] = []
for l in lbs:
    for listener in elb.describe_listeners(LoadBalancerArn=l["LoadBalancerArn"])["Listeners"]:
        for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
            if not r["IsDefault"]:
                paths = [v for c in r["Conditions"] for v in c.get("PathPatternConfig", {}).get("Values", [])]
                out["rules"].append(f"{listener['Port']} {r['Priority']} {' '.join(paths)}")
out["rules"].sort()
out["logGroups"] = sorted(g["logGroupName"] for g in logs.describe_log_groups()["logGroups"])
out["parameters"] = sorted(p["Name"] for p in ssm.describe_parameters()["Parameters"])
out["fileSystems"] = []
for fs in efs.describe_file_systems()["FileSystems"]:
    mts = efs.describe_mount_targets(FileSystemId=fs["FileSystemId"])["MountTargets"]
    aps = efs.describe_access_points(FileSystemId=fs["FileSystemId"])["AccessPoints"]
    out["fileSystems"].append({"token": fs["CreationToken"], "mountTargets": len(mts),
                               "accessPoints": sorted(a["RootDirectory"]["Path"] for a in aps)})
out["namespaces"] = sorted(n["Name"] for n in sd.list_namespaces()["Namespaces"])
print(json.dumps(out, indent=1, sort_keys=True))
