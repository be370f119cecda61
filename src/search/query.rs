//! The search query language: words, `"phrases"`, `AND`/`OR`/`-`/`NOT`, parentheses, field
//! filters (`keyword:`, `tag:`, `source:`, `land:`, `mentions:`, `level:`, `lang:`) and the date
//! range `from:2020-01-01 to:2022-12-31`.
//!
//! This file owns turning untrusted query text into a bounded [`Query`] value, or a
//! [`QueryError`] whose message tells the user (in German, with the English term in brackets
//! where it helps) what to change. It is pure: no index, no I/O, and it must never panic on any
//! input. Limits keep one query from costing much: [`MAX_QUERY_CHARS`], [`MAX_TERMS`],
//! [`MAX_DEPTH`].
//!
//! Precedence: `NOT`/`-` binds tightest, then `AND` (also implied between neighbours), then
//! `OR`. So `a b OR c` means `(a AND b) OR c`.

use chrono::NaiveDate;

use crate::model::{Land, Level};
use crate::text::shorten;

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most words, phrases and field filters in one query.
pub const MAX_TERMS: usize = 32;
/// Deepest nesting of parentheses and negations.
pub const MAX_DEPTH: usize = 8;

/// A filterable field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// A watched keyword (canonical name, case-insensitive).
    Keyword,
    /// A site tag (case-insensitive).
    Tag,
    /// A source id.
    Source,
    /// The Land of the source (two-letter code).
    Land,
    /// A Land mentioned in the text (two-letter code).
    Mentions,
    /// The level (`bund`, `land`, `kommune`, `presse`).
    Level,
    /// The language code (`de`, `en`).
    Lang,
}

impl Field {
    /// Every field, in the order the help text lists them.
    pub const ALL: [Field; 7] = [
        Field::Keyword,
        Field::Tag,
        Field::Source,
        Field::Land,
        Field::Mentions,
        Field::Level,
        Field::Lang,
    ];

    /// The name written before the colon.
    pub fn name(self) -> &'static str {
        match self {
            Field::Keyword => "keyword",
            Field::Tag => "tag",
            Field::Source => "source",
            Field::Land => "land",
            Field::Mentions => "mentions",
            Field::Level => "level",
            Field::Lang => "lang",
        }
    }

    fn parse(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best match first (BM25).
    #[default]
    Relevance,
    /// Newest first.
    Date,
}

impl Sort {
    /// Parses `relevance` or `date` (empty means relevance).
    pub fn parse(s: &str) -> Result<Sort, QueryError> {
        match s.trim() {
            "" | "relevance" | "relevanz" => Ok(Sort::Relevance),
            "date" | "datum" => Ok(Sort::Date),
            other => Err(QueryError::BadSort(shorten(other, ECHO_CHARS))),
        }
    }

    /// The URL spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Date => "date",
        }
    }
}

/// A boolean query expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// One word, matched in title, kicker and text after stemming and folding.
    Word(String),
    /// Words that must appear next to each other in this order.
    Phrase(String),
    /// An exact value of a filter field (already normalised: land codes upper case, the
    /// others lower case).
    Field(Field, String),
    /// All of these.
    And(Vec<Expr>),
    /// Any of these.
    Or(Vec<Expr>),
    /// Not this.
    Not(Box<Expr>),
}

/// A parsed, validated search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// What to match; `None` matches every article (only filters or dates given).
    pub expr: Option<Expr>,
    /// Earliest day (inclusive), a Europe/Berlin calendar day ([`crate::days`]).
    pub from: Option<NaiveDate>,
    /// Latest day (inclusive), a Europe/Berlin calendar day.
    pub to: Option<NaiveDate>,
    /// Order of hits.
    pub sort: Sort,
}

