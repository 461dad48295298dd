//! Lower stage: the raw config (and svc.yaml) into the IR [`Project`]: names resolved, roots
//! and entrypoints checked on disk, runtimes and ports decided, routing patterns parsed.
//!
//! What cannot be resolved is reported and left out, so later checks still run on the rest.

pub(crate) mod build;
mod detect;
mod framework;
mod frameworks;
mod health;
mod http;
mod legacy;
mod root;
mod routing;
mod service;

use crate::diag::{Code, Diagnostic, Diagnostics, Report};
use crate::ir::{Binding, Cron, Form, Project, ServiceId};
use crate::limits::MAX_BINDINGS;
use crate::parse::decode::KeyPath;
use crate::parse::raw::RawConfig;
use crate::parse::settings::RawSettings;
use crate::settings::{ComposeSettings, KubernetesSettings, NginxSettings, TargetSettings};
use crate::source::FileId;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use frameworks::{all_framework_slugs, framework_runtime};

/// svc.yaml, when there is one.
pub struct SettingsInput<'a> {
    pub file: FileId,
    pub settings: &'a RawSettings,
}

pub(crate) struct Lowerer<'a> {
    file: FileId,
    dir: &'a Path,
    diags: &'a mut Diagnostics,
    service_names: &'a BTreeSet<String>,
    images: &'a build::BaseImages,
}

impl Lowerer<'_> {
    /// An error in vercel.json, built by [`Report`]'s methods and reported when dropped.
    fn error(&mut self, code: Code, message: impl Into<String>) -> Report<'_> {
        Report::error(self.diags, self.file, code, message)
    }
}

/// svc.yaml's target sections, with service names resolved.
pub fn lower_target_settings(
    settings: Option<SettingsInput>,
    project: &Project,
    diags: &mut Diagnostics,
) -> TargetSettings {
    let Some(input) = settings else {
        return TargetSettings::default();
    };
    let raw = &input.settings.nginx;
    let value =
        |s: &Option<crate::parse::decode::Spanned<String>>| s.as_ref().map(|s| s.value.clone());
    let mut upstreams = BTreeMap::new();
    for (name, address) in &raw.upstreams {
        let id = ServiceId(name.value.clone());
        if project.services.contains_key(&id) {
            upstreams.insert(id, address.value.clone());
            continue;
        }
        let names = project.services.keys().map(ServiceId::as_str);
        let help = match crate::diag::did_you_mean(&name.value, names) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "list upstreams for services declared in vercel.json".to_string(),
        };
        diags.push(
            Diagnostic::error(
                Code::UnknownService,
                format!(
                    "svc.yaml sets an nginx upstream for unknown service `{}`",
                    name.value
                ),
            )
            .key(format!("nginx.upstreams.{}", name.value))
            .at(input.file, name.span, "not a service in vercel.json")
            .help(help),
        );
    }
    let compose = &input.settings.compose;
    let kubernetes = &input.settings.kubernetes;
    TargetSettings {
        compose: ComposeSettings {
            name: value(&compose.name),
            gateway_image: value(&compose.gateway_image),
            host_port: compose.host_port.as_ref().map(|p| p.value as u16),
            bind_address: value(&compose.bind_address),
            subnet_pool: value(&compose.subnet_pool),
            subnet_pool_origin: compose.subnet_pool.as_ref().map(|pool| crate::ir::Origin {
                file: input.file,
                span: pool.span,
            }),
            scheduler_image: value(&compose.scheduler_image),
            public_url: value(&compose.public_url),
            https_port: compose.https_port.as_ref().map(|p| p.value as u16),
            tls: compose.tls.as_ref().map(|tls| crate::settings::Tls {
                certificate: tls.certificate.value.clone(),
                key: tls.key.value.clone(),
            }),
        },
        nginx: NginxSettings {
            listen: raw.listen.as_ref().map(|l| l.value as u16),
            resolver: value(&raw.resolver),
            upstreams,
            client_max_body_size: value(&raw.client_max_body_size),
            proxy_connect_timeout: value(&raw.proxy_connect_timeout),
            proxy_read_timeout: value(&raw.proxy_read_timeout),
            proxy_send_timeout: value(&raw.proxy_send_timeout),
        },
        kubernetes: KubernetesSettings {
            namespace: value(&kubernetes.namespace),
            public_url: value(&kubernetes.public_url),
            gateway_image: value(&kubernetes.gateway_image),
            scheduler_image: value(&kubernetes.scheduler_image),
        },
    }
}

