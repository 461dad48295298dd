//! Regular expressions handed to nginx (PCRE): capturing groups renamed so each rule's captures
//! live in their own nginx variables and survive later matches (nginx's `$1` is overwritten by
//! every regex test, and stops at `$9`).

/// A regex rewritten for nginx, and the variable that holds each group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    pub regex: String,
    /// Variable of group number `n` at index `n - 1`.
    pub numbered: Vec<String>,
    /// `(name, variable)` of each named group.
    pub named: Vec<(String, String)>,
}

/// Renames every capturing group: `( … )` becomes `(?<{prefix}{n}> … )` and `(?<name> … )`
/// becomes `(?<{prefix}{name}> … )`. Group numbers are kept (PCRE numbers named groups too).
pub fn rename_groups(regex: &str, prefix: &str) -> Result<Renamed, String> {
    let chars: Vec<char> = regex.chars().collect();
    let mut out = String::with_capacity(regex.len() + 16);
    let mut renamed = Renamed {
        regex: String::new(),
        numbered: Vec::new(),
        named: Vec::new(),
    };
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let next = chars.get(i + 1).copied();
                if matches!(next, Some('u' | 'U' | 'L' | 'l' | 'N')) {
                    return Err(format!(
                        "the escape `\\{}` is not supported by nginx's PCRE",
                        next.unwrap_or(' ')
                    ));
                }
                out.push(c);
                if let Some(next) = next {
                    out.push(next);
                }
                i += 2;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push(']');
                    i += 1;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '(' if !in_class => {
                i = open_group(&chars, i, prefix, &mut out, &mut renamed)?;
                continue;
            }
            c => out.push(c),
        }
        i += 1;
    }
    renamed.regex = out;
    Ok(renamed)
}

/// Handles the `(` at `i`; returns the index after what it consumed.
fn open_group(
    chars: &[char],
    i: usize,
    prefix: &str,
    out: &mut String,
    renamed: &mut Renamed,
) -> Result<usize, String> {
    let rest: String = chars[i + 1..].iter().take(3).collect();
    if rest.starts_with('*') {
        return Err("PCRE verbs such as `(*UTF)` are not allowed".to_string());
    }
    let name_start =
        if rest.starts_with("?<") && !rest.starts_with("?<=") && !rest.starts_with("?<!") {
            Some((i + 3, '>'))
        } else if rest.starts_with("?P<") {
            Some((i + 4, '>'))
        } else if rest.starts_with("?'") {
            Some((i + 3, '\''))
        } else {
            None
        };
    if let Some((start, close)) = name_start {
        let end = chars[start..]
            .iter()
            .position(|c| *c == close)
            .map(|p| start + p)
            .ok_or_else(|| "unterminated group name".to_string())?;
        let name: String = chars[start..end].iter().collect();
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!("invalid group name `{name}`"));
        }
        let var = format!("{prefix}{name}");
        out.push_str(&format!("(?<{var}>"));
        renamed.numbered.push(var.clone());
        renamed.named.push((name, var));
        return Ok(end + 1);
    }
    if rest.starts_with('?') {
        out.push('(');
        return Ok(i + 1);
    }
    let var = format!("{prefix}{}", renamed.numbered.len() + 1);
    out.push_str(&format!("(?<{var}>"));
    renamed.numbered.push(var);
    Ok(i + 1)
}

/// A regex matching exactly `text`.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_and_named_groups_get_prefixed_names_and_keep_their_numbers() {
        let r = rename_groups(r"^/a/([^/]+)/(?<tenant>\w+)(?:/x)?[(]$", "svc_r1_").unwrap();
        assert_eq!(
            r.regex,
            r"^/a/(?<svc_r1_1>[^/]+)/(?<svc_r1_tenant>\w+)(?:/x)?[(]$"
        );
        assert_eq!(r.numbered, vec!["svc_r1_1", "svc_r1_tenant"]);
        assert_eq!(
            r.named,
            vec![("tenant".to_string(), "svc_r1_tenant".to_string())]
        );
    }

    #[test]
    fn escapes_classes_and_lookarounds_are_not_groups() {
        let r = rename_groups(r"\(x\)[()\]](?=a)(?!b)(?<=c)(?<!d)(?i)", "p").unwrap();
        assert_eq!(r.regex, r"\(x\)[()\]](?=a)(?!b)(?<=c)(?<!d)(?i)");
        assert!(r.numbered.is_empty());
    }

    #[test]
    fn unsupported_constructs_are_refused() {
        assert!(rename_groups(r"(*UTF)a", "p").is_err());
        assert!(rename_groups(r"\u0041", "p").is_err());
        assert!(rename_groups(r"(?<1x>a)", "p").is_err());
    }

    #[test]
    fn literals_are_escaped() {
        assert_eq!(literal("a.b/c(d)"), r"a\.b\/c\(d\)");
    }
}
