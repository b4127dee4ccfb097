//! The AWS API inputs stackc writes, as typed structs with the APIs' own field names: ECS
//! `RegisterTaskDefinition` and `CreateService`, `ELBv2` and `EC2` calls for the load balancer and the
//! security groups. Only the fields stackc sets are declared.

use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinition {
    pub family: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    pub execution_role_arn: String,
    pub network_mode: &'static str,
    pub requires_compatibilities: Vec<&'static str>,
    pub cpu: String,
    pub memory: String,
    pub runtime_platform: RuntimePlatform,
    pub container_definitions: Vec<ContainerDefinition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimePlatform {
    pub cpu_architecture: &'static str,
    pub operating_system_family: &'static str,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDefinition {
    pub name: String,
    pub image: String,
    pub essential: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub port_mappings: Vec<PortMapping>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<KeyValue>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<Secret>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mount_points: Vec<MountPoint>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<ContainerDependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<LogConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linux_parameters: Option<LinuxParameters>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub system_controls: Vec<SystemControl>,
}

#[derive(Debug, Serialize)]
pub struct SystemControl {
    pub namespace: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    pub name: String,
    pub container_port: u16,
    pub protocol: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct KeyValue {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    pub name: String,
    pub value_from: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MountPoint {
    pub source_volume: String,
    pub container_path: String,
    pub read_only: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDependency {
    pub container_name: String,
    pub condition: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheck {
    pub command: Vec<String>,
    pub interval: u32,
    pub timeout: u32,
    pub retries: u32,
    pub start_period: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogConfiguration {
    pub log_driver: &'static str,
    pub options: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinuxParameters {
    pub init_process_enabled: bool,
    pub capabilities: Capabilities,
}

#[derive(Debug, Serialize)]
pub struct Capabilities {
    pub drop: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub efs_volume_configuration: Option<EfsVolume>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EfsVolume {
    pub file_system_id: String,
    pub transit_encryption: &'static str,
    pub authorization_config: EfsAuthorization,
}

/// The volume's EFS access point, which creates its directory on first use.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EfsAuthorization {
    pub access_point_id: String,
    pub iam: &'static str,
}

#[derive(Debug, Serialize, Clone)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// `ELBv2` and `EC2` spell tags with capitals.
#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct AwsTag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub cluster: String,
    pub service_name: String,
    pub task_definition: String,
    pub desired_count: u32,
    pub launch_type: &'static str,
    pub network_configuration: NetworkConfiguration,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<LoadBalancerRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check_grace_period_seconds: Option<u32>,
    pub deployment_configuration: DeploymentConfiguration,
    pub service_connect_configuration: ServiceConnect,
    #[serde(rename = "enableECSManagedTags")]
    pub enable_ecs_managed_tags: bool,
    pub propagate_tags: &'static str,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConfiguration {
    pub awsvpc_configuration: AwsVpc,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsVpc {
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerRef {
    pub target_group_arn: String,
    pub container_name: String,
    pub container_port: u16,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentConfiguration {
    pub deployment_circuit_breaker: CircuitBreaker,
    pub maximum_percent: u32,
    pub minimum_healthy_percent: u32,
}

#[derive(Debug, Serialize)]
pub struct CircuitBreaker {
    pub enable: bool,
    pub rollback: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceConnect {
    pub enabled: bool,
    pub namespace: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceConnectService>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceConnectService {
    pub port_name: String,
    pub discovery_name: String,
    pub client_aliases: Vec<ClientAlias>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientAlias {
    pub port: u16,
    pub dns_name: String,
}
