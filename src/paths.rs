//! Relative paths between directories, worked out lexically so the target need not exist yet.

use std::path::{Component, Path, PathBuf};

/// `path` made absolute against the current directory, with `.` and `..` resolved by name.
pub fn absolute(path: &Path) -> PathBuf {
    // `Path::new("")` is the parent of a bare file name: the current directory.
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    let joined = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The path that leads from directory `from` to `to`, with `/` separators; `""` when they are
/// the same directory.
pub fn relative(from: &Path, to: &Path) -> String {
    let (from, to) = (absolute(from), absolute(to));
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_string(), from.len() - common);
    let downs = to[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

/// The name of the directory holding `path`, resolved (so `./vercel.json` gives the working
/// directory's name).
pub fn dir_name(path: &Path) -> String {
    let dir = absolute(path.parent().unwrap_or(Path::new("")));
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_then_descend() {
        assert_eq!(relative(Path::new("/a/b/out"), Path::new("/a/b")), "..");
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b")), "");
        assert_eq!(
            relative(Path::new("/a/x/y"), Path::new("/a/b/c")),
            "../../b/c"
        );
        assert_eq!(relative(Path::new("/a"), Path::new("/a/b")), "b");
    }

    #[test]
    fn an_empty_directory_is_the_current_one() {
        let here = std::env::current_dir().unwrap();
        assert_eq!(absolute(Path::new("")), here);
        assert_eq!(relative(Path::new("out"), Path::new("")), "..");
        assert_eq!(
            dir_name(Path::new("vercel.json")),
            here.file_name().unwrap().to_string_lossy()
        );
    }

    #[test]
    fn directory_names_resolve_dots() {
        assert_eq!(dir_name(Path::new("/srv/shop/vercel.json")), "shop");
        assert_eq!(
            dir_name(Path::new("/srv/shop/./sub/../vercel.json")),
            "shop"
        );
    }
}
