//! The matching half of a rule: the path test, the phase guard, methods, and `has`/`missing`
//! conditions, compiled to flat rewrite-module statements.
//!
//! nginx's `if` takes one test and cannot nest, so a rule's match is a flag (`$svc_m`) that
//! each test can only clear; tests that capture run in their positive form so their named
//! groups are set.

use super::dest::Captures;
use super::regex::{literal, rename_groups};
use crate::emit::nginx_conf::{Arg, Item, if_block, simple};
use crate::ir::{Condition, ConditionKind, ConditionValue, Conditions, ValueMatch};

pub const MATCH: &str = "svc_m";
const ITEM: &str = "svc_x";
const SAVED: &str = "svc_q";
pub const PHASE: &str = "svc_phase";
pub const LOOKUP: &str = "svc_lookup";
pub const ARGS: &str = "svc_args";

pub fn set(var: &str, value: Arg) -> Item {
    simple("set", vec![Arg::var(var), value])
}

fn clear(var: &str) -> Item {
    set(var, Arg::text(""))
}

fn test(subject: Arg, op: &'static str, value: Arg) -> Vec<Arg> {
    vec![subject, Arg::Word(op), value]
}

/// How a rule's path is matched.
pub struct PathTest<'a> {
    pub regex: &'a str,
    /// Parameter name of each capture group, in order (`None` for unnamed groups).
    pub names: Vec<Option<String>>,
    pub case_insensitive: bool,
}

/// Emits the statements that leave `$svc_m` = "1" exactly when the rule matches, and returns
/// where its captures are.
pub fn match_rule(
    out: &mut Vec<Item>,
    prefix: &str,
    phase: &str,
    path: PathTest,
    methods: &[String],
    conditions: &Conditions,
) -> Result<Captures, String> {
    let renamed = rename_groups(path.regex, prefix)?;
    let mut captures = Captures {
        groups: renamed
            .numbered
            .iter()
            .enumerate()
            .map(|(i, var)| (path.names.get(i).cloned().flatten(), var.clone()))
            .collect(),
        // A route's `(?<name>…)` groups are `$name` in its `dest`, as in vercel dev.
        named: renamed.named.clone(),
        has: Vec::new(),
    };
    out.push(clear(MATCH));
    let op = if path.case_insensitive { "~*" } else { "~" };
    out.push(if_block(
        test(Arg::var(LOOKUP), op, Arg::Regex(renamed.regex)),
        vec![set(MATCH, Arg::text("1"))],
    ));
    out.push(if_block(
        test(Arg::var(PHASE), "!=", Arg::text(phase)),
        vec![clear(MATCH)],
    ));
    if !methods.is_empty() {
        let alternatives: Vec<String> = methods.iter().map(|m| literal(m)).collect();
        out.push(if_block(
            test(
                Arg::var("request_method"),
                "!~",
                Arg::Regex(format!("^(?:{})$", alternatives.join("|"))),
            ),
            vec![clear(MATCH)],
        ));
    }
    for (i, item) in conditions.has.iter().enumerate() {
        condition(out, prefix, i, item, Mode::Has, &mut captures)?;
    }
    for (i, item) in conditions.missing.iter().enumerate() {
        condition(
            out,
            prefix,
            conditions.has.len() + i,
            item,
            Mode::Missing,
            &mut captures,
        )?;
    }
    Ok(captures)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Has,
    Missing,
}

fn condition(
    out: &mut Vec<Item>,
    prefix: &str,
    index: usize,
    item: &Condition,
    mode: Mode,
    captures: &mut Captures,
) -> Result<(), String> {
    let subject = subject(out, prefix, index, item)?;
    out.push(set(ITEM, Arg::text("1")));
    out.push(if_block(
        test(subject.clone(), "=", Arg::text("")),
        vec![clear(ITEM)],
    ));
    match &item.value {
        None => {
            let key = item.key.as_deref().unwrap_or("host");
            if mode == Mode::Has && is_identifier(key) {
                let var = format!("{prefix}p_{key}");
                out.push(set(&var, subject.clone()));
                captures.has.push((key.to_string(), var));
            }
        }
        Some(ConditionValue::Regex(regex)) => {
            let group_prefix = format!("{prefix}h{index}_");
            let anchored = format!("^{regex}$");
            let named = regex_test(out, &subject, &anchored, &group_prefix, mode, captures)?;
            if mode == Mode::Has && item.kind == ConditionKind::Host && !named {
                let var = format!("{prefix}host");
                out.push(set(&var, Arg::var("host")));
                captures.has.push(("host".to_string(), var));
            }
        }
        Some(ConditionValue::Match(ops)) => {
            operators(out, &subject, ops, prefix, index, mode, captures)?
        }
    }
    let (op, value) = match mode {
        Mode::Has => ("!=", "1"),
        Mode::Missing => ("=", "1"),
    };
    out.push(if_block(
        test(Arg::var(ITEM), op, Arg::text(value)),
        vec![clear(MATCH)],
    ));
    Ok(())
}

