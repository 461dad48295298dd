//! The images the module expects in `var.images`, and how to build each: the Dockerfiles svc
//! generates (under `dockerfiles/`), a README with one build command per service, and an output
//! listing them.

use super::hcl::{block, object, string};
use crate::ir::{ImageSource, Project, Service};
use ::hcl::{Block, Expression};
use std::collections::BTreeMap;

pub const README: &str = "README.md";

/// How one service's image comes to be.
enum Source {
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

fn source(service: &Service, project_dir: &str) -> Source {
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

/// One build command per service, run from the module's directory.
pub fn readme(project: &Project, project_dir: &str) -> String {
    let mut text = String::from(
        "\nThis module runs one image per service, from `var.images`. Build each one, push it to a\n\
         registry your ECS tasks can pull from, and set the map, e.g.\n\
         `images = { web = \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0\" }`.\n\
         The output `image_builds` lists the same builds. Fargate runs linux/amd64 unless told\n\
         otherwise, hence `--platform`.\n",
    );
    for service in project.services.values() {
        let name = &service.name;
        text.push_str(&format!("\n## `{name}`\n\n"));
        match source(service, project_dir) {
            Source::Image(image) => {
                text.push_str(&format!("svc.yaml names a built image: `{image}`.\n"));
            }
            Source::Dockerfile {
                file,
                context: ctx,
                generated,
                args,
            } => {
                let note = if generated {
                    "svc generated its Dockerfile from the service's framework"
                } else {
                    "the service brings its own Dockerfile"
                };
                let args: String = args
                    .iter()
                    .map(|(name, value)| {
                        format!(" --build-arg {}", shell_word(&format!("{name}={value}")))
                    })
                    .collect();
                text.push_str(&format!(
                    "{note}:\n\n```sh\ndocker build --platform linux/amd64{args} -f {} -t {} {}\n```\n",
                    shell_word(&file),
                    shell_word(&format!("{}:latest", service.hostname)),
                    shell_word(&ctx),
                ));
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

/// A build argument's value for the README: a public URL is the deployment's origin, known
/// only once it exists, so the README leaves a placeholder for it.
fn build_arg(value: &crate::ir::EnvValue) -> String {
    match value {
        crate::ir::EnvValue::Literal(text) => text.clone(),
        crate::ir::EnvValue::PublicUrl(url) => url.under("https://<public host>"),
    }
}

/// `'...'` when a word holds anything a shell would read.
fn shell_word(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@=".contains(c));
    if plain && !word.is_empty() {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `image_builds`: for each service, in name order, the Dockerfile and context to build, or
/// the image svc.yaml names. A list: an HCL object of thousands of keys costs quadratic time
/// to build.
pub fn output(project: &Project, project_dir: &str) -> Result<Block, String> {
    let entries: Vec<Expression> = project
        .services
        .values()
        .map(|service| {
            let name = ("service", string(service.name.as_str()));
            match source(service, project_dir) {
                Source::Image(image) => object(vec![name, ("image", string(&image))]),
                Source::Dockerfile {
                    file,
                    context: ctx,
                    args,
                    ..
                } => {
                    let mut entries = vec![
                        name,
                        ("dockerfile", string(&file)),
                        ("context", string(&ctx)),
                    ];
                    let args_object = object(
                        args.iter()
                            .map(|(name, value)| (name.as_str(), string(value)))
                            .collect(),
                    );
                    if !args.is_empty() {
                        entries.push(("build_args", args_object));
                    }
                    object(entries)
                }
                Source::Unbuildable(reason) => object(vec![name, ("unbuildable", string(&reason))]),
            }
        })
        .collect();
    let value = Expression::Array(entries);
    Ok(block("output", &["image_builds"])
        .str(
            "description",
            "How to get each image var.images expects, paths relative to this module (see README.md).",
        )
        .attr("value", value)
        .build())
}
