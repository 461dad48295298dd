//! Vercel route `source` patterns.
//!
//! Vercel compiles every `source` with path-to-regexp 6.1.0 and the options
//! `{strict: true, sensitive: true, delimiter: "/"}`. This module ports that
//! library's lexer, parser and `tokensToRegexp` literally, so that the regex
//! text and the set of rejected patterns stay identical to what Vercel
//! deploys. The JS code is the specification: the odd corners below (JS
//! truthiness, an unconsumed trailing `\`) are kept on purpose.

use std::fmt;

use fancy_regex::RegexBuilder;

/// `[^` + escapeString(delimiter) + `]+?` with Vercel's delimiter `/`.
const DEFAULT_PATTERN: &str = "[^\\/]+?";
/// path-to-regexp's default `prefixes` option; `indexOf` on it also accepts "".
const PREFIXES: &str = "./";
/// Characters path-to-regexp's `escapeString` backslash-escapes.
const REGEX_SPECIALS: &str = ".+*?=^!:${}()[]|/\\";
/// A user-supplied `(…)` must not make compiling or matching explode.
const BACKTRACK_LIMIT: usize = 1_000_000;
const REGEX_SIZE_LIMIT: usize = 10 << 20;

/// A parsed and validated `source` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    source: String,
    tokens: Vec<Token>,
}

/// One piece of a pattern, as path-to-regexp's `parse` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Text(String),
    Param(Param),
}

/// A `:name`, `(regex)` or `{…}` group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: ParamName,
    pub prefix: String,
    pub suffix: String,
    /// Empty only for a `{…}` group without name and pattern, which is then
    /// a non-capturing piece of literal text.
    pub pattern: String,
    pub modifier: Modifier,
}

