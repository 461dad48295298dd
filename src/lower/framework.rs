//! The framework of a service that names none, found as Vercel finds it, and what to report:
//! several matches are an error; a detected backend without an entrypoint is one Vercel
//! refuses, so svc says so while it finds the entrypoint as the builder would.

use super::Lowerer;
use super::build::files::{Tree, join, parent};
use super::detect::{Detected, detect};
use super::frameworks::framework_runtime;
use crate::diag::Code;
use crate::ir::{Entrypoint, Form, Runtime};
use crate::parse::raw::RawService;

impl Lowerer<'_> {
    /// Where Vercel detects: a directory entrypoint, else the root (`services`); for the
    /// legacy form, the workspace of a file entrypoint, whose detection errors Vercel ignores.
    pub(super) fn detect_framework(
        &mut self,
        raw: &RawService,
        root: &str,
        entry: Option<&Entrypoint>,
        runtime: Option<Runtime>,
        form: Form,
    ) -> Option<String> {
        let tree = Tree::new(self.dir);
        let dir = match (entry, form, runtime) {
            (Some(Entrypoint::Directory { path }), _, _) => join(root, path),
            (
                Some(Entrypoint::File { path } | Entrypoint::Module { file: path, .. }),
                Form::Legacy,
                Some(runtime),
            ) => super::build::workspace(tree, root, &parent(&join(root, path)), runtime),
            _ => root.to_string(),
        };
        match detect(tree, &dir, runtime) {
            Detected::Nothing => None,
            Detected::One(slug) => {
                self.warn_missing_entrypoint(raw, slug, entry);
                Some(slug.to_string())
            }
            Detected::Several(_) if form == Form::Legacy => None,
            Detected::Several(slugs) => {
                self.ambiguous(raw, &dir, &slugs);
                None
            }
        }
    }

    fn warn_missing_entrypoint(
        &mut self,
        raw: &RawService,
        slug: &str,
        entry: Option<&Entrypoint>,
    ) {
        let runtime = framework_runtime(slug);
        if entry.is_some() || runtime.is_none_or(|r| r == Runtime::Frontend) {
            return;
        }
        let example = match runtime {
            Some(Runtime::Python) => "main:app",
            Some(Runtime::Go) => "main.go",
            _ => "index.js",
        };
        self.diags.push(
            crate::diag::Diagnostic::warning(
                Code::EntrypointRequiredByVercel,
                format!(
                    "service `{}` is detected as `{slug}`; Vercel requires an `entrypoint` for it",
                    raw.name.value
                ),
            )
            .key(raw.path.key("entrypoint").to_string())
            .at(self.file, raw.name.span, "no `entrypoint`")
            .help(format!(
                "svc finds the entrypoint as Vercel's builder would; set `entrypoint` (e.g. `\"{example}\"`) so the same config deploys on Vercel"
            )),
        );
    }

    fn ambiguous(&mut self, raw: &RawService, dir: &str, slugs: &[&str]) {
        let names = slugs
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        self.error(
            Code::AmbiguousFramework,
            format!(
                "service `{}` matches several frameworks in `{dir}`: {names}",
                raw.name.value
            ),
        )
        .key(raw.path.key("framework"))
        .at(raw.name.span, "which framework builds it?")
        .help(format!(
            "set `framework` to the one that builds it: {names}"
        ));
    }
}
