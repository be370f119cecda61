//! The compiled form of a watchlist: lookup tables from folded word parts to keyword indices.
//!
//! Compilation runs once per watchlist; matching then costs one hash lookup per text part, plus one
//! for long parts (closed-compound tail) and one when prefix rules exist. This file owns the
//! tables and the per-part matching; it must never allocate while matching.

use super::fold::fold_lower;
use super::hash::FxMap;
use super::inflect;
use super::tokens::{Join, Parts};
use crate::model::Keyword;

/// Minimum folded letters for a keyword to match as the tail or linked head of a closed compound.
pub(crate) const MIN_COMPOUND: usize = 8;

/// Minimum letters the rest of a closed compound must have around a compound match.
const MIN_REST: usize = 3;

/// What a hit in the whole-part table means.
#[derive(Debug)]
pub(crate) enum Hit {
    /// The part is a form of a one-part keyword pattern (`cased`: exact case required).
    Whole {
        /// Keyword index.
        kw: u32,
        /// Case-keeping folded form the part must equal, for case-sensitive keywords.
        cased: Option<Box<str>>,
    },
    /// The part starts a multi-part pattern; the index points into `Patterns::multi`.
    Multi(u32),
}

/// A pattern matched against the start or end of a part.
#[derive(Debug)]
pub(crate) struct Affix {
    /// Keyword index.
    kw: u32,
    /// Folded lowercase form the part must start/end with.
    lower: Box<str>,
    /// Case-keeping folded form the part must start with, for case-sensitive keywords.
    cased: Option<Box<str>>,
    /// Letters the part must have beyond the affix.
    min_rest: usize,
}

/// One later part of a multi-part pattern.
#[derive(Debug)]
pub(crate) struct PatPart {
    /// Accepted lowercase folded forms (inflected for the last part).
    forms: Vec<Box<str>>,
    /// Required case-keeping form, for case-sensitive keywords.
    cased: Option<Box<str>>,
    /// How the pattern itself joins this part to the previous one.
    join: Join,
    /// Accept any part that starts with the (single) form.
    prefix: bool,
}

/// A multi-part pattern (`Einer-für-Alle`, `E-Government`), keyed by its first part.
#[derive(Debug)]
pub(crate) struct Multi {
    /// Keyword index.
    kw: u32,
    /// Required case-keeping form of the first part, for case-sensitive keywords.
    first_cased: Option<Box<str>>,
    /// The parts after the first.
    rest: Vec<PatPart>,
}

/// All compiled lookup tables of a watchlist.
#[derive(Debug, Default)]
pub(crate) struct Patterns {
    /// Canonical keyword names, by keyword index.
    pub(crate) names: Vec<String>,
    /// Whether any pattern needs case-keeping text.
    pub(crate) keep_case: bool,
    /// Whole-part forms → hits.
    exact: FxMap<Box<str>, Vec<Hit>>,
    /// Multi-part patterns.
    multi: Vec<Multi>,
    /// Closed-compound tails, keyed by their last four bytes.
    suffix: FxMap<u32, Vec<Affix>>,
    /// Prefixes and linked compound heads of at least three bytes, keyed by their first three.
    prefix: FxMap<u32, Vec<Affix>>,
    /// Prefixes shorter than three bytes.
    short_prefix: Vec<Affix>,
}

impl Patterns {
    /// Compiles keywords; keywords with the same folded name are merged into one.
    pub(crate) fn compile(keywords: &[Keyword]) -> Patterns {
        let mut p = Patterns::default();
        let mut by_name: FxMap<String, u32> = FxMap::default();
        let mut parts = Parts::new(true);
        for keyword in keywords {
            let name = keyword.name.trim();
            let Some(kw) = p.keyword_index(name, &mut by_name) else {
                continue;
            };
            let patterns = std::iter::once(&keyword.name).chain(&keyword.aliases);
            for pattern in patterns {
                parts.fill(pattern);
                p.add_pattern(kw, &parts, keyword);
            }
        }
        p
    }

