//! The `[[keyword]]` watchlist: reading each entry into a [`Keyword`].
//!
//! This file owns the watchlist rules: names and aliases are non-empty, and no spelling (name or
//! alias, compared case-insensitively) appears twice across the whole list. It must never match
//! keywords against text; that is `enrich`'s job.

use std::collections::HashMap;
use std::ops::Range;

use toml::de::DeTable;

use super::error::Report;
use super::sources::non_empty;
use super::walk::{At, Fields};
use crate::model::Keyword;

const KEYS: &[&str] = &["name", "aliases", "case_sensitive", "prefix"];

/// Spellings already taken: lowercased spelling → (owning keyword, line).
type Taken = HashMap<String, (String, usize)>;

/// Reads every `[[keyword]]` table.
pub(crate) fn read_all(tables: Vec<At<&DeTable<'_>>>, r: &mut Report<'_>) -> Vec<Keyword> {
    let mut taken = Taken::new();
    let mut out = Vec::new();
    for (index, (span, table)) in tables.into_iter().enumerate() {
        let mut f = Fields::new(table, span, KEYS);
        f.set_context(format!("[[keyword]] #{}", index + 1));
        let name = non_empty(&f, r, "name");
        if let Some((span, name)) = &name {
            f.set_context(format!("[[keyword]] {name:?}"));
            claim(&f, r, &mut taken, name, (span, name), "name");
        }
        f.reject_unknown(r);
        let owner = name.as_ref().map_or("", |(_, n)| n.as_str());
        let aliases = read_aliases(&f, r, &mut taken, owner);
        let case_sensitive = f.boolean(r, "case_sensitive").unwrap_or(false);
        let prefix = f.boolean(r, "prefix").unwrap_or(false);
        if let Some((_, name)) = name {
            out.push(Keyword {
                name,
                aliases,
                case_sensitive,
                prefix,
            });
        }
    }
    out
}

fn read_aliases(
    f: &Fields<'_, '_>,
    r: &mut Report<'_>,
    taken: &mut Taken,
    owner: &str,
) -> Vec<String> {
    let mut aliases = Vec::new();
    for (span, alias) in f.strings(r, "aliases") {
        let alias = alias.trim();
        if alias.is_empty() {
            f.problem(r, &span, "aliases", "an alias must not be empty");
            continue;
        }
        claim(f, r, taken, owner, (&span, alias), "aliases");
        aliases.push(alias.to_owned());
    }
    aliases
}

/// Records `spelling` as taken by `owner`, or reports who took it first.
fn claim(
    f: &Fields<'_, '_>,
    r: &mut Report<'_>,
    taken: &mut Taken,
    owner: &str,
    (span, spelling): (&Range<usize>, &str),
    field: &str,
) {
    let folded = spelling.to_lowercase();
    if let Some((first_owner, line)) = taken.get(&folded) {
        let msg = format!(
            "duplicate keyword spelling {spelling:?} (already used by keyword {first_owner:?} on line {line})"
        );
        f.problem(r, span, field, msg);
    } else {
        taken.insert(folded, (owner.to_owned(), r.line_of(span.start)));
    }
}
