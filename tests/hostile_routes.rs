//! Routes, names and health values at the edges of what the spec allows, built for every target and
//! checked the way their consumers read them: nginx parses the gateway config, Python's `re` runs the
//! ALB rewrite regexes, and the Kubernetes objects keep the API's name rules.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every punctuation character a route may hold, a regex metacharacter among them, a `$` nginx would
/// expand, a name starting with a digit (no Kubernetes Service name) and health values ECS clamps.
const SPEC: &str = r#"
[stack]
name = "edge"

[services.web]
image = "nginx:1.27"
port = 8080

[services.0api]
image = "ghcr.io/acme/api:1"
port = 8000
health = { http = "/healthz", interval = "1s", timeout = "1500ms", start_period = "10h", retries = 20 }

[services.svc-0api]
image = "ghcr.io/acme/api:1"
port = 8001

[resources.1db]
type = "redis"

[services.worker]
image = "ghcr.io/acme/worker:1"
env = { CACHE = "${resources.1db.url}" }

[routes]
"/" = "web"
"/c++" = { service = "0api", strip_prefix = true }
"/$host" = { service = "0api", strip_prefix = true }
"/it's" = "0api"
"/v1.2" = { service = "svc-0api", strip_prefix = true }
"/~u/@s:v&x" = "web"

[gateway]
cors = { origins = ["https://shop.example.com"], methods = ["GET", "POST"], headers = ["X-Req"] }

[targets.ecs]
region = "eu-west-1"
"#;

const ROUTES: [&str; 6] = ["/", "/c++", "/$host", "/it's", "/v1.2", "/~u/@s:v&x"];

struct Built {
    _dir: tempfile::TempDir,
    out: PathBuf,
    stderr: String,
}

