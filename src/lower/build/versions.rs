//! Which language and package-manager versions a project asks for, resolved as Vercel's
//! builders resolve them, to exact versions svc pins (docs/builds.md lists them).

/// Node majors Vercel builds with, newest first, and the exact release svc pins for each.
/// Vercel picks the newest major the project's range allows; with no range, the newest.
pub const NODE: &[(u64, &str)] = &[(24, "24.11.1"), (22, "22.14.0"), (20, "20.18.1")];

/// Python versions Vercel builds with, in the order it tries them: its default first, then
/// newest first. The pins are the exact releases of the official images.
pub const PYTHON: &[(&str, &str)] = &[
    ("3.12", "3.12.8"),
    ("3.14", "3.14.0"),
    ("3.13", "3.13.1"),
    ("3.11", "3.11.11"),
    ("3.10", "3.10.16"),
    ("3.9", "3.9.21"),
];

/// Go minor versions and the patch release Vercel's Go builder maps each to; the first is its
/// default when go.mod names none.
pub const GO: &[(&str, &str)] = &[
    ("1.26", "1.26.1"),
    ("1.25", "1.25.8"),
    ("1.24", "1.24.13"),
    ("1.23", "1.23.12"),
    ("1.22", "1.22.12"),
    ("1.21", "1.21.13"),
    ("1.20", "1.20.14"),
    ("1.19", "1.19.13"),
    ("1.18", "1.18.10"),
    ("1.17", "1.17.13"),
    ("1.16", "1.16.15"),
    ("1.15", "1.15.15"),
    ("1.14", "1.14.15"),
    ("1.13", "1.13.15"),
];

/// The release of each package-manager major svc installs when the project pins none: the
/// newest of that major.
pub const PNPM: &[(u64, &str)] = &[
    (6, "6.35.1"),
    (7, "7.33.7"),
    (8, "8.15.9"),
    (9, "9.15.9"),
    (10, "10.34.9"),
];
pub const YARN_CLASSIC: &str = "1.22.22";
/// Yarn 2 and later (berry), published as `@yarnpkg/cli-dist`.
pub const YARN_BERRY: &[(u64, &str)] = &[(2, "2.4.2"), (3, "3.8.7"), (4, "4.18.1")];
pub const BUN: &str = "1.2.2";

/// The Node major for an `engines.node` range (or an `.nvmrc` line read as one): the newest
/// major the range overlaps. `None` when none does, or the range is not one.
pub fn node_major(range: &str) -> Option<u64> {
    let range = parse_range(range)?;
    NODE.iter()
        .map(|(major, _)| *major)
        .find(|major| range.overlaps(&Interval::major(*major)))
}

pub fn node_release(major: u64) -> &'static str {
    NODE.iter()
        .find(|(m, _)| *m == major)
        .map_or(NODE[0].1, |(_, v)| v)
}

/// An `.nvmrc` / `.node-version` line as a range: `20`, `v20.11.0`, `lts/jod`; `node` and
/// `lts/*` mean the newest (no range).
pub fn nvmrc_range(text: &str) -> Option<Option<String>> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let codename = |name: &str| match name {
        "iron" => Some("20"),
        "jod" => Some("22"),
        "krypton" => Some("24"),
        _ => None,
    };
    match line.to_ascii_lowercase().as_str() {
        "node" | "lts/*" | "stable" | "latest" => Some(None),
        lower => {
            if let Some(name) = lower.strip_prefix("lts/") {
                return codename(name).map(|m| Some(m.to_string()));
            }
            let version = lower.strip_prefix('v').unwrap_or(lower);
            parse_range(version).map(|_| Some(version.to_string()))
        }
    }
}

/// A version as three numbers; missing parts are zero.
type Version = (u64, u64, u64);

/// A bound of an interval of versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    Unbounded,
    Inclusive(Version),
    Exclusive(Version),
}

