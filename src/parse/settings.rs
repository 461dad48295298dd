//! svc.yaml (or svc.json): deploy settings vercel.json cannot hold, since Vercel's schema rejects
//! unknown keys there.

use super::decode::{Decoder, Fields, KeyPath, Spanned};
use super::top::optional_string;
use crate::read::Node;

#[derive(Debug, Clone, Default)]
pub struct RawSettings {
    pub services: Vec<RawServiceSettings>,
}

#[derive(Debug, Clone)]
pub struct RawServiceSettings {
    pub name: Spanned<String>,
    pub path: KeyPath,
    pub port: Option<Spanned<u64>>,
    pub image: Option<Spanned<String>>,
    pub replicas: Option<Spanned<u64>>,
    pub egress: Option<Spanned<bool>>,
}

/// Per-target sections. Each target issue defines its keys; until then a section is accepted
/// but must be empty, so a typo never passes silently.
const TARGET_SECTIONS: [&str; 3] = ["compose", "nginx", "terraform"];

pub fn parse_settings(node: &Node, d: &mut Decoder) -> RawSettings {
    let root = KeyPath::root();
    let mut settings = RawSettings::default();
    let Some(mut fields) = d.object(node, &root) else {
        return settings;
    };
    if let Some((value, path)) = fields.field("services") {
        settings.services = parse_service_settings(value, &path, d);
    }
    for section in TARGET_SECTIONS {
        if let Some((value, path)) = fields.field(section)
            && let Some(section_fields) = d.object(value, &path)
        {
            section_fields.finish(d, &format!("the `{section}` section of svc.yaml"));
        }
    }
    fields.finish(d, "svc.yaml");
    settings
}

fn parse_service_settings(node: &Node, path: &KeyPath, d: &mut Decoder) -> Vec<RawServiceSettings> {
    let Some(members) = d.map(node, path) else {
        return Vec::new();
    };
    members
        .iter()
        .filter_map(|member| {
            let path = path.key(&member.key);
            let mut fields = d.object(&member.value, &path)?;
            let settings = RawServiceSettings {
                name: Spanned::new(member.key.clone(), member.key_span),
                port: integer(&mut fields, d, "port", 1, 65535),
                image: optional_string(&mut fields, d, "image", 1, 512),
                replicas: integer(&mut fields, d, "replicas", 0, 1000),
                egress: super::top::optional_bool(&mut fields, d, "egress"),
                path,
            };
            fields.finish(d, "a service's settings");
            Some(settings)
        })
        .collect()
}

fn integer(
    fields: &mut Fields,
    d: &mut Decoder,
    name: &'static str,
    min: u64,
    max: u64,
) -> Option<Spanned<u64>> {
    let (value, path) = fields.field(name)?;
    d.integer(value, &path, min, max)
}