/// The value a condition tests. Cookies and query parameters are cut out of the raw header and
/// query string, because their names need not be valid nginx variable names.
fn subject(
    out: &mut Vec<Item>,
    prefix: &str,
    index: usize,
    item: &Condition,
) -> Result<Arg, String> {
    let key = item.key.as_deref().unwrap_or_default();
    match item.kind {
        ConditionKind::Host => Ok(Arg::var("host")),
        ConditionKind::Header => {
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(format!(
                    "header name `{key}` cannot be read by nginx: use letters, digits and `-`"
                ));
            }
            Ok(Arg::var(format!(
                "http_{}",
                key.to_ascii_lowercase().replace('-', "_")
            )))
        }
        ConditionKind::Cookie => Ok(extract(
            out,
            prefix,
            index,
            "http_cookie",
            &format!("(?:^|;\\s*){}=(?<VAR>[^;]*)", literal(key)),
        )),
        ConditionKind::Query => Ok(extract(
            out,
            prefix,
            index,
            ARGS,
            &format!("(?:^|&){}=(?<VAR>[^&]*)", literal(key)),
        )),
    }
}

fn extract(out: &mut Vec<Item>, prefix: &str, index: usize, source: &str, regex: &str) -> Arg {
    let var = format!("{prefix}v{index}");
    out.push(clear(&var));
    out.push(if_block(
        test(
            Arg::var(source),
            "~",
            Arg::Regex(regex.replace("VAR", &var)),
        ),
        vec![set(SAVED, Arg::text("1"))],
    ));
    Arg::var(var)
}

/// Tests `regex` against the subject, clearing `$svc_x` when it fails; named groups become
/// captures (for `has`). Returns whether the regex had named groups.
fn regex_test(
    out: &mut Vec<Item>,
    subject: &Arg,
    regex: &str,
    group_prefix: &str,
    mode: Mode,
    captures: &mut Captures,
) -> Result<bool, String> {
    let renamed = rename_groups(regex, group_prefix)?;
    let named = !renamed.named.is_empty();
    if named && mode == Mode::Has {
        out.push(set(SAVED, Arg::var(ITEM)));
        out.push(clear(ITEM));
        out.push(if_block(
            test(subject.clone(), "~", Arg::Regex(renamed.regex)),
            vec![set(ITEM, Arg::var(SAVED))],
        ));
        captures.has.extend(renamed.named);
    } else {
        out.push(if_block(
            test(subject.clone(), "!~", Arg::Regex(renamed.regex)),
            vec![clear(ITEM)],
        ));
    }
    Ok(named)
}

fn operators(
    out: &mut Vec<Item>,
    subject: &Arg,
    ops: &ValueMatch,
    prefix: &str,
    index: usize,
    mode: Mode,
    captures: &mut Captures,
) -> Result<(), String> {
    if ops.gt.is_some() || ops.gte.is_some() || ops.lt.is_some() || ops.lte.is_some() {
        return Err(
            "numeric comparisons (`gt`, `gte`, `lt`, `lte`) cannot be expressed exactly in nginx"
                .to_string(),
        );
    }
    let fails = |out: &mut Vec<Item>, op: &'static str, value: Arg| {
        out.push(if_block(
            test(subject.clone(), op, value),
            vec![clear(ITEM)],
        ));
    };
    if let Some(eq) = &ops.eq {
        fails(out, "!=", Arg::text(eq));
    }
    if let Some(neq) = &ops.neq {
        fails(out, "=", Arg::text(neq));
    }
    let one_of = |values: &[String]| {
        let alternatives: Vec<String> = values.iter().map(|v| literal(v)).collect();
        Arg::Regex(format!("^(?:{})$", alternatives.join("|")))
    };
    if let Some(inc) = &ops.inc {
        fails(out, "!~", one_of(inc));
    }
    if let Some(ninc) = &ops.ninc {
        fails(out, "~", one_of(ninc));
    }
    if let Some(pre) = &ops.pre {
        fails(out, "!~", Arg::Regex(format!("^{}", literal(pre))));
    }
    if let Some(suf) = &ops.suf {
        fails(out, "!~", Arg::Regex(format!("{}$", literal(suf))));
    }
    if let Some(re) = &ops.re {
        regex_test(
            out,
            subject,
            re,
            &format!("{prefix}h{index}_"),
            mode,
            captures,
        )?;
    }
    Ok(())
}

fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
