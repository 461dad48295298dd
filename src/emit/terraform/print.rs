//! HCL text in `terraform fmt`'s layout, printed from hcl-rs's syntax tree in one pass.
//!
//! hcl-rs lays out blocks, attributes, arrays and objects, but does not line up `=` signs as
//! `terraform fmt` does; formatting with it and then re-reading every line to align them was
//! the largest cost of the terraform target. This printer lays out blocks, bodies and
//! multi-line arrays and objects itself, aligning as it goes, and hands every expression that
//! hcl-rs prints on one line (strings, references, function calls, conditionals) to hcl-rs's
//! own formatter, so quoting and escaping stay the crate's. The rules, observed from
//! `terraform fmt`: in each run of consecutive single-line attributes (or object entries) at
//! one level, `=` signs line up; a multi-line value, a block or a blank line ends the run.

use hcl::expr::{Expression, ObjectKey};
use hcl::structure::{Attribute, Block, Structure};

const INDENT: &[u8] = b"  ";

/// A file of top-level blocks, each separated from the next by a blank line.
#[cfg(test)]
pub fn file(blocks: &[Block]) -> Result<String, String> {
    Printer::default().file(blocks)
}

/// Prints file after file into one buffer that grows once, handing each file out at its exact
/// size: ten thousand files each left in a buffer grown by doubling held a third more memory
/// than their text.
#[derive(Default)]
pub struct Printer {
    out: Vec<u8>,
    /// Object keys of the run being aligned, printed ahead so their widths are known.
    keys: Vec<u8>,
}

impl Printer {
    pub fn file(&mut self, blocks: &[Block]) -> Result<String, String> {
        self.out.clear();
        for (i, block) in blocks.iter().enumerate() {
            if i > 0 {
                self.out.push(b'\n');
            }
            self.block(block, 0)?;
        }
        String::from_utf8(self.out.as_slice().to_vec())
            .map_err(|e| format!("svc printed HCL that is not UTF-8: {e}"))
    }

    fn block(&mut self, block: &Block, level: usize) -> Result<(), String> {
        self.indent(level);
        self.out.extend_from_slice(block.identifier.as_bytes());
        for label in &block.labels {
            self.out.push(b' ');
            self.inline(label)?;
        }
        self.out.extend_from_slice(b" {");
        let items = &block.body.0;
        if items.is_empty() {
            // hcl-rs's layout of an empty body, kept so both print the same text.
            self.indent(level);
            self.out.extend_from_slice(b"}\n");
            return Ok(());
        }
        self.out.push(b'\n');
        self.body(items, level + 1)?;
        self.indent(level);
        self.out.extend_from_slice(b"}\n");
        Ok(())
    }

    /// Attributes and blocks; a blank line before a block that follows anything, and before
    /// an attribute that follows a block.
    fn body(&mut self, items: &[Structure], level: usize) -> Result<(), String> {
        let mut i = 0;
        while i < items.len() {
            if i > 0 {
                let after_block = matches!(items[i - 1], Structure::Block(_));
                if after_block || matches!(items[i], Structure::Block(_)) {
                    self.out.push(b'\n');
                }
            }
            match &items[i] {
                Structure::Block(block) => {
                    self.block(block, level)?;
                    i += 1;
                }
                Structure::Attribute(_) => {
                    let run: Vec<&Attribute> = items[i..]
                        .iter()
                        .map_while(|item| match item {
                            Structure::Attribute(attribute) => Some(attribute),
                            Structure::Block(_) => None,
                        })
                        .collect();
                    self.attributes(&run, level)?;
                    i += run.len();
                }
            }
        }
        Ok(())
    }

    /// Consecutive attributes, each on its own line, aligned in runs.
    fn attributes(&mut self, attributes: &[&Attribute], level: usize) -> Result<(), String> {
        for run in runs(attributes, |a| &a.expr) {
            let width = run
                .iter()
                .filter(|a| !spans_lines(&a.expr))
                .map(|a| width_of(&a.key))
                .max()
                .unwrap_or(0);
            for attribute in run {
                self.indent(level);
                self.out.extend_from_slice(attribute.key.as_bytes());
                if !spans_lines(&attribute.expr) {
                    self.pad(width - width_of(&attribute.key));
                }
                self.out.extend_from_slice(b" = ");
                self.expression(&attribute.expr, level)?;
                self.out.push(b'\n');
            }
        }
        Ok(())
    }

    fn expression(&mut self, expr: &Expression, level: usize) -> Result<(), String> {
        match expr {
            Expression::Array(items) if !items.is_empty() => self.array(items, level),
            Expression::Object(object) if !object.is_empty() => {
                let entries: Vec<(&ObjectKey, &Expression)> = object.iter().collect();
                self.object(&entries, level)
            }
            other => self.inline(other),
        }
    }

