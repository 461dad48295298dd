//! The Kubernetes objects svc writes, as serde data, with the API's own field names. Only the
//! fields svc sets exist here; empty ones are left out of the YAML.

use serde::Serialize;
use serde_saphyr::LitString;
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

/// One object of any kind: `apiVersion`, `kind`, `metadata`, and its kind's own fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Object<T: Serialize> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: Metadata,
    #[serde(flatten)]
    pub body: T,
}

#[derive(Serialize, Default, Clone)]
pub struct Metadata {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Serialize)]
pub struct Spec<T: Serialize> {
    pub spec: T,
}

#[derive(Serialize)]
pub struct Data {
    pub data: BTreeMap<String, LitString>,
}

#[derive(Serialize)]
pub struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    pub match_labels: Labels,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentSpec {
    pub replicas: u32,
    pub selector: Selector,
    pub template: PodTemplate,
}

#[derive(Serialize)]
pub struct PodTemplate {
    pub metadata: Metadata,
    pub spec: PodSpec,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    /// No pod talks to the API server.
    pub automount_service_account_token: bool,
    /// No `<SERVICE>_PORT`-style variables for every Service in the namespace: a service sees
    /// only its own environment, as on Vercel.
    pub enable_service_links: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<&'static str>,
    pub security_context: PodSecurity,
    pub containers: Vec<Container>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurity {
    pub run_as_non_root: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<u32>,
    pub seccomp_profile: Seccomp,
}

#[derive(Serialize, Default)]
pub struct Seccomp {
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Probe>,
    pub security_context: ContainerSecurity,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<VolumeMount>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    pub name: &'static str,
    pub container_port: u16,
    pub protocol: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_from: Option<EnvSource>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvSource {
    pub secret_key_ref: SecretKeyRef,
}

#[derive(Serialize)]
pub struct SecretKeyRef {
    pub name: String,
    pub key: String,
}

#[derive(Serialize)]
pub struct Resources {
    pub limits: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<&'static str, String>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_get: Option<HttpGet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<u32>,
    pub period_seconds: u32,
    pub timeout_seconds: u32,
    pub failure_threshold: u32,
}

#[derive(Serialize)]
pub struct ExecAction {
    pub command: Vec<String>,
}

#[derive(Serialize)]
pub struct HttpGet {
    pub path: String,
    pub port: &'static str,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ContainerSecurity {
    pub allow_privilege_escalation: bool,
    pub read_only_root_filesystem: bool,
    pub capabilities: Capabilities,
}

#[derive(Serialize, Default)]
pub struct Capabilities {
    pub drop: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_dir: Option<Empty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ConfigMapVolume>,
}

#[derive(Serialize)]
pub struct ConfigMapVolume {
    pub name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeMount {
    pub name: &'static str,
    pub mount_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    pub read_only: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub selector: Labels,
    pub ports: Vec<ServicePort>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    pub name: &'static str,
    pub port: u16,
    pub target_port: &'static str,
    pub protocol: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicySpec {
    pub pod_selector: PodSelector,
    pub policy_types: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<IngressRule>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<EgressRule>,
}

/// A pod selector; empty selects every pod of the namespace.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PodSelector {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: Labels,
}

#[derive(Serialize)]
pub struct IngressRule {
    /// Empty admits every source.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<Peer>,
    pub ports: Vec<PolicyPort>,
}

#[derive(Serialize)]
pub struct EgressRule {
    pub to: Vec<Peer>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PolicyPort>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Peer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<PodSelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<PodSelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_block: Option<IpBlock>,
}

#[derive(Serialize)]
pub struct IpBlock {
    pub cidr: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct PolicyPort {
    pub protocol: &'static str,
    pub port: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CronJobSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    pub schedule: String,
    pub time_zone: &'static str,
    pub concurrency_policy: &'static str,
    pub job_template: JobTemplate,
}

#[derive(Serialize)]
pub struct JobTemplate {
    pub spec: JobSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    pub backoff_limit: u32,
    pub template: PodTemplate,
}

#[derive(Serialize)]
pub struct Kustomization {
    #[serde(rename = "apiVersion")]
    pub api_version: &'static str,
    pub kind: &'static str,
    pub resources: Vec<String>,
}
