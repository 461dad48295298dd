//! Regular expressions from a config run in nginx's PCRE on every request, where a crafted path
//! or header can make a backtracking engine take exponential time. That happens when one
//! repetition's rounds can split the same text in many ways: a variable-length repetition
//! inside it (`(a+)+`, `(.*)*`, `(a{1,3})+`, `(?:a*xa*)+`), or alternatives that match the same
//! text (`(?:a|aa)+`, `(\w|\d)+`). Such regexes are refused. A round is safe when it is fixed
//! text and at most one variable-length part, with a separator at its start or end that the
//! variable part cannot match (`(?:/[^/]+)*`, `(?:[a-z]+-)+`): then there is one way to split.
//! Three variable-length parts in a row that can share text (`.*a.*b.*`, `/:a-:b-:c`) are
//! refused too: their cost grows with the cube of the text's length.

use fancy_regex::Expr;
use std::collections::HashMap;

const RUN: &str = "three variable-length parts in a row that can match the same characters (like `.*a.*b.*` or `/:a-:b-:c`) make a failing match try every way to cut the text, slowing nginx on a crafted request; separate them by a character the parts before cannot match, or narrow them (`[^/-]+`)";

const REPEAT: &str = "a repetition whose rounds can split the same text in many ways (like `(a+)+`, `(.*)*`, `(?:a*-a*)+` or `(?:a|aa)+`) can take exponential time in nginx on a crafted request; repeat once (`a+`), give the inner part a fixed length (`\\d{4}`), or start or end each round with a character the rest cannot match (`(?:/[^/]+)*`)";

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
    Analysis::default().hazard(&tree?.expr).map(str::to_string)
}

/// One regex's analysis; remembers what each one-character delegate matches, since the same
/// classes are asked about the same separators many times.
#[derive(Default)]
struct Analysis {
    delegates: HashMap<(String, bool, char), bool>,
}

impl Analysis {
    /// Why `expr` could backtrack badly: some repetition has rounds that can split text in many
    /// ways, or some sequence has three variable-length parts that can share text.
    fn hazard(&mut self, expr: &Expr) -> Option<&'static str> {
        if let Expr::Repeat { child, hi, .. } = expr
            && *hi >= 2
        {
            return match self.guarded_round(child) {
                Some(variable) => variable.and_then(|v| self.hazard(v)),
                None => ambiguous(child).then_some(REPEAT),
            };
        }
        if matches!(expr, Expr::Concat(_)) && self.long_overlapping_run(&sequence(expr)) {
            return Some(RUN);
        }
        children(expr).find_map(|child| self.hazard(child))
    }

    /// Three variable-length parts in a row with nothing between them that the earlier ones
    /// cannot match (`.*a.*b.*`, `/:a-:b-:c`): a failing match tries every way to cut the text
    /// in three, a cost that grows with the cube of its length.
    fn long_overlapping_run(&mut self, items: &[&Expr]) -> bool {
        let mut run: Vec<&Expr> = Vec::new();
        for item in items {
            if !fixed(item) {
                run.push(item);
                if run.len() >= 3 {
                    return true;
                }
            } else if let Some((c, casei)) = first_literal_char(item)
                && run.iter().all(|part| !self.can_match(part, c, casei))
            {
                run.clear();
            }
        }
        false
    }

    /// A round that splits one way: fixed text and at most one variable-length part, with a
    /// separator at the start or end that the variable part cannot match. `Some(part)` when it
    /// is such a round (`Some(None)` when all of it is fixed); `None` otherwise.
    fn guarded_round<'e>(&mut self, round: &'e Expr) -> Option<Option<&'e Expr>> {
        let items = sequence(round);
        let mut variable = items.iter().filter(|item| !fixed(item));
        let Some(part) = variable.next() else {
            return Some(None);
        };
        if variable.next().is_some() {
            return None;
        }
        let separators = [
            items.first().and_then(|i| first_literal_char(i)),
            items.last().and_then(|i| last_literal_char(i)),
        ];
        separators
            .into_iter()
            .flatten()
            .any(|(c, casei)| !self.can_match(part, c, casei))
            .then_some(Some(*part))
    }

    /// Whether `expr` might consume `c` somewhere: errs towards yes.
    fn can_match(&mut self, expr: &Expr, c: char, casei: bool) -> bool {
        if casei && c.to_ascii_lowercase() != c.to_ascii_uppercase() {
            return self.can_match(expr, c.to_ascii_lowercase(), false)
                || self.can_match(expr, c.to_ascii_uppercase(), false);
        }
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
            | Expr::AtomicGroup(_) => children(expr).any(|child| self.can_match(child, c, false)),
            _ => true,
        }
    }
}

/// A round's parts in order, through groups and nested sequences.
fn sequence(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::Concat(items) => items.iter().flat_map(sequence).collect(),
        Expr::Group(inner) => sequence(inner),
        other => vec![other],
    }
}

/// Whether `expr` always matches text of one length, one way.
fn fixed(expr: &Expr) -> bool {
    match expr {
        Expr::Repeat { child, lo, hi, .. } => lo == hi && fixed(child),
        Expr::Alt(_) => false,
        _ => children(expr).all(fixed),
    }
}

/// Whether a round that is not guarded can split text more than one way: it holds a
/// variable-length repetition, or alternatives (which can match the same text).
fn ambiguous(expr: &Expr) -> bool {
    match expr {
        Expr::Repeat { lo, hi, .. } if lo < hi => true,
        Expr::Alt(branches) => !distinct_first_chars(branches) || branches.iter().any(ambiguous),
        _ => children(expr).any(ambiguous),
    }
}

/// Alternatives that each start with a different literal character cannot match the same text
/// in one round (`(?:a|b)+`, `(?:get|put)+`).
fn distinct_first_chars(branches: &[Expr]) -> bool {
    let mut seen = Vec::new();
    for branch in branches {
        match sequence(branch).first().and_then(|i| first_literal_char(i)) {
            Some((c, false)) if !seen.contains(&c) => seen.push(c),
            _ => return false,
        }
    }
    true
}

fn first_literal_char(expr: &Expr) -> Option<(char, bool)> {
    match expr {
        Expr::Literal { val, casei } => val.chars().next().map(|c| (c, *casei)),
        _ => None,
    }
}

fn last_literal_char(expr: &Expr) -> Option<(char, bool)> {
    match expr {
        Expr::Literal { val, casei } => val.chars().last().map(|c| (c, *casei)),
        _ => None,
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
            "(?:a*xa*)+",
            "(?:\\w*-\\w*)+",
            "(?:[^/]*/[^/]*)+",
            "(?:/\\w*\\d*)+",
            "(?:x[ab]*[ab]*)+",
            "(?:a|aa)+",
            "(\\w|\\d)+",
            "(.|\\s)*",
            "(?:/(?:[^/]+)+)*",
            ".*a.*b.*c",
            "^/([^/#?]+?)-([^/#?]+?)-([^/#?]+?)$",
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
            "(?i)(?:/[a-z]+)*",
            "(?:a|b)+",
            "(?:get|put)+",
            "(?:/(?:[^/]+))*",
            "^/(.*)/(.*)$",
            "^/([^/]+)/([^/]+)/([^/]+)/(.*)$",
            "^/x/(\\d+)/(.*)$",
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
