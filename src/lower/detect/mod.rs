//! Framework detection, as Vercel's detectors do it when a service names no `framework`: every
//! framework of `@vercel/frameworks` whose detectors match the service's directory (its
//! package.json dependencies, marker files, Python dependency files, entry files importing a
//! backend framework, go.mod), minus those another match supersedes. More than one left is
//! ambiguous, as it is for Vercel's services.

use crate::ir::Runtime;
use crate::lower::build::files::{Tree, join};
use Probe::{AnyExists, Content, Exists, Imports, Package};

mod catalogue;
use fancy_regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// One framework preset and how Vercel recognises it.
pub struct Framework {
    pub slug: &'static str,
    pub name: &'static str,
    /// Every one must match.
    every: &'static [Probe],
    /// At least one must match (when there are any).
    some: &'static [Probe],
    /// Frameworks this one hides when both match (Remix over Vite).
    supersedes: &'static [&'static str],
    /// Left out of detection, as Vercel leaves its experimental presets out by default.
    experimental: bool,
    /// The preset's build command, run when package.json has no build script.
    pub build_command: Option<&'static str>,
    /// Where its build writes the site.
    pub output: Output,
}

/// Where a framework's build writes its site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Fixed(&'static str),
    /// `build`, or its only subdirectory when that is all it holds.
    OnlySubdir(&'static str),
    Angular,
    Polymer,
}