/// One comparator set of a semver range, as the interval of versions it admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Interval {
    low: Bound,
    high: Bound,
}

impl Interval {
    const ALL: Interval = Interval {
        low: Bound::Unbounded,
        high: Bound::Unbounded,
    };

    fn major(major: u64) -> Interval {
        Interval {
            low: Bound::Inclusive((major, 0, 0)),
            high: Bound::Exclusive((major + 1, 0, 0)),
        }
    }

    fn intersect(self, other: Interval) -> Interval {
        let low = match (self.low, other.low) {
            (Bound::Unbounded, b) | (b, Bound::Unbounded) => b,
            (a, b) => {
                let (va, vb) = (bound_version(a), bound_version(b));
                if va > vb || (va == vb && matches!(a, Bound::Exclusive(_))) {
                    a
                } else {
                    b
                }
            }
        };
        let high = match (self.high, other.high) {
            (Bound::Unbounded, b) | (b, Bound::Unbounded) => b,
            (a, b) => {
                let (va, vb) = (bound_version(a), bound_version(b));
                if va < vb || (va == vb && matches!(a, Bound::Exclusive(_))) {
                    a
                } else {
                    b
                }
            }
        };
        Interval { low, high }
    }

    fn is_empty(self) -> bool {
        match (self.low, self.high) {
            (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
            (low, high) => {
                let (l, h) = (bound_version(low), bound_version(high));
                l > h
                    || (l == h
                        && (matches!(low, Bound::Exclusive(_))
                            || matches!(high, Bound::Exclusive(_))))
            }
        }
    }
}

fn bound_version(bound: Bound) -> Version {
    match bound {
        Bound::Inclusive(v) | Bound::Exclusive(v) => v,
        Bound::Unbounded => (0, 0, 0),
    }
}

/// A semver range: comparator sets joined by `||`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Range(Vec<Interval>);

impl Range {
    fn overlaps(&self, other: &Interval) -> bool {
        self.0.iter().any(|set| !set.intersect(*other).is_empty())
    }
}

/// A partial version: `20`, `20.1`, `20.1.3`, with `x` / `*` wildcards; the number of parts
/// given matters to caret, tilde and x-ranges.
fn partial(text: &str) -> Option<(Vec<u64>, usize)> {
    let text = text.trim().trim_start_matches(['v', '=']);
    let text = text.split(['-', '+']).next()?;
    if text.is_empty() || text == "*" || text.eq_ignore_ascii_case("x") {
        return Some((Vec::new(), 0));
    }
    let mut parts = Vec::new();
    for piece in text.split('.') {
        if piece == "*" || piece.eq_ignore_ascii_case("x") {
            break;
        }
        parts.push(piece.parse().ok()?);
    }
    if parts.len() > 3 {
        return None;
    }
    let given = parts.len();
    Some((parts, given))
}

fn padded(parts: &[u64]) -> Version {
    (
        parts.first().copied().unwrap_or(0),
        parts.get(1).copied().unwrap_or(0),
        parts.get(2).copied().unwrap_or(0),
    )
}

/// The interval an x-range (`20`, `20.1`, `*`) admits.
fn x_range(parts: &[u64]) -> Interval {
    match parts {
        [] => Interval::ALL,
        [major] => Interval::major(*major),
        [major, minor] => Interval {
            low: Bound::Inclusive((*major, *minor, 0)),
            high: Bound::Exclusive((*major, minor + 1, 0)),
        },
        _ => {
            let v = padded(parts);
            Interval {
                low: Bound::Inclusive(v),
                high: Bound::Inclusive(v),
            }
        }
    }
}

fn comparator(token: &str) -> Option<Interval> {
    let (op, rest) = ["<=", ">=", "<", ">", "=", "^", "~"]
        .iter()
        .find_map(|op| token.strip_prefix(op).map(|rest| (*op, rest)))
        .unwrap_or(("", token));
    let (parts, given) = partial(rest)?;
    let v = padded(&parts);
    Some(match op {
        "" | "=" => x_range(&parts),
        ">=" => Interval {
            low: Bound::Inclusive(v),
            high: Bound::Unbounded,
        },
        ">" if given == 0 => return None,
        ">" => {
            // `>20` means `>=21.0.0`: the whole of 20 is excluded.
            let next = x_range(&parts).high;
            Interval {
                low: match next {
                    Bound::Exclusive(n) => Bound::Inclusive(n),
                    other => match other {
                        Bound::Inclusive(n) => Bound::Exclusive(n),
                        b => b,
                    },
                },
                high: Bound::Unbounded,
            }
        }
        "<" => Interval {
            low: Bound::Unbounded,
            high: Bound::Exclusive(v),
        },
        "<=" => Interval {
            low: Bound::Unbounded,
            high: x_range(&parts).high,
        },
        "~" => match given {
            0 => Interval::ALL,
            1 => Interval::major(v.0),
            _ => Interval {
                low: Bound::Inclusive(v),
                high: Bound::Exclusive((v.0, v.1 + 1, 0)),
            },
        },
        "^" => {
            let high = if v.0 > 0 || given == 1 {
                (v.0 + 1, 0, 0)
            } else if v.1 > 0 || given == 2 {
                (0, v.1 + 1, 0)
            } else {
                (0, 0, v.2 + 1)
            };
            Interval {
                low: Bound::Inclusive(v),
                high: Bound::Exclusive(high),
            }
        }
        _ => return None,
    })
}

fn parse_range(text: &str) -> Option<Range> {
    let mut sets = Vec::new();
    for alternative in text.split("||") {
        let alternative = alternative.trim();
        // A hyphen range: `20 - 22`.
        if let Some((low, high)) = alternative.split_once(" - ") {
            let (low_parts, _) = partial(low)?;
            let (high_parts, _) = partial(high)?;
            sets.push(Interval {
                low: Bound::Inclusive(padded(&low_parts)),
                high: x_range(&high_parts).high,
            });
            continue;
        }
        // Operators may be written apart from their version (`>= 20`).
        let mut tokens: Vec<String> = Vec::new();
        for word in alternative.split_whitespace() {
            match tokens.last_mut() {
                Some(last) if ["<", ">", "<=", ">=", "=", "^", "~"].contains(&last.as_str()) => {
                    last.push_str(word)
                }
                _ => tokens.push(word.to_string()),
            }
        }
        let mut set = Interval::ALL;
        for token in &tokens {
            set = set.intersect(comparator(token)?);
        }
        sets.push(set);
    }
    (!sets.is_empty()).then_some(Range(sets))
}

/// A Python version specifier (`>=3.11`, `==3.12.*`, `~=3.11`, `3.13`), resolved as Vercel
/// does: patch versions truncated, `~=X.Y` read as `==X.Y.*`, and the first of [`PYTHON`]'s
/// order that satisfies every clause. `None` when none does.
pub fn python_minor(spec: &str) -> Option<&'static str> {
    let clauses: Vec<Clause> = spec
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(python_clause)
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    PYTHON
        .iter()
        .find(|(minor, _)| {
            let v = split_minor(minor);
            clauses
                .iter()
                .all(|(op, bound, wildcard)| satisfies(op, v, *bound, *wildcard))
        })
        .map(|(minor, _)| *minor)
}

