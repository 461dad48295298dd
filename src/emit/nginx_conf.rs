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
    let mut printer = Printer::new(Dollars::AsWritten);
    longest_arg(items, &mut printer).filter(|len| *len > MAX_ARG_BYTES)
}

fn longest_arg(items: &[Item], printer: &mut Printer) -> Option<usize> {
    let mut longest = None;
    for item in items {
        let Item::Directive(directive) = item else {
            continue;
        };
        for arg in &directive.args {
            // Printing every argument to measure it cost a fifth of compiling a routing table;
            // only those whose bound allows them to be too long are printed.
            let bound = printed_len_bound(arg);
            let len = if bound <= MAX_ARG_BYTES {
                bound
            } else {
                printer.out.clear();
                printer.arg(arg);
                printer.out.len().saturating_sub(2)
            };
            longest = longest.max(Some(len));
        }
        if let Some(inner) = &directive.block {
            longest = longest.max(longest_arg(inner, printer));
        }
    }
    longest
}

/// An upper bound on the printed length of `arg`, quotes excluded: no character prints as more than
/// 13 bytes (a `$` is `${svc_dollar}`), and a variable adds at most `${}`.
fn printed_len_bound(arg: &Arg) -> usize {
    let dollar = DOLLAR_VAR.len() + 3;
    match arg {
        Arg::Word(word) => word.len() * dollar,
        Arg::Number(_) => 20,
        Arg::Var(name) => name.len() + 1,
        Arg::Regex(regex) => regex.len() * dollar,
        Arg::Value(parts) => parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.len() * dollar,
                Part::Var(name) => name.len() + 3,
            })
            .sum(),
    }
}

/// How a `$` of the printed config is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dollars {
    AsWritten,
    /// Every `$` doubled, for Compose, which interpolates config content.
    Doubled,
}

/// Prints a config; comments are sanitised so they stay on one line.
pub fn print(items: &[Item]) -> String {
    print_with(items, Dollars::AsWritten)
}

fn print_with(items: &[Item], dollars: Dollars) -> String {
    let mut printer = Printer::new(dollars);
    printer.items(items, 0);
    printer.out
}

/// Writes straight into one buffer: a config of thousands of servers is millions of
/// arguments, and a string apiece cost more than the rest of the printing. A block may be
/// opened, filled a part at a time and closed, so its contents need not all exist at once.
pub struct Printer {
    out: String,
    dollar: &'static str,
}

