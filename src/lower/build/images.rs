//! The base images of the Dockerfiles svc writes: pinned official images by default, each
//! replaceable in svc.yaml (`build.images`), or pulled through a mirror (`build.registry`).

use crate::parse::settings::RawBuildSettings;
use std::collections::BTreeMap;

/// Official images by kind; `{version}` is the version svc picked for the service.
const DEFAULTS: &[(&str, &str)] = &[
    ("node", "node:{version}-bookworm-slim"),
    ("bun", "oven/bun:{version}-slim"),
    ("python", "python:{version}-slim-bookworm"),
    ("go", "golang:{version}-bookworm"),
    // Runs a static Go binary: nothing else is needed in it.
    ("go_runtime", "alpine:3.21.0"),
    // Serves static files; the same pinned nginx as the compose gateway.
    ("static", "nginx:1.27.5-alpine"),
];

#[derive(Debug, Clone, Default)]
pub struct BaseImages {
    registry: Option<String>,
    overrides: BTreeMap<String, String>,
}

impl BaseImages {
    pub fn from_settings(settings: Option<&RawBuildSettings>) -> BaseImages {
        let Some(settings) = settings else {
            return BaseImages::default();
        };
        BaseImages {
            registry: settings.registry.as_ref().map(|r| r.value.clone()),
            overrides: settings
                .images
                .iter()
                .map(|(kind, image)| (kind.value.clone(), image.value.clone()))
                .collect(),
        }
    }

    /// The image of `kind` for `version`.
    pub fn get(&self, kind: &str, version: &str) -> String {
        let template = match self.overrides.get(kind) {
            Some(image) => image.clone(),
            None => {
                let default = DEFAULTS
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map_or("", |(_, image)| image);
                match &self.registry {
                    Some(registry) => format!("{registry}/{}", docker_hub_path(default)),
                    None => default.to_string(),
                }
            }
        };
        template.replace("{version}", version)
    }
}

/// An image's path on Docker Hub, where official images live under `library/`.
fn docker_hub_path(image: &str) -> String {
    let name = image.split(':').next().unwrap_or(image);
    if name.contains('/') {
        image.to_string()
    } else {
        format!("library/{image}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::decode::Spanned;

    fn spanned(text: &str) -> Spanned<String> {
        Spanned::new(text.to_string(), crate::source::Span::default())
    }

    #[test]
    fn every_kind_svc_yaml_accepts_has_a_default() {
        let kinds: Vec<&str> = DEFAULTS.iter().map(|(kind, _)| *kind).collect();
        assert_eq!(kinds, crate::parse::settings::BASE_IMAGE_KINDS);
    }

    #[test]
    fn defaults_are_pinned_official_images() {
        let images = BaseImages::default();
        assert_eq!(images.get("node", "22.14.0"), "node:22.14.0-bookworm-slim");
        assert_eq!(images.get("static", "x"), "nginx:1.27.5-alpine");
    }

    #[test]
    fn a_mirror_prefixes_every_default_and_overrides_win() {
        let settings = RawBuildSettings {
            registry: Some(spanned("mirror.example.com/hub")),
            images: vec![(
                spanned("python"),
                spanned("py.example.com/python:{version}"),
            )],
        };
        let images = BaseImages::from_settings(Some(&settings));
        assert_eq!(
            images.get("node", "24.11.1"),
            "mirror.example.com/hub/library/node:24.11.1-bookworm-slim"
        );
        assert_eq!(
            images.get("bun", "1.2.2"),
            "mirror.example.com/hub/oven/bun:1.2.2-slim"
        );
        assert_eq!(
            images.get("python", "3.12.8"),
            "py.example.com/python:3.12.8"
        );
    }
}