/// path-to-regexp names unnamed `(regex)` groups by a running index.
/// A `{…}` group with neither name nor pattern gets `Named("")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamName {
    Named(String),
    Index(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modifier {
    One,
    Optional,
    ZeroOrMore,
    OneOrMore,
}

/// Why a pattern was rejected. Messages follow path-to-regexp's wording,
/// with byte offsets where JS reports UTF-16 indices (equal for ASCII).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub message: String,
    pub offset: usize,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PatternError {}

impl PatternError {
    fn at(offset: usize, message: String) -> Self {
        PatternError { message, offset }
    }
}

impl Modifier {
    fn from_symbol(symbol: &str) -> Option<Self> {
        match symbol {
            "?" => Some(Modifier::Optional),
            "*" => Some(Modifier::ZeroOrMore),
            "+" => Some(Modifier::OneOrMore),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::One => "",
            Modifier::Optional => "?",
            Modifier::ZeroOrMore => "*",
            Modifier::OneOrMore => "+",
        }
    }
}

impl PathPattern {
    /// Parses like `pathToRegexp(source, keys, {strict, sensitive, delimiter: "/"})`,
    /// which also throws when the produced regex does not compile.
    pub fn parse(source: &str) -> Result<PathPattern, PatternError> {
        let tokens = Parser::new(lex(source)?, source.len()).run()?;
        // Text is escaped and the glue around parameters is path-to-regexp's own, so the whole
        // regex compiles exactly when each custom parameter pattern does (the lexer already
        // refused capturing groups and unbalanced parentheses in them). Checking the patterns
        // alone, each once per run, keeps a config of thousands of routes fast.
        for token in &tokens {
            if let Token::Param(param) = token
                && !param.pattern.is_empty()
            {
                compile_cached(&regexp_source(&format!("(?:{})", param.pattern)))?;
            }
        }
        Ok(PathPattern {
            source: source.to_string(),
            tokens,
        })
    }

    /// Why matching this pattern's regex (as nginx will) could backtrack badly, if it could.
    pub fn backtracking_hazard(&self) -> Option<String> {
        if !self.tokens.iter().any(|t| matches!(t, Token::Param(_))) {
            return None;
        }
        // Text between parameters only matters through its first character (whether it
        // separates the parameter before it), so patterns that differ only in their text share
        // one answer: thousands of `/<name>/:path*` routes cost one check.
        let shape: Vec<Token> = self
            .tokens
            .iter()
            .map(|token| match token {
                Token::Text(text) => Token::Text(text.chars().take(1).collect()),
                param => param.clone(),
            })
            .collect();
        hazard_cached(&regex_of(&shape))
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Vercel's `segments`: the names of path-to-regexp's `keys`, named ones only.
    pub fn named_params(&self) -> Vec<&str> {
        self.keys()
            .filter_map(|param| match &param.name {
                ParamName::Named(name) => Some(name.as_str()),
                ParamName::Index(_) => None,
            })
            .collect()
    }

    /// Capture groups in [`Self::to_regex`], i.e. `$1..$n` of a destination.
    pub fn param_count(&self) -> usize {
        self.keys().count()
    }

    /// The regex source path-to-regexp builds (JS syntax, but also valid
    /// for fancy-regex and PCRE).
    pub fn to_regex(&self) -> String {
        regex_of(&self.tokens)
    }

    /// Each capture group's parameter name, in group order (`None` for an unnamed group).
    pub fn key_names(&self) -> Vec<Option<&str>> {
        self.keys()
            .map(|param| match &param.name {
                ParamName::Named(name) => Some(name.as_str()),
                ParamName::Index(_) => None,
            })
            .collect()
    }

    /// path-to-regexp only records params that capture as `keys`.
    fn keys(&self) -> impl Iterator<Item = &Param> {
        self.tokens.iter().filter_map(|token| match token {
            Token::Param(param) if !param.pattern.is_empty() => Some(param),
            _ => None,
        })
    }
}

/// path-to-regexp's `parse` alone (what its `compile` uses): tokens, no regex built.
pub fn tokenize(source: &str) -> Result<Vec<Token>, PatternError> {
    Parser::new(lex(source)?, source.len()).run()
}

type Memo<T> = std::cell::RefCell<std::collections::HashMap<String, T>>;

/// `work(regex)`, remembered in `memo` for the rest of the run: patterns repeat across routes.
fn remembered<T: Clone + 'static>(
    memo: &'static std::thread::LocalKey<Memo<T>>,
    regex: &str,
    work: fn(&str) -> T,
) -> T {
    memo.with(|seen| {
        if let Some(result) = seen.borrow().get(regex) {
            return result.clone();
        }
        let result = work(regex);
        seen.borrow_mut().insert(regex.to_string(), result.clone());
        result
    })
}

/// [`backtracking_hazard`], remembered per regex.
fn hazard_cached(regex: &str) -> Option<String> {
    thread_local! {
        static SEEN: Memo<Option<String>> = Default::default();
    }
    remembered(&SEEN, regex, backtracking_hazard)
}

/// [`compile`], remembered per regex.
fn compile_cached(regex: &str) -> Result<(), PatternError> {
    thread_local! {
        static SEEN: Memo<Result<(), PatternError>> = Default::default();
    }
    remembered(&SEEN, regex, compile)
}

fn compile(regex: &str) -> Result<(), PatternError> {
    regex_error(regex).map_or(Ok(()), |e| {
        Err(PatternError::at(
            0,
            format!("invalid regular expression: {e}"),
        ))
    })
}

/// Why a regex from a config does not compile within the size limit, if it does not.
pub fn regex_error(regex: &str) -> Option<String> {
    RegexBuilder::new(regex)
        .backtrack_limit(BACKTRACK_LIMIT)
        .delegate_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .err()
        .map(|e| e.to_string())
}

/// What V8's `RegExp.prototype.source` returns for `route`: Vercel stores
/// `.source`, which escapes a bare `/` outside character classes and line
/// terminators, so a user pattern like `((?!api/).*)` reads `((?!api\/).*)`.
fn regexp_source(route: &str) -> String {
    let mut source = String::with_capacity(route.len());
    let mut in_class = false;
    let mut chars = route.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek().copied() {
                Some(next) if is_line_terminator(next) => {}
                Some(next) => {
                    source.push(c);
                    source.push(next);
                    chars.next();
                }
                None => source.push(c),
            },
            '/' if !in_class => source.push_str("\\/"),
            '[' => {
                in_class = true;
                source.push(c);
            }
            ']' => {
                in_class = false;
                source.push(c);
            }
            '\n' => source.push_str("\\n"),
            '\r' => source.push_str("\\r"),
            '\u{2028}' => source.push_str("\\u2028"),
            '\u{2029}' => source.push_str("\\u2029"),
            _ => source.push(c),
        }
    }
    source
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// `text` as a regular expression that matches it literally.
pub fn escape_string(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if REGEX_SPECIALS.contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// path-to-regexp's regex for a token list, as V8's `RegExp.prototype.source` shows it.
fn regex_of(tokens: &[Token]) -> String {
    let mut route = String::from("^");
    for token in tokens {
        match token {
            Token::Text(text) => route.push_str(&escape_string(text)),
            Token::Param(param) => route.push_str(&param_regex(param)),
        }
    }
    // strict: no optional trailing delimiter before the end anchor.
    route.push('$');
    regexp_source(&route)
}

fn param_regex(param: &Param) -> String {
    let prefix = escape_string(&param.prefix);
    let suffix = escape_string(&param.suffix);
    let pattern = &param.pattern;
    let modifier = param.modifier.as_str();
    if pattern.is_empty() {
        return format!("(?:{prefix}{suffix}){modifier}");
    }
    if prefix.is_empty() && suffix.is_empty() {
        return format!("({pattern}){modifier}");
    }
    match param.modifier {
        Modifier::ZeroOrMore | Modifier::OneOrMore => {
            let optional = if param.modifier == Modifier::ZeroOrMore {
                "?"
            } else {
                ""
            };
            format!(
                "(?:{prefix}((?:{pattern})(?:{suffix}{prefix}(?:{pattern}))*){suffix}){optional}"
            )
        }
        Modifier::One | Modifier::Optional => {
            format!("(?:{prefix}({pattern}){suffix}){modifier}")
        }
    }
}

// ---------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Modifier,
    EscapedChar,
    Open,
    Close,
    Name,
    Pattern,
    Char,
    End,
}