impl Printer {
    pub fn new(dollars: Dollars) -> Printer {
        let dollar = match dollars {
            Dollars::AsWritten => "$",
            Dollars::Doubled => "$$",
        };
        Printer {
            out: String::new(),
            dollar,
        }
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// `name {`, on its own line at `depth`.
    pub fn open_block(&mut self, name: &'static str, depth: usize) {
        self.indent(depth);
        self.out.push_str(name);
        self.out.push_str(" {\n");
    }

    /// The `}` that closes a block opened at `depth`.
    pub fn close_block(&mut self, depth: usize) {
        self.indent(depth);
        self.out.push_str("}\n");
    }

    pub fn items(&mut self, items: &[Item], depth: usize) {
        for item in items {
            match item {
                Item::Blank => self.out.push('\n'),
                Item::Comment(text) => {
                    self.indent(depth);
                    self.out.push_str("# ");
                    for c in text.chars() {
                        self.char(if c.is_control() { ' ' } else { c });
                    }
                    self.out.push('\n');
                }
                Item::Directive(directive) => self.directive(directive, depth),
            }
        }
    }

    fn directive(&mut self, directive: &Directive, depth: usize) {
        self.indent(depth);
        self.out.push_str(directive.name);
        if directive.name == "if" {
            self.out.push_str(" (");
            for (i, arg) in directive.args.iter().enumerate() {
                if i > 0 {
                    self.out.push(' ');
                }
                self.arg(arg);
            }
            self.out.push(')');
        } else {
            for arg in &directive.args {
                self.out.push(' ');
                self.arg(arg);
            }
        }
        match &directive.block {
            None => self.out.push_str(";\n"),
            Some(items) => {
                self.out.push_str(" {\n");
                self.items(items, depth + 1);
                self.close_block(depth);
            }
        }
    }

    fn arg(&mut self, arg: &Arg) {
        match arg {
            Arg::Word(word) => word.chars().for_each(|c| self.char(c)),
            Arg::Number(n) => {
                use std::fmt::Write;
                // Writing to a String cannot fail.
                let _ = write!(self.out, "{n}");
            }
            Arg::Var(name) => {
                self.out.push_str(self.dollar);
                self.variable_name(name);
            }
            Arg::Regex(regex) => {
                self.out.push('"');
                regex.chars().for_each(|c| self.quoted(c));
                self.out.push('"');
            }
            Arg::Value(parts) => {
                self.out.push('"');
                for part in parts {
                    match part {
                        Part::Text(text) => self.literal(text),
                        Part::Var(name) => {
                            self.out.push_str(self.dollar);
                            self.out.push('{');
                            self.variable_name(name);
                            self.out.push('}');
                        }
                    }
                }
                self.out.push('"');
            }
        }
    }

    /// Literal text inside quotes; nginx has no escape for `$`, so it is written through a
    /// variable holding one.
    fn literal(&mut self, text: &str) {
        for c in text.chars() {
            if c == '$' {
                self.out.push_str(self.dollar);
                self.out.push('{');
                self.out.push_str(DOLLAR_VAR);
                self.out.push('}');
            } else {
                self.quoted(c);
            }
        }
    }

    /// One character inside quotes.
    fn quoted(&mut self, c: char) {
        match c {
            '\\' => self.out.push_str("\\\\"),
            '"' => self.out.push_str("\\\""),
            // A tab is allowed in header values; nginx reads `\t` back as one.
            '\t' => self.out.push_str("\\t"),
            c if c.is_control() => self.out.push('\u{fffd}'),
            c => self.char(c),
        }
    }

    fn char(&mut self, c: char) {
        if c == '$' {
            self.out.push_str(self.dollar);
        } else {
            self.out.push(c);
        }
    }

    /// Variable names svc generates are `[A-Za-z0-9_]`; anything else is dropped rather than
    /// printed.
    fn variable_name(&mut self, name: &str) {
        name.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .for_each(|c| self.out.push(c));
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("    ");
        }
    }
}

/// Where nginx keeps request bodies and buffered responses, all under `/tmp`, for an nginx
/// whose root file system is read-only.
pub fn temp_paths_under_tmp() -> Vec<Item> {
    [
        ("client_body_temp_path", "client_body"),
        ("proxy_temp_path", "proxy"),
        ("fastcgi_temp_path", "fastcgi"),
        ("uwsgi_temp_path", "uwsgi"),
        ("scgi_temp_path", "scgi"),
    ]
    .into_iter()
    .map(|(name, dir)| simple(name, vec![Arg::text(format!("/tmp/{dir}"))]))
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
    fn the_length_bound_is_never_below_the_printed_length() {
        let args = [
            Arg::text("plain"),
            Arg::text("$$$ \"quoted\" \\ back\tslash \u{1} é ☃"),
            Arg::Regex("^/a\\.b\"$".into()),
            Arg::Value(vec![Part::Var("svc_x".into()), Part::Text("$1".into())]),
            Arg::var("host"),
            Arg::Word("default_server"),
            Arg::Number(u64::MAX),
        ];
        for arg in args {
            let mut printer = Printer::new(Dollars::AsWritten);
            printer.arg(&arg);
            assert!(
                printed_len_bound(&arg) >= printer.out.len().saturating_sub(2),
                "{arg:?}"
            );
        }
    }

    #[test]
    fn an_argument_past_the_limit_is_measured_exactly() {
        // 400 `$` print as 400 `${svc_dollar}`: 5,200 bytes.
        let conf = vec![simple(
            "add_header",
            vec![Arg::text("X"), Arg::text("$".repeat(400))],
        )];
        assert_eq!(too_long_arg(&conf), Some(5200));
        let short = vec![simple(
            "add_header",
            vec![Arg::text("X"), Arg::text("$".repeat(300))],
        )];
        assert_eq!(too_long_arg(&short), None);
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
        let conf = vec![simple("return", vec![Arg::Number(302), arg])];
        assert_eq!(
            print(&conf),
            "return 302 \"/new/${svc_r0_slug}?a=${svc_dollar}1\";\n"
        );
        assert_eq!(
            print_with(&conf, Dollars::Doubled),
            "return 302 \"/new/$${svc_r0_slug}?a=$${svc_dollar}1\";\n"
        );
    }
}