/// Why a query was rejected. Messages are German, written for the person who typed the query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Longer than [`MAX_QUERY_CHARS`].
    #[error("Die Suche ist zu lang: höchstens {MAX_QUERY_CHARS} Zeichen (query too long).")]
    TooLong,
    /// More than [`MAX_TERMS`] words, phrases and filters.
    #[error("Die Suche hat zu viele Begriffe: höchstens {MAX_TERMS} (too many terms).")]
    TooManyTerms,
    /// Nested deeper than [`MAX_DEPTH`].
    #[error(
        "Die Suche ist zu tief verschachtelt: höchstens {MAX_DEPTH} Ebenen aus Klammern und NOT."
    )]
    TooDeep,
    /// A `"` without its partner.
    #[error(
        "Ein Anführungszeichen wurde nicht geschlossen: Phrasen stehen in \"…\" (unclosed quote)."
    )]
    UnclosedQuote,
    /// `(` without `)`.
    #[error("Eine Klammer „(“ wurde nicht geschlossen (missing closing parenthesis).")]
    UnclosedParen,
    /// `)` without `(`.
    #[error("Zu einer Klammer „)“ fehlt die öffnende Klammer (unexpected closing parenthesis).")]
    UnexpectedParen,
    /// `()` or `""`.
    #[error("Leere Klammern oder Anführungszeichen: bitte einen Suchbegriff hineinschreiben.")]
    Empty,
    /// `AND`, `OR` or `NOT` with nothing to combine.
    #[error(
        "„{0}“ braucht auf beiden Seiten einen Suchbegriff (NOT und - davor nur rechts), z. B. „OZG {0} Registermodernisierung“."
    )]
    DanglingOperator(String),
    /// `name:` with a name that is not a field.
    #[error(
        "Unbekanntes Feld „{0}:“. Möglich sind keyword:, tag:, source:, land:, mentions:, level:, lang:, from: und to:."
    )]
    UnknownField(String),
    /// `name:` with nothing after it.
    #[error("Nach „{0}:“ fehlt ein Wert, z. B. „{0}:{1}“.")]
    MissingValue(String, &'static str),
    /// `land:`/`mentions:` with something that is not a Land code.
    #[error(
        "„{0}“ ist kein Länderkürzel. Möglich sind BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH."
    )]
    BadLand(String),
    /// `level:` with an unknown level.
    #[error("„{0}“ ist keine Ebene. Möglich sind bund, land, kommune und presse.")]
    BadLevel(String),
    /// `lang:` with something that is not a two-letter code.
    #[error("„{0}“ ist kein Sprachcode: bitte zwei Buchstaben wie de oder en.")]
    BadLang(String),
    /// `from:`/`to:` with something that is not a date.
    #[error("„{0}“ ist kein Datum: bitte JJJJ-MM-TT (z. B. 2020-01-31), JJJJ-MM oder JJJJ.")]
    BadDate(String),
    /// `from:` after `to:`.
    #[error("Der Zeitraum ist leer: „from“ ({0}) liegt nach „to“ ({1}).")]
    EmptyRange(NaiveDate, NaiveDate),
    /// `from:`/`to:` given twice, or inside `OR`, `NOT` or parentheses.
    #[error(
        "from: und to: gelten für die ganze Suche: je höchstens einmal und nicht in Klammern, nach NOT/- oder mit OR."
    )]
    MisplacedDate,
    /// Unknown sort order.
    #[error("Unbekannte Sortierung „{0}“: möglich sind relevance und date.")]
    BadSort(String),
}

/// One lexical token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Phrase(String),
    Field(String, String),
    And,
    Or,
    Not,
    Minus,
    Open,
    Close,
}

/// Parses `text`; an empty or blank text is a query matching everything.
pub fn parse(text: &str) -> Result<Query, QueryError> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    let tokens = lex(text)?;
    let terms = tokens
        .iter()
        .filter(|t| matches!(t, Tok::Word(_) | Tok::Phrase(_) | Tok::Field(..)))
        .count();
    if terms > MAX_TERMS {
        return Err(QueryError::TooManyTerms);
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        from: None,
        to: None,
    };
    let expr = p.or(0, true)?;
    if p.pos < p.tokens.len() {
        // Only a stray `)` stops the top level early.
        return Err(QueryError::UnexpectedParen);
    }
    if let (Some(f), Some(t)) = (p.from, p.to)
        && f > t
    {
        return Err(QueryError::EmptyRange(f, t));
    }
    Ok(Query {
        expr,
        from: p.from,
        to: p.to,
        sort: Sort::Relevance,
    })
}

