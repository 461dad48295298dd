//! Regular expressions from a config run in nginx's PCRE on every request, where a crafted path
//! or header can make a backtracking engine take exponential time. The classic shape is a
//! repetition of variable length inside a repetition (`(a+)+`, `(.*)*`, `(a{1,3})+`): many ways
//! to split the same text. Such regexes are refused, unless each round of the outer repetition
//! must match a character the inner one cannot (`(?:/[^/]+)*`), which leaves one way to split.

use fancy_regex::Expr;
use std::collections::{BTreeSet, HashMap};

/// Why a regex is refused, in words for the user.
pub fn backtracking_hazard(regex: &str) -> Option<String> {
    // fancy-regex reads `(?R)` as a flag; PCRE reads it as recursion into the whole regex.
    let recursive = regex.contains("(?R)");
    let tree = Expr::parse_tree(regex).ok();
    if recursive || tree.as_ref().is_some_and(|t| t.contains_subroutines) {
        return Some(
            "subroutine calls and recursion (`(?1)`, `(?R)`) are not allowed: nginx would run them on every request"
                .to_string(),
        );
    }
    Analysis::default().find_nested(&tree?.expr, &[]).then(|| {
        "a repetition inside a repetition (like `(a+)+` or `(.*)*`) can take exponential time in nginx on a crafted request; repeat once (`a+`), give the inner part a fixed length (`\\d{4}`), or separate rounds by a character the inner part cannot match (`(?:/[^/]+)*`)".to_string()
    })
}

/// One regex's analysis; remembers what each one-character delegate matches, since the same
/// classes are asked about the same separators many times.
#[derive(Default)]
struct Analysis {
    delegates: HashMap<(String, bool, char), bool>,
}

impl Analysis {
    /// Whether `expr` holds a variable-length repetition inside a round of one of the `outer`
    /// repetitions that none of that round's separators guards.
    fn find_nested(&mut self, expr: &Expr, outer: &[BTreeSet<char>]) -> bool {
        if let Expr::Repeat { child, lo, hi, .. } = expr {
            let variable = lo < hi;
            if variable
                && outer
                    .iter()
                    .any(|separators| separators.iter().all(|c| self.can_match(child, *c)))
            {
                return true;
            }
            if *hi >= 2 {
                let mut nested = outer.to_vec();
                nested.push(mandatory_chars(child).into_iter().collect());
                return self.find_nested(child, &nested);
            }
            return self.find_nested(child, outer);
        }
        children(expr).any(|child| self.find_nested(child, outer))
    }

    /// Whether `expr` might consume `c` somewhere: errs towards yes.
    fn can_match(&mut self, expr: &Expr, c: char) -> bool {
        match expr {
            Expr::Empty | Expr::Assertion(_) | Expr::LookAround(..) => false,
            Expr::Literal { val, casei } => {
                val.contains(c) || (*casei && val.to_lowercase().contains(c.to_ascii_lowercase()))
            }
            Expr::Any { newline, .. } => c != '\n' || *newline,
            Expr::Delegate { inner, casei } => *self
                .delegates
                .entry((inner.clone(), *casei, c))
                .or_insert_with(|| delegate_matches(inner, *casei, c)),
            Expr::Concat(_)
            | Expr::Alt(_)
            | Expr::Group(_)
            | Expr::Repeat { .. }
            | Expr::AtomicGroup(_) => children(expr).any(|child| self.can_match(child, c)),
            _ => true,
        }
    }
}

/// Characters every match of `expr` contains for sure: literals directly in its sequence.
fn mandatory_chars(expr: &Expr) -> Vec<char> {
    match expr {
        Expr::Literal { val, casei: false } => val.chars().collect(),
        Expr::Concat(items) => items.iter().flat_map(mandatory_chars).collect(),
        Expr::Group(inner) => mandatory_chars(inner),
        Expr::Repeat { child, lo, .. } if *lo > 0 => mandatory_chars(child),
        _ => Vec::new(),
    }
}

/// A delegate is a one-character regex (a class, an escape); unknown means it may match.
fn delegate_matches(inner: &str, casei: bool, c: char) -> bool {
    let flags = if casei { "(?i)" } else { "" };
    fancy_regex::Regex::new(&format!("{flags}^(?:{inner})$"))
        .ok()
        .and_then(|re| re.is_match(c.encode_utf8(&mut [0; 4])).ok())
        .unwrap_or(true)
}

fn children(expr: &Expr) -> impl Iterator<Item = &Expr> {
    expr.children_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_unbounded_repetition_is_refused() {
        for regex in [
            "(a+)+",
            "(.*)*",
            "(?:\\d+)*x",
            "((ab)*c*)+",
            "(a{1,100}){2,50}",
            "(a{1,3})+",
            "(?:a?b?)+",
            "(.*){3}x",
            "(?:x|y+)+",
            "(?:/.*)+",
        ] {
            assert!(
                backtracking_hazard(regex).is_some(),
                "{regex} should be refused"
            );
        }
    }

    #[test]
    fn single_bounded_or_separated_repetition_is_allowed() {
        for regex in [
            ".*",
            "\\d+",
            "(a{3})+",
            "(\\d{4}-)+",
            "(?:ab?)+",
            "(?:/[^/]+)*",
            "(?:[a-z]+-)+[0-9]",
            "(?:a|b)+",
            "^/api/(.*)$",
            "(?:\\.[a-z]{2,4})+",
        ] {
            assert_eq!(
                backtracking_hazard(regex),
                None,
                "{regex} should be allowed"
            );
        }
    }

    #[test]
    fn recursion_is_refused() {
        assert!(backtracking_hazard("(?<n>a)\\g<n>").is_some());
        assert!(backtracking_hazard("a(?R)?b").is_some());
    }
}