fn build(spec: &str) -> Built {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stack.toml");
    std::fs::write(&file, spec).unwrap();
    let out = dir.path().join("out");
    let run = common::stackc(&["build", file.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let stderr = common::text(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    Built {
        _dir: dir,
        out,
        stderr,
    }
}

fn read(out: &Path, file: &str) -> String {
    std::fs::read_to_string(out.join(file)).unwrap()
}

#[test]
fn nginx_accepts_the_gateway_and_expands_no_variable_from_a_route() {
    let built = build(SPEC);
    let config = read(&built.out, "compose/gateway/nginx.conf");
    // The header value of `/$host` must not be nginx's `$host`.
    assert!(
        config.contains(r#"X-Forwarded-Prefix "/${stackc_dollar}host";"#),
        "{config}"
    );
    assert!(
        config.contains(r#"default "$";"#),
        "the `$` variable is defined"
    );
    for line in config.lines().filter(|l| l.contains("X-Forwarded-Prefix")) {
        let value = line.trim().trim_end_matches(';');
        let rest = value.replace("${stackc_dollar}", "");
        assert!(!rest.contains('$'), "an expanded `$` in {line}");
    }
    for route in ROUTES.iter().filter(|r| **r != "/") {
        assert!(
            config.contains(&format!("# {route} -> ")),
            "{route} has no location"
        );
    }
    let Some(nginx) = common::tool("nginx").or_else(|| {
        let sbin = PathBuf::from("/usr/sbin/nginx");
        sbin.exists().then_some(sbin)
    }) else {
        common::skip_or_fail("nginx is not installed (scripts/install-tools installs it)");
        return;
    };
    let conf = built.out.join("compose/gateway/nginx.conf");
    let check = Command::new(nginx)
        .args(["-t", "-q", "-c", conf.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "nginx -t: {}",
        common::text(&check.stderr)
    );
}

#[test]
fn alb_rewrite_regexes_match_their_route_literally() {
    let built = build(SPEC);
    let lb: serde_json::Value =
        serde_json::from_str(&read(&built.out, "ecs/load-balancer.json")).unwrap();
    let mut cases = Vec::new();
    for rule in lb["rules"].as_array().unwrap() {
        let patterns = rule["Conditions"][0]["PathPatternConfig"]["Values"][0]
            .as_str()
            .unwrap()
            .to_owned();
        for tag in rule["Tags"].as_array().unwrap() {
            let value = tag["Value"].as_str().unwrap();
            assert!(
                value
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)),
                "not an ELB tag value: {value}"
            );
        }
        if let Some(transforms) = rule["Transforms"].as_array() {
            let regex = transforms[0]["UrlRewriteConfig"]["Rewrites"][0]["Regex"]
                .as_str()
                .unwrap()
                .to_owned();
            cases.push((patterns, regex));
        }
    }
    assert_eq!(cases.len(), 3, "{cases:?}");
    let Some(python) = common::tool("python3") else {
        common::skip_or_fail("python3 is not installed");
        return;
    };
    // Each regex strips exactly its own prefix, and a path that differs in one metacharacter's
    // place (`/c++` vs `/cc+`, `/v1.2` vs `/v1x2`) does not match.
    let script = r#"
import json, re, sys
for prefix, regex in json.load(sys.stdin):
    r = re.compile(regex)
    m = r.match(prefix + "/rest/of")
    assert m and m.expand(r"/\1") == "/rest/of", (regex, prefix)
    for i, c in enumerate(prefix):
        if not c.isalnum() and c != "/":
            assert not r.match(prefix[:i] + "x" + prefix[i + 1:] + "/y"), (regex, prefix, i)
"#;
    let input = cases;
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(serde_json::to_string(&input).unwrap().as_bytes())
            .unwrap();
    }
    let done = child.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", common::text(&done.stderr));
}

#[test]
fn kubernetes_services_have_dns_1035_names_and_are_reached_by_them() {
    let built = build(SPEC);
    let services = read(&built.out, "kubernetes/services.yaml");
    let names: Vec<&str> = services
        .lines()
        .filter_map(|l| l.strip_prefix("  name: "))
        .collect();
    assert!(!names.is_empty());
    for name in &names {
        assert!(
            name.starts_with(|c: char| c.is_ascii_lowercase()) && name.len() <= 63,
            "not a DNS-1035 Service name: {name}"
        );
    }
    // `svc-0api` is a name of the spec already: `0api` gets another, and both exist.
    assert!(names.contains(&"svc-0api"), "{names:?}");
    assert_eq!(names.len(), 4, "{names:?}");
    let alias = *names
        .iter()
        .find(|n| n.starts_with("svc-0api-"))
        .expect("0api has a hashed Service name");
    let ingresses = read(&built.out, "kubernetes/ingresses.yaml");
    assert!(ingresses.contains(&format!("name: {alias}")), "{ingresses}");
    assert!(
        !ingresses.contains("name: 0api"),
        "a backend names a Service that does not exist"
    );
    // Two stripped routes to `0api`: two Ingresses, of two names.
    let ingress_names: Vec<&str> = ingresses
        .lines()
        .filter_map(|l| l.strip_prefix("  name: "))
        .collect();
    let mut unique = ingress_names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ingress_names.len(), "{ingress_names:?}");
    // The worker reaches `1db` by its Service's DNS name.
    let config = read(&built.out, "kubernetes/deployments.yaml")
        + &read(&built.out, "kubernetes/configmaps.yaml");
    assert!(config.contains("svc-1db.edge.svc"), "{config}");
    assert!(!config.contains("//1db."), "{config}");
    assert!(
        built
            .stderr
            .contains("kubernetes: `0api` is reached as the Service `svc-0api-"),
        "{}",
        built.stderr
    );
}

#[test]
fn every_health_value_ecs_adjusts_is_a_note() {
    let built = build(SPEC);
    for expected in [
        "service `0api`: health interval 1s becomes 5s in the ECS container health check",
        "service `0api`: health timeout 1s500ms becomes 2s in the ECS container health check",
        "service `0api`: health retries 20 becomes 10 in the ECS container health check",
        "service `0api`: health start_period 10h becomes 300s in the ECS container health check",
        "service `0api`: health interval 1s becomes 5s in its load balancer target group",
    ] {
        assert!(
            built.stderr.contains(expected),
            "{expected}\n{}",
            built.stderr
        );
    }
    let task = read(&built.out, "ecs/0api.taskdef.json");
    assert!(
        task.contains("\"startPeriod\": 300"),
        "the note says what is used: {task}"
    );
}

#[test]
fn a_stack_named_internal_gets_a_valid_load_balancer_name() {
    let built = build(&SPEC.replace("name = \"edge\"", "name = \"internal-tools\""));
    let lb: serde_json::Value =
        serde_json::from_str(&read(&built.out, "ecs/load-balancer.json")).unwrap();
    let mut names = vec![lb["loadBalancer"]["Name"].as_str().unwrap().to_owned()];
    for group in lb["targetGroups"].as_object().unwrap().values() {
        names.push(group["Name"].as_str().unwrap().to_owned());
    }
    for name in names {
        assert!(
            name.len() <= 32
                && !name.starts_with("internal-")
                && !name.starts_with('-')
                && !name.ends_with('-')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "not an ELB name: {name}"
        );
    }
}