fn lex(text: &str) -> Result<Vec<Tok>, QueryError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' || c == ')' {
            chars.next();
            out.push(if c == '(' { Tok::Open } else { Tok::Close });
        } else if c == '"' || c == '„' || c == '“' {
            chars.next();
            out.push(Tok::Phrase(quoted(&mut chars)?));
        } else if c == '-' {
            chars.next();
            out.push(Tok::Minus);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || matches!(c, '(' | ')' | '"' | '„' | '“') {
                    break;
                }
                word.push(c);
                chars.next();
            }
            if let Some((name, value)) = word.split_once(':') {
                let value = if value.is_empty() && matches!(chars.peek(), Some('"' | '„' | '“'))
                {
                    chars.next();
                    quoted(&mut chars)?
                } else {
                    value.to_string()
                };
                out.push(Tok::Field(name.to_string(), value));
            } else {
                out.push(match word.as_str() {
                    "AND" | "UND" | "&&" => Tok::And,
                    "OR" | "ODER" | "||" => Tok::Or,
                    "NOT" | "NICHT" => Tok::Not,
                    _ => Tok::Word(word),
                });
            }
        }
    }
    Ok(out)
}

fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, QueryError> {
    let mut s = String::new();
    for c in chars.by_ref() {
        if c == '"' || c == '“' || c == '”' {
            return Ok(s);
        }
        s.push(c);
    }
    Err(QueryError::UnclosedQuote)
}

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    /// `and (OR and)*`; `top` is true only outside parentheses, negations and ORs.
    fn or(&mut self, depth: usize, top: bool) -> Result<Option<Expr>, QueryError> {
        if depth > MAX_DEPTH {
            return Err(QueryError::TooDeep);
        }
        let start = self.pos;
        let first = self.and(depth, top)?;
        let mut alts = vec![];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            if alts.is_empty() {
                if top && self.has_date_between(start, self.pos) {
                    return Err(QueryError::MisplacedDate);
                }
                alts.push(first.clone().ok_or_else(|| dangling("OR"))?);
            }
            alts.push(self.and(depth, false)?.ok_or_else(|| dangling("OR"))?);
        }
        Ok(if alts.is_empty() {
            first
        } else {
            Some(Expr::Or(alts))
        })
    }

    fn has_date_between(&self, start: usize, end: usize) -> bool {
        self.tokens[start..end].iter().any(|t| {
            matches!(t, Tok::Field(n, _) if n.eq_ignore_ascii_case("from") || n.eq_ignore_ascii_case("to"))
        })
    }

    /// `unary ((AND)? unary)*`; stops at `OR`, `)` and the end.
    fn and(&mut self, depth: usize, top: bool) -> Result<Option<Expr>, QueryError> {
        let mut parts = Vec::new();
        let mut pending_and = false;
        let mut seen = false;
        loop {
            match self.peek() {
                None | Some(Tok::Or) | Some(Tok::Close) => break,
                Some(Tok::And) => {
                    if !seen || pending_and {
                        return Err(dangling("AND"));
                    }
                    pending_and = true;
                    self.pos += 1;
                }
                Some(_) => {
                    pending_and = false;
                    seen = true;
                    if let Some(e) = self.unary(depth, top)? {
                        parts.push(e);
                    }
                }
            }
        }
        if pending_and {
            return Err(dangling("AND"));
        }
        Ok(match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Expr::And(parts)),
        })
    }

    /// `(NOT|-) unary | atom`; `None` for a date filter (taken out of the tree).
    fn unary(&mut self, depth: usize, top: bool) -> Result<Option<Expr>, QueryError> {
        match self.peek() {
            Some(Tok::Not) | Some(Tok::Minus) => {
                let op = if self.peek() == Some(&Tok::Not) {
                    "NOT"
                } else {
                    "-"
                };
                self.pos += 1;
                if depth + 1 > MAX_DEPTH {
                    return Err(QueryError::TooDeep);
                }
                match self.peek() {
                    None | Some(Tok::And) | Some(Tok::Or) | Some(Tok::Close) => Err(dangling(op)),
                    _ => {
                        let inner = self
                            .unary(depth + 1, false)?
                            .ok_or(QueryError::MisplacedDate)?;
                        Ok(Some(Expr::Not(Box::new(inner))))
                    }
                }
            }
            _ => self.atom(depth, top),
        }
    }

    fn atom(&mut self, depth: usize, top: bool) -> Result<Option<Expr>, QueryError> {
        let Some(tok) = self.tokens.get(self.pos).cloned() else {
            return Err(QueryError::Empty);
        };
        self.pos += 1;
        match tok {
            Tok::Word(w) => Ok(Some(Expr::Word(w))),
            Tok::Phrase(p) => {
                if p.trim().is_empty() {
                    return Err(QueryError::Empty);
                }
                Ok(Some(Expr::Phrase(p)))
            }
            Tok::Field(name, value) => self.field(&name, &value, top),
            Tok::Open => {
                if self.peek() == Some(&Tok::Close) {
                    return Err(QueryError::Empty);
                }
                let inner = self.or(depth + 1, false)?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(QueryError::UnclosedParen);
                }
                self.pos += 1;
                inner.map(Some).ok_or(QueryError::Empty)
            }
            Tok::Close => Err(QueryError::UnexpectedParen),
            Tok::And => Err(dangling("AND")),
            Tok::Or => Err(dangling("OR")),
            Tok::Not => Err(dangling("NOT")),
            Tok::Minus => Err(dangling("-")),
        }
    }

    fn field(&mut self, name: &str, value: &str, top: bool) -> Result<Option<Expr>, QueryError> {
        let value = value.trim();
        let lower = name.to_ascii_lowercase();
        if lower == "from" || lower == "to" {
            if value.is_empty() {
                return Err(QueryError::MissingValue(lower, "2020-01-01"));
            }
            let slot = if lower == "from" {
                &mut self.from
            } else {
                &mut self.to
            };
            if !top || slot.is_some() {
                return Err(QueryError::MisplacedDate);
            }
            *slot = Some(parse_date(value, lower == "to")?);
            return Ok(None);
        }
        let Some(field) = Field::parse(name) else {
            return Err(QueryError::UnknownField(shorten(name, ECHO_CHARS)));
        };
        if value.is_empty() {
            return Err(QueryError::MissingValue(
                field.name().to_string(),
                example(field),
            ));
        }
        Ok(Some(Expr::Field(field, normalise(field, value)?)))
    }
}