impl Kind {
    /// The JS token type names, which appear in error messages.
    fn label(self) -> &'static str {
        match self {
            Kind::Modifier => "MODIFIER",
            Kind::EscapedChar => "ESCAPED_CHAR",
            Kind::Open => "OPEN",
            Kind::Close => "CLOSE",
            Kind::Name => "NAME",
            Kind::Pattern => "PATTERN",
            Kind::Char => "CHAR",
            Kind::End => "END",
        }
    }
}

#[derive(Debug)]
struct Lexeme {
    kind: Kind,
    offset: usize,
    /// Empty only for a `\` at the very end, where JS reads `undefined`.
    value: String,
}

/// The input as chars, addressed by char position but reporting byte offsets.
struct Chars {
    chars: Vec<(usize, char)>,
    len: usize,
}

impl Chars {
    fn new(source: &str) -> Self {
        Chars {
            chars: source.char_indices().collect(),
            len: source.len(),
        }
    }

    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).map(|&(_, c)| c)
    }

    /// Positions past the end (after a trailing `\`) clamp to the length, so
    /// an offset always points into or just after the pattern.
    fn offset(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.len, |&(offset, _)| offset)
    }
}

fn lex(source: &str) -> Result<Vec<Lexeme>, PatternError> {
    let chars = Chars::new(source);
    let mut lexemes = Vec::new();
    let mut i = 0;
    while let Some(c) = chars.at(i) {
        let (kind, value, next) = match c {
            '*' | '+' | '?' => (Kind::Modifier, c.to_string(), i + 1),
            '\\' => (
                Kind::EscapedChar,
                chars.at(i + 1).map(String::from).unwrap_or_default(),
                i + 2,
            ),
            '{' => (Kind::Open, c.to_string(), i + 1),
            '}' => (Kind::Close, c.to_string(), i + 1),
            ':' => lex_name(&chars, i)?,
            '(' => lex_pattern(&chars, i)?,
            _ => (Kind::Char, c.to_string(), i + 1),
        };
        lexemes.push(Lexeme {
            kind,
            offset: chars.offset(i),
            value,
        });
        i = next;
    }
    lexemes.push(Lexeme {
        kind: Kind::End,
        offset: chars.offset(i),
        value: String::new(),
    });
    Ok(lexemes)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn lex_name(chars: &Chars, start: usize) -> Result<(Kind, String, usize), PatternError> {
    let mut j = start + 1;
    let mut name = String::new();
    while let Some(c) = chars.at(j).filter(|&c| is_name_char(c)) {
        name.push(c);
        j += 1;
    }
    if name.is_empty() {
        let offset = chars.offset(start);
        return Err(PatternError::at(
            offset,
            format!("Missing parameter name at {offset}"),
        ));
    }
    Ok((Kind::Name, name, j))
}

fn lex_pattern(chars: &Chars, start: usize) -> Result<(Kind, String, usize), PatternError> {
    let mut j = start + 1;
    if chars.at(j) == Some('?') {
        let offset = chars.offset(j);
        return Err(PatternError::at(
            offset,
            format!("Pattern cannot start with \"?\" at {offset}"),
        ));
    }
    let mut depth = 1;
    let mut pattern = String::new();
    while let Some(c) = chars.at(j) {
        if c == '\\' {
            // JS appends `undefined` for a trailing `\`; the group is then
            // unbalanced anyway, so skipping it changes nothing observable.
            pattern.push(c);
            pattern.extend(chars.at(j + 1));
            j += 2;
            continue;
        }
        if c == ')' {
            depth -= 1;
            if depth == 0 {
                j += 1;
                break;
            }
        } else if c == '(' {
            depth += 1;
            if chars.at(j + 1) != Some('?') {
                let offset = chars.offset(j);
                return Err(PatternError::at(
                    offset,
                    format!("Capturing groups are not allowed at {offset}"),
                ));
            }
        }
        pattern.push(c);
        j += 1;
    }
    let offset = chars.offset(start);
    if depth > 0 {
        return Err(PatternError::at(
            offset,
            format!("Unbalanced pattern at {offset}"),
        ));
    }
    if pattern.is_empty() {
        return Err(PatternError::at(
            offset,
            format!("Missing pattern at {offset}"),
        ));
    }
    Ok((Kind::Pattern, pattern, j))
}

// ---------------------------------------------------------------------------
// Parser

struct Parser {
    lexemes: Vec<Lexeme>,
    source_len: usize,
    pos: usize,
    next_index: usize,
    path: String,
    tokens: Vec<Token>,
}

impl Parser {
    fn new(lexemes: Vec<Lexeme>, source_len: usize) -> Self {
        Parser {
            lexemes,
            source_len,
            pos: 0,
            next_index: 0,
            path: String::new(),
            tokens: Vec::new(),
        }
    }

    fn run(mut self) -> Result<Vec<Token>, PatternError> {
        while self.pos < self.lexemes.len() {
            self.step()?;
        }
        Ok(self.tokens)
    }

    fn step(&mut self) -> Result<(), PatternError> {
        let char = self.try_consume(Kind::Char);
        let name = self.try_consume(Kind::Name);
        let pattern = self.try_consume(Kind::Pattern);
        if name.is_some() || pattern.is_some() {
            self.push_param(char, name, pattern);
            return Ok(());
        }
        if let Some(text) = char.or_else(|| self.try_consume_escaped()) {
            self.path.push_str(&text);
            return Ok(());
        }
        self.flush_path();
        if self.try_consume(Kind::Open).is_some() {
            return self.push_group();
        }
        self.must_consume(Kind::End)
    }

    /// `:name` or `(pattern)`, optionally preceded by a `.` or `/` prefix.
    fn push_param(&mut self, char: Option<String>, name: Option<String>, pattern: Option<String>) {
        let mut prefix = char.unwrap_or_default();
        if !PREFIXES.contains(prefix.as_str()) {
            self.path.push_str(&prefix);
            prefix.clear();
        }
        self.flush_path();
        let name = match name {
            Some(name) => ParamName::Named(name),
            None => self.take_index(),
        };
        let modifier = self.consume_modifier();
        self.tokens.push(Token::Param(Param {
            name,
            prefix,
            suffix: String::new(),
            pattern: pattern.unwrap_or_else(|| DEFAULT_PATTERN.to_string()),
            modifier,
        }));
    }

    /// `{prefix :name (pattern) suffix}` after its `{` was consumed.
    fn push_group(&mut self) -> Result<(), PatternError> {
        let prefix = self.consume_text();
        let name = self.try_consume(Kind::Name).unwrap_or_default();
        let mut pattern = self.try_consume(Kind::Pattern).unwrap_or_default();
        let suffix = self.consume_text();
        self.must_consume(Kind::Close)?;
        let name = if !name.is_empty() {
            if pattern.is_empty() {
                pattern = DEFAULT_PATTERN.to_string();
            }
            ParamName::Named(name)
        } else if !pattern.is_empty() {
            self.take_index()
        } else {
            ParamName::Named(String::new())
        };
        let modifier = self.consume_modifier();
        self.tokens.push(Token::Param(Param {
            name,
            prefix,
            suffix,
            pattern,
            modifier,
        }));
        Ok(())
    }

    fn take_index(&mut self) -> ParamName {
        let index = self.next_index;
        self.next_index += 1;
        ParamName::Index(index)
    }

    fn flush_path(&mut self) {
        if !self.path.is_empty() {
            self.tokens
                .push(Token::Text(std::mem::take(&mut self.path)));
        }
    }

    fn try_consume(&mut self, kind: Kind) -> Option<String> {
        let lexeme = self.lexemes.get(self.pos).filter(|l| l.kind == kind)?;
        let value = lexeme.value.clone();
        self.pos += 1;
        Some(value)
    }

    /// JS `tryConsume("ESCAPED_CHAR")` used as a truth value: a trailing `\`
    /// is consumed but yields `undefined`, i.e. no text.
    fn try_consume_escaped(&mut self) -> Option<String> {
        self.try_consume(Kind::EscapedChar)
            .filter(|value| !value.is_empty())
    }

    fn consume_modifier(&mut self) -> Modifier {
        self.try_consume(Kind::Modifier)
            .and_then(|symbol| Modifier::from_symbol(&symbol))
            .unwrap_or(Modifier::One)
    }

    fn consume_text(&mut self) -> String {
        let mut text = String::new();
        while let Some(value) = self
            .try_consume(Kind::Char)
            .or_else(|| self.try_consume_escaped())
        {
            text.push_str(&value);
        }
        text
    }

    fn must_consume(&mut self, kind: Kind) -> Result<(), PatternError> {
        if self.try_consume(kind).is_some() {
            return Ok(());
        }
        let (found, offset) = self
            .lexemes
            .get(self.pos)
            .map_or((Kind::End, self.source_len), |l| (l.kind, l.offset));
        Err(PatternError::at(
            offset,
            format!(
                "Unexpected {} at {offset}, expected {}",
                found.label(),
                kind.label()
            ),
        ))
    }
}

mod destination;
mod safety;

pub use destination::{destination_param_names, named_groups};
pub use safety::backtracking_hazard;

#[cfg(test)]
mod tests {
    use super::*;

    fn regex_of(source: &str) -> String {
        PathPattern::parse(source).unwrap().to_regex()
    }

    fn error_of(source: &str) -> PatternError {
        PathPattern::parse(source).unwrap_err()
    }

    fn matcher(source: &str) -> fancy_regex::Regex {
        fancy_regex::Regex::new(&regex_of(source)).unwrap()
    }

    fn assert_matches(source: &str, yes: &[&str], no: &[&str]) {
        let regex = matcher(source);
        for path in yes {
            assert!(
                regex.is_match(path).unwrap(),
                "{source} should match {path}"
            );
        }
        for path in no {
            assert!(
                !regex.is_match(path).unwrap(),
                "{source} should not match {path}"
            );
        }
    }

    #[test]
    fn regex_text_matches_path_to_regexp() {
        let cases = [
            ("/about", r"^\/about$"),
            ("/blog/:slug", r"^\/blog(?:\/([^\/]+?))$"),
            (
                "/api/:path*",
                r"^\/api(?:\/((?:[^\/]+?)(?:\/(?:[^\/]+?))*))?$",
            ),
            (
                "/api/:path+",
                r"^\/api(?:\/((?:[^\/]+?)(?:\/(?:[^\/]+?))*))$",
            ),
            ("/api/:id?", r"^\/api(?:\/([^\/]+?))?$"),
            (r"/api/:id(\d+)", r"^\/api(?:\/(\d+))$"),
            ("/api/(.*)", r"^\/api(?:\/(.*))$"),
            ("/(.*)", r"^(?:\/(.*))$"),
            ("/api/:path(.*)?", r"^\/api(?:\/(.*))?$"),
            ("{/:lang}?/about", r"^(?:\/([^\/]+?))?\/about$"),
        ];
        for (source, expected) in cases {
            assert_eq!(regex_of(source), expected, "source {source}");
        }
    }

    #[test]
    fn more_shapes_match_path_to_regexp() {
        let cases = [
            ("", "^$"),
            ("/:file.:ext", r"^(?:\/([^\/]+?))(?:\.([^\/]+?))$"),
            (
                "/:path*.html",
                r"^(?:\/((?:[^\/]+?)(?:\/(?:[^\/]+?))*))?\.html$",
            ),
            (r"/(.*)\.(jpg|png)", r"^(?:\/(.*))\.(jpg|png)$"),
            ("/a/:b-:c", r"^\/a(?:\/([^\/]+?))-([^\/]+?)$"),
            ("/{x}?", r"^\/(?:x)?$"),
            (r"/:a\:b", r"^(?:\/([^\/]+?))\:b$"),
            (
                r"{pre:mid(\d+)suf}*",
                r"^(?:pre((?:\d+)(?:sufpre(?:\d+))*)suf)?$",
            ),
            // `.source` escapes a bare `/` in user patterns, not in classes.
            ("/((?!api/).*)", r"^(?:\/((?!api\/).*))$"),
            ("/([/]+)", r"^(?:\/([/]+))$"),
            ("/a\nb", r"^\/a\nb$"),
            ("/café/:id", r"^\/café(?:\/([^\/]+?))$"),
            // JS reads `undefined` for a trailing `\` and drops it.
            ("/a\\", r"^\/a$"),
        ];
        for (source, expected) in cases {
            assert_eq!(regex_of(source), expected, "source {source:?}");
        }
    }

    #[test]
    fn tokens_of_a_group() {
        let pattern = PathPattern::parse("{/:lang}?/about").unwrap();
        assert_eq!(pattern.source(), "{/:lang}?/about");
        assert_eq!(
            pattern.tokens(),
            &[
                Token::Param(Param {
                    name: ParamName::Named("lang".to_string()),
                    prefix: "/".to_string(),
                    suffix: String::new(),
                    pattern: DEFAULT_PATTERN.to_string(),
                    modifier: Modifier::Optional,
                }),
                Token::Text("/about".to_string()),
            ]
        );
    }

    #[test]
    fn plain_group_is_not_a_param() {
        let pattern = PathPattern::parse("/{x}?").unwrap();
        assert_eq!(pattern.param_count(), 0);
        assert!(pattern.named_params().is_empty());
        let Token::Param(param) = &pattern.tokens()[1] else {
            panic!("expected a group");
        };
        assert_eq!(param.name, ParamName::Named(String::new()));
        assert_eq!(param.pattern, "");
    }

    #[test]
    fn named_params_and_count() {
        let pattern = PathPattern::parse(r"/:a/(.*)/{:b}?/:c(\d+)/(x|y)").unwrap();
        assert_eq!(pattern.named_params(), ["a", "b", "c"]);
        assert_eq!(pattern.param_count(), 5);
        let names: Vec<&ParamName> = pattern
            .tokens()
            .iter()
            .filter_map(|token| match token {
                Token::Param(param) => Some(&param.name),
                Token::Text(_) => None,
            })
            .collect();
        assert_eq!(names[1], &ParamName::Index(0));
        assert_eq!(names[4], &ParamName::Index(1));
        assert_eq!(PathPattern::parse("/about").unwrap().param_count(), 0);
    }

    #[test]
    fn lexer_errors() {
        let cases = [
            ("/:", "Missing parameter name at 1", 1),
            ("/:-", "Missing parameter name at 1", 1),
            ("/(abc", "Unbalanced pattern at 1", 1),
            ("/a(", "Unbalanced pattern at 2", 2),
            ("/(a\\", "Unbalanced pattern at 1", 1),
            ("/((a))", "Capturing groups are not allowed at 2", 2),
            ("/(?:a)", "Pattern cannot start with \"?\" at 2", 2),
            ("/()", "Missing pattern at 1", 1),
        ];
        for (source, message, offset) in cases {
            let error = error_of(source);
            assert_eq!(error.message, message, "source {source:?}");
            assert_eq!(error.offset, offset, "source {source:?}");
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn parser_errors() {
        let cases = [
            ("/a}", "Unexpected CLOSE at 2, expected END", 2),
            ("{/a", "Unexpected END at 3, expected CLOSE", 3),
            ("/{:id", "Unexpected END at 5, expected CLOSE", 5),
            ("/a*", "Unexpected MODIFIER at 2, expected END", 2),
            ("{/:a/:b}", "Unexpected NAME at 5, expected CLOSE", 5),
            ("{{", "Unexpected OPEN at 1, expected CLOSE", 1),
            // JS says 5 here: its END sits one past a trailing `\`.
            ("{/a\\", "Unexpected END at 4, expected CLOSE", 4),
        ];
        for (source, message, offset) in cases {
            let error = error_of(source);
            assert_eq!(error.message, message, "source {source:?}");
            assert_eq!(error.offset, offset, "source {source:?}");
        }
    }

    #[test]
    fn invalid_regex_is_rejected() {
        let error = error_of("/:id([)");
        assert!(error.message.starts_with("invalid regular expression: "));
        assert_eq!(error.offset, 0);
    }

    #[test]
    fn offsets_are_bytes_and_unicode_is_safe() {
        let error = error_of("/é:");
        assert_eq!(error.offset, 3);
        assert_eq!(error.message, "Missing parameter name at 3");
        assert_eq!(error_of("/😀(").offset, 5);
        assert_eq!(error_of("😀{").offset, 5);
        for source in ["é", "\\é", "(é)", "{é}", ":é", "é\\", "{😀\\"] {
            let _ = PathPattern::parse(source);
        }
        assert_eq!(regex_of("\\é"), "^é$");
    }

    #[test]
    fn produced_regexes_match_paths() {
        assert_matches(
            "/api/:path*",
            &["/api", "/api/a", "/api/a/b"],
            &["/apix", "/api/", "/api/a/"],
        );
        assert_matches("/api/:path+", &["/api/a", "/api/a/b"], &["/api", "/api/"]);
        assert_matches("/about", &["/about"], &["/about/", "/About", "/aboutx"]);
        assert_matches("/About", &["/About"], &["/about"]);
        assert_matches(
            "/blog/:slug",
            &["/blog/hello"],
            &["/blog", "/blog/a/b", "/blog/"],
        );
        assert_matches("/api/:id(\\d+)", &["/api/42"], &["/api/x", "/api/"]);
        assert_matches(
            "{/:lang}?/about",
            &["/about", "/en/about"],
            &["/en/fr/about"],
        );
        assert_matches("/((?!api/).*)", &["/", "/x", "/apix"], &["/api/x"]);
        assert_matches("/:file.:ext", &["/a.txt"], &["/a", "/a/b.txt"]);
    }

    #[test]
    fn captures_follow_param_order() {
        let regex = matcher("/:a/(.*)");
        let captures = regex.captures("/x/y/z").unwrap().unwrap();
        assert_eq!(captures.len() - 1, 2);
        assert_eq!(&captures[1], "x");
        assert_eq!(&captures[2], "y/z");
    }
}