    /// `[`, one element per line one level in, `]`.
    fn array(&mut self, items: &[Expression], level: usize) -> Result<(), String> {
        self.out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            self.out
                .extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            self.indent(level + 1);
            self.expression(item, level + 1)?;
        }
        self.out.push(b'\n');
        self.indent(level);
        self.out.push(b']');
        Ok(())
    }

    /// `{`, one `key = value` per line one level in, aligned in runs, `}`.
    fn object(
        &mut self,
        entries: &[(&ObjectKey, &Expression)],
        level: usize,
    ) -> Result<(), String> {
        self.out.push(b'{');
        for run in runs(entries, |(_, value)| value) {
            self.keys.clear();
            let mut ends = Vec::with_capacity(run.len());
            for (key, _) in run {
                hcl::format::to_writer(&mut self.keys, *key).map_err(|e| e.to_string())?;
                ends.push(self.keys.len());
            }
            let keys = std::mem::take(&mut self.keys);
            let texts: Vec<&[u8]> = ends
                .iter()
                .scan(0, |start, &end| {
                    let text = &keys[*start..end];
                    *start = end;
                    Some(text)
                })
                .collect();
            let width = run
                .iter()
                .zip(&texts)
                .filter(|((_, value), _)| !spans_lines(value))
                .map(|(_, text)| width_of_bytes(text))
                .max()
                .unwrap_or(0);
            for ((_, value), text) in run.iter().zip(&texts) {
                self.out.push(b'\n');
                self.indent(level + 1);
                self.out.extend_from_slice(text);
                if !spans_lines(value) {
                    self.pad(width - width_of_bytes(text));
                }
                self.out.extend_from_slice(b" = ");
                self.expression(value, level + 1)?;
            }
            self.keys = keys;
        }
        self.out.push(b'\n');
        self.indent(level);
        self.out.push(b'}');
        Ok(())
    }

    /// An expression hcl-rs prints on one line, printed by hcl-rs.
    fn inline<T: hcl::format::Format>(&mut self, value: &T) -> Result<(), String> {
        let start = self.out.len();
        hcl::format::to_writer(&mut self.out, value).map_err(|e| e.to_string())?;
        if self.out[start..].contains(&b'\n') {
            let text = String::from_utf8_lossy(&self.out[start..]).into_owned();
            return Err(format!(
                "svc built an HCL expression its printer cannot lay out on one line: {text}"
            ));
        }
        Ok(())
    }

    fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.out.extend_from_slice(INDENT);
        }
    }

    fn pad(&mut self, spaces: usize) {
        self.out.resize(self.out.len() + spaces, b' ');
    }
}

/// Whether hcl-rs lays the expression out over several lines: a non-empty array or object
/// outside a function call. Everything else is printed inline, and checked to be one line.
fn spans_lines(expr: &Expression) -> bool {
    match expr {
        Expression::Array(items) => !items.is_empty(),
        Expression::Object(object) => !object.is_empty(),
        _ => false,
    }
}

/// The entries split into alignment runs: each run ends after an entry whose value spans
/// lines, so the entries on either side of it align apart.
fn runs<T>(entries: &[T], value: impl Fn(&T) -> &Expression) -> impl Iterator<Item = &[T]> {
    entries.split_inclusive(move |entry| spans_lines(value(entry)))
}

/// A key's width in characters, as `terraform fmt` pads it.
fn width_of(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

fn width_of_bytes(text: &[u8]) -> usize {
    width_of(&String::from_utf8_lossy(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::terraform::hcl::{array, block, call, expr, number, object, string};

    /// What svc printed before this printer: hcl-rs's formatter, then every line re-read
    /// and `=` signs aligned in runs (a pass that also put a blank line between top-level
    /// blocks, where hcl-rs already puts one). The two must agree on every layout svc builds.
    fn formatted_then_aligned(blocks: &[Block]) -> String {
        let mut body = hcl::Body::builder();
        for block in blocks {
            body = body.add_block(block.clone());
        }
        crate::emit::terraform::fmt::align(&hcl::format::to_string(&body.build()).unwrap())
    }

    fn layouts() -> Vec<Block> {
        let container = object(vec![
            ("name", string("api")),
            ("image", expr("var.images[\"api\"]").unwrap()),
            ("essential", Expression::Bool(true)),
            (
                "environment",
                array(vec![object(vec![("name", string("A"))])]),
            ),
        ]);
        vec![
            block("resource", &["aws_ecs_task_definition", "api"])
                .raw("family", "\"${var.name}-api\"")
                .unwrap()
                .raw("requires_compatibilities", "[\"FARGATE\"]")
                .unwrap()
                .str("network_mode", "awsvpc")
                .raw("cpu", "lookup(var.cpu, \"api\", 256)")
                .unwrap()
                .attr(
                    "container_definitions",
                    call("jsonencode", vec![array(vec![container])]),
                )
                .build(),
            block("variable", &["cpu"])
                .str(
                    "description",
                    "CPU units \"quoted\", ${literal} and ünïcode",
                )
                .attr("default", object(vec![]))
                .attr("list", array(vec![]))
                .child(
                    block("validation", &[])
                        .raw("condition", "var.x == null ? [] : [1]")
                        .unwrap(),
                )
                .attr("after_block", number(1))
                .attr("longer_after_block", number(2))
                .build(),
            block("locals", &[])
                .attr(
                    "nested",
                    object(vec![
                        ("a", number(1)),
                        ("much-longer", string("x")),
                        ("list", array(vec![string("a"), array(vec![number(1)])])),
                        ("b", number(2)),
                        ("ccc", object(vec![("é", number(3)), ("a key", number(4))])),
                    ]),
                )
                .attr("z", number(0))
                .build(),
            block("empty", &[]).child(block("lifecycle", &[])).build(),
            block("empty", &[]).build(),
        ]
    }

    #[test]
    fn prints_what_formatting_then_aligning_printed() {
        let blocks = layouts();
        let printed = file(&blocks).unwrap();
        assert_eq!(printed, formatted_then_aligned(&blocks));
        // Runs broken by multi-line values, blocks and blank lines; nested runs; quoted and
        // multibyte keys.
        assert!(printed.contains("    a           = 1\n    much-longer = \"x\"\n    list = ["));
        assert!(printed.contains("      é       = 3\n      \"a key\" = 4\n"));
        assert!(printed.contains("  after_block        = 1\n"));
    }

    #[test]
    fn multi_line_output_from_an_inline_expression_is_refused() {
        let heredoc = expr("<<EOT\nx\nEOT").unwrap();
        let blocks = [block("locals", &[]).attr("text", heredoc).build()];
        assert!(
            file(&blocks)
                .unwrap_err()
                .contains("cannot lay out on one line")
        );
    }
}
