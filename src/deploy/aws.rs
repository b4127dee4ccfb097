//! The AWS clients of one run, sharing a counter of the calls they make, with bounded time for
//! every call; and failures that say which call, which endpoint and what to do.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata as _;

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
    /// Tags of many resources in one call, where the services' own APIs read them one by one.
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    pub sts: aws_sdk_sts::Client,
    pub region: String,
    pub counter: Counter,
    /// Where the calls go, to name in errors.
    pub endpoints: Endpoints,
}

/// Time limits of every AWS call. An endpoint that takes connections and never answers fails an
/// operation within [`OPERATION`]; the SDK's standard retries (3 attempts, backoff) still carry
/// throttling and 5xx through.
pub const CONNECT: Duration = Duration::from_secs(5);
pub const ATTEMPT: Duration = Duration::from_secs(15);
pub const OPERATION: Duration = Duration::from_secs(40);
pub const ATTEMPTS: u32 = 3;

/// Where the calls go: one URL for all (an emulator), or AWS's own per service and region.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub url: Option<String>,
    pub region: String,
}

impl Endpoints {
    /// The endpoint of a service, by its endpoint prefix (`ecs`, `elasticloadbalancing`).
    #[must_use]
    pub fn of(&self, service: &str) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| format!("https://{service}.{}.amazonaws.com", self.region))
    }
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
        loader = loader
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT)
                    .read_timeout(ATTEMPT)
                    .operation_attempt_timeout(ATTEMPT)
                    .operation_timeout(OPERATION)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(ATTEMPTS));
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
            tagging: client!(aws_sdk_resourcegroupstagging),
            sts: client!(aws_sdk_sts),
            endpoints: Endpoints {
                // The flag, else AWS_ENDPOINT_URL or a profile's `endpoint_url`, as the SDK read it.
                url: config.endpoint_url().map(str::to_owned),
                region: region.clone(),
            },
            region,
            counter,
        })
    }
}

/// A failed step: which resource, and AWS's own words for why (or what kept AWS from answering).
#[derive(Debug)]
pub struct Failure {
    pub resource: String,
    pub message: String,
    /// The AWS call, when the failure was one.
    pub call: Option<Call>,
}

/// A failed AWS call: which one, and what kind of failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The service's endpoint prefix (`ecs`, `elasticloadbalancing`, `sts`).
    pub service: &'static str,
    /// The operation (`DescribeServices`).
    pub operation: String,
    pub cause: Cause,
}

/// Why a call failed, for the advice that goes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// AWS answered with an error of its own (its code and message say it all).
    Service,
    /// No connection: wrong URL, DNS, network.
    Unreachable,
    /// Connected, but no answer in time.
    Timeout,
    /// No credentials from the chain.
    Credentials,
    /// Something answered, but not as AWS does.
    NotAws,
    /// Anything else (the request could not be built).
    Other,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.call {
            Some(c) => write!(
                f,
                "{} ({}:{}): {}",
                self.resource, c.service, c.operation, self.message
            ),
            None => write!(f, "{}: {}", self.resource, self.message),
        }
    }
}

impl Failure {
    /// The failure with the endpoint it went to and what to do about it.
    #[must_use]
    pub fn explain(&self, endpoints: &Endpoints) -> String {
        let Some(call) = &self.call else {
            return self.to_string();
        };
        let endpoint = endpoints.of(call.service);
        let advice = match call.cause {
            Cause::Service | Cause::Other => return self.to_string(),
            Cause::Unreachable => format!(
                "could not reach {endpoint}. Check --endpoint-url / AWS_ENDPOINT_URL (unset for AWS itself), the region ({}), and the network or proxy",
                endpoints.region
            ),
            Cause::Timeout => format!(
                "{endpoint} did not answer within {} s ({ATTEMPTS} attempts of at most {} s). Check --endpoint-url / AWS_ENDPOINT_URL, and the network or proxy",
                OPERATION.as_secs(),
                ATTEMPT.as_secs()
            ),
            Cause::Credentials => "no AWS credentials found. stackc uses the standard chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE naming a profile in ~/.aws/config or ~/.aws/credentials (for SSO: `aws sso login --profile <name>` first), or the role of the machine (ECS, EC2)".to_owned(),
            Cause::NotAws => format!(
                "{endpoint} did not answer as AWS would. Is --endpoint-url / AWS_ENDPOINT_URL the URL of an AWS API (or emulator), not of something else?"
            ),
        };
        format!("{self}\n  {advice}")
    }
}