    /// True if nothing can ever match.
    pub(crate) fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefix.is_empty() && self.short_prefix.is_empty()
    }

    /// Calls `hit` with every keyword that matches at part `i` (a keyword may repeat).
    pub(crate) fn match_at(&self, parts: &Parts, i: usize, mut hit: impl FnMut(u32)) {
        let lower = parts.lower(i);
        if let Some(hits) = self.exact.get(lower) {
            for h in hits {
                match h {
                    Hit::Whole { kw, cased } => {
                        if cased.as_deref().is_none_or(|c| parts.cased(i) == c) {
                            hit(*kw);
                        }
                    }
                    Hit::Multi(m) => {
                        if let Some(m) = self.multi.get(*m as usize)
                            && m.matches(parts, i)
                        {
                            hit(m.kw);
                        }
                    }
                }
            }
        }
        if lower.len() >= MIN_COMPOUND + MIN_REST
            && let Some(list) = key_back(lower).and_then(|k| self.suffix.get(&k))
        {
            list.iter()
                .filter(|a| lower.len() >= a.lower.len() + a.min_rest && lower.ends_with(&*a.lower))
                .for_each(|a| hit(a.kw));
        }
        if let Some(list) = key_front(lower).and_then(|k| self.prefix.get(&k)) {
            list.iter()
                .filter(|a| a.matches_front(parts, i))
                .for_each(|a| hit(a.kw));
        }
        self.short_prefix
            .iter()
            .filter(|a| a.matches_front(parts, i))
            .for_each(|a| hit(a.kw));
    }

    /// The index for a canonical name, creating it if new; `None` for an empty name.
    fn keyword_index(&mut self, name: &str, by_name: &mut FxMap<String, u32>) -> Option<u32> {
        let key = fold_lower(name);
        if key.is_empty() {
            return None;
        }
        if let Some(kw) = by_name.get(&key) {
            return Some(*kw);
        }
        let kw = u32::try_from(self.names.len()).ok()?;
        self.names.push(name.to_string());
        by_name.insert(key, kw);
        Some(kw)
    }

    /// Adds one spelling (name or alias) of keyword `kw`, already split into parts.
    fn add_pattern(&mut self, kw: u32, parts: &Parts, keyword: &Keyword) {
        match parts.len() {
            0 => {}
            1 => self.add_single(kw, parts.lower(0), parts.cased(0), keyword),
            _ => self.add_multi(kw, parts, keyword),
        }
    }

    /// Adds a one-part spelling with its inflections and compound rules.
    fn add_single(&mut self, kw: u32, lower: &str, cased: &str, keyword: &Keyword) {
        if keyword.case_sensitive {
            let cased_form = Some(Box::from(cased));
            self.add_exact(
                lower,
                Hit::Whole {
                    kw,
                    cased: cased_form.clone(),
                },
            );
            if keyword.prefix {
                self.add_prefix(Affix {
                    kw,
                    lower: lower.into(),
                    cased: cased_form,
                    min_rest: 0,
                });
            }
            return;
        }
        let letters = lower.chars().count();
        let forms = inflect::forms(lower);
        for form in &forms {
            self.add_exact(form, Hit::Whole { kw, cased: None });
        }
        if letters >= MIN_COMPOUND {
            for form in &forms {
                self.add_suffix(Affix {
                    kw,
                    lower: form.as_str().into(),
                    cased: None,
                    min_rest: MIN_REST,
                });
            }
            if inflect::takes_linking_s(lower) {
                let head = format!("{lower}s");
                self.add_prefix(Affix {
                    kw,
                    lower: head.into(),
                    cased: None,
                    min_rest: MIN_REST,
                });
            }
        }
        if keyword.prefix {
            self.add_prefix(Affix {
                kw,
                lower: lower.into(),
                cased: None,
                min_rest: 0,
            });
        }
    }

    /// Adds a multi-part spelling, plus its closed-up form (`E-Government` → `eGovernment`).
    fn add_multi(&mut self, kw: u32, parts: &Parts, keyword: &Keyword) {
        let Ok(index) = u32::try_from(self.multi.len()) else {
            return;
        };
        let last = parts.len() - 1;
        let rest = (1..parts.len())
            .map(|j| {
                let lower = parts.lower(j);
                let inflect = j == last && !keyword.case_sensitive && !keyword.prefix;
                let forms = if inflect {
                    inflect::forms(lower)
                } else {
                    vec![lower.to_string()]
                };
                PatPart {
                    forms: forms.into_iter().map(String::into_boxed_str).collect(),
                    cased: keyword.case_sensitive.then(|| parts.cased(j).into()),
                    join: parts.join(j),
                    prefix: j == last && keyword.prefix,
                }
            })
            .collect();
        let first_cased = keyword.case_sensitive.then(|| parts.cased(0).into());
        self.keep_case |= keyword.case_sensitive;
        self.multi.push(Multi {
            kw,
            first_cased,
            rest,
        });
        self.add_exact(parts.lower(0), Hit::Multi(index));
        if !keyword.case_sensitive {
            let closed: String = (0..parts.len()).map(|j| parts.lower(j)).collect();
            let closed_keyword = Keyword {
                prefix: keyword.prefix,
                ..Keyword::new(closed.clone(), vec![])
            };
            self.add_single(kw, &closed, &closed, &closed_keyword);
        }
    }

    /// Adds a whole-part form.
    fn add_exact(&mut self, form: &str, hit: Hit) {
        if matches!(hit, Hit::Whole { cased: Some(_), .. }) {
            self.keep_case = true;
        }
        self.exact.entry(form.into()).or_default().push(hit);
    }

    /// Adds a closed-compound tail.
    fn add_suffix(&mut self, affix: Affix) {
        if let Some(key) = key_back(&affix.lower) {
            self.suffix.entry(key).or_default().push(affix);
        }
    }

    /// Adds a prefix or linked compound head.
    fn add_prefix(&mut self, affix: Affix) {
        self.keep_case |= affix.cased.is_some();
        match key_front(&affix.lower) {
            Some(key) => self.prefix.entry(key).or_default().push(affix),
            None => self.short_prefix.push(affix),
        }
    }
}

