//! The alignment pass svc ran over hcl-rs's formatted text before `print.rs` aligned as it
//! printed: in each run of consecutive single-line attributes at one indent, `=` signs line
//! up. Kept, for tests only, as the oracle the printer is checked against.

/// One line's shape, as far as alignment cares.
enum Line<'a> {
    /// `indent key = value` on one line.
    Attribute {
        indent: &'a str,
        key: &'a str,
        value: &'a str,
    },
    /// Anything else ends a run: blank lines, block headers and closers, multi-line openers.
    Other,
}

fn classify(line: &str) -> Line<'_> {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    let Some((key, value)) = split_attribute(trimmed) else {
        return Line::Other;
    };
    let opens = value.ends_with('{') || value.ends_with('[') || value.ends_with('(');
    if opens && !value.starts_with("<<") {
        return Line::Other;
    }
    Line::Attribute { indent, key, value }
}

/// `key = value` where key is an identifier or a quoted string.
fn split_attribute(line: &str) -> Option<(&str, &str)> {
    let key_end = if let Some(quoted) = line.strip_prefix('"') {
        let mut escaped = false;
        let close = quoted.char_indices().find(|(_, c)| {
            let end = *c == '"' && !escaped;
            escaped = *c == '\\' && !escaped;
            end
        })?;
        close.0 + 2
    } else {
        line.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))?
    };
    if key_end == 0 {
        return None;
    }
    let rest = line[key_end..].trim_start();
    let value = rest.strip_prefix("= ")?;
    Some((&line[..key_end], value))
}

pub fn align(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    while i < lines.len() {
        let Line::Attribute { indent, .. } = classify(lines[i]) else {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
            continue;
        };
        let run_end = run_end(&lines, i, indent);
        let width = lines[i..run_end]
            .iter()
            .filter_map(|l| match classify(l) {
                Line::Attribute { key, .. } => Some(key.chars().count()),
                Line::Other => None,
            })
            .max()
            .unwrap_or(0);
        for line in &lines[i..run_end] {
            if let Line::Attribute { indent, key, value } = classify(line) {
                let pad = width - key.chars().count();
                out.push_str(&format!("{indent}{key}{} = {value}\n", " ".repeat(pad)));
            }
        }
        i = run_end;
        // A heredoc's body follows its opener untouched, and ends the run.
        if let Line::Attribute { value, .. } = classify(lines[i - 1])
            && let Some(marker) = value.strip_prefix("<<").map(|m| m.trim_start_matches('-'))
        {
            while i < lines.len() {
                out.push_str(lines[i]);
                out.push('\n');
                i += 1;
                if lines[i - 1].trim() == marker {
                    break;
                }
            }
        }
    }
    out
}

/// The end (exclusive) of the run of attributes at `indent` starting at `start`.
fn run_end(lines: &[&str], start: usize, indent: &str) -> usize {
    let mut end = start;
    while end < lines.len() {
        match classify(lines[end]) {
            Line::Attribute {
                indent: other,
                value,
                ..
            } if other == indent => {
                end += 1;
                if value.starts_with("<<") {
                    break;
                }
            }
            _ => break,
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_align_and_stop_at_blocks_blanks_and_openers() {
        let input = "a = 1\nlonger_key = 2\n\nb = 3\nblock {\n  x = 1\n  yy = {\n    \"k\" = 1\n    k2 = 2\n  }\n  zzz = 3\n}\n";
        let expected = "a          = 1\nlonger_key = 2\n\nb = 3\nblock {\n  x = 1\n  yy = {\n    \"k\" = 1\n    k2  = 2\n  }\n  zzz = 3\n}\n";
        assert_eq!(align(input), expected);
    }

    #[test]
    fn heredoc_openers_align_and_their_bodies_stay() {
        let input = "a = 1\nbody = <<EOT\nx = 1\nEOT\nc = 2\n";
        assert_eq!(align(input), "a    = 1\nbody = <<EOT\nx = 1\nEOT\nc = 2\n");
    }
}
