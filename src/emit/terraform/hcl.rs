//! Small builders over hcl-rs's syntax tree. References, calls, lookups and indexes are built
//! as data; rarer expressions svc writes itself (types, conditionals) are parsed from HCL text
//! built only from identifiers svc generated. Every string from a config goes in as a string
//! literal, which hcl-rs escapes (`${` included).

use hcl::expr::Expression;
use hcl::{Attribute, Block, Body};

/// An expression written in HCL. The text is svc's own, so a parse failure is a bug in svc,
/// reported instead of panicking. References (`aws_ecs_cluster.this.arn`) and numbers, most of
/// what svc writes, are built directly: parsing each costs more than everything else a module
/// of thousands of services needs.
pub fn expr(text: &str) -> Result<Expression, String> {
    if let Some(simple) = simple(text) {
        return Ok(simple);
    }
    if let Some(items) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let items: Option<Vec<Expression>> = items.split(", ").map(simple).collect();
        if let Some(items) = items.filter(|i| !i.is_empty()) {
            return Ok(Expression::Array(items));
        }
    }
    let body: Body = hcl::parse(&format!("x = {text}\n"))
        .map_err(|e| format!("svc built an invalid HCL expression `{text}`: {e}"))?;
    body.attributes()
        .next()
        .map(|a| a.expr.clone())
        .ok_or_else(|| format!("svc built an empty HCL expression `{text}`"))
}

/// A reference, a number, or a quoted string with no escapes (a template when it
/// interpolates), as the parser would read them; `None` for anything else.
fn simple(text: &str) -> Option<Expression> {
    if let Some(reference) = reference(text) {
        return Some(reference);
    }
    if let Ok(n) = text.parse::<u64>() {
        return Some(number(n));
    }
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains(['"', '\\', '\n']) {
        return None;
    }
    if inner.contains("${") || inner.contains("%{") {
        return Some(Expression::TemplateExpr(Box::new(
            hcl::expr::TemplateExpr::QuotedString(inner.to_string()),
        )));
    }
    Some(string(inner))
}

/// `a.b.c` of identifiers, as a variable or a traversal; `None` for anything else.
fn reference(text: &str) -> Option<Expression> {
    let identifier = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let mut parts = text.split('.');
    let root = parts.next().filter(|p| identifier(p))?;
    // Keywords parse as literals, not variables.
    if matches!(root, "true" | "false" | "null" | "for" | "in" | "if") {
        return None;
    }
    let attributes: Vec<&str> = parts.collect();
    if !attributes.iter().all(|p| identifier(p)) {
        return None;
    }
    let variable = hcl::expr::Variable::unchecked(root);
    if attributes.is_empty() {
        return Some(Expression::Variable(variable));
    }
    let traversal = attributes
        .iter()
        .fold(hcl::expr::Traversal::builder(variable), |t, attr| {
            t.attr(hcl::Identifier::unchecked(*attr))
        })
        .build();
    Some(Expression::Traversal(Box::new(traversal)))
}

/// `root.a.b`, built from its parts rather than from text: the references each service makes
/// to its own resources are most of a large module.
pub fn traversal(root: &str, attributes: &[&str]) -> Expression {
    Expression::Traversal(Box::new(traversal_builder(root, attributes).build()))
}

fn traversal_builder(root: &str, attributes: &[&str]) -> hcl::expr::TraversalBuilder {
    attributes.iter().fold(
        hcl::expr::Traversal::builder(hcl::expr::Variable::unchecked(identifier(root).as_str())),
        |t, attribute| t.attr(identifier(attribute)),
    )
}

pub fn string(value: &str) -> Expression {
    Expression::String(value.to_string())
}

pub fn number(value: u64) -> Expression {
    Expression::Number(value.into())
}

/// A block with labels, attributes and nested blocks.
pub struct BlockBuilder {
    block: Block,
}

pub fn block(kind: &str, labels: &[&str]) -> BlockBuilder {
    BlockBuilder {
        block: Block {
            identifier: identifier(kind),
            labels: labels.iter().map(|l| (*l).into()).collect(),
            body: Body::default(),
        },
    }
}

/// A block type or attribute key, all of them svc's own words: checked in debug builds only,
/// since hcl-rs's check of every one cost more than printing them.
fn identifier(word: &str) -> hcl::Identifier {
    debug_assert!(
        hcl::Identifier::new(word).is_ok(),
        "svc wrote an invalid HCL identifier `{word}`"
    );
    hcl::Identifier::unchecked(word)
}

impl BlockBuilder {
    pub fn attr(mut self, key: &str, value: Expression) -> Self {
        self.block.body.0.push(
            Attribute {
                key: identifier(key),
                expr: value,
            }
            .into(),
        );
        self
    }

    pub fn raw(self, key: &str, text: &str) -> Result<Self, String> {
        Ok(self.attr(key, expr(text)?))
    }

    pub fn str(self, key: &str, value: &str) -> Self {
        self.attr(key, string(value))
    }

    pub fn child(mut self, child: BlockBuilder) -> Self {
        self.block.body.0.push(child.block.into());
        self
    }

    pub fn build(self) -> Block {
        self.block
    }
}

/// `{ key = value, ... }` with identifier keys.
pub fn object(entries: Vec<(&str, Expression)>) -> Expression {
    let mut object = hcl::expr::Object::new();
    for (key, value) in entries {
        object.insert(
            hcl::expr::ObjectKey::Identifier(hcl::Identifier::unchecked(key)),
            value,
        );
    }
    Expression::Object(object)
}

/// `lookup(root.map, "key", default)`: a per-service setting with its default.
pub fn lookup(root: &str, map: &str, key: &str, default: u64) -> Expression {
    call(
        "lookup",
        vec![traversal(root, &[map]), string(key), number(default)],
    )
}

/// `root.a.b["key"]`.
pub fn index(root: &str, attributes: &[&str], key: &str) -> Expression {
    Expression::Traversal(Box::new(
        traversal_builder(root, attributes)
            .index(string(key))
            .build(),
    ))
}

pub fn array(items: Vec<Expression>) -> Expression {
    Expression::Array(items)
}

/// `name(args...)`.
pub fn call(name: &str, args: Vec<Expression>) -> Expression {
    let mut builder = hcl::expr::FuncCall::builder(hcl::Identifier::unchecked(name));
    for arg in args {
        builder = builder.arg(arg);
    }
    Expression::FuncCall(Box::new(builder.build()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_references_print_as_parsed_ones_do() {
        for text in [
            "aws_ecs_cluster.this.arn",
            "var.name",
            "aws_iam_role.task-execution.arn",
            "256",
            "true",
            "null",
            "lookup(var.cpu, \"a\", 256)",
            "[\"FARGATE\"]",
            "[aws_security_group.a.id, aws_security_group.b.id]",
            "\"${var.name}-gateway\"",
            "\"/svc/${var.name}/api\"",
            "\"plain\"",
            "\"a\\\"b\"",
            "[]",
        ] {
            let fast = expr(text).unwrap();
            let body: Body = hcl::parse(&format!("x = {text}\n")).unwrap();
            let parsed = body.attributes().next().unwrap().expr.clone();
            let print = |e: &Expression| {
                hcl::format::to_string(&Body::builder().add_attribute(("x", e.clone())).build())
                    .unwrap()
            };
            assert_eq!(print(&fast), print(&parsed), "{text}");
        }
    }
}