fn dangling(op: &str) -> QueryError {
    QueryError::DanglingOperator(op.to_string())
}

fn example(field: Field) -> &'static str {
    match field {
        Field::Keyword => "OZG",
        Field::Tag => "E-Government",
        Field::Source => "bmi",
        Field::Land | Field::Mentions => "BB",
        Field::Level => "kommune",
        Field::Lang => "de",
    }
}

/// The value a field filter compares with, or why `value` cannot be one.
pub fn normalise(field: Field, value: &str) -> Result<String, QueryError> {
    match field {
        Field::Land | Field::Mentions => Land::parse(value)
            .map(|l| l.code().to_string())
            .ok_or_else(|| QueryError::BadLand(shorten(value, ECHO_CHARS))),
        Field::Level => Level::parse(&value.to_ascii_lowercase())
            .map(|l| l.as_str().to_string())
            .ok_or_else(|| QueryError::BadLevel(shorten(value, ECHO_CHARS))),
        Field::Lang => {
            let v = value.to_ascii_lowercase();
            if v.len() == 2 && v.bytes().all(|b| b.is_ascii_lowercase()) {
                Ok(v)
            } else {
                Err(QueryError::BadLang(shorten(value, ECHO_CHARS)))
            }
        }
        Field::Tag => Ok(super::schema::normalise_tag(value)),
        Field::Keyword | Field::Source => Ok(value.to_lowercase()),
    }
}

