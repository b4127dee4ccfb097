//! The mapping of SDK failures to messages that name the call and endpoint and say what to do.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_types::error::ErrorMetadata;

use super::*;

type EcsError = aws_sdk_ecs::operation::describe_services::DescribeServicesError;

fn failure(e: SdkError<EcsError, HttpResponse>) -> Failure {
    failed("services")(e)
}

fn aws() -> Endpoints {
    Endpoints {
        url: None,
        region: "eu-west-1".into(),
    }
}

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse::new(
        status.try_into().unwrap(),
        aws_smithy_types::body::SdkBody::from(body.to_owned()),
    )
}

#[test]
fn the_call_is_named_from_the_error_type() {
    assert_eq!(
        call_of(std::any::type_name::<EcsError>()),
        Some(("ecs", "DescribeServices".to_owned()))
    );
    assert_eq!(
        call_of(std::any::type_name::<
            aws_sdk_elasticloadbalancingv2::operation::describe_target_groups::DescribeTargetGroupsError,
        >()),
        Some(("elasticloadbalancing", "DescribeTargetGroups".to_owned()))
    );
    assert_eq!(call_of("std::io::Error"), None);
}

#[test]
fn an_io_failure_names_the_endpoint_and_the_settings_to_check() {
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
    let f = failure(SdkError::dispatch_failure(ConnectorError::io(io.into())));
    let text = f.explain(&aws());
    assert!(
        text.starts_with(
            "services (ecs:DescribeServices): dispatch failure: io error: connection refused\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("could not reach https://ecs.eu-west-1.amazonaws.com"),
        "{text}"
    );
    assert!(text.contains("--endpoint-url / AWS_ENDPOINT_URL"), "{text}");
    let emulator = Endpoints {
        url: Some("http://127.0.0.1:1".into()),
        ..aws()
    };
    assert!(
        f.explain(&emulator)
            .contains("could not reach http://127.0.0.1:1")
    );
}

#[test]
fn missing_credentials_explain_the_chain() {
    let chain = aws_smithy_runtime_api::box_error::BoxError::from(
        "failed to load credentials: no providers in chain provided credentials",
    );
    let f = failure(SdkError::dispatch_failure(ConnectorError::other(
        chain, None,
    )));
    assert_eq!(f.call.as_ref().map(|c| c.cause), Some(Cause::Credentials));
    let text = f.explain(&aws());
    for part in ["AWS_ACCESS_KEY_ID", "AWS_PROFILE", "aws sso login"] {
        assert!(text.contains(part), "{text}");
    }
}

#[test]
fn an_answer_that_is_not_aws_says_so() {
    // What an XML service gives for an HTML page: an unhandled error without a code.
    let unhandled = EcsError::generic(
        ErrorMetadata::builder()
            .message("error parsing XML: no root element")
            .build(),
    );
    let f = failure(SdkError::service_error(unhandled, response(404, "<html>")));
    assert_eq!(f.call.as_ref().map(|c| c.cause), Some(Cause::NotAws));
    assert!(f.message.starts_with("HTTP 404: "), "{}", f.message);
    assert!(
        f.explain(&aws()).contains("did not answer as AWS would"),
        "{}",
        f.explain(&aws())
    );
    let f = failure(SdkError::response_error(
        aws_smithy_runtime_api::box_error::BoxError::from("error parsing XML: no root element"),
        response(200, ""),
    ));
    assert_eq!(f.call.as_ref().map(|c| c.cause), Some(Cause::NotAws));
}

#[test]
fn a_timeout_and_a_service_error() {
    let f = failure(SdkError::timeout_error(
        aws_smithy_runtime_api::box_error::BoxError::from(
            "operation timeout (all attempts including retries) occurred after 40s",
        ),
    ));
    let text = f.explain(&aws());
    assert!(text.contains("did not answer within 40 s"), "{text}");
    // AWS's own error needs no advice: its code and message.
    let denied = EcsError::generic(
        ErrorMetadata::builder()
            .code("AccessDeniedException")
            .message("not allowed")
            .build(),
    );
    let f = failure(SdkError::service_error(denied, response(400, "{}")));
    assert_eq!(
        f.explain(&aws()),
        "services (ecs:DescribeServices): AccessDeniedException: not allowed"
    );
}