pub fn python_release(minor: &str) -> &'static str {
    PYTHON
        .iter()
        .find(|(m, _)| *m == minor)
        .map_or(PYTHON[0].1, |(_, v)| v)
}

fn split_minor(text: &str) -> (u64, u64) {
    let mut parts = text.split('.');
    let major = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor)
}

/// A specifier clause: the operator, the major.minor it compares with, and whether only the
/// major counts (`==3.*`).
type Clause = (String, (u64, u64), bool);

/// One clause; `None` inside when a clause drops out (`!=X.Y.Z`), `None` outside when it is
/// not a specifier.
fn python_clause(clause: &str) -> Option<Option<Clause>> {
    let (op, rest) = ["===", "==", "!=", "~=", ">=", "<=", ">", "<"]
        .iter()
        .find_map(|op| clause.strip_prefix(op).map(|rest| (*op, rest.trim())))
        .unwrap_or(("==", clause));
    let wildcard = rest.ends_with(".*");
    let rest = rest.trim_end_matches(".*");
    let parts: Vec<u64> = rest
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<Vec<_>>>()?;
    let (major, minor, patch) = match parts.as_slice() {
        [major] => (*major, None, None),
        [major, minor] => (*major, Some(*minor), None),
        [major, minor, patch, ..] => (*major, Some(*minor), Some(*patch)),
        [] => return None,
    };
    let bound = (major, minor.unwrap_or(0));
    // Vercel compares major.minor only: a patch narrows a clause to its minor.
    let clause = match (op, patch) {
        ("!=", Some(_)) => return Some(None),
        ("==" | "===" | "~=", Some(_)) => ("==".to_string(), bound, false),
        (">", Some(p)) if p > 0 => (">=".to_string(), bound, false),
        ("<", Some(p)) if p > 0 => ("<=".to_string(), bound, false),
        ("~=", None) => ("==".to_string(), bound, minor.is_none()),
        ("==" | "===", None) => ("==".to_string(), bound, wildcard && minor.is_none()),
        (op, _) => (op.to_string(), bound, false),
    };
    Some(Some(clause))
}

