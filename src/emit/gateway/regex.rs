//! Regular expressions handed to nginx (PCRE): capturing groups renamed so each rule's captures
//! live in their own nginx variables and survive later matches (nginx's `$1` is overwritten by
//! every regex test, and stops at `$9`). Config regexes are JavaScript; the constructs whose
//! meaning differs in PCRE are refused rather than passed on.

/// A regex rewritten for nginx, and the variable that holds each group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    pub regex: String,
    /// Variable of group number `n` at index `n - 1`.
    pub numbered: Vec<String>,
    /// `(name, variable)` of each named group.
    pub named: Vec<(String, String)>,
}

/// Escapes JavaScript and PCRE read differently (or PCRE rejects): `\A \Z \z \G \h \v \R \K \Q \E
/// \p \P \a \e \C \L \l \N \u \U \X`.
const DIVERGENT_ESCAPES: &str = "AZzGhHvVRKQEpPaeCLlNuUX";

/// Renames every capturing group: `( … )` becomes `(?<{prefix}g{n}> … )` and `(?<name> … )`
/// becomes `(?<{prefix}n_{name}> … )` (so no name can collide with a numbered group or with
/// other variables under the prefix). Group numbers are kept: PCRE numbers named groups too.
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
                i = escape(&chars, i, prefix, &mut out)?;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                match chars.get(i + 1) {
                    Some(']') => {
                        return Err(
                            "`[]` and `[^]` mean different things in JavaScript and PCRE"
                                .to_string(),
                        );
                    }
                    None => return Err("unterminated character class".to_string()),
                    _ => {}
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

/// Copies the escape at `i`, renaming `\k<name>` back-references; returns the next index.
fn escape(chars: &[char], i: usize, prefix: &str, out: &mut String) -> Result<usize, String> {
    let Some(&next) = chars.get(i + 1) else {
        return Err("a trailing `\\` escapes nothing".to_string());
    };
    if DIVERGENT_ESCAPES.contains(next) {
        return Err(format!(
            "the escape `\\{next}` means something else (or nothing) in nginx's PCRE"
        ));
    }
    if next == 'k' && chars.get(i + 2) == Some(&'<') {
        let start = i + 3;
        let end = chars[start..]
            .iter()
            .position(|c| *c == '>')
            .map(|p| start + p)
            .ok_or("unterminated `\\k<`")?;
        let name: String = chars[start..end].iter().collect();
        out.push_str(&format!("\\k<{prefix}n_{name}>"));
        return Ok(end + 1);
    }
    out.push('\\');
    out.push(next);
    Ok(i + 2)
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
        if renamed.named.iter().any(|(existing, _)| *existing == name) {
            return Err(format!("the group name `{name}` is used twice"));
        }
        let var = checked_name(format!("{prefix}n_{name}"))?;
        out.push_str(&format!("(?<{var}>"));
        renamed.numbered.push(var.clone());
        renamed.named.push((name, var));
        return Ok(end + 1);
    }
    if rest.starts_with('?') {
        out.push('(');
        return Ok(i + 1);
    }
    let var = checked_name(format!("{prefix}g{}", renamed.numbered.len() + 1))?;
    out.push_str(&format!("(?<{var}>"));
    renamed.numbered.push(var);
    Ok(i + 1)
}

/// PCRE refuses group names longer than 32 characters.
fn checked_name(name: String) -> Result<String, String> {
    if name.len() > 32 {
        return Err(format!(
            "the capture name `{name}` is too long for nginx's PCRE (32 characters); use a shorter group name"
        ));
    }
    Ok(name)
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
        let r = rename_groups(
            r"^/a/([^/]+)/(?<tenant>\w+)(?:/x)?[(]\k<tenant>$",
            "svc_r1_",
        )
        .unwrap();
        assert_eq!(
            r.regex,
            r"^/a/(?<svc_r1_g1>[^/]+)/(?<svc_r1_n_tenant>\w+)(?:/x)?[(]\k<svc_r1_n_tenant>$"
        );
        assert_eq!(r.numbered, vec!["svc_r1_g1", "svc_r1_n_tenant"]);
        assert_eq!(
            r.named,
            vec![("tenant".to_string(), "svc_r1_n_tenant".to_string())]
        );
    }

    #[test]
    fn escapes_classes_and_lookarounds_are_not_groups() {
        let r = rename_groups(r"\(x\)[()\]](?=a)(?!b)(?<=c)(?<!d)(?i)", "p").unwrap();
        assert_eq!(r.regex, r"\(x\)[()\]](?=a)(?!b)(?<=c)(?<!d)(?i)");
        assert!(r.numbered.is_empty());
    }

    #[test]
    fn constructs_that_differ_from_javascript_are_refused() {
        for regex in [
            r"(*UTF)a",
            r"\u0041",
            r"(?<1x>a)",
            r"[^]*",
            r"a\Z",
            r"\p{L}+",
            r"(?<n>a)|(?<n>b)",
            "a\\",
            r"\v",
        ] {
            assert!(rename_groups(regex, "p").is_err(), "{regex}");
        }
    }

    #[test]
    fn literals_are_escaped() {
        assert_eq!(literal("a.b/c(d)"), r"a\.b\/c\(d\)");
    }
}
