//! Cron schedules as Vercel takes them: five numeric fields (minute, hour, day of month, month,
//! day of week), in UTC. A schedule is parsed once into the set of times it names, so every
//! target writes it in its own dialect from the same meaning: a canonical crontab line for the
//! compose scheduler, an EventBridge Scheduler `cron(...)` expression for terraform.

use serde::{Serialize, Serializer};
use std::fmt;

/// A checked schedule: what the config wrote, and the times it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    written: String,
    fields: [Field; 5],
}

/// The values one field allows, as a bit set over its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field {
    bits: u64,
    spec: Spec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spec {
    name: &'static str,
    min: u8,
    max: u8,
}

const SPECS: [Spec; 5] = [
    Spec {
        name: "minute",
        min: 0,
        max: 59,
    },
    Spec {
        name: "hour",
        min: 0,
        max: 23,
    },
    Spec {
        name: "day of month",
        min: 1,
        max: 31,
    },
    Spec {
        name: "month",
        min: 1,
        max: 12,
    },
    // 7 is Sunday too, as in every cron; it folds into 0 once parsed.
    Spec {
        name: "day of week",
        min: 0,
        max: 7,
    },
];

impl Field {
    fn all(spec: Spec) -> u64 {
        let top = if spec.name == "day of week" {
            6
        } else {
            spec.max
        };
        (spec.min..=top).fold(0, |bits, v| bits | 1 << v)
    }

    fn is_every(&self) -> bool {
        self.bits == Field::all(self.spec)
    }

    fn values(&self) -> impl Iterator<Item = u8> + '_ {
        (0..64u8).filter(|v| self.bits & (1 << v) != 0)
    }

    /// `*`, or the values as a list with runs of three or more written as ranges.
    fn canonical(&self, shift: u8) -> String {
        if self.is_every() {
            return "*".to_string();
        }
        let values: Vec<u8> = self.values().map(|v| v + shift).collect();
        let mut parts = Vec::new();
        let mut i = 0;
        while i < values.len() {
            let mut j = i;
            while j + 1 < values.len() && values[j + 1] == values[j] + 1 {
                j += 1;
            }
            if j >= i + 2 {
                parts.push(format!("{}-{}", values[i], values[j]));
                i = j + 1;
            } else {
                parts.push(values[i].to_string());
                i += 1;
            }
        }
        parts.join(",")
    }
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.len() != 5 {
            return Err(format!(
                "a cron expression has 5 fields (minute hour day-of-month month day-of-week); this has {}",
                words.len()
            ));
        }
        let mut fields = [Field {
            bits: 0,
            spec: SPECS[0],
        }; 5];
        for (i, (word, spec)) in words.iter().zip(SPECS).enumerate() {
            fields[i] = parse_field(word, spec)?;
        }
        // Cron reads two restricted day fields as "either"; some crons do not, and EventBridge
        // Scheduler cannot say it at all. Refused, so every target runs the same days.
        if !fields[2].is_every() && !fields[4].is_every() {
            return Err(format!(
                "`{text}` restricts both the day of the month and the day of the week; write `*` in one of them, or split it into two schedules"
            ));
        }
        Ok(Schedule {
            written: text.to_string(),
            fields,
        })
    }

    pub fn as_written(&self) -> &str {
        &self.written
    }

    /// Five fields any cron daemon reads the same way: numbers, ranges and lists only, Sunday 0.
    pub fn crontab(&self) -> String {
        self.fields
            .iter()
            .map(|f| f.canonical(0))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// EventBridge Scheduler's six-field form. It numbers weekdays from 1 (Sunday) and needs `?`
    /// in whichever of the two day fields is unrestricted (parsing refused both restricted).
    pub fn eventbridge(&self) -> String {
        let [minute, hour, dom, month, dow] = &self.fields;
        let (dom_text, dow_text) = if dow.is_every() {
            (dom.canonical(0), "?".to_string())
        } else {
            ("?".to_string(), dow.canonical(1))
        };
        format!(
            "cron({} {} {dom_text} {} {dow_text} *)",
            minute.canonical(0),
            hour.canonical(0),
            month.canonical(0)
        )
    }
}

fn parse_field(word: &str, spec: Spec) -> Result<Field, String> {
    let mut bits = 0u64;
    for part in word.split(',') {
        bits |= parse_part(part, spec)?;
    }
    if spec.name == "day of week" && bits & (1 << 7) != 0 {
        bits = (bits & !(1 << 7)) | 1;
    }
    Ok(Field { bits, spec })
}