impl Affix {
    /// True if part `i` starts with this affix and is long enough.
    fn matches_front(&self, parts: &Parts, i: usize) -> bool {
        let lower = parts.lower(i);
        lower.len() >= self.lower.len() + self.min_rest
            && lower.starts_with(&*self.lower)
            && self
                .cased
                .as_deref()
                .is_none_or(|c| parts.cased(i).starts_with(c))
    }
}

impl Multi {
    /// True if the parts after `i` continue this pattern (part `i` already matched the first).
    fn matches(&self, parts: &Parts, i: usize) -> bool {
        if self
            .first_cased
            .as_deref()
            .is_some_and(|c| parts.cased(i) != c)
        {
            return false;
        }
        self.rest
            .iter()
            .enumerate()
            .all(|(k, pat)| pat.matches(parts, i + 1 + k))
    }
}

impl PatPart {
    /// True if text part `j` matches this pattern part, including the join before it.
    fn matches(&self, parts: &Parts, j: usize) -> bool {
        if j >= parts.len() || (parts.join(j) == Join::Punct && self.join != Join::Punct) {
            return false;
        }
        let lower = parts.lower(j);
        let lower_ok = if self.prefix {
            self.forms.first().is_some_and(|f| lower.starts_with(&**f))
        } else {
            self.forms.iter().any(|f| **f == *lower)
        };
        let cased_ok = self.cased.as_deref().is_none_or(|c| {
            let cased = parts.cased(j);
            if self.prefix {
                cased.starts_with(c)
            } else {
                cased == c
            }
        });
        lower_ok && cased_ok
    }
}

/// The first three bytes of `s` as a key (`None` if shorter).
fn key_front(s: &str) -> Option<u32> {
    match s.as_bytes() {
        [a, b, c, ..] => Some(u32::from_le_bytes([*a, *b, *c, 0])),
        _ => None,
    }
}

/// The last four bytes of `s` as a key (`None` if shorter).
fn key_back(s: &str) -> Option<u32> {
    match s.as_bytes() {
        [.., a, b, c, d] => Some(u32::from_le_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}
