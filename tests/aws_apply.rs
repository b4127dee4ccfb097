//! `plan` / `apply` / `destroy` against a moto server (the AWS emulator, from `PyPI` into .venv-aws by
//! scripts/install-tools), behind tests/aws/proxy.py, which counts the calls and cuts an apply off at
//! its k-th mutating call. tests/aws/state.py prints what exists, normalized, to compare runs.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const REGION: &str = "eu-west-1";

struct Moto {
    python: PathBuf,
    moto: Child,
    proxy: Child,
    moto_port: u16,
    proxy_port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.moto.kill();
        let _ = self.proxy.kill();
        let _ = self.moto.wait();
        let _ = self.proxy.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http(port: u16, method: &str, path: &str, body: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_mins(1);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "port {port} never opened");
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Moto {
    fn start() -> Option<Self> {
        let python = common::root().join(".venv-aws/bin/python");
        let installed = python.exists()
            && Command::new(&python)
                .args(["-c", "import moto.server"])
                .status()
                .is_ok_and(|s| s.success());
        if !installed {
            common::skip_or_fail("moto is not installed; run scripts/install-tools");
            return None;
        }
        let (moto_port, proxy_port) = (free_port(), free_port());
        let aws = common::root().join("tests/aws");
        let moto = Command::new(&python)
            .arg(aws.join("moto_server.py"))
            .arg(moto_port.to_string())
            // Services report their tasks running, so waits for stability end.
            .env("MOTO_ECS_SERVICE_RUNNING", "10")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let proxy = Command::new(&python)
            .arg(aws.join("proxy.py"))
            .args([proxy_port.to_string(), moto_port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        wait_for(moto_port);
        wait_for(proxy_port);
        Some(Self {
            python,
            moto,
            proxy,
            moto_port,
            proxy_port,
        })
    }

    fn direct(&self) -> String {
        format!("http://127.0.0.1:{}", self.moto_port)
    }

    /// Empties moto (back to its default VPC) and the proxy's counts.
    fn reset(&self) {
        http(self.moto_port, "POST", "/moto-api/reset", "");
        http(
            self.moto_port,
            "POST",
            "/moto-api/state-manager/set-transition",
            r#"{"model_name": "ecs::task", "transition": {"progression": "immediate"}}"#,
        );
        self.stats_reset();
    }

    fn stats_reset(&self) {
        http(self.proxy_port, "POST", "/__proxy/reset", "");
    }

    /// (calls, mutating calls) since the last reset.
    fn stats(&self) -> (u64, u64) {
        let v: serde_json::Value =
            serde_json::from_str(&http(self.proxy_port, "GET", "/__proxy/stats", "")).unwrap();
        (
            v["calls"].as_u64().unwrap(),
            v["mutating"].as_u64().unwrap(),
        )
    }

    /// How many calls of each operation since the last reset.
    fn operations(&self) -> std::collections::BTreeMap<String, u64> {
        let v: serde_json::Value =
            serde_json::from_str(&http(self.proxy_port, "GET", "/__proxy/stats", "")).unwrap();
        let mut counts = std::collections::BTreeMap::new();
        for op in v["operations"].as_array().unwrap() {
            *counts.entry(op.as_str().unwrap().to_owned()).or_default() += 1;
        }
        counts
    }

    fn fault(&self, spec: &str) {
        http(self.proxy_port, "POST", "/__proxy/fault", spec);
    }

    /// Runs boto3 code against moto directly (`c(name)` is a client; `json` is imported), and
    /// returns what it printed.
    fn boto(&self, code: &str) -> Vec<u8> {
        let prelude = format!(
            "import boto3, json\nc = lambda n: boto3.client(n, endpoint_url='{}', region_name='{REGION}', aws_access_key_id='t', aws_secret_access_key='t')\n",
            self.direct()
        );
        let out = Command::new(&self.python)
            .args(["-c", &(prelude + code)])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::text(&out.stderr));
        out.stdout
    }

    /// Runs boto3 code against moto directly and reads what it prints as JSON.
    fn boto_json(&self, code: &str) -> serde_json::Value {
        serde_json::from_slice(&self.boto(code)).unwrap()
    }

    fn state(&self) -> serde_json::Value {
        self.state_in(REGION)
    }

    fn state_in(&self, region: &str) -> serde_json::Value {
        let out = Command::new(&self.python)
            .arg(common::root().join("tests/aws/state.py"))
            .args([self.direct().as_str(), region])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn stackc(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        if matches!(args[0], "apply" | "destroy") {
            all.extend(["--poll-interval", "0.05", "--wait-timeout", "60"]);
        }
        Command::new(env!("CARGO_BIN_EXE_stackc"))
            .args(&all)
            .env(
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.proxy_port),
            )
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap()
    }
}

/// A spec with its `subnets` left out, so it deploys on the emulator's default VPC (moto has none of
/// the examples' subnets).
fn without_subnets(spec: &Path) -> String {
    std::fs::read_to_string(spec)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("subnets = "))
        .fold(String::new(), |out, l| out + l + "\n")
}

/// The shop example (services with routes, postgres, redis, a volume, a migration job), on the
/// default VPC: moto has none of the example's subnets.
fn shop(dir: &Path, edit: impl Fn(String) -> String) -> String {
    let text = without_subnets(&common::root().join("examples/shop/stack.toml"));
    let path = dir.join("stack.toml");
    std::fs::write(&path, edit(text)).unwrap();
    path.to_string_lossy().into_owned()
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        common::text(&out.stdout),
        common::text(&out.stderr)
    );
}

const USER_SECRET: &str =
    "c('ssm').put_parameter(Name='/stackc/shop/stripe-key', Value='sk_test', Type='SecureString')";