/// Lowers a parsed config. `dir` is the directory holding the config file.
pub fn lower(
    raw: &RawConfig,
    file: FileId,
    settings: Option<SettingsInput>,
    dir: &Path,
    diags: &mut Diagnostics,
) -> Project {
    let entries = raw.services.as_ref().map_or(&[][..], |s| &s.entries[..]);
    let legacy = raw.legacy.as_ref().map_or(&[][..], |l| &l.entries[..]);
    let service_names: BTreeSet<String> = entries
        .iter()
        .map(|s| &s.name.value)
        .chain(legacy.iter().map(|l| &l.service.name.value))
        .cloned()
        .collect();
    let images = build::BaseImages::from_settings(settings.as_ref().map(|s| &s.settings.build));
    let mut lowerer = Lowerer {
        file,
        dir,
        diags,
        service_names: &service_names,
        images: &images,
    };
    let service_settings = settings
        .as_ref()
        .map(|s| lowerer.index_settings(s))
        .unwrap_or_default();
    let settings_of = |name: &str| service_settings.get(name).copied();
    // Services lower independently, so they lower side by side on large projects, and the
    // top-level routing beside them: it needs nothing from the services.
    let workers = crate::parallel::workers_for(entries.len());
    let context = Context {
        file,
        dir,
        service_names: &service_names,
        images: &images,
    };
    let ((mut routing, routing_diags), lowered) = crate::parallel::both(
        workers > 1,
        || context.with_own_diagnostics(|l| l.lower_routing(&raw.routing, true)),
        || {
            crate::parallel::map(entries, workers, |raw_service| {
                context.service(raw_service, settings_of(&raw_service.name.value))
            })
        },
    );
    let (mut services, bindings) = lowerer.gather(entries, lowered);
    for raw_legacy in legacy {
        let service = lowerer.legacy_service(raw_legacy, &settings_of);
        services.insert(service.name.clone(), service);
    }
    if let Some(input) = &settings {
        lowerer.check_env_against_bindings(input.file, &service_settings, &bindings);
    }
    let settings_file = settings.as_ref().map_or(file, |s| s.file);
    for service in services.values_mut() {
        let raw = settings_of(service.name.as_str()).and_then(|s| s.health.as_ref());
        service.health = health::decide(service, raw, settings_file, lowerer.diags);
    }
    lowerer.diags.extend(routing_diags);
    if raw.legacy.is_some() {
        lowerer.mount_legacy_services(legacy, &mut routing, &mut services);
    }
    for service in services.values_mut() {
        for (name, value) in legacy::queue_env(&service.workload) {
            service.env.entry(name).or_insert(value);
        }
    }
    let crons = lowerer.crons(raw);
    let groups = raw
        .legacy
        .as_ref()
        .map(|l| lowerer.groups(&l.groups))
        .unwrap_or_default();
    routing::match_case_as_vercel(&mut routing, services.values_mut().map(|s| &mut s.routing));
    Project {
        dir: dir.to_path_buf(),
        services,
        bindings,
        routing,
        crons,
        groups,
        form: if raw.legacy.is_some() {
            Form::Legacy
        } else {
            Form::Current
        },
        index: std::sync::OnceLock::new(),
    }
}

