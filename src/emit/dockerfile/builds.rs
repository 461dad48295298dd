//! How each service's image comes to be, for the targets that run images they do not build
//! (terraform, kubernetes): the image svc.yaml names, or a Dockerfile (the service's own, or one
//! svc generates) with its context and arguments, and the `docker build` line for it.

use crate::ir::{ImageSource, Project, Service};
use std::collections::BTreeMap;

/// How one service's image comes to be.
pub enum Source {
    /// svc.yaml names a built image.
    Image(String),
    /// A Dockerfile (the service's own, or one svc generated) and the context it builds from,
    /// both as seen from the module's directory, with the build's arguments.
    Dockerfile {
        file: String,
        context: String,
        generated: bool,
        args: Vec<(String, String)>,
    },
    /// svc cannot tell how to build it.
    Unbuildable(String),
}

pub fn source(service: &Service, project_dir: &str) -> Source {
    let args = || {
        service
            .build_args()
            .map(|(name, value)| (name.to_string(), build_arg(value)))
            .collect()
    };
    match service.image_source() {
        ImageSource::Dockerfile(path) => {
            let root = context(project_dir, &service.root);
            Source::Dockerfile {
                file: context(&root, path),
                context: root,
                generated: false,
                args: args(),
            }
        }
        ImageSource::Image(image) => Source::Image(image.to_string()),
        ImageSource::Recipe(recipe) => Source::Dockerfile {
            file: dockerfile_path(service),
            context: context(project_dir, &recipe.context),
            generated: true,
            args: args(),
        },
        ImageSource::Unbuildable(why) => Source::Unbuildable(why.reason.clone()),
    }
}

fn dockerfile_path(service: &Service) -> String {
    format!("dockerfiles/{}.Dockerfile", service.name)
}

/// The generated Dockerfiles, by path in the module.
pub fn dockerfiles(project: &Project) -> Result<BTreeMap<String, String>, String> {
    let mut files = BTreeMap::new();
    for service in project.services.values() {
        if let ImageSource::Recipe(recipe) = service.image_source() {
            let text = crate::emit::dockerfile::render(service, recipe)?;
            files.insert(dockerfile_path(service), text);
        }
    }
    Ok(files)
}

/// `root` as seen from the module's directory.
fn context(project_dir: &str, root: &str) -> String {
    match (project_dir.trim_end_matches('/'), root) {
        ("", root) => root.to_string(),
        (dir, ".") => dir.to_string(),
        (dir, root) => format!("{dir}/{root}"),
    }
}

/// A build argument's value for the README: a public URL is the deployment's origin, known
/// only once it exists, so the README leaves a placeholder for it.
fn build_arg(value: &crate::ir::EnvValue) -> String {
    match value {
        crate::ir::EnvValue::Literal(text) => text.clone(),
        crate::ir::EnvValue::PublicUrl(url) => url.under("https://<public host>"),
    }
}

/// `'...'` when a word holds anything a shell would read.
pub fn shell_word(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@=".contains(c));
    if plain && !word.is_empty() {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The `docker build` line for a Dockerfile `source`, tagged `tag`, run from the directory the
/// paths are relative to.
pub fn build_command(
    file: &str,
    context: &str,
    args: &[(String, String)],
    platform: Option<&str>,
    tag: &str,
) -> String {
    let platform = platform
        .map(|p| format!(" --platform {p}"))
        .unwrap_or_default();
    let args: String = args
        .iter()
        .map(|(name, value)| format!(" --build-arg {}", shell_word(&format!("{name}={value}"))))
        .collect();
    format!(
        "docker build{platform}{args} -f {} -t {} {}",
        shell_word(file),
        shell_word(tag),
        shell_word(context),
    )
}

/// A README's section per service, in name order: the image svc.yaml names, or the `docker
/// build` line (for `platform`, tagged `tag`), or why svc cannot build it.
pub fn build_sections(
    project: &Project,
    project_dir: &str,
    platform: Option<&str>,
    tag: impl Fn(&Service) -> String,
) -> String {
    let mut text = String::new();
    for service in project.services.values() {
        text.push_str(&format!("\n## `{}`\n\n", service.name));
        match source(service, project_dir) {
            Source::Image(image) => {
                text.push_str(&format!("svc.yaml names a built image: `{image}`.\n"));
            }
            Source::Dockerfile {
                file,
                context,
                generated,
                args,
            } => {
                let note = if generated {
                    "svc generated its Dockerfile from the service's framework"
                } else {
                    "the service brings its own Dockerfile"
                };
                let command = build_command(&file, &context, &args, platform, &tag(service));
                text.push_str(&format!("{note}:\n\n```sh\n{command}\n```\n"));
            }
            Source::Unbuildable(reason) => {
                text.push_str(&format!(
                    "svc cannot build it ({reason}): bring an image of your own.\n"
                ));
            }
        }
    }
    text
}
