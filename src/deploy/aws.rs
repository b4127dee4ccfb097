//! The AWS clients of one run, sharing a counter of the calls they make.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::ConfigBag;

/// Counts operations by name (once per call, whatever its retries), to report what a run did.
#[derive(Debug, Default, Clone)]
pub struct Counter(Arc<Mutex<BTreeMap<String, u32>>>);

impl Counter {
    #[must_use]
    pub fn snapshot(&self) -> BTreeMap<String, u32> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// (all calls, calls that change something)
    #[must_use]
    pub fn totals(&self) -> (u32, u32) {
        let calls = self.snapshot();
        let all = calls.values().sum();
        let mutating = calls
            .iter()
            .filter(|(op, _)| is_mutating(op))
            .map(|(_, n)| n)
            .sum();
        (all, mutating)
    }
}

/// Whether an operation changes anything (by the AWS naming convention of read-only calls).
#[must_use]
pub fn is_mutating(operation: &str) -> bool {
    let op = operation.rsplit('.').next().unwrap_or(operation);
    !["Describe", "List", "Get"]
        .iter()
        .any(|read| op.starts_with(read))
}

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "stackc-call-counter"
    }

    fn read_before_serialization(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        if let Some(meta) = cfg.load::<Metadata>()
            && let Ok(mut calls) = self.0.lock()
        {
            *calls
                .entry(format!("{}.{}", meta.service(), meta.name()))
                .or_default() += 1;
        }
        Ok(())
    }
}

#[derive(Clone)]
pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub efs: aws_sdk_efs::Client,
    pub sd: aws_sdk_servicediscovery::Client,
    pub sts: aws_sdk_sts::Client,
    pub region: String,
    pub counter: Counter,
}

impl Clients {
    /// The standard credential chain; `region` (from `[targets.ecs]`) wins over the chain's.
    pub async fn load(
        region: Option<&str>,
        endpoint_url: Option<&str>,
    ) -> std::result::Result<Self, String> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = region {
            loader = loader.region(Region::new(region.to_owned()));
        }
        if let Some(url) = endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = loader.load().await;
        let region = config.region().map(ToString::to_string).ok_or(
            "no AWS region: set `region` in [targets.ecs], AWS_REGION or a profile's region",
        )?;
        let counter = Counter::default();
        macro_rules! client {
            ($sdk:ident) => {
                $sdk::Client::from_conf(
                    $sdk::config::Builder::from(&config)
                        .interceptor(counter.clone())
                        .build(),
                )
            };
        }
        Ok(Self {
            ecs: client!(aws_sdk_ecs),
            ec2: client!(aws_sdk_ec2),
            elb: client!(aws_sdk_elasticloadbalancingv2),
            logs: client!(aws_sdk_cloudwatchlogs),
            ssm: client!(aws_sdk_ssm),
            efs: client!(aws_sdk_efs),
            sd: client!(aws_sdk_servicediscovery),
            sts: client!(aws_sdk_sts),
            region,
            counter,
        })
    }
}

/// A failed step: which resource, and AWS's own words for why.
#[derive(Debug)]
pub struct Failure {
    pub resource: String,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.resource, self.message)
    }
}

/// Turns an SDK error into a [`Failure`] of `resource`, keeping the service's code and message.
pub fn failed<E>(resource: impl Into<String>) -> impl FnOnce(E) -> Failure
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    let resource = resource.into();
    move |e| {
        let message = match (e.code(), e.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => {
                // No error document (a proxy, an outage): the transport's own words, shortened.
                let full = aws_smithy_types::error::display::DisplayErrorContext(&e).to_string();
                let short: String = full
                    .split(" (")
                    .next()
                    .unwrap_or(&full)
                    .chars()
                    .take(300)
                    .collect();
                short
            }
        };
        Failure { resource, message }
    }
}

/// The service's error code of an SDK error, if it got that far.
pub fn code_of<E: aws_smithy_types::error::metadata::ProvideErrorMetadata>(e: &E) -> Option<&str> {
    e.code()
}

pub type Result<T> = std::result::Result<T, Failure>;
