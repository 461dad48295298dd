//! One raw service into an IR [`Service`]: root, runtime, framework, entrypoint and port,
//! following Vercel's `resolveConfiguredServiceV2` rules.

use super::Lowerer;
use super::frameworks::{
    RUNTIMES, all_framework_slugs, default_port, framework_runtime, runtime_named,
    runtime_of_extension,
};
use super::root::{
    CONTAINERFILES, RootProblem, classify_entrypoint, lowest_exposed_port, normalize_root,
    required_path,
};
use crate::diag::Code;
use crate::diag::did_you_mean;
use crate::ir::{
    BuildSettings, Command, Entrypoint, EnvValue, Form, Origin, Routing, Runtime, Service,
    ServiceId, Workload,
};
use crate::naming::dns_label;
use crate::parse::decode::Spanned;
use crate::parse::raw::{RawCommand, RawService};
use crate::parse::settings::RawServiceSettings;
use std::path::PathBuf;

/// The parts of a service that depend on the file system and the runtime rules.
struct Resolved {
    runtime: Runtime,
    framework: Option<String>,
    entrypoint: Option<Entrypoint>,
    dockerfile: Option<PathBuf>,
}

impl Lowerer<'_> {
    pub(super) fn lower_service(
        &mut self,
        raw: &RawService,
        settings: Option<&RawServiceSettings>,
        routing: Routing,
        workload: Workload,
        form: Form,
    ) -> Service {
        let (root, root_dir) = match raw.root.as_ref().and_then(|r| self.root(raw, r)) {
            Some((root, dir)) => (Some(root), dir),
            None => (None, None),
        };
        let has_image = settings.is_some_and(|s| s.image.is_some());
        let errors_before = self.diags.error_count();
        let resolved = self.resolve(raw, root.as_deref(), root_dir.as_ref(), has_image, form);
        self.check_dynamic_schedule(raw, &workload, resolved.entrypoint.as_ref());
        self.check_output_directory(raw);
        let port = match settings.and_then(|s| s.port.as_ref()) {
            Some(port) => port.value as u16,
            None => self.default_port(&resolved),
        };
        let mut service = Service {
            name: ServiceId(raw.name.value.clone()),
            hostname: dns_label(&raw.name.value),
            root: root.unwrap_or_else(|| ".".to_string()),
            runtime: resolved.runtime,
            framework: resolved.framework,
            entrypoint: resolved.entrypoint,
            port,
            command: raw.command.as_ref().map(|c| match &c.value {
                RawCommand::Line(line) => Command::Line(line.clone()),
                RawCommand::Exec(words) => Command::Exec(words.clone()),
            }),
            build: build_settings(raw),
            image: settings
                .and_then(|s| s.image.as_ref())
                .map(|i| i.value.clone()),
            replicas: settings
                .and_then(|s| s.replicas.as_ref())
                .map_or(1, |r| r.value as u32),
            egress: settings
                .and_then(|s| s.egress.as_ref())
                .is_none_or(|e| e.value),
            workload,
            build_plan: None,
            // Decided once the build is planned: the default depends on what svc builds.
            health: None,
            resources: crate::ir::Resources {
                cpu: settings.and_then(|s| s.cpu.as_ref()).map(|c| c.value),
                memory_mib: settings.and_then(|s| s.memory.as_ref()).map(|m| m.value),
            },
            env: settings
                .map(|s| {
                    s.env
                        .iter()
                        .map(|(k, v)| (k.value.clone(), EnvValue::Literal(v.value.clone())))
                        .collect()
                })
                .unwrap_or_default(),
            secrets: settings
                .map(|s| s.secrets.iter().map(|n| n.value.clone()).collect())
                .unwrap_or_default(),
            routing,
            route_prefix: None,
            origin: Origin {
                file: self.file,
                span: raw.name.span,
            },
            key: raw.path.as_str().to_string(),
        };
        // A service whose config is already wrong is not planned: its build problems would
        // only repeat what was reported.
        if root_dir.is_some() && self.diags.error_count() == errors_before {
            service.build_plan = super::build::plan(&super::build::Input {
                tree: super::build::files::Tree::new(self.dir),
                service: &service,
                images: self.images,
            });
        }
        service
    }

    /// The directory a build writes is copied by its path, inside the root: a plain relative
    /// path, so it means the same to every tool that reads it.
    fn check_output_directory(&mut self, raw: &RawService) {
        let Some(dir) = &raw.build.output_directory else {
            return;
        };
        let plain = super::build::files::is_plain_word(&dir.value);
        let inside = super::build::files::stays_inside(&dir.value);
        if plain && inside {
            return;
        }
        self.error(Code::InvalidOutputDirectory, format!("`outputDirectory` `{}` is not a plain path inside the root", dir.value)).key(raw.path.key("outputDirectory")).at(dir.span, if inside {
                "letters, digits, `.`, `_`, `-`, `/`, `@` and `+` only"
            } else {
                "leaves the root, or starts with `-`"
            }).help("name the directory the build writes, relative to the root, e.g. `dist` or `build/site`");
    }

    fn default_port(&self, resolved: &Resolved) -> u16 {
        resolved
            .dockerfile
            .as_ref()
            .and_then(|path| crate::read::read_project_file(path))
            .and_then(|text| lowest_exposed_port(&text))
            .unwrap_or_else(|| default_port(resolved.runtime))
    }

    /// The root as written in the IR, and its directory when it is one.
    fn root(
        &mut self,
        raw: &RawService,
        root: &Spanned<String>,
    ) -> Option<(String, Option<PathBuf>)> {
        let key = raw.path.key("root");
        let normalized = match normalize_root(&root.value) {
            Ok(normalized) => normalized,
            Err(RootProblem::Absolute) => {
                self.error(
                    Code::InvalidRoot,
                    format!("root `{}` is an absolute path", root.value),
                )
                .key(&key)
                .at(root.span, "absolute path")
                .help(
                    "a root is relative to the directory holding vercel.json, e.g. `\"backend\"`",
                );
                return None;
            }
            Err(RootProblem::Escapes) => {
                self.error(
                    Code::InvalidRoot,
                    format!("root `{}` leaves the project directory", root.value),
                )
                .key(&key)
                .at(root.span, "escapes the project")
                .help("keep every service inside the project: a root may not start with `..`");
                return None;
            }
        };
        let path = self.dir.join(&normalized);
        // One look at the file system per root: on a large project these add up.
        let metadata = std::fs::metadata(&path);
        if metadata.is_err() {
            self.error(
                Code::RootNotFound,
                format!("root `{}` does not exist", root.value),
            )
            .key(&key)
            .at(root.span, "no such directory")
            .help(format!(
                "create `{normalized}/` next to the config, or fix the path"
            ));
        } else if !metadata.as_ref().is_ok_and(|m| m.is_dir()) {
            self.error(
                Code::RootNotDirectory,
                format!("root `{}` is not a directory", root.value),
            )
            .key(&key)
            .at(root.span, "a file, not a directory")
            .help("point `root` at the service's directory");
        }
        let dir = metadata.is_ok_and(|m| m.is_dir()).then_some(path);
        Some((normalized, dir))
    }

    fn resolve(
        &mut self,
        raw: &RawService,
        root: Option<&str>,
        root_dir: Option<&PathBuf>,
        has_image: bool,
        form: Form,
    ) -> Resolved {
        let explicit = raw.runtime.as_ref().and_then(|r| self.runtime(raw, r));
        let framework = raw.framework.as_ref().and_then(|f| self.framework(raw, f));
        let framework_runtime = framework.as_deref().and_then(framework_runtime);
        if let (Some(runtime), Some(fw_runtime)) = (explicit, framework_runtime) {
            self.check_runtime_agrees(raw, runtime, fw_runtime);
        }
        let entrypoint = raw
            .entrypoint
            .as_ref()
            .filter(|e| self.entrypoint_inside_root(raw, e))
            .map(|e| {
                let is_dir = |p: &str| root_dir.is_some_and(|r| r.join(p).is_dir());
                (classify_entrypoint(&e.value, is_dir), e)
            });
        if let (Some(dir), Some((entry, raw_entry))) = (root_dir, &entrypoint) {
            self.check_entrypoint_exists(raw, dir, entry, raw_entry);
        }
        let is_container = explicit == Some(Runtime::Container)
            || framework_runtime == Some(Runtime::Container)
            || matches!(entrypoint, Some((Entrypoint::Dockerfile { .. }, _)));
        let entrypoint = entrypoint.map(|(e, raw_entry)| (e, raw_entry.clone()));
        if is_container {
            return self.resolve_container(raw, root_dir, framework, entrypoint);
        }
        let from_entry = entrypoint.as_ref().and_then(|(e, _)| match e {
            Entrypoint::File { path } => runtime_of_extension(path),
            Entrypoint::Module { .. } | Entrypoint::Pyproject => Some(Runtime::Python),
            _ => None,
        });
        let known_runtime = explicit.or(from_entry);
        let (framework, framework_runtime) = match (framework, root) {
            (Some(framework), _) => (Some(framework), framework_runtime),
            // A service with an image is not built by svc: what its files say does not matter.
            (None, Some(root)) if root_dir.is_some() && !has_image => {
                let entry = entrypoint.as_ref().map(|(e, _)| e);
                let detected = self.detect_framework(raw, root, entry, known_runtime, form);
                let runtime = detected
                    .as_deref()
                    .and_then(super::frameworks::framework_runtime);
                (detected, runtime)
            }
            (None, _) => (None, None),
        };
        // A Dockerfile.vercel the detectors found makes a container, as an explicit one does.
        if framework_runtime == Some(Runtime::Container) {
            return self.resolve_container(raw, root_dir, framework, entrypoint);
        }
        let runtime = match framework_runtime {
            Some(Runtime::Frontend) => Runtime::Frontend,
            _ => explicit
                .or(framework_runtime)
                .or(from_entry)
                .unwrap_or(Runtime::Static),
        };
        if explicit.is_some() && framework.is_none() && entrypoint.is_none() {
            self.missing_entrypoint(raw, runtime);
        }
        Resolved {
            runtime,
            framework,
            entrypoint: entrypoint.map(|(e, _)| e),
            dockerfile: None,
        }
    }

    /// `"schedule": "<dynamic>"` reads the schedules from an object's `get_crons()`, which the
    /// entrypoint names as `module:object` (Vercel's Python runtime, the only one that has it).
    fn check_dynamic_schedule(
        &mut self,
        raw: &RawService,
        workload: &Workload,
        entrypoint: Option<&Entrypoint>,
    ) {
        if !matches!(workload, Workload::Cron { dynamic: true, .. })
            || matches!(entrypoint, Some(Entrypoint::Module { .. }))
        {
            return;
        }
        let span = raw.entrypoint.as_ref().map_or(raw.name.span, |e| e.span);
        self.error(Code::InvalidSchedule, format!(
                "service `{}` has a `<dynamic>` schedule but its entrypoint names no object to ask for it",
                raw.name.value
            )).key(raw.path.key("entrypoint")).at(span, "not `module:object`").help("set `entrypoint` to the Python object whose `get_crons()` lists `(module:function, schedule)` pairs, e.g. `\"jobs.schedule:registry\"`");
    }

    fn resolve_container(
        &mut self,
        raw: &RawService,
        root_dir: Option<&PathBuf>,
        framework: Option<String>,
        entrypoint: Option<(Entrypoint, Spanned<String>)>,
    ) -> Resolved {
        let entrypoint = match entrypoint {
            Some((entry @ Entrypoint::Dockerfile { .. }, _)) => Some(entry),
            Some((_, raw_entry)) => {
                self.error(
                    Code::InvalidContainerEntrypoint,
                    format!("container entrypoint `{}` is not a Dockerfile or Containerfile", raw_entry.value),
                )
                .key(raw.path.key("entrypoint"))
                .at(raw_entry.span, "not a container file")
                .help(format!("name one of {} (relative to the root), or leave `entrypoint` out to have it found", CONTAINERFILES.join(", ")));
                None
            }
            None => self.probe_containerfile(raw, root_dir),
        };
        let dockerfile = match (&entrypoint, root_dir) {
            (Some(Entrypoint::Dockerfile { path }), Some(dir)) => Some(dir.join(path)),
            _ => None,
        };
        Resolved {
            runtime: Runtime::Container,
            framework,
            entrypoint,
            dockerfile,
        }
    }

    fn probe_containerfile(
        &mut self,
        raw: &RawService,
        root_dir: Option<&PathBuf>,
    ) -> Option<Entrypoint> {
        let dir = root_dir?;
        let found = CONTAINERFILES.iter().find(|name| dir.join(name).is_file());
        if found.is_none() {
            let span = raw.runtime.as_ref().map_or(raw.name.span, |r| r.span);
            self.error(
                Code::MissingDockerfile,
                format!("container service `{}` has no Dockerfile", raw.name.value),
            )
            .key(raw.path.key("runtime"))
            .at(span, "no Dockerfile in the root")
            .help(format!(
                "add one of {} to `{}`, or set `entrypoint` to the file",
                CONTAINERFILES.join(", "),
                raw.root.as_ref().map_or(".", |r| r.value.as_str())
            ));
        }
        found.map(|name| Entrypoint::Dockerfile {
            path: name.to_string(),
        })
    }

    /// An entrypoint is a path inside the root: not absolute, not climbing out with `..`.
    fn entrypoint_inside_root(&mut self, raw: &RawService, entrypoint: &Spanned<String>) -> bool {
        if normalize_root(&entrypoint.value).is_ok() {
            return true;
        }
        self.error(
            Code::InvalidEntrypoint,
            format!("entrypoint `{}` is outside the service's root", entrypoint.value),
        )
        .key(raw.path.key("entrypoint"))
        .at(entrypoint.span, "not inside the root")
        .help("an entrypoint is relative to the service's `root` and stays inside it, e.g. `src/index.ts` or `main:app`");
        false
    }

    fn runtime(&mut self, raw: &RawService, runtime: &Spanned<String>) -> Option<Runtime> {
        let found = runtime_named(&runtime.value);
        if found.is_none() {
            let names = RUNTIMES.iter().map(|(n, _)| *n);
            let help = match did_you_mean(&runtime.value, names.clone()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("use one of: {}", names.collect::<Vec<_>>().join(", ")),
            };
            self.error(
                Code::InvalidRuntime,
                format!("unknown runtime `{}`", runtime.value),
            )
            .key(raw.path.key("runtime"))
            .at(runtime.span, "not a runtime")
            .help(help);
        }
        found
    }

    fn framework(&mut self, raw: &RawService, framework: &Spanned<String>) -> Option<String> {
        if framework_runtime(&framework.value).is_some() {
            return Some(framework.value.clone());
        }
        let help = match did_you_mean(&framework.value, all_framework_slugs()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => {
                "use a Vercel framework slug such as nextjs, vite, fastapi, flask, express or hono"
                    .to_string()
            }
        };
        self.error(
            Code::InvalidFramework,
            format!("unknown framework `{}`", framework.value),
        )
        .key(raw.path.key("framework"))
        .at(framework.span, "not a Vercel framework slug")
        .help(help);
        None
    }

    fn check_runtime_agrees(&mut self, raw: &RawService, runtime: Runtime, framework: Runtime) {
        let agrees = match framework {
            // Frontend frameworks build with Node tooling.
            Runtime::Frontend => runtime == Runtime::Node,
            other => other == runtime,
        };
        if agrees {
            return;
        }
        if let (Some(r), Some(f)) = (&raw.runtime, &raw.framework) {
            let diagnostic = crate::diag::Diagnostic::error(
                Code::RuntimeFrameworkMismatch,
                format!(
                    "runtime `{}` does not match framework `{}`",
                    r.value, f.value
                ),
            )
            .key(raw.path.key("runtime").as_str())
            .at(self.file, r.span, "this runtime")
            .also(self.file, f.span, "conflicts with this framework")
            .help("remove `runtime`: the framework implies it");
            self.diags.push(diagnostic);
        }
    }

    fn check_entrypoint_exists(
        &mut self,
        raw: &RawService,
        dir: &std::path::Path,
        entry: &Entrypoint,
        raw_entry: &Spanned<String>,
    ) {
        let path = required_path(entry);
        if dir.join(path).exists() {
            return;
        }
        let root = raw.root.as_ref().map_or(".", |r| r.value.as_str());
        let what = match entry {
            Entrypoint::Module { .. } => {
                format!("`{}` resolves to `{path}`, which", raw_entry.value)
            }
            _ => format!("`{path}`"),
        };
        self.error(
            Code::EntrypointNotFound,
            format!("entrypoint {what} does not exist in root `{root}`"),
        )
        .key(raw.path.key("entrypoint"))
        .at(raw_entry.span, "no such file")
        .help("entrypoints are relative to the service's root: fix the path or create the file");
    }

    fn missing_entrypoint(&mut self, raw: &RawService, runtime: Runtime) {
        let Some(r) = &raw.runtime else { return };
        let example = match runtime {
            Runtime::Python => "main:app",
            Runtime::Go => "main.go",
            Runtime::Rust => "src/main.rs",
            Runtime::Ruby => "config.ru",
            _ => "src/index.ts",
        };
        self.error(
            Code::MissingEntrypoint,
            format!(
                "service `{}` sets runtime `{}` but no `entrypoint` or `framework`",
                raw.name.value, r.value
            ),
        )
        .key(raw.path.key("entrypoint"))
        .at(r.span, "which file runs?")
        .help(format!(
            "add `\"entrypoint\": \"{example}\"` (relative to the root), or a `framework`"
        ));
    }
}

fn build_settings(raw: &RawService) -> BuildSettings {
    let value = |s: &Option<Spanned<String>>| s.as_ref().map(|s| s.value.clone());
    BuildSettings {
        install_command: value(&raw.build.install_command),
        build_command: value(&raw.build.build_command),
        dev_command: value(&raw.build.dev_command),
        ignore_command: value(&raw.build.ignore_command),
        output_directory: value(&raw.build.output_directory),
    }
}
