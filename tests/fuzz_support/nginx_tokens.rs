//! nginx's own reading of a config file, re-implemented from `ngx_conf_read_token`
//! (src/core/ngx_conf_file.c) and the `if` condition parser of the rewrite module: what nginx
//! will see as directives, arguments and blocks. The invariants compare it with the directive
//! tree svc meant to print.

use svc::emit::nginx_conf::{Arg, DOLLAR_VAR, Item, Part};

/// A directive as nginx reads it: its name and arguments (unescaped), and its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub words: Vec<String>,
    pub block: Option<Vec<Directive>>,
}

#[derive(Debug, PartialEq, Eq)]
enum Event {
    /// `;` after the words.
    End(Vec<String>),
    /// `{` after the words.
    BlockStart(Vec<String>),
    BlockDone,
    Eof,
}

struct Reader<'t> {
    text: &'t [u8],
    pos: usize,
}

impl Reader<'_> {
    /// One step of `ngx_conf_read_token`: the words up to the next `;`, `{` or `}`.
    fn next(&mut self) -> Result<Event, String> {
        let mut words: Vec<String> = Vec::new();
        let mut start = 0;
        let (mut need_space, mut last_space, mut sharp_comment) = (false, true, false);
        let (mut quoted, mut d_quoted, mut s_quoted, mut variable) = (false, false, false, false);
        loop {
            let Some(&ch) = self.text.get(self.pos) else {
                if !words.is_empty() || !last_space {
                    return Err("unexpected end of file, expecting \";\" or \"}\"".to_string());
                }
                return Ok(Event::Eof);
            };
            self.pos += 1;
            if ch == b'\n' {
                sharp_comment = false;
            }
            if sharp_comment {
                continue;
            }
            if quoted {
                quoted = false;
                continue;
            }
            let space = matches!(ch, b' ' | b'\t' | b'\r' | b'\n');
            if need_space {
                if space {
                    last_space = true;
                    need_space = false;
                    continue;
                }
                match ch {
                    b';' => return Ok(Event::End(words)),
                    b'{' => return Ok(Event::BlockStart(words)),
                    b')' => {
                        last_space = true;
                        need_space = false;
                    }
                    _ => return Err(format!("unexpected \"{}\"", ch as char)),
                }
            }
            if last_space {
                start = self.pos - 1;
                if space {
                    continue;
                }
                match ch {
                    b';' | b'{' => {
                        if words.is_empty() {
                            return Err(format!("unexpected \"{}\"", ch as char));
                        }
                        return Ok(if ch == b'{' {
                            Event::BlockStart(words)
                        } else {
                            Event::End(words)
                        });
                    }
                    b'}' => {
                        if !words.is_empty() {
                            return Err("unexpected \"}\"".to_string());
                        }
                        return Ok(Event::BlockDone);
                    }
                    b'#' => {
                        sharp_comment = true;
                        continue;
                    }
                    b'\\' => {
                        quoted = true;
                        last_space = false;
                        continue;
                    }
                    b'"' => {
                        start += 1;
                        d_quoted = true;
                        last_space = false;
                        continue;
                    }
                    b'\'' => {
                        start += 1;
                        s_quoted = true;
                        last_space = false;
                        continue;
                    }
                    b'$' => {
                        variable = true;
                        last_space = false;
                        continue;
                    }
                    _ => {
                        last_space = false;
                    }
                }
            } else {
                if ch == b'{' && variable {
                    continue;
                }
                variable = false;
                if ch == b'\\' {
                    quoted = true;
                    continue;
                }
                if ch == b'$' {
                    variable = true;
                    continue;
                }
                let mut found = false;
                if d_quoted {
                    if ch == b'"' {
                        d_quoted = false;
                        need_space = true;
                        found = true;
                    }
                } else if s_quoted {
                    if ch == b'\'' {
                        s_quoted = false;
                        need_space = true;
                        found = true;
                    }
                } else if space || ch == b';' || ch == b'{' {
                    last_space = true;
                    found = true;
                }
                if found {
                    // NGX_CONF_BUFFER: a word must fit in nginx's 4 KiB read buffer.
                    if self.pos - 1 - start > 4094 {
                        return Err("too long parameter".to_string());
                    }
                    words.push(unescape(&self.text[start..self.pos - 1]));
                    if ch == b';' {
                        return Ok(Event::End(words));
                    }
                    if ch == b'{' {
                        return Ok(Event::BlockStart(words));
                    }
                }
            }
        }
    }
}