/// One detector item of a preset.
pub(super) enum Probe {
    /// The package is in package.json's `dependencies` or `devDependencies`.
    Package(&'static str),
    /// The path exists, as a file or a directory.
    Exists(&'static str),
    /// The file exists and its text matches the pattern.
    Content(&'static str, &'static str),
    /// One of the entry files imports the package.
    Imports(&'static str, &'static [&'static str]),
    /// One of the files exists.
    AnyExists(&'static [&'static str]),
}

pub(super) const BASE: Framework = Framework {
    slug: "",
    name: "",
    every: &[],
    some: &[],
    supersedes: &[],
    experimental: false,
    build_command: None,
    output: Output::Fixed("public"),
};

pub use catalogue::FRAMEWORKS;

/// The preset named by a slug.
pub fn framework(slug: &str) -> Option<&'static Framework> {
    FRAMEWORKS.iter().find(|f| f.slug == slug)
}

/// Patterns compiled on first use, once per run: the presets' own patterns as written (in
/// JavaScript's regex dialect, which fancy-regex reads unchanged), package tests as Vercel
/// words them. A project only ever needs the few whose files it has.
static PATTERNS: LazyLock<Mutex<HashMap<String, Option<Arc<Regex>>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn compiled(source: &str) -> Option<Arc<Regex>> {
    let mut patterns = PATTERNS.lock().unwrap_or_else(|p| p.into_inner());
    patterns
        .entry(source.to_string())
        .or_insert_with(|| Regex::new(source).ok().map(Arc::new))
        .clone()
}

/// `matchPackage`: the name as Vercel inserts it, unescaped.
fn package_pattern(name: &str) -> String {
    format!(r#""(dev)?(d|D)ependencies":\s*{{[^}}]*"{name}":\s*"(.+?)"[^}}]*}}"#)
}

fn import_pattern(package: &str) -> String {
    format!(r#"(?:from|require|import)\s*(?:\(\s*)?["']{package}["']\s*(?:\))?"#)
}

/// What detection found.
#[derive(Debug, PartialEq, Eq)]
pub enum Detected {
    Nothing,
    One(&'static str),
    /// Several presets match and none supersedes the others.
    Several(Vec<&'static str>),
}

/// The presets matching `dir` (relative to the project), restricted to `runtime` when the
/// service's runtime is already known (an explicit `runtime`, or its entrypoint's extension).
pub fn detect(tree: Tree, dir: &str, runtime: Option<Runtime>) -> Detected {
    let files = Files {
        tree,
        dir,
        listings: RefCell::new(HashMap::new()),
        texts: RefCell::new(HashMap::new()),
    };
    // Every detector needs some file: an empty directory matches none.
    if files.is_empty() {
        return Detected::Nothing;
    }
    let matches: Vec<&'static Framework> = FRAMEWORKS
        .iter()
        .filter(|f| !f.experimental && f.slug != "services")
        .filter(|f| runtime.is_none_or(|r| crate::lower::framework_runtime(f.slug) == Some(r)))
        .filter(|f| files.matches(f))
        .collect();
    let left = without_superseded(&matches);
    match left.as_slice() {
        [] => Detected::Nothing,
        [one] => Detected::One(one),
        _ => Detected::Several(left),
    }
}

/// The matches none of the others supersedes, as Vercel removes them: a superseded match goes,
/// and with it the matches it supersedes in turn; a superseded preset that did not match
/// removes nothing.
fn without_superseded(matches: &[&'static Framework]) -> Vec<&'static str> {
    fn remove(left: &mut Vec<&'static Framework>, slug: &str) {
        let Some(found) = left.iter().find(|f| f.slug == slug).copied() else {
            return;
        };
        for next in found.supersedes {
            remove(left, next);
        }
        left.retain(|f| f.slug != slug);
    }
    let mut left = matches.to_vec();
    for framework in matches {
        for slug in framework.supersedes {
            remove(&mut left, slug);
        }
    }
    left.into_iter().map(|f| f.slug).collect()
}

/// The service directory, each of its directories listed once and each file read once: a
/// detection asks about a hundred paths, nearly all of them absent.
struct Files<'a> {
    tree: Tree<'a>,
    dir: &'a str,
    listings: RefCell<HashMap<String, Vec<String>>>,
    texts: RefCell<HashMap<String, Option<String>>>,
}

impl Files<'_> {
    fn is_empty(&self) -> bool {
        let listing = self.tree.list(self.dir);
        let empty = listing.is_empty();
        self.listings
            .borrow_mut()
            .insert(self.dir.to_string(), listing);
        empty
    }

    /// Whether a path exists, asking each directory on the way only once: a subdirectory
    /// the listing of its parent lacks is never listed itself.
    fn exists(&self, path: &str) -> bool {
        let mut parent = String::new();
        for name in path.split('/') {
            let dir = join(self.dir, &parent);
            let found = {
                let mut listings = self.listings.borrow_mut();
                let listing = listings
                    .entry(dir.clone())
                    .or_insert_with(|| self.tree.list(&dir));
                listing.binary_search_by(|n| n.as_str().cmp(name)).is_ok()
            };
            if !found {
                return false;
            }
            parent = join(&parent, name);
        }
        true
    }

    fn text_matches(&self, path: &str, pattern: &str) -> bool {
        if !self.exists(path) {
            return false;
        }
        let mut texts = self.texts.borrow_mut();
        let text = texts
            .entry(path.to_string())
            .or_insert_with(|| self.tree.read(&join(self.dir, path)));
        let Some(text) = text else { return false };
        compiled(pattern).is_some_and(|regex| regex.is_match(text).unwrap_or(false))
    }

    fn probe(&self, probe: &Probe) -> bool {
        match probe {
            Package(name) => {
                self.exists("package.json")
                    && self.text_matches("package.json", &package_pattern(name))
            }
            Exists(path) => self.exists(path),
            Content(path, pattern) => self.text_matches(path, pattern),
            Imports(package, files) => {
                let present: Vec<&&str> = files.iter().filter(|f| self.exists(f)).collect();
                if present.is_empty() {
                    return false;
                }
                let pattern = import_pattern(package);
                present.iter().any(|file| self.text_matches(file, &pattern))
            }
            AnyExists(files) => files.iter().any(|file| self.exists(file)),
        }
    }

    fn matches(&self, framework: &Framework) -> bool {
        if framework.every.is_empty() && framework.some.is_empty() {
            return false;
        }
        framework.every.iter().all(|p| self.probe(p))
            && (framework.some.is_empty() || framework.some.iter().any(|p| self.probe(p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("svc-detect-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn detected(name: &str, files: &[(&str, &str)], runtime: Option<Runtime>) -> Detected {
        let dir = project(name, files);
        let found = detect(Tree::new(&dir), ".", runtime);
        let _ = std::fs::remove_dir_all(dir);
        found
    }

    #[test]
    fn every_pattern_compiles() {
        for framework in FRAMEWORKS {
            for probe in framework.every.iter().chain(framework.some) {
                let source = match probe {
                    Package(name) => package_pattern(name),
                    Content(_, pattern) => pattern.to_string(),
                    Imports(package, _) => import_pattern(package),
                    _ => continue,
                };
                assert!(compiled(&source).is_some(), "{}: {source}", framework.slug);
            }
        }
    }

    #[test]
    fn package_json_dependencies_name_the_frontend() {
        let next = r#"{ "dependencies": { "next": "15.5.4", "react": "19.1.1" } }"#;
        assert_eq!(
            detected("next", &[("package.json", next)], None),
            Detected::One("nextjs")
        );
        let vite = r#"{ "devDependencies": { "vite": "7.1.0" } }"#;
        assert_eq!(
            detected("vite", &[("package.json", vite)], None),
            Detected::One("vite")
        );
        // Remix supersedes Vite.
        let remix = r#"{ "dependencies": { "@remix-run/dev": "2", "vite": "5" } }"#;
        assert_eq!(
            detected("remix", &[("package.json", remix)], None),
            Detected::One("remix")
        );
        // A peer dependency is not a dependency.
        let peer = r#"{ "peerDependencies": { "next": "15" } }"#;
        assert_eq!(
            detected("peer", &[("package.json", peer)], None),
            Detected::Nothing
        );
    }

    #[test]
    fn backends_need_their_import_in_an_entry_file() {
        let pkg = r#"{ "dependencies": { "express": "5.1.0" } }"#;
        assert_eq!(
            detected(
                "express",
                &[
                    ("package.json", pkg),
                    ("src/index.js", "import express from 'express'\n")
                ],
                None
            ),
            Detected::One("express")
        );
        assert_eq!(
            detected(
                "express-no-entry",
                &[("package.json", pkg), ("lib/main.js", "require('express')")],
                None
            ),
            Detected::Nothing
        );
    }

    #[test]
    fn python_dependency_files_and_the_runtime_filter() {
        let files = [("requirements.txt", "fastapi==0.115.12\n")];
        assert_eq!(detected("fastapi", &files, None), Detected::One("fastapi"));
        assert_eq!(
            detected("fastapi-node", &files, Some(Runtime::Node)),
            Detected::Nothing
        );
        assert_eq!(
            detected("plain-python", &[("requirements.txt", "requests\n")], None),
            Detected::One("python")
        );
        assert_eq!(
            detected(
                "go",
                &[
                    ("go.mod", "module x\n"),
                    ("cmd/api/main.go", "package main\n")
                ],
                None
            ),
            Detected::One("go")
        );
    }

    #[test]
    fn two_presets_that_do_not_supersede_each_other_are_ambiguous() {
        let pkg = r#"{ "dependencies": { "hexo": "7" } }"#;
        assert_eq!(
            detected(
                "hexo",
                &[("package.json", pkg), ("_config.yml", "title: x\n")],
                None
            ),
            Detected::Several(vec!["hexo", "jekyll"])
        );
    }

    #[test]
    fn superseding_only_removes_presets_that_matched() {
        // Nuxt supersedes Nitro, which supersedes Vite; without Nitro matching, Vite stays, as
        // it does on Vercel.
        let pkg = r#"{ "dependencies": { "nuxt": "3", "vite": "5" } }"#;
        assert_eq!(
            detected("nuxt-vite", &[("package.json", pkg)], None),
            Detected::Several(vec!["nuxtjs", "vite"])
        );
        let pkg = r#"{ "dependencies": { "nuxt": "3", "nitropack": "2", "vite": "5" } }"#;
        assert_eq!(
            detected("nuxt-nitro-vite", &[("package.json", pkg)], None),
            Detected::One("nuxtjs")
        );
    }
}
