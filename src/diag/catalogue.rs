//! Every diagnostic code svc reports, in one table: its name as users see it, what it means,
//! and where it is documented (`docs/diagnostics.md#<code>`). A stage names a [`Code`], never
//! a string, so no code exists that this table does not hold; `tests/diagnostics.rs` holds the
//! docs and the examples to it.

/// Where the codes are documented; each has a heading named after it there.
pub const DOCS: &str = "docs/diagnostics.md";

macro_rules! catalogue {
    ($($variant:ident = $code:literal, $kind:ident: $meaning:literal;)*) => {
        /// A diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in the catalogue's order.
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            /// The code as users see it: `error[<code>]`, and `code` in JSON.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// What the code means, in a sentence.
            pub const fn meaning(self) -> &'static str {
                match self {
                    $(Code::$variant => $meaning,)*
                }
            }

            /// What causes it: a config, the environment svc runs in, or a bug in svc.
            pub const fn cause(self) -> Cause {
                match self {
                    $(Code::$variant => Cause::$kind,)*
                }
            }
        }
    };
}

/// What a code is caused by, which decides how it is shown to be reachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A config (vercel.json, svc.yaml, the project's files): an example under
    /// `examples/invalid/` shows it.
    Config,
    /// The command line or the file system around the config: a CLI test shows it.
    Invocation,
    /// A bug in svc: no input should ever cause it.
    Internal,
}