/// The copy loop of `ngx_conf_read_token`: `\"`, `\'`, `\\`, `\t`, `\r`, `\n`.
fn unescape(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            match raw.get(i + 1) {
                Some(b'"' | b'\'' | b'\\') => i += 1,
                Some(b't') => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                Some(b'r') => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                Some(b'n') => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The directives of a whole file, as nginx reads them; an error where nginx would stop.
pub fn read(text: &str) -> Result<Vec<Directive>, String> {
    let mut reader = Reader {
        text: text.as_bytes(),
        pos: 0,
    };
    let mut stack: Vec<(Vec<String>, Vec<Directive>)> = Vec::new();
    let mut current: Vec<Directive> = Vec::new();
    loop {
        match reader.next()? {
            Event::End(words) => current.push(directive(words, None)?),
            Event::BlockStart(words) => {
                stack.push((words, std::mem::take(&mut current)));
            }
            Event::BlockDone => {
                let (words, parent) = stack.pop().ok_or("unexpected \"}\"")?;
                let block = std::mem::replace(&mut current, parent);
                current.push(directive(words, Some(block))?);
            }
            Event::Eof => {
                if !stack.is_empty() {
                    return Err("unexpected end of file, expecting \"}\"".to_string());
                }
                return Ok(current);
            }
        }
    }
}

/// An `if` as the rewrite module reads its condition: `(` taken off the first word and `)` off
/// the last, dropping a word that was only the parenthesis; without them nginx refuses it.
fn directive(mut words: Vec<String>, block: Option<Vec<Directive>>) -> Result<Directive, String> {
    if words.first().map(String::as_str) == Some("if") {
        let opens = words.get(1).is_some_and(|w| w.starts_with('('));
        let closes = words.len() > 1 && words.last().is_some_and(|w| w.ends_with(')'));
        if !opens || !closes {
            return Err(format!("invalid condition in `{}`", words.join(" ")));
        }
        words[1].remove(0);
        if words[1].is_empty() {
            words.remove(1);
        }
        let last = words.len() - 1;
        if last >= 1 {
            words[last].pop();
            if words[last].is_empty() {
                words.pop();
            }
        }
    }
    Ok(Directive { words, block })
}

/// What svc meant nginx to read from its directive tree: each argument's text, with a literal
/// `$` through the dollar variable and interpolations as `${name}`.
pub fn meant(items: &[Item]) -> Vec<Directive> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Directive(d) => Some(Directive {
                words: std::iter::once(bare(d.name))
                    .chain(d.args.iter().map(meant_arg))
                    .collect(),
                block: d.block.as_deref().map(meant),
            }),
            Item::Comment(_) | Item::Blank => None,
        })
        .collect()
}

/// svc's own constants are printed bare: a quoted one (`"$"`, `""`) means its inside.
fn bare(word: &str) -> String {
    word.strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .unwrap_or(word)
        .to_string()
}

/// Where two readings first differ, as a path of directive names; `None` when they agree.
pub fn first_difference(read: &[Directive], meant: &[Directive]) -> Option<String> {
    for (i, (r, m)) in read.iter().zip(meant).enumerate() {
        if r.words != m.words {
            return Some(format!(
                "directive {i}: nginx reads {:?}, svc meant {:?}",
                r.words, m.words
            ));
        }
        match (&r.block, &m.block) {
            (Some(rb), Some(mb)) => {
                if let Some(inner) = first_difference(rb, mb) {
                    return Some(format!("{} > {inner}", m.words.join(" ")));
                }
            }
            (None, None) => {}
            _ => return Some(format!("{}: block differs", m.words.join(" "))),
        }
    }
    (read.len() != meant.len()).then(|| {
        format!(
            "nginx reads {} directives here, svc meant {}",
            read.len(),
            meant.len()
        )
    })
}

fn meant_arg(arg: &Arg) -> String {
    match arg {
        Arg::Word(word) => bare(word),
        Arg::Number(n) => n.to_string(),
        Arg::Var(name) => format!("${name}"),
        Arg::Regex(regex) => regex.clone(),
        Arg::Value(parts) => parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.replace('$', &format!("${{{DOLLAR_VAR}}}")),
                Part::Var(name) => format!("${{{name}}}"),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<String>> {
        read(text).unwrap().into_iter().map(|d| d.words).collect()
    }

    #[test]
    fn reads_quotes_escapes_comments_and_conditions_as_nginx_does() {
        assert_eq!(
            words("a \"b c\" 'd\\'e' f\\ g; # x ;\n"),
            [["a", "b c", "d'e", "f\\ g"]]
        );
        assert_eq!(
            words("if ($x ~ \"^a b$\") { }"),
            [["if", "$x", "~", "^a b$"]]
        );
        assert_eq!(words("if ($x) { }"), [["if", "$x"]]);
        assert_eq!(words("set $a \"${b}c\";"), [["set", "$a", "${b}c"]]);
        assert!(read("a \"b\"c;").is_err());
        assert!(read("a { b;").is_err());
        assert!(read("a; }").is_err());
        assert!(read("if $x { }").is_err());
    }
}
