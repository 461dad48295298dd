//! Well-shaped configs from fuzzer bytes: the keys svc knows, in the shapes it reads, with values
//! that are either picked from a list of hostile strings or taken raw from the input. Raw bytes
//! alone almost never get past the parser; these reach lowering and every target.

use arbitrary::{Arbitrary, Unstructured};
use serde_json::{Map, Value, json};

/// Root directories that exist in the fuzzing project.
pub const ROOTS: [&str; 4] = ["web", "api", "worker", "docs"];

/// Strings that have broken generators: quoting, interpolation, comments, newlines, unicode.
const HOSTILE: [&str; 40] = [
    "",
    " ",
    "a",
    "web",
    "api",
    "API_URL",
    "x-tenant",
    "/",
    "/(.*)",
    "/api/:path*",
    "/:id(\\d+)",
    "(?<t>[a-z]+)",
    "\"",
    "'",
    "\\",
    "$host",
    "${x}",
    "$$",
    "{",
    "}",
    ";",
    "#",
    "\n",
    "\r\n",
    "\t",
    "\0",
    "a\"; }\n#",
    "${{ x }}",
    "%{x}",
    "{{x}}",
    "~",
    "..",
    "../x",
    "é",
    "ﬀ",
    "\u{202e}",
    "https://e.com/:path*",
    "*",
    "--",
    "a b",
];

/// A string: hostile, raw, or two glued together.
#[derive(Debug)]
pub struct Text(pub String);

impl<'a> Arbitrary<'a> for Text {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Text(match u.int_in_range(0..=3)? {
            0 | 1 => (*u.choose(&HOSTILE)?).to_string(),
            2 => String::arbitrary(u)?,
            _ => format!("{}{}", u.choose(&HOSTILE)?, String::arbitrary(u)?),
        }))
    }
}

/// A service name: usually a valid one, so configs get past the name check.
#[derive(Debug)]
pub struct Name(pub String);

impl<'a> Arbitrary<'a> for Name {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        const NAMES: [&str; 6] = ["web", "api", "worker", "docs", "my_backend", "a-b"];
        Ok(Name(if u.ratio(1, 8)? {
            Text::arbitrary(u)?.0
        } else {
            (*u.choose(&NAMES)?).to_string()
        }))
    }
}

#[derive(Debug, Arbitrary)]
pub struct ConfigInput {
    services: Vec<ServiceInput>,
    rewrites: Vec<RewriteInput>,
    redirects: Vec<RedirectInput>,
    headers: Vec<HeaderRuleInput>,
    crons: Vec<CronInput>,
    images: Vec<(u8, Text)>,
}

#[derive(Debug, Arbitrary)]
struct ServiceInput {
    name: Name,
    root: u8,
    raw_root: Option<Text>,
    framework: Option<u8>,
    entrypoint: Option<Text>,
    kind: Option<u8>,
    schedule: Option<Text>,
    bindings: Vec<BindingInput>,
}

#[derive(Debug, Arbitrary)]
struct BindingInput {
    service: Name,
    env: Text,
}

#[derive(Debug, Arbitrary)]
struct RewriteInput {
    source: Text,
    service: Option<Name>,
    destination: Text,
    has: Vec<ConditionInput>,
    missing: Vec<ConditionInput>,
}

#[derive(Debug, Arbitrary)]
struct RedirectInput {
    source: Text,
    destination: Text,
    permanent: Option<bool>,
    status: Option<u16>,
}

#[derive(Debug, Arbitrary)]
struct HeaderRuleInput {
    source: Text,
    headers: Vec<(Text, Text)>,
}

#[derive(Debug, Arbitrary)]
struct ConditionInput {
    kind: u8,
    key: Option<Text>,
    value: Option<Text>,
}

#[derive(Debug, Arbitrary)]
struct CronInput {
    path: Text,
    schedule: Text,
}