fn satisfies(op: &str, v: (u64, u64), bound: (u64, u64), major_only: bool) -> bool {
    if major_only {
        return match op {
            "==" => v.0 == bound.0,
            "!=" => v.0 != bound.0,
            _ => false,
        };
    }
    match op {
        "==" => v == bound,
        "!=" => v != bound,
        ">=" => v >= bound,
        "<=" => v <= bound,
        ">" => v > bound,
        "<" => v < bound,
        _ => false,
    }
}

/// The Go release go.mod asks for: its `toolchain` directive, else its `go` directive (a
/// minor version through Vercel's map). `Err` when it names a minor svc has no release for.
pub fn go_release(go_mod: &str) -> Result<String, String> {
    let directive = |name: &str| {
        go_mod.lines().find_map(|line| {
            let line = line.split("//").next()?.trim();
            let rest = line.strip_prefix(name)?;
            rest.starts_with(char::is_whitespace)
                .then(|| rest.trim().to_string())
        })
    };
    if let Some(toolchain) =
        directive("toolchain").and_then(|t| t.strip_prefix("go").map(String::from))
    {
        return if is_go_release(&toolchain) {
            Ok(toolchain)
        } else {
            Err(format!(
                "go.mod's `toolchain go{toolchain}` is not a Go release"
            ))
        };
    }
    let Some(go) = directive("go") else {
        return Ok(GO[0].1.to_string());
    };
    let parts: Vec<&str> = go.split('.').collect();
    match parts.as_slice() {
        [_, _, _] if is_go_release(&go) => Ok(go),
        [major, minor] => GO
            .iter()
            .find(|(v, _)| *v == format!("{major}.{minor}"))
            .map(|(_, release)| release.to_string())
            .ok_or(format!(
                "go.mod asks for Go {go}, which svc has no release of"
            )),
        _ => Err(format!("go.mod's `go {go}` is not a Go version")),
    }
}

/// `1.23.4`, `1.23`, `1.23rc1`: the forms Go's own releases take, and all a Go image tag may
/// carry from go.mod.
fn is_go_release(text: &str) -> bool {
    let (numbers, suffix) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => (&text[..at], &text[at..]),
        None => (text, ""),
    };
    let parts: Vec<&str> = numbers.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    let suffix_ok = suffix.is_empty()
        || ["rc", "beta"].iter().any(|kind| {
            suffix
                .strip_prefix(kind)
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        });
    (2..=3).contains(&parts.len()) && parts.iter().all(numeric) && suffix_ok
}