/// Parses `2020-01-31`, `2020-01` or `2020`; for an upper bound (`end`), a month or year means
/// its last day.
pub fn parse_date(value: &str, end: bool) -> Result<NaiveDate, QueryError> {
    let bad = || QueryError::BadDate(shorten(value, ECHO_CHARS));
    let parts: Vec<&str> = value.split('-').collect();
    let num = |s: &str, len: usize| -> Result<u32, QueryError> {
        if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (y, m, d) = match parts.as_slice() {
        [y] => (num(y, 4)?, None, None),
        [y, m] => (num(y, 4)?, Some(num(m, 2)?), None),
        [y, m, d] => (num(y, 4)?, Some(num(m, 2)?), Some(num(d, 2)?)),
        _ => return Err(bad()),
    };
    let y = i32::try_from(y).map_err(|_| bad())?;
    let date = match (m, d, end) {
        (None, _, false) => NaiveDate::from_ymd_opt(y, 1, 1),
        (None, _, true) => NaiveDate::from_ymd_opt(y, 12, 31),
        (Some(m), None, false) => NaiveDate::from_ymd_opt(y, m, 1),
        (Some(m), None, true) => NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|first| first.checked_add_months(chrono::Months::new(1)))
            .and_then(|next| next.pred_opt()),
        (Some(m), Some(d), _) => NaiveDate::from_ymd_opt(y, m, d),
    };
    date.ok_or_else(bad)
}

