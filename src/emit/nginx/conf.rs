//! nginx.conf as data: a tree of directives and one printer that quotes every argument.
//!
//! No config string is ever pasted into the output as text: each argument is printed inside
//! double quotes with `\` and `"` escaped, `$` in literal text written through a variable (nginx
//! has no escape for it), a tab written as `\t`, and other control characters (which the lower
//! stage refuses) replaced. So no value can end a directive, open a block or start a comment.

/// The variable holding a literal `$`, defined by the gateway's http block.
pub const DOLLAR_VAR: &str = "svc_dollar";

/// One argument of a directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A keyword or number svc itself writes (`on`, `80`, `always`): printed bare.
    Word(&'static str),
    /// A number svc computed.
    Number(u64),
    /// A variable reference, `$name`.
    Var(String),
    /// Text with interpolation: literal parts and variable references.
    Value(Vec<Part>),
    /// A regular expression (not interpolated by nginx), with an optional `~`/`~*` operator.
    Regex(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Var(String),
}

impl Arg {
    pub fn text(s: impl Into<String>) -> Arg {
        Arg::Value(vec![Part::Text(s.into())])
    }

    pub fn var(name: impl Into<String>) -> Arg {
        Arg::Var(name.into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Directive(Directive),
    Comment(String),
    Blank,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: &'static str,
    pub args: Vec<Arg>,
    pub block: Option<Vec<Item>>,
}

/// `name args;`
pub fn simple(name: &'static str, args: Vec<Arg>) -> Item {
    Item::Directive(Directive {
        name,
        args,
        block: None,
    })
}

/// `name args { items }`
pub fn block(name: &'static str, args: Vec<Arg>, items: Vec<Item>) -> Item {
    Item::Directive(Directive {
        name,
        args,
        block: Some(items),
    })
}

/// `if (condition) { items }`; the condition is a list of arguments inside the parentheses.
pub fn if_block(condition: Vec<Arg>, items: Vec<Item>) -> Item {
    block("if", condition, items)
}

pub fn comment(text: impl Into<String>) -> Item {
    Item::Comment(text.into())
}

/// The longest argument nginx reads: its tokenizer keeps a word in a 4 KiB buffer, and
/// refuses (`too long parameter`) a quoted word of more than 4,094 bytes.
pub const MAX_ARG_BYTES: usize = 4094;

/// The length of the longest argument in `items` as printed, quotes excluded, when it is
/// longer than nginx reads.
pub fn too_long_arg(items: &[Item]) -> Option<usize> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Directive(d) => {
                let own = d
                    .args
                    .iter()
                    .map(|a| print_arg(a).len().saturating_sub(2))
                    .max();
                let inner = d.block.as_deref().and_then(too_long_arg);
                own.into_iter().chain(inner).max()
            }
            _ => None,
        })
        .max()
        .filter(|len| *len > MAX_ARG_BYTES)
}

/// Prints a config; comments are sanitised so they stay on one line.
pub fn print(items: &[Item]) -> String {
    let mut out = String::new();
    print_items(items, 0, &mut out);
    out
}

fn print_items(items: &[Item], depth: usize, out: &mut String) {
    for item in items {
        let indent = "    ".repeat(depth);
        match item {
            Item::Blank => out.push('\n'),
            Item::Comment(text) => {
                out.push_str(&indent);
                out.push_str("# ");
                out.push_str(&single_line(text));
                out.push('\n');
            }
            Item::Directive(directive) => print_directive(directive, &indent, depth, out),
        }
    }
}

fn print_directive(directive: &Directive, indent: &str, depth: usize, out: &mut String) {
    out.push_str(indent);
    out.push_str(directive.name);
    let args: Vec<String> = directive.args.iter().map(print_arg).collect();
    if directive.name == "if" {
        out.push_str(" (");
        out.push_str(&args.join(" "));
        out.push(')');
    } else {
        for arg in &args {
            out.push(' ');
            out.push_str(arg);
        }
    }
    match &directive.block {
        None => out.push_str(";\n"),
        Some(items) => {
            out.push_str(" {\n");
            print_items(items, depth + 1, out);
            out.push_str(indent);
            out.push_str("}\n");
        }
    }
}

fn print_arg(arg: &Arg) -> String {
    match arg {
        Arg::Word(word) => (*word).to_string(),
        Arg::Number(n) => n.to_string(),
        Arg::Var(name) => format!("${}", variable_name(name)),
        Arg::Regex(regex) => quote(regex),
        Arg::Value(parts) => {
            let mut text = String::new();
            for part in parts {
                match part {
                    Part::Text(t) => text.push_str(&protect_dollars(t)),
                    Part::Var(name) => text.push_str(&format!("${{{}}}", variable_name(name))),
                }
            }
            quote(&text)
        }
    }
}

/// Variable names svc generates are `[A-Za-z0-9_]`; anything else is dropped rather than
/// printed.
fn variable_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

fn protect_dollars(text: &str) -> String {
    text.replace('$', &format!("${{{DOLLAR_VAR}}}"))
}

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            // A tab is allowed in header values; nginx reads `\t` back as one.
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_argument_is_quoted_and_escaped() {
        let conf = vec![simple(
            "add_header",
            vec![
                Arg::text("X-Test"),
                Arg::text("a\"; } evil $host \\ #x\nnext"),
                Arg::Word("always"),
            ],
        )];
        assert_eq!(
            print(&conf),
            "add_header \"X-Test\" \"a\\\"; } evil ${svc_dollar}host \\\\ #x\u{fffd}next\" always;\n"
        );
    }

    #[test]
    fn a_tab_is_written_so_nginx_reads_a_tab() {
        // Found by fuzzing: a tab in a header value used to become U+FFFD.
        let conf = vec![simple(
            "add_header",
            vec![Arg::text("X-A"), Arg::text("a\tb")],
        )];
        assert_eq!(print(&conf), "add_header \"X-A\" \"a\\tb\";\n");
    }

    #[test]
    fn blocks_and_conditions_nest_with_indentation() {
        let conf = vec![block(
            "server",
            vec![],
            vec![
                comment("routing\nhere"),
                if_block(
                    vec![
                        Arg::var("svc_path"),
                        Arg::Word("~"),
                        Arg::Regex("^/a$".into()),
                    ],
                    vec![simple("return", vec![Arg::Number(404)])],
                ),
            ],
        )];
        assert_eq!(
            print(&conf),
            "server {\n    # routing here\n    if ($svc_path ~ \"^/a$\") {\n        return 404;\n    }\n}\n"
        );
    }

    #[test]
    fn values_interpolate_only_svc_variables() {
        let arg = Arg::Value(vec![
            Part::Text("/new/".into()),
            Part::Var("svc_r0_slug".into()),
            Part::Text("?a=$1".into()),
        ]);
        assert_eq!(print_arg(&arg), "\"/new/${svc_r0_slug}?a=${svc_dollar}1\"");
    }
}