/// An exact version as `packageManager` pins one: `9.15.0`, `4.0.0-rc.1`.
pub fn is_exact_version(text: &str) -> bool {
    let (core, pre) = text.split_once('-').unwrap_or((text, ""));
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && pre.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_release_shaped_versions_reach_an_image_tag() {
        assert!(is_go_release("1.23.4") && is_go_release("1.23rc1"));
        assert!(go_release("go 1.22.1 AS x\n").is_err());
        assert!(go_release("go 1.22\ntoolchain go${X}\n").is_err());
        assert!(is_exact_version("9.15.0") && is_exact_version("4.0.0-rc.1"));
        assert!(!is_exact_version("latest") && !is_exact_version("9"));
        assert!(!is_exact_version("9.x.0"));
    }

    #[test]
    fn node_ranges_pick_the_newest_major_they_overlap() {
        assert_eq!(node_major("22.x"), Some(22));
        assert_eq!(node_major("22"), Some(22));
        assert_eq!(node_major("^22.5.0"), Some(22));
        assert_eq!(node_major(">=18"), Some(24));
        assert_eq!(node_major(">= 20 < 23"), Some(22));
        assert_eq!(node_major("^20 || ^22"), Some(22));
        assert_eq!(node_major("20.1.0"), Some(20));
        assert_eq!(node_major("~20.11"), Some(20));
        assert_eq!(node_major("*"), Some(24));
        assert_eq!(node_major("20 - 22"), Some(22));
        assert_eq!(node_major("<21"), Some(20));
        assert_eq!(node_major(">22"), Some(24));
        assert_eq!(node_major("18.x"), None);
        assert_eq!(node_major("26.x"), None);
        assert_eq!(node_major("lts/*"), None);
    }

    #[test]
    fn nvmrc_lines_read_as_ranges() {
        assert_eq!(nvmrc_range("v20.11.0\n"), Some(Some("20.11.0".into())));
        assert_eq!(nvmrc_range("20"), Some(Some("20".into())));
        assert_eq!(nvmrc_range("lts/jod"), Some(Some("22".into())));
        assert_eq!(nvmrc_range("lts/*"), Some(None));
        assert_eq!(nvmrc_range("lts/hydrogen"), None);
    }

    #[test]
    fn python_specifiers_resolve_in_vercels_order() {
        assert_eq!(python_minor(""), Some("3.12"));
        assert_eq!(python_minor(">=3.10"), Some("3.12"));
        assert_eq!(python_minor(">=3.13"), Some("3.14"));
        assert_eq!(python_minor("<3.12"), Some("3.11"));
        assert_eq!(python_minor("~=3.11"), Some("3.11"));
        assert_eq!(python_minor("==3.13.*"), Some("3.13"));
        assert_eq!(python_minor("3.13.1"), Some("3.13"));
        assert_eq!(python_minor(">=3.11,<3.12"), Some("3.11"));
        assert_eq!(python_minor("3.15"), None);
        assert_eq!(python_minor("==3"), None);
        assert_eq!(python_minor("3.*"), Some("3.12"));
    }

    #[test]
    fn go_mod_names_its_release() {
        assert_eq!(go_release("module x\n\ngo 1.22\n").unwrap(), "1.22.12");
        assert_eq!(go_release("go 1.23.4\n").unwrap(), "1.23.4");
        assert_eq!(
            go_release("go 1.22\ntoolchain go1.24.3\n").unwrap(),
            "1.24.3"
        );
        assert_eq!(go_release("module x\n").unwrap(), "1.26.1");
        assert!(go_release("go 1.99\n").is_err());
    }
}