/// Longest part of a user's value repeated in an error message, in characters.
const ECHO_CHARS: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Expr {
        Expr::Word(s.to_string())
    }

    fn f(field: Field, s: &str) -> Expr {
        Expr::Field(field, s.to_string())
    }

    fn not(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn valid_queries_parse_to_the_expected_tree() {
        let cases: Vec<(&str, Option<Expr>)> = vec![
            ("", None),
            ("   ", None),
            ("OZG", Some(w("OZG"))),
            (
                "OZG Brandenburg",
                Some(Expr::And(vec![w("OZG"), w("Brandenburg")])),
            ),
            (
                "OZG AND Brandenburg",
                Some(Expr::And(vec![w("OZG"), w("Brandenburg")])),
            ),
            ("OZG OR EfA", Some(Expr::Or(vec![w("OZG"), w("EfA")]))),
            (
                "a b OR c",
                Some(Expr::Or(vec![Expr::And(vec![w("a"), w("b")]), w("c")])),
            ),
            (
                "a (b OR c)",
                Some(Expr::And(vec![w("a"), Expr::Or(vec![w("b"), w("c")])])),
            ),
            ("-Bayern", Some(not(w("Bayern")))),
            (
                "OZG NOT Bayern",
                Some(Expr::And(vec![w("OZG"), not(w("Bayern"))])),
            ),
            (
                "OZG -Bayern",
                Some(Expr::And(vec![w("OZG"), not(w("Bayern"))])),
            ),
            (
                "\"digitale Verwaltung\"",
                Some(Expr::Phrase("digitale Verwaltung".into())),
            ),
            (
                "„digitale Verwaltung“",
                Some(Expr::Phrase("digitale Verwaltung".into())),
            ),
            ("keyword:OZG", Some(f(Field::Keyword, "ozg"))),
            ("KEYWORD:ozg", Some(f(Field::Keyword, "ozg"))),
            (
                "tag:\"Digitale  Verwaltung\"",
                Some(f(Field::Tag, "digitale verwaltung")),
            ),
            ("land:bb", Some(f(Field::Land, "BB"))),
            ("mentions:BY", Some(f(Field::Mentions, "BY"))),
            ("level:Kommune", Some(f(Field::Level, "kommune"))),
            ("lang:EN", Some(f(Field::Lang, "en"))),
            ("source:bmi", Some(f(Field::Source, "bmi"))),
            ("OZG-Umsetzung", Some(w("OZG-Umsetzung"))),
            ("from:2020-01-01", None),
            (
                "OZG land:BB from:2020 to:2022",
                Some(Expr::And(vec![w("OZG"), f(Field::Land, "BB")])),
            ),
            ("a UND b", Some(Expr::And(vec![w("a"), w("b")]))),
            ("NOT NOT a", Some(not(not(w("a"))))),
        ];
        for (text, want) in cases {
            let got = parse(text).map(|q| q.expr);
            assert_eq!(got, Ok(want), "{text:?}");
        }
    }

    #[test]
    fn dates_fill_the_range() {
        let q = parse("OZG from:2020 to:2022").expect("parses");
        assert_eq!(q.from, Some(day("2020-01-01")));
        assert_eq!(q.to, Some(day("2022-12-31")));
        let q = parse("to:2024-02 from:2024-02").expect("parses");
        assert_eq!(q.from, Some(day("2024-02-01")));
        assert_eq!(q.to, Some(day("2024-02-29")));
        let q = parse("from:2021-03-15").expect("parses");
        assert_eq!((q.from, q.to), (Some(day("2021-03-15")), None));
    }

    #[test]
    fn malformed_queries_get_typed_errors() {
        let long = "a".repeat(MAX_QUERY_CHARS + 1);
        let many = vec!["w"; MAX_TERMS + 1].join(" ");
        let deep = format!(
            "{}a{}",
            "(".repeat(MAX_DEPTH + 2),
            ")".repeat(MAX_DEPTH + 2)
        );
        let cases: Vec<(&str, QueryError)> = vec![
            (&long, QueryError::TooLong),
            (&many, QueryError::TooManyTerms),
            (&deep, QueryError::TooDeep),
            ("\"offen", QueryError::UnclosedQuote),
            ("(a OR b", QueryError::UnclosedParen),
            ("a)", QueryError::UnexpectedParen),
            ("()", QueryError::Empty),
            ("\"\"", QueryError::Empty),
            ("OR a", dangling("OR")),
            ("a OR", dangling("OR")),
            ("a AND", dangling("AND")),
            ("AND a", dangling("AND")),
            ("a AND AND b", dangling("AND")),
            ("a NOT", dangling("NOT")),
            ("a -", dangling("-")),
            ("autor:x", QueryError::UnknownField("autor".into())),
            ("land:", QueryError::MissingValue("land".into(), "BB")),
            ("land:XY", QueryError::BadLand("XY".into())),
            ("level:stadt", QueryError::BadLevel("stadt".into())),
            ("lang:deutsch", QueryError::BadLang("deutsch".into())),
            ("from:gestern", QueryError::BadDate("gestern".into())),
            ("from:2020-13-01", QueryError::BadDate("2020-13-01".into())),
            ("from:2020-02-30", QueryError::BadDate("2020-02-30".into())),
            (
                "from:2022 to:2020",
                QueryError::EmptyRange(day("2022-01-01"), day("2020-12-31")),
            ),
            ("a OR from:2020", QueryError::MisplacedDate),
            ("from:2020 OR a", QueryError::MisplacedDate),
            ("-from:2020", QueryError::MisplacedDate),
            ("(from:2020)", QueryError::MisplacedDate),
            ("from:2020 from:2021", QueryError::MisplacedDate),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), Err(want), "{text:?}");
        }
    }

    #[test]
    fn errors_explain_themselves_in_german() {
        let msg = parse("land:XY").expect_err("bad land").to_string();
        assert!(msg.contains("Länderkürzel") && msg.contains("BB"), "{msg}");
        let msg = parse("(a").expect_err("paren").to_string();
        assert!(msg.contains("Klammer"), "{msg}");
    }

    #[test]
    fn hostile_input_never_panics() {
        let inputs = [
            "\u{0}",
            "::::",
            ":",
            "a:",
            ":b",
            "-",
            "--a",
            "((((",
            "))))",
            "\"",
            "„",
            "“",
            "from:-",
            "from:--",
            "from:99999",
            "to:2020-1-1",
            "land:é",
            "ÄÖÜ ß",
            "a\u{202e}b",
            "from:0000-00-00",
            "keyword:\"\"",
        ];
        for text in inputs {
            let _ = parse(text);
        }
        assert_eq!(Sort::parse("date"), Ok(Sort::Date));
        assert!(Sort::parse("size").is_err());
    }
}