impl Lowerer<'_> {
    /// The services lowered side by side, with their bindings, and their diagnostics reported
    /// in declaration order, as if they had lowered one by one.
    fn gather(
        &mut self,
        entries: &[crate::parse::raw::RawService],
        lowered: Vec<LoweredService>,
    ) -> (BTreeMap<ServiceId, crate::ir::Service>, Vec<Binding>) {
        let mut services = BTreeMap::new();
        let mut bindings = Vec::new();
        // Counted as declared, so the error points at the binding that crosses the limit even
        // when earlier ones did not resolve.
        let mut declared_bindings = 0usize;
        for (raw_service, lowered) in entries.iter().zip(lowered) {
            let LoweredService {
                service,
                diags: own,
                bindings: service_bindings,
                binding_diags,
            } = lowered;
            self.diags.extend(own);
            let before = declared_bindings;
            declared_bindings += raw_service.bindings.len();
            if before <= MAX_BINDINGS && declared_bindings > MAX_BINDINGS {
                self.too_many_bindings(raw_service, MAX_BINDINGS - before);
            }
            self.diags.extend(binding_diags);
            bindings.extend(service_bindings);
            services.insert(service.name.clone(), service);
        }
        (services, bindings)
    }

    /// One service of `experimentalServices`.
    fn legacy_service<'s>(
        &mut self,
        raw_legacy: &crate::parse::raw::RawLegacyService,
        settings_of: &impl Fn(&str) -> Option<&'s crate::parse::settings::RawServiceSettings>,
    ) -> crate::ir::Service {
        let raw_service = self.legacy_root(raw_legacy);
        let workload = self.legacy_workload(raw_legacy);
        self.lower_service(
            &raw_service,
            settings_of(&raw_service.name.value),
            crate::ir::Routing::default(),
            workload,
            Form::Legacy,
        )
    }

    /// The legacy form's mounts: rewrites to each service under its prefix, the prefix
    /// stripped where Vercel strips it, and the implicit `{NAME}_URL` variables.
    fn mount_legacy_services(
        &mut self,
        legacy: &[crate::parse::raw::RawLegacyService],
        routing: &mut crate::ir::Routing,
        services: &mut BTreeMap<ServiceId, crate::ir::Service>,
    ) {
        let mounts = self.mounts(legacy);
        routing
            .rewrites
            .extend(legacy::mount_rewrites(&mounts, self.file));
        legacy::strip_prefixes(&mounts, services);
        let implicit = legacy::implicit_env(&mounts, services);
        for service in services.values_mut() {
            for (name, value) in &implicit {
                service
                    .env
                    .entry(name.clone())
                    .or_insert_with(|| value.clone());
            }
        }
    }

    /// The top-level `crons`, each with its schedule parsed.
    fn crons(&mut self, raw: &RawConfig) -> Vec<Cron> {
        raw.crons
            .iter()
            .filter_map(|c| {
                let owner = format!("the cron for `{}`", c.path.value);
                let schedule = self.schedule(&owner, &c.schedule, &c.path_key.key("schedule"))?;
                Some(Cron {
                    path: c.path.value.clone(),
                    schedule,
                })
            })
            .collect()
    }
}

/// What a lowering thread needs of the project as a whole.
#[derive(Clone, Copy)]
struct Context<'a> {
    file: FileId,
    dir: &'a Path,
    service_names: &'a BTreeSet<String>,
    images: &'a build::BaseImages,
}

/// One service lowered on its own: the service, its bindings, and the diagnostics of each,
/// kept apart until they are reported in declaration order.
struct LoweredService {
    service: crate::ir::Service,
    diags: Diagnostics,
    bindings: Vec<Binding>,
    binding_diags: Diagnostics,
}

impl<'a> Context<'a> {
    /// `work` with a lowerer of its own, and the diagnostics it reported.
    fn with_own_diagnostics<T>(self, work: impl FnOnce(&mut Lowerer) -> T) -> (T, Diagnostics) {
        let mut diags = Diagnostics::default();
        let mut lowerer = Lowerer {
            file: self.file,
            dir: self.dir,
            diags: &mut diags,
            service_names: self.service_names,
            images: self.images,
        };
        let result = work(&mut lowerer);
        (result, diags)
    }

    fn service(
        self,
        raw: &crate::parse::raw::RawService,
        settings: Option<&crate::parse::settings::RawServiceSettings>,
    ) -> LoweredService {
        let (service, diags) = self.with_own_diagnostics(|l| {
            let routing = l.lower_routing(&raw.routing, false);
            l.lower_service(
                raw,
                settings,
                routing,
                crate::ir::Workload::Web,
                Form::Current,
            )
        });
        let (bindings, binding_diags) = self.with_own_diagnostics(|l| l.bindings(raw));
        LoweredService {
            service,
            diags,
            bindings,
            binding_diags,
        }
    }
}

impl<'a> Lowerer<'a> {
    fn bindings(&mut self, raw: &crate::parse::raw::RawService) -> Vec<Binding> {
        raw.bindings
            .iter()
            .filter_map(|b| {
                let service = b.service.as_ref()?;
                let target = self.resolve_service(service, &b.path.key("service"));
                let env = b.env.as_ref()?;
                Some(Binding {
                    caller: ServiceId(raw.name.value.clone()),
                    target: target?,
                    env: env.value.clone(),
                })
            })
            .collect()
    }

