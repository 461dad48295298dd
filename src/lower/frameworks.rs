//! Vercel's framework slugs and the runtime each one implies (`@vercel/frameworks`).

use crate::ir::Runtime;

const FRONTEND: &[&str] = &[
    "nextjs",
    "blitzjs",
    "gatsby",
    "remix",
    "react-router",
    "astro",
    "hexo",
    "eleventy",
    "docusaurus-2",
    "docusaurus",
    "preact",
    "solidstart-1",
    "solidstart",
    "dojo",
    "ember",
    "vue",
    "scully",
    "ionic-angular",
    "angular",
    "polymer",
    "svelte",
    "sveltekit",
    "sveltekit-1",
    "ionic-react",
    "create-react-app",
    "gridsome",
    "umijs",
    "sapper",
    "saber",
    "stencil",
    "nuxtjs",
    "redwoodjs",
    "hugo",
    "jekyll",
    "brunch",
    "middleman",
    "zola",
    "hydrogen",
    "vite",
    "tanstack-start",
    "tanstack-start-lovable",
    "vitepress",
    "vuepress",
    "parcel",
    "sanity",
    "sanity-v2",
    "storybook",
    "ash",
    "eve",
    "nitro",
    "xmcp",
    "mastra",
    "bun",
    "axum",
    "actix-web",
    "services",
];

const PYTHON: &[&str] = &["fastapi", "flask", "django", "fasthtml", "python"];

const NODE_BACKEND: &[&str] = &[
    "express", "hono", "h3", "koa", "nestjs", "fastify", "elysia", "node",
];

/// Slugs that name a runtime directly.
const DIRECT: &[(&str, Runtime)] = &[
    ("go", Runtime::Go),
    ("rust", Runtime::Rust),
    ("ruby", Runtime::Ruby),
    ("container", Runtime::Container),
];

/// The runtimes `runtime` may name.
pub const RUNTIMES: &[(&str, Runtime)] = &[
    ("node", Runtime::Node),
    ("python", Runtime::Python),
    ("go", Runtime::Go),
    ("rust", Runtime::Rust),
    ("ruby", Runtime::Ruby),
    ("container", Runtime::Container),
];

pub fn runtime_named(name: &str) -> Option<Runtime> {
    RUNTIMES.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
}

/// The runtime a framework implies: `Frontend` for frameworks built by their own tooling.
pub fn framework_runtime(slug: &str) -> Option<Runtime> {
    if PYTHON.contains(&slug) {
        Some(Runtime::Python)
    } else if NODE_BACKEND.contains(&slug) {
        Some(Runtime::Node)
    } else if let Some((_, runtime)) = DIRECT.iter().find(|(n, _)| *n == slug) {
        Some(*runtime)
    } else if FRONTEND.contains(&slug) {
        Some(Runtime::Frontend)
    } else {
        None
    }
}

pub fn all_framework_slugs() -> impl Iterator<Item = &'static str> {
    FRONTEND
        .iter()
        .chain(PYTHON)
        .chain(NODE_BACKEND)
        .copied()
        .chain(DIRECT.iter().map(|(n, _)| *n))
}

/// The runtime a source file's extension implies.
pub fn runtime_of_extension(path: &str) -> Option<Runtime> {
    let extension = path.rsplit_once('.')?.1;
    match extension {
        "ts" | "mts" | "js" | "mjs" | "cjs" | "cts" => Some(Runtime::Node),
        "py" => Some(Runtime::Python),
        "go" => Some(Runtime::Go),
        "rs" => Some(Runtime::Rust),
        "rb" | "ru" => Some(Runtime::Ruby),
        _ => None,
    }
}

/// The port a service listens on when svc.yaml does not say, by runtime.
pub fn default_port(runtime: Runtime) -> u16 {
    match runtime {
        Runtime::Python => 8000,
        Runtime::Go | Runtime::Rust => 8080,
        Runtime::Node
        | Runtime::Ruby
        | Runtime::Frontend
        | Runtime::Static
        | Runtime::Container => 3000,
    }
}

/// The prefix a framework exposes env vars to client code with (`envPrefix`), which the legacy
/// form injects each service URL under.
pub fn env_prefix(framework: &str) -> Option<&'static str> {
    Some(match framework {
        "nextjs" | "blitzjs" => "NEXT_PUBLIC_",
        "vite" | "sveltekit" | "sveltekit-1" | "solidstart" | "solidstart-1" => "VITE_",
        "astro" | "hydrogen" => "PUBLIC_",
        "gatsby" => "GATSBY_",
        "vue" => "VUE_APP_",
        "create-react-app" => "REACT_APP_",
        "nuxtjs" => "NUXT_ENV_",
        "redwoodjs" => "REDWOOD_ENV_",
        "sanity" | "sanity-v2" => "SANITY_STUDIO_",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frameworks_map_to_their_runtime_class() {
        assert_eq!(framework_runtime("nextjs"), Some(Runtime::Frontend));
        assert_eq!(framework_runtime("fastapi"), Some(Runtime::Python));
        assert_eq!(framework_runtime("express"), Some(Runtime::Node));
        assert_eq!(framework_runtime("go"), Some(Runtime::Go));
        assert_eq!(framework_runtime("nextjss"), None);
    }

    #[test]
    fn the_slugs_are_the_detection_catalogues() {
        let detected: Vec<&str> = crate::lower::detect::FRAMEWORKS
            .iter()
            .map(|f| f.slug)
            .collect();
        let mut known: Vec<&str> = all_framework_slugs().collect();
        known.sort_unstable();
        let mut catalogue = detected.clone();
        catalogue.sort_unstable();
        assert_eq!(known, catalogue);
    }

    #[test]
    fn extensions_imply_runtimes() {
        assert_eq!(runtime_of_extension("src/index.ts"), Some(Runtime::Node));
        assert_eq!(runtime_of_extension("main.py"), Some(Runtime::Python));
        assert_eq!(runtime_of_extension("config.ru"), Some(Runtime::Ruby));
        assert_eq!(runtime_of_extension("README"), None);
    }
}
