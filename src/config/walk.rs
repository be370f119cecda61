//! Typed, span-aware access to one parsed TOML table.
//!
//! This file owns "is the key there, and does it have the right TOML type"; it reports wrong
//! types, missing required keys and unknown keys to the [`Report`]. It must never judge the
//! meaning of a value (URLs, durations, selectors): the readers do that with the spans it returns.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::Report;

/// A value with the byte span it came from.
pub(crate) type At<T> = (Range<usize>, T);

/// One table being read: which keys it may have, where it is, how problems are labelled.
pub(crate) struct Fields<'t, 'i> {
    table: &'t DeTable<'i>,
    span: Range<usize>,
    context: String,
    prefix: &'static str,
    allowed: &'static [&'static str],
}

impl<'t, 'i> Fields<'t, 'i> {
    /// Reads `table` (found at `span`) whose keys must be among `allowed`.
    pub(crate) fn new(
        table: &'t DeTable<'i>,
        span: Range<usize>,
        allowed: &'static [&'static str],
    ) -> Fields<'t, 'i> {
        Fields {
            table,
            span,
            context: String::new(),
            prefix: "",
            allowed,
        }
    }

    /// Labels later problems with `context` (e.g. `[[source]] "bmi"`).
    pub(crate) fn set_context(&mut self, context: String) {
        self.context = context;
    }

    /// Prefixes field names with `prefix` (e.g. `list.`) for nested tables.
    pub(crate) fn with_prefix(mut self, context: &str, prefix: &'static str) -> Self {
        self.context = context.to_owned();
        self.prefix = prefix;
        self
    }

    /// The span of the table itself, for problems about a missing key or a combination of keys.
    pub(crate) fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The context label in use.
    pub(crate) fn context(&self) -> &str {
        &self.context
    }

    /// Records a problem about `key` at `span`.
    pub(crate) fn problem(
        &self,
        r: &mut Report<'_>,
        span: &Range<usize>,
        key: &str,
        msg: impl Into<String>,
    ) {
        r.push(span, &self.context, &format!("{}{key}", self.prefix), msg);
    }

    fn raw(&self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    fn wrong_type(&self, r: &mut Report<'_>, key: &str, v: &Spanned<DeValue<'_>>, want: &str) {
        let msg = format!("expected {want}, found {}", v.get_ref().type_str());
        self.problem(r, &v.span(), key, msg);
    }

    /// The raw value of `key`, for fields that accept several TOML types.
    pub(crate) fn value(&self, key: &str) -> Option<At<&'t DeValue<'i>>> {
        self.raw(key).map(|v| (v.span(), v.get_ref()))
    }

    /// The string at `key`; a problem if it has another type.
    pub(crate) fn string(&self, r: &mut Report<'_>, key: &str) -> Option<At<&'t str>> {
        let v = self.raw(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some((v.span(), s.as_ref())),
            _ => {
                self.wrong_type(r, key, v, "a string");
                None
            }
        }
    }

    /// Like [`Fields::string`], but a missing key is a problem too.
    pub(crate) fn required_string(&self, r: &mut Report<'_>, key: &str) -> Option<At<&'t str>> {
        if self.raw(key).is_none() {
            self.problem(r, &self.span, key, "missing required field");
            return None;
        }
        self.string(r, key)
    }

    /// The boolean at `key`; a problem if it has another type.
    pub(crate) fn boolean(&self, r: &mut Report<'_>, key: &str) -> Option<bool> {
        let v = self.raw(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(r, key, v, "true or false");
                None
            }
        }
    }

    /// The integer at `key`; a problem if it has another type or does not fit an `i64`.
    pub(crate) fn integer(&self, r: &mut Report<'_>, key: &str) -> Option<At<i64>> {
        let v = self.raw(key)?;
        match v.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some((v.span(), n)),
                Err(_) => {
                    self.problem(r, &v.span(), key, "integer out of range");
                    None
                }
            },
            _ => {
                self.wrong_type(r, key, v, "an integer");
                None
            }
        }
    }

    /// The sub-table at `key`; a problem if it has another type.
    pub(crate) fn table(&self, r: &mut Report<'_>, key: &str) -> Option<At<&'t DeTable<'i>>> {
        let v = self.raw(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some((v.span(), t)),
            _ => {
                self.wrong_type(r, key, v, "a table");
                None
            }
        }
    }

    /// The tables of the array at `key` (`[[key]]`); empty if absent, problems for non-tables.
    pub(crate) fn tables(&self, r: &mut Report<'_>, key: &str) -> Vec<At<&'t DeTable<'i>>> {
        let Some(v) = self.raw(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(r, key, v, "an array of tables ([[...]])");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(t) => out.push((item.span(), t)),
                _ => self.wrong_type(r, key, item, "a table"),
            }
        }
        out
    }

    /// The strings of the array at `key`; problems for a non-array or non-string items.
    pub(crate) fn strings(&self, r: &mut Report<'_>, key: &str) -> Vec<At<&'t str>> {
        let Some(v) = self.raw(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(r, key, v, "an array of strings");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push((item.span(), s.as_ref())),
                _ => self.wrong_type(r, key, item, "a string"),
            }
        }
        out
    }

    /// Reports every key of the table that is not allowed.
    pub(crate) fn reject_unknown(&self, r: &mut Report<'_>) {
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref().as_ref();
            if !self.allowed.contains(&name) {
                let msg = format!("unknown key (expected one of: {})", self.allowed.join(", "));
                self.problem(r, &key.span(), name, msg);
            }
        }
    }
}