#[test]
fn apply_is_idempotent_plans_exact_changes_and_destroys_only_its_own() {
    let Some(moto) = Moto::start() else { return };
    moto.reset();
    let dir = tempfile::tempdir().unwrap();
    let spec = shop(dir.path(), |t| t);

    // A secret only the user can write: the plan says so, and apply refuses before changing anything.
    let out = moto.stackc(&["apply", &spec, "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::text(&out.stdout).contains("/stackc/shop/stripe-key is yours to write"));
    assert_eq!(
        moto.stats().1,
        0,
        "nothing may change before the user's secret exists"
    );

    moto.boto(USER_SECRET);
    // Things beside the stack that it must never touch.
    moto.boto(
        "vpc = c('ec2').describe_vpcs(Filters=[{'Name': 'is-default', 'Values': ['true']}])['Vpcs'][0]['VpcId']\n\
         c('ec2').create_security_group(GroupName='outsider', Description='not the stack', VpcId=vpc)\n\
         c('elbv2').create_target_group(Name='shop-outsider', Protocol='HTTP', Port=80, VpcId=vpc, TargetType='ip')\n\
         c('ssm').put_parameter(Name='/stackc/shop/outsider', Value='x', Type='String')",
    );
    moto.stats_reset();
    let out = moto.stackc(&["apply", &spec, "--yes"]);
    ok(&out, "first apply");
    let (calls, mutating) = moto.stats();
    eprintln!("first apply of shop: {calls} API calls, {mutating} mutating");
    let state = moto.state();
    let services = state["services"].as_object().unwrap();
    for s in ["api", "web", "worker", "db", "cache"] {
        assert!(
            services.contains_key(&format!("shop/shop_{s}")),
            "{state:#}"
        );
    }
    assert_eq!(state["services"]["shop/shop_api"]["desiredCount"], 2);
    assert_eq!(
        state["rules"],
        serde_json::json!(["8088 1 /api /api/*", "8088 2 /*"])
    );
    assert_eq!(
        state["securityGroups"]["shop_db"],
        serde_json::json!(["5432 shop_api", "5432 shop_migrate", "5432 shop_worker"])
    );
    assert_eq!(state["loadBalancers"], serde_json::json!(["shop"]));
    assert_eq!(state["namespaces"], serde_json::json!(["shop"]));

    let out = moto.stackc(&["plan", &spec, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stdout));

    moto.stats_reset();
    ok(&moto.stackc(&["apply", &spec, "--yes"]), "second apply");
    let (calls, mutating) = moto.stats();
    eprintln!("no-op apply of shop: {calls} API calls, {mutating} mutating");
    assert_eq!(mutating, 0, "an apply after an apply changes nothing");

    // One replica more, one env value, one route: exactly those changes.
    let changed = shop(dir.path(), |t| {
        t.replacen(
            "replicas = 2\nenv = { DATABASE_URL",
            "replicas = 3\nenv = { DATABASE_URL",
            1,
        )
        .replace("LOG_LEVEL = \"info\"", "LOG_LEVEL = \"debug\"")
        .replace("\"/api\" = {", "\"/admin\" = \"api\"\n\"/api\" = {")
    });
    let out = moto.stackc(&["plan", &changed, "--format", "json", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let resources: Vec<(&str, &str)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap(),
                c["resource"].as_str().unwrap(),
            )
        })
        .collect();
    // The new route's rule goes first (longest prefix), so the others move down one priority.
    assert_eq!(
        resources,
        [
            ("create", "rule//admin"),
            ("update", "rule//api"),
            ("update", "rule//"),
            ("update", "task-definition/api"),
            ("update", "service/api"),
        ],
        "{plan:#}"
    );
    let fields = |resource: &str| -> Vec<String> {
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["resource"] == resource)
            .unwrap()["fields"]
            .as_array()
            .map(|f| {
                f.iter()
                    .map(|f| format!("{}: {} -> {}", f["field"], f["before"], f["after"]))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(fields("rule//api"), [r#""Priority": "1" -> "2""#]);
    assert_eq!(fields("rule//"), [r#""Priority": "2" -> "3""#]);
    assert_eq!(
        fields("task-definition/api"),
        [r#""containerDefinitions[api].environment[LOG_LEVEL].value": "info" -> "debug""#]
    );
    assert!(
        fields("service/api").contains(&r#""desiredCount": "2" -> "3""#.to_owned()),
        "{plan:#}"
    );
    ok(
        &moto.stackc(&["apply", &changed, "--yes"]),
        "apply of the change",
    );
    let out = moto.stackc(&["plan", &changed, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stdout));
    let state = moto.state();
    assert_eq!(state["services"]["shop/shop_api"]["desiredCount"], 3);
    assert_eq!(
        state["services"]["shop/shop_api"]["taskDefinition"],
        "shop_api:2"
    );
    assert_eq!(
        state["rules"],
        serde_json::json!(["8088 1 /admin /admin/*", "8088 2 /api /api/*", "8088 3 /*"])
    );

    ok(
        &moto.stackc(&["destroy", &changed, "--yes", "--allow-data-loss"]),
        "destroy",
    );
    let state = moto.state();
    assert_eq!(state["services"], serde_json::json!({}));
    assert_eq!(state["clusters"], serde_json::json!([]));
    assert_eq!(state["loadBalancers"], serde_json::json!([]));
    assert_eq!(state["rules"], serde_json::json!([]));
    assert_eq!(state["targetGroups"], serde_json::json!(["shop-outsider"]));
    let groups: Vec<&String> = state["securityGroups"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(groups, ["default", "outsider"]);
    assert_eq!(state["taskDefinitionRevisions"], serde_json::json!({}));
    assert_eq!(state["fileSystems"], serde_json::json!([]));
    assert_eq!(state["logGroups"], serde_json::json!([]));
    assert_eq!(state["namespaces"], serde_json::json!([]));
    // The user's own secret and the outsider stay: stackc did not create them.
    assert_eq!(
        state["parameters"],
        serde_json::json!(["/stackc/shop/outsider", "/stackc/shop/stripe-key"])
    );
    let out = moto.stackc(&["destroy", &changed, "--yes"]);
    ok(&out, "second destroy");
    assert!(
        common::text(&out.stdout).contains("No changes"),
        "{}",
        common::text(&out.stdout)
    );
}

#[test]
fn interrupted_applies_converge_without_duplicates() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let spec = shop(dir.path(), |t| t);
    moto.reset();
    moto.boto(USER_SECRET);
    moto.stats_reset();
    ok(
        &moto.stackc(&["apply", &spec, "--yes"]),
        "uninterrupted apply",
    );
    let total = moto.stats().1;
    let reference = moto.state();
    assert!(total > 20, "{total}");

    // Throttling or a 5xx on one call: the SDK's retry carries the apply through.
    moto.reset();
    moto.boto(USER_SECRET);
    moto.fault(r#"{"at": 7, "once": true}"#);
    ok(
        &moto.stackc(&["apply", &spec, "--yes"]),
        "apply with a transient error",
    );
    assert_eq!(moto.state(), reference);

    for (at, forward) in [
        (1, false),
        (2, true),
        (total / 4, true),
        (total / 2, false),
        (total / 2 + 1, true),
        (3 * total / 4, true),
        (total - 1, true),
        (total, true),
    ] {
        moto.reset();
        moto.boto(USER_SECRET);
        moto.fault(&format!(r#"{{"at": {at}, "forward": {forward}}}"#));
        let out = moto.stackc(&["apply", &spec, "--yes"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "cut off at {at}: {}",
            common::text(&out.stderr)
        );
        let stderr = common::text(&out.stderr);
        assert!(
            stderr.contains("error: ") && stderr.contains("run it again"),
            "{stderr}"
        );
        moto.stats_reset();
        let out = moto.stackc(&["apply", &spec, "--yes"]);
        ok(
            &out,
            &format!("apply after a cut at call {at} (forwarded: {forward})"),
        );
        assert_eq!(
            moto.state(),
            reference,
            "after a cut at call {at} (forwarded: {forward})"
        );
        let out = moto.stackc(&["plan", &spec, "--detailed-exitcode"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stdout));
    }
}

/// Every example with `[targets.ecs]`: apply, a clean plan, destroy to nothing.
#[test]
fn every_ecs_example_applies_plans_clean_and_destroys() {
    let Some(moto) = Moto::start() else { return };
    let mut examples: Vec<PathBuf> = std::fs::read_dir(common::root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path().join("stack.toml"))
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("[targets.ecs]")))
        .collect();
    examples.sort();
    assert!(examples.len() >= 4, "{examples:?}");
    for example in examples {
        let name = common::folder_name(&example);
        let dir = tempfile::tempdir().unwrap();
        // The example's files too: configs are read from beside the spec.
        common::copy_dir(example.parent().unwrap(), dir.path());
        let text = without_subnets(&example);
        let spec = dir.path().join("stack.toml");
        std::fs::write(&spec, &text).unwrap();
        // The first deployment ECS runs (flead's base mounts a developer's folders; its cluster
        // environment does not).
        let env = common::ecs_deployments(&spec).remove(0);
        let spec = spec.to_string_lossy().into_owned();
        let with_env = |args: &[&str]| -> Vec<String> {
            let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
            if let Some(env) = &env {
                all.extend(["--env".to_owned(), env.clone()]);
            }
            all
        };
        let run = |args: &[&str]| {
            let args = with_env(args);
            moto.stackc(&args.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let region = text.parse::<toml::Table>().unwrap()["targets"]["ecs"]
            .get("region")
            .and_then(|r| r.as_str())
            .unwrap_or(REGION)
            .to_owned();
        moto.reset();
        // The secrets only a user can write, written as a user would.
        let out_dir = dir.path().join("dist");
        let build = with_env(&[
            "build",
            &spec,
            "--target",
            "ecs",
            "-o",
            out_dir.to_str().unwrap(),
        ]);
        ok(
            &common::stackc(&build.iter().map(String::as_str).collect::<Vec<_>>()),
            "build",
        );
        let parameters: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out_dir.join("ecs/parameters.json")).unwrap(),
        )
        .unwrap();
        for p in parameters
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["source"] == "user")
        {
            moto.boto(&format!(
                "boto3.client('ssm', endpoint_url='{}', region_name='{region}', aws_access_key_id='t', aws_secret_access_key='t').put_parameter(Name='{}', Value='v', Type='SecureString')",
                moto.direct(),
                p["name"].as_str().unwrap()
            ));
        }
        ok(&run(&["apply", &spec, "--yes"]), &format!("{name}: apply"));
        let state = moto.state_in(&region);
        assert_eq!(
            state["clusters"].as_array().unwrap().len(),
            1,
            "{name}: {state:#}"
        );
        assert!(
            !state["services"].as_object().unwrap().is_empty(),
            "{name}: {state:#}"
        );
        let out = run(&["plan", &spec, "--format", "json", "--detailed-exitcode"]);
        let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // moto keeps no rule transforms (the ALB's URL rewrite of `strip_prefix`): the one
        // difference it leaves, on AWS there is none.
        let fields: Vec<&str> = plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["fields"].as_array().into_iter().flatten())
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.iter().all(|f| f.starts_with("Transforms")),
            "{name}: {plan:#}"
        );
        if fields.is_empty() {
            assert_eq!(out.status.code(), Some(0), "{name}: {plan:#}");
        }
        ok(
            &run(&["destroy", &spec, "--yes", "--allow-data-loss"]),
            &format!("{name}: destroy"),
        );
        let state = moto.state_in(&region);
        let groups: Vec<&String> = state["securityGroups"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(groups, ["default"], "{name}");
        for kind in [
            "clusters",
            "loadBalancers",
            "targetGroups",
            "rules",
            "logGroups",
            "namespaces",
            "fileSystems",
        ] {
            assert_eq!(
                state[kind],
                serde_json::json!([]),
                "{name}: {kind} left: {state:#}"
            );
        }
        assert_eq!(state["services"], serde_json::json!({}), "{name}");
        assert_eq!(
            state["taskDefinitionRevisions"],
            serde_json::json!({}),
            "{name}"
        );
    }
}

/// A spec from its text, in `dir`.
fn spec_file(dir: &Path, file: &str, text: &str) -> String {
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// A stack with one routed service keeping data on a volume, in the cluster `shared`.
fn small(stack: &str, service: &str, volume: &str) -> String {
    format!(
        "[stack]\nname = \"{stack}\"\n\n[services.{service}]\nimage = \"nginx:1\"\nport = 80\nvolumes = {{ \"/data\" = \"{volume}\" }}\n\n\
         [resources.{volume}]\ntype = \"volume\"\nstorage = \"1Gi\"\n\n[routes]\n\"/\" = \"{service}\"\n\n[gateway]\nport = 80\n\n\
         [targets.ecs]\nregion = \"{REGION}\"\ncluster = \"shared\"\n"
    )
}

/// Untagged resources with the names stackc gives the shop's, one of every kind it writes (made by
/// hand or by another tool). The shop's target group name is pinned: names must not change between
/// releases, or a stack would lose what it made.
const FOREIGN_SHOP: &str = "\
vpc = c('ec2').describe_vpcs(Filters=[{'Name': 'is-default', 'Values': ['true']}])['Vpcs'][0]['VpcId']
subnets = [s['SubnetId'] for s in c('ec2').describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}])['Subnets']]
c('ec2').create_security_group(GroupName='shop_api', Description='mine', VpcId=vpc)
c('logs').create_log_group(logGroupName='/stackc/shop')
c('ssm').put_parameter(Name='/stackc/shop/db-password', Value='mine', Type='SecureString')
c('ssm').put_parameter(Name='/stackc/shop/db-url', Value='mine', Type='SecureString')
c('efs').create_file_system(CreationToken='stackc-shop')
c('elbv2').create_load_balancer(Name='shop', Subnets=subnets[:2])
c('elbv2').create_target_group(Name='shop-web-ba391833', Protocol='HTTP', Port=80, VpcId=vpc, TargetType='ip')
c('servicediscovery').create_http_namespace(Name='shop')
ecs = c('ecs')
ecs.create_cluster(clusterName='shop')
ecs.register_task_definition(family='shop_web', containerDefinitions=[{'name': 'web', 'image': 'nginx', 'memory': 128}])
ecs.create_service(cluster='shop', serviceName='shop_web', taskDefinition='shop_web', desiredCount=0)
";

#[test]
fn foreign_resources_with_the_stacks_names_are_never_changed_or_deleted() {
    let Some(moto) = Moto::start() else { return };
    moto.reset();
    let dir = tempfile::tempdir().unwrap();
    let spec = shop(dir.path(), |t| t);
    moto.boto(USER_SECRET);
    moto.boto(FOREIGN_SHOP);
    let before = moto.state();
    moto.stats_reset();

    let out = moto.stackc(&["plan", &spec]);
    let plan = common::text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{plan}");
    for problem in [
        "! namespace: Cloud Map namespace shop exists and is not tagged stackc:stack=shop",
        "! log-group: log group /stackc/shop exists and is not tagged",
        "! parameter /stackc/shop/db-password: SSM parameter /stackc/shop/db-password exists",
        "! parameter /stackc/shop/db-url: SSM parameter /stackc/shop/db-url exists",
        "! security-group/api: security group shop_api exists",
        "! efs: EFS file system fs-",
        "! load-balancer: load balancer shop exists",
        "! target-group/web: target group shop-web-ba391833 exists",
        "! task-definition/web: task definition revision shop_web:1 exists",
        "! service/web: ECS service shop_web exists",
    ] {
        assert!(plan.contains(problem), "{problem}\nmissing from:\n{plan}");
    }
    assert!(
        plan.contains("tag it stackc:stack=shop, stackc:env=- and stackc:resource=service/web"),
        "{plan}"
    );
    // Nothing is planned for what is not the stack's.
    for line in [
        "update log-group",
        "create load-balancer",
        "create efs",
        "service/web\n",
        "security-group/api\n",
    ] {
        assert!(!plan.contains(line), "{line} planned:\n{plan}");
    }

    let out = moto.stackc(&["apply", &spec, "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out.stderr));
    assert!(common::text(&out.stderr).contains("nothing was changed"));
    assert_eq!(moto.stats().1, 0, "apply changed something");

    let out = moto.stackc(&["destroy", &spec, "--yes"]);
    ok(&out, "destroy");
    let said = common::text(&out.stdout);
    for kept in [
        "= log group /stackc/shop is not tagged stackc:stack=shop and stackc:env=-: left alone",
        "= ECS service shop_web is not tagged stackc:stack=shop and stackc:env=-: left alone",
        "= ECS cluster arn:",
    ] {
        assert!(said.contains(kept), "{kept}\nmissing from:\n{said}");
    }
    assert_eq!(moto.stats().1, 0, "destroy deleted something");
    assert_eq!(moto.state(), before);
    moto.boto(
        "assert c('ssm').get_parameter(Name='/stackc/shop/db-url', WithDecryption=True)['Parameter']['Value'] == 'mine'\n\
         assert 'retentionInDays' not in c('logs').describe_log_groups(logGroupNamePrefix='/stackc/shop')['logGroups'][0]",
    );
}

#[test]
fn destroy_deregisters_only_the_stacks_own_revisions() {
    let Some(moto) = Moto::start() else { return };
    moto.reset();
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_file(
        dir.path(),
        "stack.toml",
        &format!(
            "[stack]\nname = \"tiny\"\n\n[services.api]\nimage = \"nginx:1\"\nport = 80\n\n[targets.ecs]\nregion = \"{REGION}\"\ncluster = \"tiny\"\n"
        ),
    );
    ok(&moto.stackc(&["apply", &spec, "--yes"]), "apply");
    // Someone registers their own revision in the family: it is the latest now.
    moto.boto(
        "c('ecs').register_task_definition(family='tiny_api', containerDefinitions=[{'name': 'api', 'image': 'mine', 'memory': 128}])",
    );
    // The service still runs the stack's revision, as the spec asks: nothing to do, theirs is left
    // alone (a no-op plan does not describe families whose service is up to date, issue 15).
    let out = moto.stackc(&["plan", &spec, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stdout));
    // A change to the family would register above theirs: refused, and theirs is named.
    let changed = spec_file(
        dir.path(),
        "changed.toml",
        &std::fs::read_to_string(&spec)
            .unwrap()
            .replace("nginx:1", "nginx:2"),
    );
    let out = moto.stackc(&["plan", &changed]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        common::text(&out.stdout).contains(
            "! task-definition/api: task definition revision tiny_api:2 exists and is not tagged stackc:stack=tiny"
        ),
        "{}",
        common::text(&out.stdout)
    );
    ok(&moto.stackc(&["destroy", &spec, "--yes"]), "destroy");
    // The stack's revision (below theirs) is gone; theirs stays.
    moto.boto(
        "arns = c('ecs').list_task_definitions(familyPrefix='tiny_api', status='ACTIVE')['taskDefinitionArns']\n\
         assert [a.rsplit('/', 1)[1] for a in arns] == ['tiny_api:2'], arns",
    );
    let state = moto.state();
    assert_eq!(state["services"], serde_json::json!({}));
    assert_eq!(state["clusters"], serde_json::json!([]));
}

/// `ab` + `c-web` and `ab-c` + `web` were both `ab-c-web` (and `stackc-ab-c-data`) before: now every
/// name differs, both deploy into one cluster, plan clean, and destroy alone.
#[test]
fn stacks_with_colliding_names_coexist_and_destroy_independently() {
    let Some(moto) = Moto::start() else { return };
    moto.reset();
    let dir = tempfile::tempdir().unwrap();
    let a = spec_file(dir.path(), "ab.toml", &small("ab", "c-web", "c-data"));
    let b = spec_file(dir.path(), "ab-c.toml", &small("ab-c", "web", "data"));
    let clean = |spec: &str, what: &str| {
        let out = moto.stackc(&["plan", spec, "--detailed-exitcode"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{what}:\n{}{}",
            common::text(&out.stdout),
            common::text(&out.stderr)
        );
    };
    ok(&moto.stackc(&["apply", &a, "--yes"]), "apply ab");
    clean(&a, "ab after its apply");
    let only_a = moto.state();
    ok(&moto.stackc(&["apply", &b, "--yes"]), "apply ab-c");
    clean(&b, "ab-c after its apply");
    clean(&a, "ab after ab-c's apply");
    let both = moto.state();
    assert_eq!(
        both["services"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["shared/ab-c_web", "shared/ab_c-web"]
    );
    assert_eq!(
        both["taskDefinitionRevisions"],
        serde_json::json!({"ab-c_web": 1, "ab_c-web": 1})
    );
    assert_eq!(both["loadBalancers"], serde_json::json!(["ab", "ab-c"]));
    assert_eq!(both["namespaces"], serde_json::json!(["ab", "ab-c"]));
    assert_eq!(
        both["logGroups"],
        serde_json::json!(["/stackc/ab", "/stackc/ab-c"])
    );
    assert_eq!(both["fileSystems"].as_array().unwrap().len(), 2);
    assert_eq!(both["targetGroups"].as_array().unwrap().len(), 2);

    // ab goes; ab-c is untouched and still plans clean. The cluster runs ab-c's service: it stays.
    let out = moto.stackc(&["destroy", &a, "--yes", "--allow-data-loss"]);
    ok(&out, "destroy ab");
    assert!(
        common::text(&out.stdout)
            .contains("also runs services that are not the stack's (ab-c_web)"),
        "{}",
        common::text(&out.stdout)
    );
    clean(&b, "ab-c after ab's destroy");
    let only_b = moto.state();
    for kind in [
        "services",
        "taskDefinitionRevisions",
        "loadBalancers",
        "namespaces",
        "logGroups",
        "fileSystems",
        "targetGroups",
        "securityGroups",
    ] {
        assert_ne!(only_b[kind], only_a[kind], "{kind}");
        assert_ne!(
            only_b[kind], both[kind],
            "{kind}: nothing of ab was deleted"
        );
    }
    assert_eq!(
        only_b["services"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["shared/ab-c_web"]
    );
    assert_eq!(only_b["loadBalancers"], serde_json::json!(["ab-c"]));
    assert_eq!(only_b["clusters"], serde_json::json!(["shared"]));

    ok(
        &moto.stackc(&["destroy", &b, "--yes", "--allow-data-loss"]),
        "destroy ab-c",
    );
    let none = moto.state();
    for kind in [
        "loadBalancers",
        "targetGroups",
        "namespaces",
        "logGroups",
        "fileSystems",
        "rules",
    ] {
        assert_eq!(none[kind], serde_json::json!([]), "{kind}: {none:#}");
    }
    assert_eq!(none["services"], serde_json::json!({}));
    assert_eq!(none["taskDefinitionRevisions"], serde_json::json!({}));
    // The cluster is ab's, which is gone: ab-c leaves it alone.
    assert_eq!(none["clusters"], serde_json::json!(["shared"]));
}

/// A stack for the commands that fail before or at their first AWS call.
fn tiny_spec(dir: &Path) -> String {
    spec_file(
        dir,
        "stack.toml",
        &format!(
            "[stack]\nname = \"tiny\"\n\n[services.api]\nimage = \"nginx:1\"\nport = 80\n\n[environments.dev]\nservices.api.replicas = 1\n\n[targets.ecs]\nregion = \"{REGION}\"\ncluster = \"tiny\"\n"
        ),
    )
}

/// stackc against an endpoint, with credentials from the environment and no profile.
fn stackc_at(endpoint: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap()
}

#[test]
fn an_endpoint_that_never_answers_fails_within_a_minute_naming_it() {
    // Accepts connections and holds them, answering nothing; gone when the test ends.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let holder = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            let deadline = Instant::now() + Duration::from_mins(3);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((conn, _)) => held.push(conn),
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let spec = tiny_spec(dir.path());
    let runs: Vec<_> = [
        vec!["plan", spec.as_str()],
        vec!["apply", spec.as_str(), "--yes"],
    ]
    .into_iter()
    .map(|args| {
        let endpoint = endpoint.clone();
        let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        std::thread::spawn(move || {
            let started = Instant::now();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = stackc_at(&endpoint, &args);
            (args[0].to_owned(), out, started.elapsed())
        })
    })
    .collect();
    for run in runs {
        let (command, out, took) = run.join().unwrap();
        let stderr = common::text(&out.stderr);
        eprintln!("{command} against a silent endpoint: {took:?}");
        assert_eq!(out.status.code(), Some(1), "{command}: {stderr}");
        assert!(took < Duration::from_mins(1), "{command} took {took:?}");
        assert!(
            stderr.contains(&format!("{endpoint} did not answer within")),
            "{command}: {stderr}"
        );
        assert!(
            stderr.contains("(sts:GetCallerIdentity)"),
            "{command}: {stderr}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    holder.join().unwrap();
}

#[test]
fn an_endpoint_that_refuses_is_named_with_what_to_check() {
    let port = free_port(); // bound and released: nothing listens there
    let endpoint = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let out = stackc_at(&endpoint, &["plan", &tiny_spec(dir.path())]);
    let stderr = common::text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("could not reach {endpoint}")),
        "{stderr}"
    );
    assert!(stderr.contains("AWS_ENDPOINT_URL"), "{stderr}");
}

#[test]
fn with_detailed_exitcode_every_error_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let spec = tiny_spec(dir.path());
    // 2 would mean "changes pending".
    let out = common::stackc(&["plan", &spec, "--env", "nope", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out.stderr));
    assert!(common::text(&out.stderr).contains("nope"));
    // Without it, an unknown environment is a usage error, as everywhere.
    let out = common::stackc(&["plan", &spec, "--env", "nope"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn wait_timeouts_out_of_range_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let spec = tiny_spec(dir.path());
    for (flag, value) in [
        ("--wait-timeout", "18446744073709551615"),
        ("--wait-timeout", "0"),
        ("--poll-interval", "inf"),
        ("--poll-interval", "NaN"),
    ] {
        let out = common::stackc(&["destroy", &spec, "--yes", flag, value]);
        let stderr = common::text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(
            stderr.contains(flag) && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

/// A no-op plan reads in batches where the APIs allow it (issue 15: 132 calls for 100 services
/// before batching, 138 with per-family `DescribeTaskDefinition`): the latest revision of every family
/// comes from one listing, and a revision the tag index shows up to date is not described; jobs are,
/// for their `ran` tag.
#[test]
fn a_no_op_plan_of_100_services_costs_at_most_40_calls() {
    let Some(moto) = Moto::start() else { return };
    moto.reset();
    let dir = tempfile::tempdir().unwrap();
    let text = stackc::synth::spec(100)
        + &format!("\n[targets.ecs]\nregion = \"{REGION}\"\ncluster = \"synthetic\"\n");
    let spec = spec_file(dir.path(), "stack.toml", &text);
    ok(&moto.stackc(&["apply", &spec, "--yes"]), "apply");
    moto.stats_reset();
    let out = moto.stackc(&["plan", &spec, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stdout));
    let (calls, mutating) = moto.stats();
    let operations = moto.operations();
    eprintln!("no-op plan of 100 services: {calls} API calls: {operations:?}");
    assert_eq!(mutating, 0);
    let described = operations
        .iter()
        .filter(|(op, _)| op.contains("DescribeTaskDefinition"))
        .map(|(_, n)| *n)
        .sum::<u64>();
    // `synth::spec(100)` has 3 jobs; its 100 services' revisions come from the tag index.
    assert!(described <= 3, "{operations:?}");
    assert!(calls <= 40, "{calls} calls: {operations:?}");
}

/// What of a state belongs to one deployment of the weather example, by its names: the services,
/// target groups, load balancers, security groups, file systems, parameters, log groups and
/// namespaces.
fn deployment_of(state: &serde_json::Value, env: &str) -> serde_json::Value {
    let keys = |kind: &str, keep: &dyn Fn(&str) -> bool| -> Vec<String> {
        let v = &state[kind];
        let all: Vec<String> = match v {
            serde_json::Value::Object(m) => m.keys().cloned().collect(),
            serde_json::Value::Array(a) => a
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        all.into_iter().filter(|k| keep(k)).collect()
    };
    let dash = format!("weather-{env}");
    let under = format!("weather_{env}_");
    let path = format!("/stackc/weather/{env}");
    serde_json::json!({
        "services": keys("services", &|k| k.starts_with(&format!("{dash}/"))),
        "serviceDetails": state["services"].as_object().unwrap().iter()
            .filter(|(k, _)| k.starts_with(&format!("{dash}/")))
            .map(|(_, v)| v.clone()).collect::<Vec<_>>(),
        "targetGroups": keys("targetGroups", &|k| k.starts_with(&format!("{dash}-"))),
        "loadBalancers": keys("loadBalancers", &|k| k.starts_with(&format!("{dash}-"))),
        "securityGroups": keys("securityGroups", &|k| k.starts_with(&under)),
        "fileSystems": keys("fileSystems", &|k| k.contains(&format!("stackc-weather_{env}"))),
        "parameters": keys("parameters", &|k| k.starts_with(&format!("{path}/"))),
        "logGroups": keys("logGroups", &|k| k == path),
        "namespaces": keys("namespaces", &|k| k == dash),
        "clusters": keys("clusters", &|k| k == dash),
    })
}

/// A plan with no changes but the rule transforms moto does not keep (see above); `env` empty:
/// the base deployment.
fn clean_on_moto(moto: &Moto, spec: &str, env: &str) {
    let out = if env.is_empty() {
        moto.stackc(&["plan", spec, "--format", "json"])
    } else {
        moto.stackc(&["plan", spec, "--env", env, "--format", "json"])
    };
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for c in plan["changes"].as_array().unwrap() {
        let fields = c["fields"].as_array().cloned().unwrap_or_default();
        assert!(
            c["action"] == "update"
                && !fields.is_empty()
                && fields
                    .iter()
                    .all(|f| f["field"].as_str().unwrap().starts_with("Transforms")),
            "{env}: {plan:#}"
        );
    }
    assert!(plan.get("notes").is_none(), "{env}: {plan:#}");
}

/// Staging and production of one stack in one account and region are two deployments: each plans
/// clean beside the other, destroying one leaves every resource of the other as it was, and data
/// is deleted only with --allow-data-loss, by destroy and by an apply alike.
#[test]
fn environments_deploy_side_by_side_and_data_is_deleted_only_when_allowed() {
    let Some(moto) = Moto::start() else { return };
    moto.reset();
    let region = "us-west-2";
    let dir = tempfile::tempdir().unwrap();
    let text = without_subnets(&common::root().join("examples/weather/stack.toml"));
    let spec = spec_file(dir.path(), "stack.toml", &text);
    let put = |name: &str| {
        moto.boto(&format!(
            "boto3.client('ssm', endpoint_url='{}', region_name='{region}', aws_access_key_id='t', aws_secret_access_key='t').put_parameter(Name='{name}', Value='v', Type='SecureString')",
            moto.direct()
        ));
    };
    put("/stackc/weather/staging/weather-api-key");
    put("/stackc/weather/production/weather-api-key");
    put("/stackc/weather/production/weather-redis-url");

    ok(
        &moto.stackc(&["apply", &spec, "--env", "staging", "--yes"]),
        "apply staging",
    );
    let only_staging = moto.state_in(region);
    ok(
        &moto.stackc(&["apply", &spec, "--env", "production", "--yes"]),
        "apply production",
    );
    clean_on_moto(&moto, &spec, "staging");
    clean_on_moto(&moto, &spec, "production");
    let both = moto.state_in(region);
    let (staging, production) = (
        deployment_of(&both, "staging"),
        deployment_of(&both, "production"),
    );
    // Production's apply changed nothing of staging's.
    assert_eq!(deployment_of(&only_staging, "staging"), staging);
    // Staging runs its cache, production's is external.
    assert_eq!(
        staging["services"].as_array().unwrap().len(),
        3,
        "{staging:#}"
    );
    for d in [&staging, &production] {
        for kind in [
            "loadBalancers",
            "clusters",
            "namespaces",
            "logGroups",
            "fileSystems",
        ] {
            assert_eq!(d[kind].as_array().unwrap().len(), 1, "{kind}: {d:#}");
        }
        assert_eq!(d["targetGroups"].as_array().unwrap().len(), 2, "{d:#}");
    }
    // Redis runs without a password here: the only parameter is the user's.
    assert_eq!(
        staging["parameters"],
        serde_json::json!(["/stackc/weather/staging/weather-api-key"])
    );
    assert_eq!(
        production["services"],
        serde_json::json!([
            "weather-production/weather_production_backend",
            "weather-production/weather_production_frontend"
        ])
    );

    // Staging goes, but its data: production is untouched.
    let out = moto.stackc(&["destroy", &spec, "--env", "staging", "--yes"]);
    ok(&out, "destroy staging");
    let said = common::text(&out.stdout);
    for kept in [
        "= efs: kept with its data (EFS file system fs-",
        "the data of cache-data, models)",
        "= log-group: kept with its data",
        "= security-group/stackc-efs: kept, the file system's mount targets use it",
    ] {
        assert!(said.contains(kept), "{kept}\nmissing from:\n{said}");
    }
    assert!(
        common::text(&out.stderr).contains("--env staging --allow-data-loss --yes"),
        "{}",
        common::text(&out.stderr)
    );
    let after = moto.state_in(region);
    assert_eq!(deployment_of(&after, "production"), production);
    let left = deployment_of(&after, "staging");
    for kind in [
        "services",
        "loadBalancers",
        "targetGroups",
        "clusters",
        "namespaces",
    ] {
        assert_eq!(left[kind], serde_json::json!([]), "{kind}: {left:#}");
    }
    assert_eq!(left["fileSystems"], staging["fileSystems"]);
    assert_eq!(left["logGroups"], staging["logGroups"]);
    assert_eq!(left["parameters"], staging["parameters"]);
    assert_eq!(
        left["securityGroups"],
        serde_json::json!(["weather_staging_stackc-efs"])
    );
    // With the flag the data goes too; the user's secret stays, production still.
    ok(
        &moto.stackc(&[
            "destroy",
            &spec,
            "--env",
            "staging",
            "--yes",
            "--allow-data-loss",
        ]),
        "destroy staging's data",
    );
    let after = moto.state_in(region);
    assert_eq!(deployment_of(&after, "production"), production);
    let left = deployment_of(&after, "staging");
    for kind in ["fileSystems", "logGroups", "securityGroups"] {
        assert_eq!(left[kind], serde_json::json!([]), "{kind}: {left:#}");
    }
    assert_eq!(
        left["parameters"],
        serde_json::json!(["/stackc/weather/staging/weather-api-key"])
    );

    // Production loses its only volume: the file system would go with the models on it.
    let no_models = text
        .replace("volumes = { \"/models\" = \"models\" }\n", "")
        .replace(
            "[resources.models]\ntype = \"volume\"\nstorage = \"2Gi\"\n",
            "",
        );
    assert_ne!(no_models, text);
    let changed = spec_file(dir.path(), "no-models.toml", &no_models);
    let out = moto.stackc(&["plan", &changed, "--env", "production", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let efs = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["resource"] == "efs")
        .unwrap_or_else(|| panic!("{plan:#}"));
    assert_eq!(efs["action"], "delete");
    assert_eq!(efs["data_loss"], true, "{plan:#}");
    let out = moto.stackc(&["plan", &changed, "--env", "production"]);
    assert!(
        common::text(&out.stdout).contains("-! delete efs (destroys data: EFS file system"),
        "{}",
        common::text(&out.stdout)
    );
    moto.stats_reset();
    let out = moto.stackc(&["apply", &changed, "--env", "production", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out.stderr));
    assert!(
        common::text(&out.stderr)
            .contains("the plan destroys data (marked -!); nothing was changed"),
        "{}",
        common::text(&out.stderr)
    );
    assert_eq!(moto.stats().1, 0, "apply changed something");
    assert_eq!(
        deployment_of(&moto.state_in(region), "production"),
        production
    );
    ok(
        &moto.stackc(&[
            "apply",
            &changed,
            "--env",
            "production",
            "--yes",
            "--allow-data-loss",
        ]),
        "apply with --allow-data-loss",
    );
    let after = deployment_of(&moto.state_in(region), "production");
    assert_eq!(after["fileSystems"], serde_json::json!([]), "{after:#}");
    assert_eq!(after["services"], production["services"]);

    // A deployment from before environments were deployments: its resources carry the stack's tag
    // alone. An environment notes it beside itself; the base, whose names it has, refuses it until
    // it is adopted by its env tag.
    moto.boto(&format!(
        "boto3.client('logs', endpoint_url='{}', region_name='{region}', aws_access_key_id='t', aws_secret_access_key='t').create_log_group(logGroupName='/stackc/weather', tags={{'stackc:stack': 'weather'}})",
        moto.direct()
    ));
    let out = moto.stackc(&["plan", &changed, "--env", "production"]);
    let said = common::text(&out.stdout);
    assert!(
        said.contains("note: stack `weather` has a deployment made by a stackc from before environments were deployments (log group /stackc/weather")
            && said.contains("`stackc destroy --env production`"),
        "{said}"
    );
    let out = moto.stackc(&["plan", &changed]);
    let said = common::text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("! log-group: log group /stackc/weather exists and was deployed by a stackc from before environments were deployments")
            && said.contains("tag it stackc:env=- to adopt it"),
        "{said}"
    );
    moto.boto(&format!(
        "c = boto3.client('logs', endpoint_url='{}', region_name='{region}', aws_access_key_id='t', aws_secret_access_key='t')\n\
         c.tag_log_group(logGroupName='/stackc/weather', tags={{'stackc:env': '-'}})",
        moto.direct()
    ));
    let said = common::text(&moto.stackc(&["plan", &changed]).stdout);
    assert!(!said.contains("! log-group"), "{said}");
}

/// Two routes, four host names (two rules a route: a host condition holds three), and `tls`
/// appended to `[gateway]`.
fn secure(dir: &Path, file: &str, tls: &str) -> String {
    spec_file(
        dir,
        file,
        &format!(
            "[stack]\nname = \"secure\"\n\n[services.web]\nimage = \"nginx:1\"\nport = 80\n\n[services.api]\nimage = \"nginx:1\"\nport = 8080\n\n\
             [routes]\n\"/\" = \"web\"\n\"/api\" = \"api\"\n\n\
             [gateway]\nport = 80\nhost = [\"a.example.com\", \"b.example.com\", \"c.example.com\", \"*.d.example.com\"]\n{tls}\n\
             [targets.ecs]\nregion = \"{REGION}\"\ncluster = \"secure\"\n"
        ),
    )
}

/// The load balancer's listeners as `port protocol`, with what each does, and the ALB group's rules.
const LISTENERS: &str = "
elb = c('elbv2')
lb = elb.describe_load_balancers()['LoadBalancers'][0]['LoadBalancerArn']
out = {}
for l in elb.describe_listeners(LoadBalancerArn=lb)['Listeners']:
    rules = [r for r in elb.describe_rules(ListenerArn=l['ListenerArn'])['Rules'] if not r['IsDefault']]
    attributes = elb.describe_listener_attributes(ListenerArn=l['ListenerArn'])['Attributes'] if l['Protocol'] == 'HTTPS' else []
    out[f\"{l['Port']} {l['Protocol']}\"] = {
        'certificates': [x['CertificateArn'] for x in l.get('Certificates', [])],
        'policy': l.get('SslPolicy'),
        'default': l['DefaultActions'][0]['Type'],
        'redirect': l['DefaultActions'][0].get('RedirectConfig'),
        'rules': sorted(' '.join(v for cond in r['Conditions'] for v in cond.get('Values', []) + cond.get('PathPatternConfig', {}).get('Values', []) + cond.get('HostHeaderConfig', {}).get('Values', [])) for r in rules),
        'hsts': [a['Value'] for a in attributes if a['Key'].endswith('strict_transport_security.header_value')],
    }
print(json.dumps(out))
";

/// HTTPS on the load balancer: turning TLS on moves the stack's listener, with its rules, to 443
/// with the ACM certificate and puts a redirect on 80; every state plans clean; turning it off
/// moves back; host lists become host conditions of at most three names.
#[test]
fn https_listener_with_redirect_applies_replans_clean_and_turns_off() {
    let Some(moto) = Moto::start() else { return };
    moto.reset();
    let dir = tempfile::tempdir().unwrap();
    let arn = moto.boto_json(
        "print(json.dumps(c('acm').request_certificate(DomainName='a.example.com')['CertificateArn']))",
    );
    let arn = arn.as_str().unwrap().to_owned();
    let plain = secure(dir.path(), "plain.toml", "");
    ok(&moto.stackc(&["apply", &plain, "--yes"]), "apply over HTTP");
    clean_on_moto(&moto, &plain, "");
    let listeners = moto.boto_json(LISTENERS);
    assert_eq!(listeners.as_object().unwrap().len(), 1, "{listeners:#}");
    let http = &listeners["80 HTTP"];
    assert_eq!(http["default"], "fixed-response", "{listeners:#}");
    assert_eq!(http["rules"].as_array().unwrap().len(), 4, "{listeners:#}");
    assert!(
        http["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("*.d.example.com")),
        "{listeners:#}"
    );

    let tls = format!("\n[gateway.tls]\ncertificate_arn = \"{arn}\"\nhsts = \"365d\"\n");
    let secured = secure(dir.path(), "secured.toml", &tls);
    let planned = moto.stackc(&["plan", &secured]);
    let text = common::text(&planned.stdout);
    assert!(text.contains("listener/redirect"), "{text}");
    ok(
        &moto.stackc(&["apply", &secured, "--yes"]),
        "apply with TLS",
    );
    clean_on_moto(&moto, &secured, "");
    let listeners = moto.boto_json(LISTENERS);
    assert_eq!(listeners.as_object().unwrap().len(), 2, "{listeners:#}");
    let https = &listeners["443 HTTPS"];
    assert_eq!(
        https["certificates"],
        serde_json::json!([arn]),
        "{listeners:#}"
    );
    assert_eq!(https["policy"], "ELBSecurityPolicy-TLS13-1-2-2021-06");
    assert_eq!(https["rules"].as_array().unwrap().len(), 4, "{listeners:#}");
    assert_eq!(https["hsts"], serde_json::json!(["max-age=31536000"]));
    let redirect = &listeners["80 HTTP"];
    assert_eq!(redirect["default"], "redirect", "{listeners:#}");
    assert_eq!(redirect["redirect"]["Protocol"], "HTTPS");
    assert_eq!(redirect["redirect"]["Port"], "443");
    assert_eq!(redirect["redirect"]["StatusCode"], "HTTP_301");
    assert_eq!(redirect["rules"], serde_json::json!([]), "{listeners:#}");
    let state = moto.state();
    let alb = state["securityGroups"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.ends_with("alb"))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(alb, serde_json::json!(["443 0.0.0.0/0", "80 0.0.0.0/0"]));

    // HSTS dropped from the spec: the header is turned off, not left behind.
    let no_hsts = secure(
        dir.path(),
        "no-hsts.toml",
        &format!("\n[gateway.tls]\ncertificate_arn = \"{arn}\"\n"),
    );
    ok(
        &moto.stackc(&["apply", &no_hsts, "--yes"]),
        "apply without HSTS",
    );
    clean_on_moto(&moto, &no_hsts, "");
    let listeners = moto.boto_json(LISTENERS);
    assert_eq!(listeners["443 HTTPS"]["hsts"], serde_json::json!([""]));

    ok(
        &moto.stackc(&["apply", &plain, "--yes"]),
        "apply with TLS turned off",
    );
    clean_on_moto(&moto, &plain, "");
    let listeners = moto.boto_json(LISTENERS);
    assert_eq!(
        listeners.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["80 HTTP"],
        "{listeners:#}"
    );
    assert_eq!(listeners["80 HTTP"]["rules"].as_array().unwrap().len(), 4);

    // Someone's rule on the redirect listener: turning TLS off would delete it with the listener,
    // so the plan stops; destroy keeps the load balancer (and the group it uses) and deletes the
    // stack's other listener.
    ok(&moto.stackc(&["apply", &no_hsts, "--yes"]), "TLS on again");
    clean_on_moto(&moto, &no_hsts, "");
    moto.boto(
        "elb = c('elbv2')\n\
         lb = elb.describe_load_balancers()['LoadBalancers'][0]['LoadBalancerArn']\n\
         l = [x for x in elb.describe_listeners(LoadBalancerArn=lb)['Listeners'] if x['Port'] == 80][0]\n\
         elb.create_rule(ListenerArn=l['ListenerArn'], Priority=10, Conditions=[{'Field': 'path-pattern', 'Values': ['/.well-known/*']}], Actions=[{'Type': 'fixed-response', 'FixedResponseConfig': {'StatusCode': '200'}}], Tags=[{'Key': 'owner', 'Value': 'bob'}])\n",
    );
    let blocked = moto.stackc(&["plan", &plain]);
    let said = common::text(&blocked.stdout) + &common::text(&blocked.stderr);
    assert!(
        said.contains("holds rules that are not the stack's"),
        "{said}"
    );
    let destroy = moto.stackc(&["destroy", &no_hsts, "--yes"]);
    let said = common::text(&destroy.stdout) + &common::text(&destroy.stderr);
    assert!(said.contains("left alone"), "{said}");
    let state = moto.state();
    assert_eq!(
        state["loadBalancers"].as_array().unwrap().len(),
        1,
        "{state:#}"
    );
    assert!(
        state["securityGroups"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.ends_with("alb")),
        "{state:#}"
    );
    let listeners = moto.boto_json(LISTENERS);
    assert_eq!(
        listeners.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["80 HTTP"],
        "the stack's HTTPS listener is gone, the one holding bob's rule kept: {listeners:#}"
    );
    assert_eq!(
        listeners["80 HTTP"]["rules"],
        serde_json::json!(["/.well-known/*"])
    );
}