/// The service (endpoint prefix) and operation of an SDK operation error type, from its path
/// (`aws_sdk_ecs::operation::describe_services::DescribeServicesError`).
fn call_of(type_name: &str) -> Option<(&'static str, String)> {
    let rest = type_name.strip_prefix("aws_sdk_")?;
    let (krate, rest) = rest.split_once("::")?;
    let service = match krate {
        "ecs" => "ecs",
        "ec2" => "ec2",
        "elasticloadbalancingv2" => "elasticloadbalancing",
        "cloudwatchlogs" => "logs",
        "ssm" => "ssm",
        "efs" => "elasticfilesystem",
        "servicediscovery" => "servicediscovery",
        "resourcegroupstagging" => "tagging",
        "sts" => "sts",
        _ => return None,
    };
    let operation = rest
        .rsplit("::")
        .next()?
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .strip_suffix("Error")?;
    Some((service, operation.to_owned()))
}

/// Why a call failed, from the SDK's kind of error and its full text.
fn cause_of<E, R>(e: &SdkError<E, R>, text: &str) -> Cause
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    let credentials = ["credentials", "CredentialsNotLoaded"]
        .iter()
        .any(|w| text.contains(w));
    match e {
        SdkError::TimeoutError(_) => Cause::Timeout,
        SdkError::DispatchFailure(_) if credentials => Cause::Credentials,
        SdkError::DispatchFailure(d) if d.is_timeout() => Cause::Timeout,
        SdkError::DispatchFailure(d) if d.is_io() => Cause::Unreachable,
        SdkError::DispatchFailure(_) => Cause::Unreachable,
        SdkError::ResponseError(_) => Cause::NotAws,
        SdkError::ServiceError(_) if e.code().is_none() => Cause::NotAws,
        SdkError::ServiceError(_) => Cause::Service,
        _ => Cause::Other,
    }
}

/// Turns an SDK error into a [`Failure`] of `resource`, keeping the service's code and message, the
/// call, and what kind of failure it was.
pub fn failed<E>(resource: impl Into<String>) -> impl FnOnce(SdkError<E, HttpResponse>) -> Failure
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + 'static,
{
    let resource = resource.into();
    move |e| {
        let full = aws_smithy_types::error::display::DisplayErrorContext(&e).to_string();
        let cause = cause_of(&e, &full);
        let status = e.raw_response().map(|r| r.status().as_u16());
        let message = match (e.code(), e.message(), status) {
            (Some(code), Some(message), _) => format!("{code}: {message}"),
            (Some(code), None, _) => code.to_owned(),
            (None, _, Some(status)) => format!("HTTP {status}: {}", transport_words(&full)),
            // No answer at all: the transport's own words, without the debug dump that follows them.
            (None, _, None) => transport_words(&full),
        };
        Failure {
            resource,
            message,
            call: call_of(std::any::type_name::<E>()).map(|(service, operation)| Call {
                service,
                operation,
                cause,
            }),
        }
    }
}

/// `DisplayErrorContext` ends in ` (<Debug of the SdkError>)`: the words before it, at most 300.
fn transport_words(full: &str) -> String {
    let end = [
        " (DispatchFailure(",
        " (TimeoutError(",
        " (ResponseError(",
        " (ConstructionFailure(",
        " (ServiceError(",
    ]
    .iter()
    .filter_map(|m| full.find(m))
    .min()
    .unwrap_or(full.len());
    full[..end].chars().take(300).collect()
}

/// The service's error code of an SDK error, if it got that far.
pub fn code_of<E: aws_smithy_types::error::metadata::ProvideErrorMetadata>(e: &E) -> Option<&str> {
    e.code()
}

pub type Result<T> = std::result::Result<T, Failure>;

#[cfg(test)]
#[path = "aws_tests.rs"]
mod tests;
