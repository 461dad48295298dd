//! Service roots and entrypoints: normalised like Vercel (posix normalize, no trailing `/`),
//! confined to the project directory, and checked against the file system.

use crate::ir::Entrypoint;

#[derive(Debug, PartialEq, Eq)]
pub enum RootProblem {
    Absolute,
    Escapes,
}

/// `frontend/` -> `frontend`, `./a//b/../c` -> `a/c`, `.` and `./` -> `.`.
pub fn normalize_root(root: &str) -> Result<String, RootProblem> {
    let bytes = root.as_bytes();
    let windows_drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if root.starts_with('/') || root.starts_with('\\') || windows_drive {
        return Err(RootProblem::Absolute);
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in root.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(RootProblem::Escapes);
                }
            }
            part => parts.push(part),
        }
    }
    Ok(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

/// File names that make a service a container, and the order they are probed in.
pub const CONTAINERFILES: [&str; 4] = [
    "Dockerfile.vercel",
    "Containerfile.vercel",
    "Dockerfile",
    "Containerfile",
];

pub fn is_containerfile(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    CONTAINERFILES
        .iter()
        .any(|name| name.eq_ignore_ascii_case(base))
}

/// Python `module:attr`, as Vercel's resolver matches it.
fn module_entrypoint(entrypoint: &str) -> Option<(String, String)> {
    let (module, attr) = entrypoint.split_once(':')?;
    let identifier = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    (module.split('.').all(identifier) && identifier(attr))
        .then(|| (module.to_string(), attr.to_string()))
}

/// What an `entrypoint` string means, before the file system is consulted.
pub fn classify_entrypoint(entrypoint: &str, is_dir: impl Fn(&str) -> bool) -> Entrypoint {
    if is_containerfile(entrypoint) {
        return Entrypoint::Dockerfile {
            path: entrypoint.to_string(),
        };
    }
    if entrypoint == "pyproject.toml" {
        return Entrypoint::Pyproject;
    }
    if let Some((module, attr)) = module_entrypoint(entrypoint) {
        let file = format!("{}.py", module.replace('.', "/"));
        return Entrypoint::Module { module, attr, file };
    }
    let path = entrypoint.trim_end_matches('/').to_string();
    if is_dir(&path) {
        Entrypoint::Directory { path }
    } else {
        Entrypoint::File { path }
    }
}

/// The path (relative to the root) that must exist for an entrypoint.
pub fn required_path(entrypoint: &Entrypoint) -> &str {
    match entrypoint {
        Entrypoint::File { path }
        | Entrypoint::Directory { path }
        | Entrypoint::Dockerfile { path } => path,
        Entrypoint::Module { file, .. } => file,
        Entrypoint::Pyproject => "pyproject.toml",
    }
}

/// The lowest port a Dockerfile `EXPOSE`s, which is the one `vercel dev` picks.
pub fn lowest_exposed_port(dockerfile: &str) -> Option<u16> {
    dockerfile
        .lines()
        .map(str::trim)
        .filter_map(|line| {
            let (instruction, rest) = line.split_once(char::is_whitespace)?;
            instruction.eq_ignore_ascii_case("EXPOSE").then_some(rest)
        })
        .flat_map(str::split_whitespace)
        .filter_map(|spec| {
            let (port, protocol) = spec.split_once('/').unwrap_or((spec, "tcp"));
            protocol
                .eq_ignore_ascii_case("tcp")
                .then(|| port.parse::<u16>().ok())
                .flatten()
        })
        .filter(|port| *port > 0)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_normalise_like_posix_paths() {
        assert_eq!(normalize_root("frontend/").unwrap(), "frontend");
        assert_eq!(normalize_root("./a//b/../c").unwrap(), "a/c");
        assert_eq!(normalize_root(".").unwrap(), ".");
        assert_eq!(normalize_root("./").unwrap(), ".");
        assert_eq!(normalize_root("/srv/app"), Err(RootProblem::Absolute));
        assert_eq!(normalize_root("C:\\app"), Err(RootProblem::Absolute));
        assert_eq!(normalize_root("../other"), Err(RootProblem::Escapes));
        assert_eq!(normalize_root("a/../../b"), Err(RootProblem::Escapes));
    }

    #[test]
    fn entrypoints_are_classified_as_vercel_resolves_them() {
        let no_dirs = |_: &str| false;
        assert_eq!(
            classify_entrypoint("src.main:app", no_dirs),
            Entrypoint::Module {
                module: "src.main".into(),
                attr: "app".into(),
                file: "src/main.py".into()
            }
        );
        assert!(matches!(
            classify_entrypoint("dockerfile", no_dirs),
            Entrypoint::Dockerfile { .. }
        ));
        assert!(matches!(
            classify_entrypoint("Dockerfile.prod", no_dirs),
            Entrypoint::File { .. }
        ));
        assert!(matches!(
            classify_entrypoint("api/", |p: &str| p == "api"),
            Entrypoint::Directory { .. }
        ));
        assert_eq!(
            classify_entrypoint("pyproject.toml", no_dirs),
            Entrypoint::Pyproject
        );
        assert!(matches!(
            classify_entrypoint("a:b:c", no_dirs),
            Entrypoint::File { .. }
        ));
    }

    #[test]
    fn the_lowest_tcp_port_exposed_wins() {
        let dockerfile = "FROM x\nEXPOSE 9000 8080/tcp\nexpose 53/udp\nEXPOSE $PORT\n";
        assert_eq!(lowest_exposed_port(dockerfile), Some(8080));
        assert_eq!(lowest_exposed_port("FROM x\n"), None);
    }
}