fn parse_part(part: &str, spec: Spec) -> Result<u64, String> {
    let (range, step) = match part.split_once('/') {
        Some((range, step)) => {
            let step = number(step, spec, "step")?;
            if step == 0 {
                return Err(format!("the {} step `/0` never advances", spec.name));
            }
            (range, Some(step))
        }
        None => (part, None),
    };
    let (low, high) = match range.split_once('-') {
        _ if range == "*" => (spec.min, spec.max),
        Some((low, high)) => (value(low, spec)?, value(high, spec)?),
        // `5/15` means from 5 to the end of the field, in steps of 15.
        None if step.is_some() => (value(range, spec)?, spec.max),
        None => {
            let v = value(range, spec)?;
            (v, v)
        }
    };
    if low > high {
        return Err(format!(
            "the {} range `{range}` runs backwards; cron ranges do not wrap: write `{low}-{},{}-{high}`",
            spec.name, spec.max, spec.min
        ));
    }
    Ok((low..=high)
        .step_by(usize::from(step.unwrap_or(1)))
        .fold(0, |bits, v| bits | 1 << v))
}

fn value(text: &str, spec: Spec) -> Result<u8, String> {
    let v = number(text, spec, "value")?;
    if v < spec.min || v > spec.max {
        return Err(format!(
            "{} `{v}` is out of range: use {}-{}",
            spec.name, spec.min, spec.max
        ));
    }
    Ok(v)
}

fn number(text: &str, spec: Spec, what: &str) -> Result<u8, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        let hint = if text.bytes().any(|b| b.is_ascii_alphabetic()) {
            " (Vercel's crons take numbers, not names such as MON or JAN)"
        } else {
            ""
        };
        return Err(format!(
            "`{text}` is not a number in the {} field's {what}{hint}",
            spec.name
        ));
    }
    text.parse::<u8>()
        .map_err(|_| format!("{} `{text}` is out of range", spec.name))
}

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.written)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crontab(text: &str) -> String {
        Schedule::parse(text).unwrap().crontab()
    }

    #[test]
    fn fields_are_rewritten_as_plain_lists_and_ranges() {
        assert_eq!(crontab("* * * * *"), "* * * * *");
        assert_eq!(crontab("*/15 9-17 * * 1-5"), "0,15,30,45 9-17 * * 1-5");
        assert_eq!(crontab("5/20 0 1,15 */3 *"), "5,25,45 0 1,15 1,4,7,10 *");
        assert_eq!(crontab("0 0 * * 7"), "0 0 * * 0");
        assert_eq!(crontab("0 0 * * 0-7"), "0 0 * * *");
        assert_eq!(crontab("0   12 * *  5"), "0 12 * * 5");
        assert_eq!(crontab("5/1 * * * *"), "5-59 * * * *");
        assert_eq!(crontab("0 0 * * 1/1"), "0 0 * * *");
        assert_eq!(crontab("0 0 1-31 * 1"), "0 0 * * 1");
    }

    #[test]
    fn eventbridge_numbers_weekdays_from_one_and_needs_a_question_mark() {
        let eb = |t: &str| Schedule::parse(t).unwrap().eventbridge();
        assert_eq!(
            eb("*/5 * * * *"),
            "cron(0,5,10,15,20,25,30,35,40,45,50,55 * * * ? *)"
        );
        assert_eq!(eb("0 9 * * 1-5"), "cron(0 9 ? * 2-6 *)");
        assert_eq!(eb("0 0 * * 0,6"), "cron(0 0 ? * 1,7 *)");
        assert_eq!(eb("0 0 * * 7"), "cron(0 0 ? * 1 *)");
        assert_eq!(eb("30 2 1 * *"), "cron(30 2 1 * ? *)");
    }

    #[test]
    fn what_is_not_a_five_field_numeric_cron_is_refused_with_the_reason() {
        let err = |t: &str| Schedule::parse(t).unwrap_err();
        assert!(err("<dynamic>").contains("5 fields"));
        assert!(err("* * * *").contains("this has 4"));
        assert!(err("60 * * * *").contains("minute `60` is out of range"));
        assert!(err("0 0 * * MON").contains("not names"));
        assert!(err("*/0 * * * *").contains("never advances"));
        assert!(err("0 22-2 * * *").contains("write `22-23,0-2`"));
        assert!(err("0 0 1 * 1").contains("both the day of the month and the day of the week"));
        assert!(err("0 0 0 * *").contains("day of month `0`"));
        assert!(err("0 0 * 13 *").contains("month `13`"));
        assert!(err("0 0 * * 8").contains("day of week `8`"));
        assert!(err("1,,2 * * * *").contains("not a number"));
    }
}
