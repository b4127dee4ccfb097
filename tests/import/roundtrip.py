"""The Compose round trip of one import: the original project and the Compose file stackc built
from the imported spec, both normalised by `docker compose config --format json`, compared
service by service. Every difference is either one of stackc's documented choices (listed in
EXPLAINED below, and in the import's warnings) or printed as a failure.

Usage: roundtrip.py COMPOSE_BIN ORIGINAL_DIR GENERATED_COMPOSE_FILE NAMES_JSON [FILE...]"""
import json
import subprocess
import sys

compose, original_dir, generated_file, names_file, *files = sys.argv[1:]
names = json.load(open(names_file))


def config(cwd, args):
    out = subprocess.run([compose, *args, "config", "--format", "json"], cwd=cwd,
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"docker compose config failed in {cwd}: {out.stderr}")
    return json.loads(out.stdout)


file_args = [a for f in files for a in ("-f", f)]
original = config(original_dir, file_args)["services"]
generated = config(original_dir, ["-f", generated_file])["services"]
problems = []


def name_of(compose_name):
    return names[compose_name].split(".", 1)[1]


def host_map(value):
    # Values naming a renamed service read with the new name.
    for old, new in names.items():
        value = value.replace(f"//{old}:", f"//{name_of(old)}:").replace(f"@{old}:", f"@{name_of(old)}:")
        if value == old:
            value = name_of(old)
    return value


def limits(service):
    l = (service.get("deploy") or {}).get("resources", {}).get("limits", {})
    return {k: str(v) for k, v in l.items() if k in ("cpus", "memory")}


def port_set(service):
    return {(str(p.get("target")), str(p.get("published"))) for p in service.get("ports", [])
            if p.get("protocol", "tcp") == "tcp" and not p.get("host_ip")}


def mount_targets(service):
    targets = {v["target"] for v in service.get("volumes", [])}
    targets |= {c.get("target") for c in service.get("configs", [])}
    return targets


for compose_name, o in original.items():
    table, name = names[compose_name].split(".", 1)
    g = generated.get(name)
    where = f"{compose_name} -> {table}.{name}"
    if g is None:
        problems.append(f"{where}: missing from the generated file")
        continue
    if table == "resources":
        # A resource: the same engine image; stackc configures users, passwords and health itself.
        if o.get("image") != g.get("image"):
            problems.append(f"{where}: image {o.get('image')} -> {g.get('image')}")
        continue
    if "build" not in o and o.get("image") != g.get("image"):
        problems.append(f"{where}: image {o.get('image')} -> {g.get('image')}")
    if o.get("command") and not o.get("entrypoint") and o.get("command") != g.get("command"):
        problems.append(f"{where}: command {o.get('command')} -> {g.get('command')}")
    genv = g.get("environment") or {}
    for k, v in (o.get("environment") or {}).items():
        if v is None:
            continue  # passed from the shell: not carried over (reported)
        if genv.get(k) == host_map(v) or genv.get(k) == v:
            continue
        if f"{k}_FILE" in genv:
            continue  # a credential, now a secret file (the import's `secrets`)
        problems.append(f"{where}: environment {k}={v!r} -> {genv.get(k)!r}")
    if table == "services":
        # With replicas, stackc publishes a range from the port (one host port each).
        published = {(t, p.split("-")[0]) for t, p in port_set(g)}
        missing = port_set(o) - published
        if missing:
            problems.append(f"{where}: ports {sorted(missing)} not published")
    gdeps = g.get("depends_on") or {}
    for dep, d in (o.get("depends_on") or {}).items():
        if dep not in names:
            continue  # a service of an inactive profile (reported)
        dep_table, dep_name = names[dep].split(".", 1)
        got = gdeps.get(dep_name, {}).get("condition")
        want = d.get("condition")
        if dep_table == "jobs":
            want = "service_completed_successfully"  # a job is waited for until it completes
        if got != want:
            problems.append(f"{where}: depends_on {dep} {d.get('condition')} -> {got}")
    ohc = o.get("healthcheck") or {}
    if table == "services" and ohc.get("test") and ohc["test"] != ["NONE"] and not ohc.get("disable"):
        if not g.get("healthcheck"):
            problems.append(f"{where}: health check dropped")
    for v in o.get("volumes", []):
        source = v.get("source") or ""
        if v["type"] == "bind" and source.endswith(".sock"):
            continue  # host sockets: not carried over (reported)
        if v["type"] in ("tmpfs",) or (v["type"] == "volume" and not source):
            continue  # tmpfs and anonymous volumes: not carried over (reported)
        if v["target"] not in mount_targets(g):
            problems.append(f"{where}: nothing mounted at {v['target']}")
    if limits(o) and limits(o) != limits(g):
        problems.append(f"{where}: limits {limits(o)} -> {limits(g)}")
    oreplicas = (o.get("deploy") or {}).get("replicas")
    if table == "services" and oreplicas and oreplicas != (g.get("deploy") or {}).get("replicas"):
        problems.append(f"{where}: replicas {oreplicas} -> {(g.get('deploy') or {}).get('replicas')}")
    if o.get("user") and o["user"].split(":")[0].isdigit() and str(g.get("user", "")).split(":")[0] != o["user"].split(":")[0]:
        problems.append(f"{where}: user {o['user']} -> {g.get('user')}")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"round trip: {len(original)} services kept their semantics")
