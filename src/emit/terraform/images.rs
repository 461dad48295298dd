//! The images the module expects in `var.images`, and how to build each: the Dockerfiles svc
//! generates (under `dockerfiles/`), a README with one build command per service, and an output
//! listing them.

pub use crate::emit::dockerfile::builds::dockerfiles;

use super::hcl::{block, object, string};
use crate::emit::dockerfile::builds::{Source, build_sections, source};
use crate::ir::Project;
use ::hcl::{Block, Expression};

pub const README: &str = "README.md";

/// One build command per service, run from the module's directory.
pub fn readme(project: &Project, project_dir: &str) -> String {
    let mut text = String::from(
        "\nThis module runs one image per service, from `var.images`. Build each one, push it to a\n\
         registry your ECS tasks can pull from, and set the map, e.g.\n\
         `images = { web = \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0\" }`.\n\
         The output `image_builds` lists the same builds. Fargate runs linux/amd64 unless told\n\
         otherwise, hence `--platform`.\n",
    );
    text.push_str(&build_sections(
        project,
        project_dir,
        Some("linux/amd64"),
        |service| format!("{}:latest", service.hostname),
    ));
    text
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