impl ConfigInput {
    /// The vercel.json and svc.yaml (as JSON, which YAML reads) this input stands for.
    pub fn to_files(&self) -> (Value, Value) {
        let mut services = Map::new();
        for service in self.services.iter().take(8) {
            services.insert(service.name.0.clone(), service.to_json());
        }
        let mut config = Map::new();
        config.insert("services".into(), Value::Object(services));
        let list = |items: Vec<Value>| Value::Array(items.into_iter().take(8).collect());
        if !self.rewrites.is_empty() {
            config.insert(
                "rewrites".into(),
                list(self.rewrites.iter().map(RewriteInput::to_json).collect()),
            );
        }
        if !self.redirects.is_empty() {
            config.insert(
                "redirects".into(),
                list(self.redirects.iter().map(RedirectInput::to_json).collect()),
            );
        }
        if !self.headers.is_empty() {
            config.insert(
                "headers".into(),
                list(self.headers.iter().map(HeaderRuleInput::to_json).collect()),
            );
        }
        if !self.crons.is_empty() {
            let crons = self
                .crons
                .iter()
                .map(|c| json!({ "path": c.path.0, "schedule": c.schedule.0 }));
            config.insert("crons".into(), list(crons.collect()));
        }
        let mut images = Map::new();
        for (index, image) in self.images.iter().take(8) {
            if let Some(service) = self
                .services
                .get(usize::from(*index) % self.services.len().max(1))
            {
                images.insert(service.name.0.clone(), json!({ "image": image.0 }));
            }
        }
        (Value::Object(config), json!({ "services": images }))
    }
}

impl ServiceInput {
    fn to_json(&self) -> Value {
        const FRAMEWORKS: [&str; 6] = ["vite", "nextjs", "fastapi", "express", "flask", "go"];
        let mut service = Map::new();
        let root = match &self.raw_root {
            Some(raw) => raw.0.clone(),
            None => ROOTS[usize::from(self.root) % ROOTS.len()].to_string(),
        };
        service.insert("root".into(), json!(root));
        if let Some(framework) = self.framework {
            service.insert(
                "framework".into(),
                json!(FRAMEWORKS[usize::from(framework) % FRAMEWORKS.len()]),
            );
        }
        if let Some(entrypoint) = &self.entrypoint {
            service.insert("entrypoint".into(), json!(entrypoint.0));
        }
        match self.kind.map(|k| k % 4) {
            Some(1) => {
                service.insert("type".into(), json!("worker"));
            }
            Some(2) => {
                service.insert("type".into(), json!("cron"));
                let schedule = self
                    .schedule
                    .as_ref()
                    .map_or("*/5 * * * *", |s| s.0.as_str());
                service.insert("schedule".into(), json!(schedule));
            }
            _ => {}
        }
        let bindings: Vec<Value> = self
            .bindings
            .iter()
            .take(4)
            .map(|b| json!({ "service": b.service.0, "format": "url", "env": b.env.0 }))
            .collect();
        if !bindings.is_empty() {
            service.insert("bindings".into(), Value::Array(bindings));
        }
        Value::Object(service)
    }
}

impl RewriteInput {
    fn to_json(&self) -> Value {
        let destination = match &self.service {
            Some(service) => json!({ "service": service.0 }),
            None => json!(self.destination.0),
        };
        let mut rule = json!({ "source": self.source.0, "destination": destination });
        conditions(&mut rule, "has", &self.has);
        conditions(&mut rule, "missing", &self.missing);
        rule
    }
}

impl RedirectInput {
    fn to_json(&self) -> Value {
        let mut rule = json!({ "source": self.source.0, "destination": self.destination.0 });
        if let Some(permanent) = self.permanent {
            rule["permanent"] = json!(permanent);
        } else if let Some(status) = self.status {
            rule["statusCode"] = json!(status);
        }
        rule
    }
}

impl HeaderRuleInput {
    fn to_json(&self) -> Value {
        let headers: Vec<Value> = self
            .headers
            .iter()
            .take(4)
            .map(|(key, value)| json!({ "key": key.0, "value": value.0 }))
            .collect();
        json!({ "source": self.source.0, "headers": headers })
    }
}

fn conditions(rule: &mut Value, name: &str, items: &[ConditionInput]) {
    const KINDS: [&str; 4] = ["header", "cookie", "query", "host"];
    let items: Vec<Value> = items
        .iter()
        .take(3)
        .map(|c| {
            let kind = KINDS[usize::from(c.kind) % KINDS.len()];
            let mut condition = json!({ "type": kind });
            if let Some(key) = c.key.as_ref().filter(|_| kind != "host") {
                condition["key"] = json!(key.0);
            }
            if let Some(value) = &c.value {
                condition["value"] = json!(value.0);
            }
            condition
        })
        .collect();
    if !items.is_empty() {
        rule[name] = Value::Array(items);
    }
}