    /// Reports the binding that takes the project past [`MAX_BINDINGS`].
    fn too_many_bindings(&mut self, raw: &crate::parse::raw::RawService, index: usize) {
        let Some(binding) = raw.bindings.get(index) else {
            return;
        };
        self.error(
            Code::TooManyBindings,
            format!("the project declares more than {MAX_BINDINGS} bindings"),
        )
        .key(&binding.path)
        .at(binding.span, "this binding is past the limit")
        .help("each binding becomes a listener and network rules in every target; bind only the services a caller calls");
    }

    /// svc.yaml's per-service settings by name; settings for undeclared services are errors.
    fn index_settings<'s>(
        &mut self,
        input: &SettingsInput<'s>,
    ) -> BTreeMap<String, &'s crate::parse::settings::RawServiceSettings> {
        let mut index = BTreeMap::new();
        for entry in &input.settings.services {
            if self.service_names.contains(&entry.name.value) {
                index.insert(entry.name.value.clone(), entry);
                continue;
            }
            let help = match crate::diag::did_you_mean(&entry.name.value, self.service_names.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "settings apply to services declared in vercel.json; remove this entry or declare the service".to_string(),
            };
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownService,
                    format!(
                        "svc.yaml has settings for unknown service `{}`",
                        entry.name.value
                    ),
                )
                .key(entry.path.as_str())
                .at(input.file, entry.name.span, "not a service in vercel.json")
                .help(help),
            );
        }
        index
    }
}

impl Lowerer<'_> {
    /// A variable svc.yaml sets that a binding also sets would hold two values.
    fn check_env_against_bindings(
        &mut self,
        settings_file: FileId,
        settings: &BTreeMap<String, &crate::parse::settings::RawServiceSettings>,
        bindings: &[Binding],
    ) {
        for entry in settings.values() {
            for secret in &entry.secrets {
                if entry.env.iter().any(|(k, _)| k.value == secret.value) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::DuplicateEnv,
                            format!("svc.yaml gives `{}` both a value and a secret", secret.value),
                        )
                        .key(entry.path.key("secrets").as_str())
                        .at(settings_file, secret.span, "a secret here")
                        .help("a secret's value comes from where the stack runs: remove it from `env`"),
                    );
                }
            }
        }
        for binding in bindings {
            let Some(entry) = settings.get(binding.caller.as_str()) else {
                continue;
            };
            if let Some(secret) = entry.secrets.iter().find(|s| s.value == binding.env) {
                self.diags.push(
                    Diagnostic::error(
                        Code::DuplicateEnv,
                        format!(
                            "svc.yaml makes `{}` of `{}` a secret, which a binding sets",
                            binding.env, binding.caller
                        ),
                    )
                    .key(entry.path.key("secrets").as_str())
                    .at(settings_file, secret.span, "a secret here")
                    .help(format!(
                        "the binding to `{}` puts its URL in `{}`: remove the secret, or rename the binding's `env`",
                        binding.target, binding.env
                    )),
                );
            }
            let Some((key, _)) = entry.env.iter().find(|(k, _)| k.value == binding.env) else {
                continue;
            };
            self.diags.push(
                Diagnostic::error(
                    Code::DuplicateEnv,
                    format!(
                        "svc.yaml sets `{}` for `{}`, which a binding also sets",
                        binding.env, binding.caller
                    ),
                )
                .key(entry.path.key("env").key(&key.value).as_str())
                .at(settings_file, key.span, "set here")
                .help(format!(
                    "the binding to `{}` puts its URL in `{}`: remove this entry, or rename the binding's `env`",
                    binding.target, binding.env
                )),
            );
        }
    }

    /// `experimentalServiceGroups`, with every member resolved.
    fn groups(
        &mut self,
        groups: &[crate::parse::raw::RawServiceGroup],
    ) -> BTreeMap<String, Vec<ServiceId>> {
        let path = KeyPath::root().key("experimentalServiceGroups");
        groups
            .iter()
            .map(|group| {
                let key = path.key(&group.name.value);
                let members = group
                    .members
                    .iter()
                    .enumerate()
                    .filter_map(|(i, member)| self.resolve_service(member, &key.index(i)))
                    .collect();
                (group.name.value.clone(), members)
            })
            .collect()
    }
}