impl Code {
    /// Its section in the docs.
    pub fn docs_anchor(self) -> String {
        format!("{DOCS}#{}", self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

catalogue! {
    // Reading
    NoConfig = "no-config", Invocation: "No vercel.json (or the file given) where svc looked.";
    UnreadableConfig = "unreadable-config", Invocation: "The config cannot be read: a `--config` path that does not exist, or a file svc may not read.";
    NotUtf8 = "not-utf8", Config: "A config file is not UTF-8 text.";
    Syntax = "syntax", Config: "A config file is not valid JSON, JSONC or YAML.";
    DuplicateKey = "duplicate-key", Config: "An object holds the same key twice.";
    TooManyEntries = "too-many-entries", Config: "An object or list is larger than svc reads.";
    // Shape
    InvalidType = "invalid-type", Config: "A key holds the wrong kind of value (a string for an object, ...).";
    MissingKey = "missing-key", Config: "A required key is absent.";
    UnknownKey = "unknown-key", Config: "A key the config format does not have (often a misspelling).";
    InvalidValue = "invalid-value", Config: "A value not of the form its key takes (an address, an image name, ...).";
    UnknownChoice = "unknown-choice", Config: "A value that is not one of the few its key allows (a route phase, a service type, a condition type, ...).";
    InvalidPath = "invalid-path", Config: "A value that must be a request path and is not one.";
    RequiresKey = "requires-key", Config: "A key that means nothing without another, which is absent.";
    PortClash = "port-clash", Config: "Two listeners published on one host port.";
    InvalidNumber = "invalid-number", Config: "A number outside its key's range, or not a whole number.";
    InvalidLength = "invalid-length", Config: "A string or list longer or shorter than its key allows.";
    ConflictingKeys = "conflicting-keys", Config: "Two keys that cannot be set together.";
    IgnoredKeys = "ignored-keys", Config: "Top-level keys that do not affect services; svc notes them and goes on.";
    TopLevelBuildSetting = "top-level-build-setting", Config: "A top-level build setting in a project of services, where each service builds itself.";
    // Forms of config
    ServicesAndLegacy = "services-and-legacy", Config: "`services` and the legacy `experimentalServices` together.";
    ServicesAndBuilds = "services-and-builds", Config: "`services` and `builds` together.";
    ServicesAndAlias = "services-and-alias", Config: "`services` together with `experimentalServicesV2`, its old name.";
    ServiceGroupsWithoutServices = "service-groups-without-services", Config: "`experimentalServiceGroups` without the services it groups.";
    LegacyServiceKey = "legacy-service-key", Config: "A key of the legacy form (`type`, `routePrefix`, ...) in a service of `services`.";
    LegacyKeyForType = "legacy-key-for-type", Config: "A legacy service key its service type does not take.";
    LegacyServiceRef = "legacy-service-ref", Config: "A legacy `${service}` reference to an unknown service.";
    // Services
    InvalidServiceName = "invalid-service-name", Config: "A service name Vercel refuses.";
    NameCollision = "name-collision", Config: "Two service names that become the same host name.";
    NameTooLong = "name-too-long", Config: "A service name too long for a DNS label.";
    InvalidRoot = "invalid-root", Config: "A `root` that is not a plain path inside the project.";
    RootNotFound = "root-not-found", Config: "A `root` that does not exist.";
    RootNotDirectory = "root-not-directory", Config: "A `root` that is a file.";
    InvalidEntrypoint = "invalid-entrypoint", Config: "An `entrypoint` that is not a plain path inside the root.";
    EntrypointNotFound = "entrypoint-not-found", Config: "An `entrypoint` that does not exist.";
    MissingEntrypoint = "missing-entrypoint", Config: "A service svc cannot find an entrypoint for.";
    EntrypointRequiredByVercel = "entrypoint-required-by-vercel", Config: "A service Vercel would refuse without an `entrypoint`, which svc found itself.";
    InvalidContainerEntrypoint = "invalid-container-entrypoint", Config: "A container service's `entrypoint` that names no Dockerfile or Containerfile.";
    MissingDockerfile = "missing-dockerfile", Config: "A container service with no Dockerfile or Containerfile in its root.";
    InvalidFramework = "invalid-framework", Config: "A `framework` Vercel does not know.";
    InvalidRuntime = "invalid-runtime", Config: "A `runtime` Vercel does not know.";
    RuntimeFrameworkMismatch = "runtime-framework-mismatch", Config: "A `runtime` and a `framework` that cannot run together.";
    AmbiguousFramework = "ambiguous-framework", Config: "More than one framework detected, and none named.";
    InvalidOutputDirectory = "invalid-output-directory", Config: "An `outputDirectory` that is not a plain path inside the root.";
    CannotBuild = "cannot-build", Config: "A service svc cannot build as Vercel would; the message says why.";
    UnprobeableService = "unprobeable-service", Config: "An HTTP health check of an image svc did not build.";
    // Environment and bindings
    InvalidEnvName = "invalid-env-name", Config: "An environment variable name that is not one.";
    ReservedEnvName = "reserved-env-name", Config: "An environment variable the platform sets itself.";
    DuplicateEnv = "duplicate-env", Config: "One variable set twice: by two bindings, a binding and svc.yaml, or a value and a secret.";
    UnknownService = "unknown-service", Config: "A reference to a service that is not declared.";
    SelfBinding = "self-binding", Config: "A service bound to itself.";
    TooManyBindings = "too-many-bindings", Config: "More bindings than svc carries out, in one service or in the project.";
    // Routing
    InvalidPattern = "invalid-pattern", Config: "A path pattern or regex that does not compile.";
    UnsafePattern = "unsafe-pattern", Config: "A regex that could make the gateway hang on a crafted request.";
    UnknownParameter = "unknown-parameter", Config: "A destination names a parameter its source does not capture.";
    InvalidDestination = "invalid-destination", Config: "A destination that cannot be sent in HTTP.";
    InternalDestination = "internal-destination", Config: "A public route that would reach a private service's network by address or name.";
    NestedServiceDestination = "nested-service-destination", Config: "A rewrite to a service inside another service's own routing.";
    RouteToBackgroundService = "route-to-background-service", Config: "A public route to a service that does not listen (a worker, cron or job).";
    ContinueWithService = "continue-with-service", Config: "A route that both continues and hands off to a service.";
    PermanentAndStatus = "permanent-and-status", Config: "A redirect with both `permanent` and `statusCode`.";
    EmptyCondition = "empty-condition", Config: "A `has` or `missing` condition that matches nothing or everything.";
    InvalidConditionKey = "invalid-condition-key", Config: "A condition `key` that is not a header, cookie or query name.";
    InvalidHeaderName = "invalid-header-name", Config: "A header name that is not an HTTP token.";
    InvalidHeaderValue = "invalid-header-value", Config: "A header value that cannot be sent in HTTP.";
    ControlCharacter = "control-character", Config: "A control character in a value sent in HTTP.";
    InvalidMethod = "invalid-method", Config: "A route `methods` entry that is not an HTTP method.";
    ReservedPath = "reserved-path", Config: "A route under `/_svc`, which the gateway keeps for itself.";
    NginxUntranslatable = "nginx-untranslatable", Config: "A rule the gateway cannot carry out exactly.";
    // Legacy mounts
    InvalidRoutePrefix = "invalid-route-prefix", Config: "A `routePrefix` that is not a path, or on a service that is not a web service.";
    MissingRoutePrefix = "missing-route-prefix", Config: "A web service of the legacy form with no `routePrefix`.";
    ReservedRoutePrefix = "reserved-route-prefix", Config: "A `routePrefix` Vercel keeps for itself.";
    DuplicateRoutePrefix = "duplicate-route-prefix", Config: "Two services mounted at one `routePrefix`.";
    ConflictingMount = "conflicting-mount", Config: "`mount` together with the `routePrefix` or `subdomain` it replaces.";
    InvalidSubdomain = "invalid-subdomain", Config: "A `subdomain` that is not a DNS label.";
    // Schedules
    InvalidSchedule = "invalid-schedule", Config: "A cron schedule that does not parse, that Vercel refuses, or that its service cannot run.";
    InvalidCronPath = "invalid-cron-path", Config: "A cron `path` that is not a request path.";
    // Targets
    ComposeInternalDestination = "compose-internal-destination", Config: "A public route to an address inside the compose networks.";
    ComposeAddresses = "compose-addresses", Config: "The compose networks do not fit in the subnet pool.";
    ComposeInternal = "compose-internal", Internal: "A bug: the compose target built a value it cannot write.";
    ComposeSerialize = "compose-serialize", Internal: "A bug: compose.yaml could not be serialised.";
    TerraformInternal = "terraform-internal", Internal: "A bug: the terraform target built an invalid expression.";
    KubernetesReservedName = "kubernetes-reserved-name", Config: "A service whose Kubernetes name is one svc's own objects take.";
    KubernetesInternal = "kubernetes-internal", Internal: "A bug: the manifests could not be serialised.";
}
