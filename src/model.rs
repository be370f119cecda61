//! Plain data shared by every module: sources, keywords, candidates, drafts, articles, health.
//!
//! This module owns no behaviour beyond small constructors and conversions; it must never do
//! I/O or depend on any other govwire module, so that everything else can depend on it.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// What a source publishes: a syndication feed or an HTML list page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// RSS 0.9x/1.0/2.0, Atom or JSON Feed, read with feed-rs.
    Feed,
    /// An HTML list page, read with the source's CSS selectors or, without them, by finding
    /// its teasers automatically.
    Html,
    /// No `kind` configured: a feed or an HTML list page, told apart by what the URL serves.
    Auto,
}

/// The administrative level of the body behind a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Federal government (Bund).
    Bund,
    /// A state (Land).
    Land,
    /// A municipality or district (Kommune).
    Kommune,
    /// Trade or general press.
    Presse,
}

impl Level {
    /// Every level, in display order.
    pub const ALL: [Level; 4] = [Level::Bund, Level::Land, Level::Kommune, Level::Presse];

    /// The lowercase config/URL spelling (`bund`, `land`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Bund => "bund",
            Level::Land => "land",
            Level::Kommune => "kommune",
            Level::Presse => "presse",
        }
    }

    /// Parses the config/URL spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The German label shown in the web view.
    pub fn label(self) -> &'static str {
        match self {
            Level::Bund => "Bund",
            Level::Land => "Land",
            Level::Kommune => "Kommune",
            Level::Presse => "Presse",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One of the 16 German Länder, by its official two-letter code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Land {
    /// Baden-Württemberg
    BW,
    /// Bayern
    BY,
    /// Berlin
    BE,
    /// Brandenburg
    BB,
    /// Bremen
    HB,
    /// Hamburg
    HH,
    /// Hessen
    HE,
    /// Mecklenburg-Vorpommern
    MV,
    /// Niedersachsen
    NI,
    /// Nordrhein-Westfalen
    NW,
    /// Rheinland-Pfalz
    RP,
    /// Saarland
    SL,
    /// Sachsen
    SN,
    /// Sachsen-Anhalt
    ST,
    /// Schleswig-Holstein
    SH,
    /// Thüringen
    TH,
}

impl Land {
    /// All 16 Länder, alphabetically by code order above.
    pub const ALL: [Land; 16] = [
        Land::BW,
        Land::BY,
        Land::BE,
        Land::BB,
        Land::HB,
        Land::HH,
        Land::HE,
        Land::MV,
        Land::NI,
        Land::NW,
        Land::RP,
        Land::SL,
        Land::SN,
        Land::ST,
        Land::SH,
        Land::TH,
    ];

    /// The two-letter code (`BY`).
    pub fn code(self) -> &'static str {
        match self {
            Land::BW => "BW",
            Land::BY => "BY",
            Land::BE => "BE",
            Land::BB => "BB",
            Land::HB => "HB",
            Land::HH => "HH",
            Land::HE => "HE",
            Land::MV => "MV",
            Land::NI => "NI",
            Land::NW => "NW",
            Land::RP => "RP",
            Land::SL => "SL",
            Land::SN => "SN",
            Land::ST => "ST",
            Land::SH => "SH",
            Land::TH => "TH",
        }
    }

    /// The German name (`Bayern`).
    pub fn name(self) -> &'static str {
        match self {
            Land::BW => "Baden-Württemberg",
            Land::BY => "Bayern",
            Land::BE => "Berlin",
            Land::BB => "Brandenburg",
            Land::HB => "Bremen",
            Land::HH => "Hamburg",
            Land::HE => "Hessen",
            Land::MV => "Mecklenburg-Vorpommern",
            Land::NI => "Niedersachsen",
            Land::NW => "Nordrhein-Westfalen",
            Land::RP => "Rheinland-Pfalz",
            Land::SL => "Saarland",
            Land::SN => "Sachsen",
            Land::ST => "Sachsen-Anhalt",
            Land::SH => "Schleswig-Holstein",
            Land::TH => "Thüringen",
        }
    }

    /// Parses a two-letter code, case-insensitively; `None` for anything else.
    pub fn parse(code: &str) -> Option<Land> {
        Land::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(code.trim()))
    }
}

impl fmt::Display for Land {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// CSS selectors for an HTML source's list page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListSelectors {
    /// Selects one element per teaser on the list page.
    pub item: String,
    /// Inside an item: the element whose `href` links to the article (`a` if unset).
    pub link: Option<String>,
    /// Inside an item: the teaser title.
    pub title: Option<String>,
    /// Inside an item: the teaser date (German or ISO text, or a `datetime` attribute).
    pub date: Option<String>,
}

/// Optional CSS selectors for an article page; any unset field is found automatically.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ArticleSelectors {
    /// The headline.
    pub title: Option<String>,
    /// The publication date.
    pub date: Option<String>,
    /// The main text container(s).
    pub body: Option<String>,
    /// The site's own tags (each match is one tag, or a `Stichwörter: a, b` line).
    pub tags: Option<String>,
    /// Elements to delete before any other selector runs (share bars, related news, ...).
    pub remove: Option<String>,
    /// The byline or author name (`Von …` and a role after the name are split off).
    #[serde(default)]
    pub author: Option<String>,
    /// The kicker (Dachzeile) above the headline.
    #[serde(default)]
    pub kicker: Option<String>,
    /// The subtitle (Unterzeile) under the headline; kept out of the body.
    #[serde(default)]
    pub subtitle: Option<String>,
    /// The summary (teaser, lead) to show in lists and feeds.
    #[serde(default)]
    pub summary: Option<String>,
}

/// One configured source, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Stable identifier used in URLs and the store (`[a-z0-9-]+`).
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// The feed URL or the list page URL.
    pub url: String,
    /// Feed or HTML list page.
    pub kind: SourceKind,
    /// How often to poll.
    #[serde(with = "duration_secs")]
    pub interval: Duration,
    /// Administrative level of the publisher.
    pub level: Level,
    /// The Land of the publisher, if it is a state or municipal body.
    pub land: Option<Land>,
    /// List-page selectors (required for `html` sources).
    pub list: Option<ListSelectors>,
    /// Article-page selectors (optional for both kinds).
    pub article: ArticleSelectors,
    /// Whether to fetch each article page (feeds often carry only a teaser).
    pub fetch_articles: bool,
    /// Entry points given in the configuration (`feeds`, `lists`, `sitemaps`), read besides
    /// those an automatic source discovers on its page.
    #[serde(default)]
    pub entries: SourceEntries,
}

/// A source's configured entry points besides its `url` (all absolute http(s) URLs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceEntries {
    /// Feeds of the site.
    pub feeds: Vec<String>,
    /// News list pages of the site (read without selectors).
    pub lists: Vec<String>,
    /// Sitemaps of the site (plain, index or news sitemaps; gzip allowed).
    pub sitemaps: Vec<String>,
}

/// What an entry point of a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    /// A feed (RSS, Atom, JSON Feed).
    Feed,
    /// A news list page.
    List,
    /// A sitemap.
    Sitemap,
}

/// One entry point of a site as remembered in its crawl state: found on its home page, in its
/// robots.txt or given in the configuration, with the validators of its last full read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPoint {
    /// The absolute URL.
    pub url: String,
    /// Feed, list or sitemap.
    pub kind: EntryKind,
    /// ETag of its last read that yielded something.
    #[serde(default)]
    pub etag: Option<String>,
    /// Last-Modified of that read.
    #[serde(default)]
    pub last_modified: Option<String>,
}

/// One watched keyword with its aliases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyword {
    /// Canonical name shown in the UI and used in URLs (`OZG`).
    pub name: String,
    /// Other spellings that count as this keyword (`Onlinezugangsgesetz`).
    pub aliases: Vec<String>,
    /// Match case exactly (useful for acronyms that are also ordinary words).
    pub case_sensitive: bool,
    /// Also match words that merely start with the keyword (`Servicekonten` for `Servicekont`).
    pub prefix: bool,
}

impl Keyword {
    /// A keyword with default options: case-insensitive, whole-token or compound-part match.
    pub fn new(name: impl Into<String>, aliases: Vec<String>) -> Keyword {
        Keyword {
            name: name.into(),
            aliases,
            case_sensitive: false,
            prefix: false,
        }
    }
}

/// How precisely a publication date was stated by its evidence.
///
/// A page that writes only `11.12.2020` gives a day, not a time: govwire must then never show a
/// time of day nobody published (the stored instant is that day's start in the publisher's
/// offset), and a feed's exact time for the same article wins over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatePrecision {
    /// Date and time of day were stated (an RFC 822 feed date, `datePublished` with a time).
    /// The default, also for articles stored before precision was kept.
    #[default]
    Time,
    /// Only the calendar day was stated.
    Day,
}

/// What a feed entry or a list-page teaser tells about one article before its page is fetched.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Candidate {
    /// Absolute URL of the article page.
    pub url: String,
    /// Teaser or feed title.
    pub title: Option<String>,
    /// Teaser or feed publication date.
    pub published: Option<DateTime<Utc>>,
    /// Feed `updated` date, used to notice edited entries.
    pub updated: Option<DateTime<Utc>>,
    /// Teaser text or feed summary (plain text).
    pub summary: Option<String>,
    /// Full content from the feed (HTML), if the feed carries it.
    pub content_html: Option<String>,
    /// Feed author.
    pub author: Option<String>,
    /// Feed categories.
    pub tags: Vec<String>,
}

/// What extraction read from one article page (or feed content).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Draft {
    /// Canonical URL (rel=canonical, cleaned), or the fetched URL.
    pub url: String,
    /// Headline without kicker.
    pub title: Option<String>,
    /// Kicker / Dachzeile (`E-Government:` on Kommune21), without trailing colon.
    pub kicker: Option<String>,
    /// Publication date.
    pub published: Option<DateTime<Utc>>,
    /// The UTC offset (seconds east) the page itself wrote `published` in, when it wrote one
    /// (`2020-12-11T00:30:00+01:00` gives 3600). Kept so that the publication *day* is the
    /// publisher's, not UTC's; `None` means Europe/Berlin. Stored as
    /// [`Article::published_offset`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_offset: Option<i32>,
    /// Whether `published` was stated with a time of day or as a day only.
    pub published_precision: DatePrecision,
    /// Subtitle / Unterzeile: the line under the headline that is neither kicker nor lead.
    pub subtitle: Option<String>,
    /// Author, if named (the person's name only, without role).
    pub author: Option<String>,
    /// The author's role or office when the byline names one (`Bundesminister für …`).
    pub author_role: Option<String>,
    /// ISO 639-1 language code detected from the text (`de`, `en`).
    pub lang: Option<String>,
    /// The site's own tags.
    pub tags: Vec<String>,
    /// Short summary: meta description or first paragraph.
    pub summary: Option<String>,
    /// The lead: the body's first substantial paragraph, cut like the summary. The crawler
    /// takes it instead of a meta description that the source repeats on every page.
    pub lead: Option<String>,
    /// Main text, paragraphs separated by blank lines.
    pub text: String,
}

/// `at` as the publisher wrote it: in `offset` (seconds east of UTC, as stored in
/// [`Article::published_offset`]) when there is one, else in Europe/Berlin. Its calendar day is
/// the publication day the publisher meant; one rule for extraction, the crawl's merge, the
/// views and `govwire check`.
pub fn at_publisher(at: DateTime<Utc>, offset: Option<i32>) -> DateTime<FixedOffset> {
    match offset.and_then(FixedOffset::east_opt) {
        Some(o) => at.with_timezone(&o),
        None => at.with_timezone(&chrono_tz::Europe::Berlin).fixed_offset(),
    }
}

impl Draft {
    /// `published` in the page's own offset ([`Draft::published_offset`]), else in
    /// Europe/Berlin ([`at_publisher`]).
    pub fn published_local(&self) -> Option<DateTime<FixedOffset>> {
        Some(at_publisher(self.published?, self.published_offset))
    }
}

/// Stable 64-bit identifier of an article, derived from its canonical URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ArticleId(pub u64);

impl ArticleId {
    /// The id of the article at `canonical_url` (FNV-1a 64; stable across versions and machines).
    pub fn from_url(canonical_url: &str) -> ArticleId {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in canonical_url.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        ArticleId(h)
    }

    /// Parses the 16-digit hex form used in URLs.
    pub fn parse(s: &str) -> Option<ArticleId> {
        if s.len() != 16 {
            return None;
        }
        u64::from_str_radix(s, 16).ok().map(ArticleId)
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// A stored article: the draft plus everything govwire added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Derived from `url`.
    pub id: ArticleId,
    /// The configured source it came from.
    pub source_id: String,
    /// Canonical URL of the original.
    pub url: String,
    /// Headline.
    pub title: String,
    /// Kicker / Dachzeile, if any.
    #[serde(default)]
    pub kicker: Option<String>,
    /// Publication date as the source states it.
    #[serde(default)]
    pub published: Option<DateTime<Utc>>,
    /// The UTC offset (seconds east) the source wrote `published` in, when it wrote one; `None`
    /// means Europe/Berlin. The calendar day shown is the publisher's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_offset: Option<i32>,
    /// Whether `published` carries a time of day or only a day (then no time is shown).
    #[serde(default)]
    pub published_precision: DatePrecision,
    /// Subtitle / Unterzeile, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// When govwire first stored it.
    pub first_seen: DateTime<Utc>,
    /// When its content last changed in the store.
    pub updated: DateTime<Utc>,
    /// Author, if named.
    #[serde(default)]
    pub author: Option<String>,
    /// The author's role or office, if the byline names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_role: Option<String>,
    /// Detected language (ISO 639-1).
    #[serde(default)]
    pub lang: Option<String>,
    /// Short summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Main text, paragraphs separated by blank lines.
    pub text: String,
    /// The site's own tags, normalised.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Watched keywords found in title or text (canonical names).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Level of the source.
    pub level: Level,
    /// Land of the source.
    #[serde(default)]
    pub land: Option<Land>,
    /// Länder mentioned in the text.
    #[serde(default)]
    pub lands_mentioned: Vec<Land>,
    /// The story cluster: the id of the earliest stored article telling the same story
    /// (itself when it is the first). `None` for articles stored before clustering existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ArticleId>,
}

#[cfg(test)]
impl Article {
    /// A plain German article of source `q` (level Bund) published and first seen at `at`,
    /// for unit tests that only care about a few fields.
    pub(crate) fn sample(url: &str, title: &str, text: &str, at: DateTime<Utc>) -> Article {
        Article {
            id: ArticleId::from_url(url),
            source_id: "q".into(),
            url: url.into(),
            title: title.into(),
            kicker: None,
            published: Some(at),
            published_offset: None,
            published_precision: DatePrecision::Time,
            subtitle: None,
            first_seen: at,
            updated: at,
            author: None,
            author_role: None,
            lang: Some("de".into()),
            summary: None,
            text: text.into(),
            tags: vec![],
            keywords: vec![],
            level: Level::Bund,
            land: None,
            lands_mentioned: vec![],
            cluster: None,
        }
    }
}

/// Where an article's teaser text comes from (see [`Article::teaser`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Teaser<'a> {
    /// The article's own summary (trimmed): written to be shown whole.
    Summary(&'a str),
    /// The article's main text (trimmed), for lack of a summary: callers show only its start.
    Text(&'a str),
}

impl<'a> Teaser<'a> {
    /// The teaser's text, whichever field it came from.
    pub fn as_str(self) -> &'a str {
        match self {
            Teaser::Summary(s) | Teaser::Text(s) => s,
        }
    }
}

impl Article {
    /// The text a listing, feed or digest shows under the title: the summary if it is not
    /// blank, else the main text; `None` when both are blank. How much of it to show is the
    /// caller's choice (a feed shows a summary whole and cuts the text; a digest cuts both), so
    /// the field it came from is kept in the [`Teaser`].
    pub fn teaser(&self) -> Option<Teaser<'_>> {
        if let Some(summary) = self.summary.as_deref().map(str::trim)
            && !summary.is_empty()
        {
            return Some(Teaser::Summary(summary));
        }
        let text = self.text.trim();
        (!text.is_empty()).then_some(Teaser::Text(text))
    }

    /// The instant used to order articles: publication date, else first seen.
    pub fn sort_time(&self) -> DateTime<Utc> {
        self.published.unwrap_or(self.first_seen)
    }

    /// The publication date as the publisher wrote it, for display and export: in the stored
    /// offset (else Europe/Berlin), with its precision. A day-only date is that day's start in
    /// the publisher's offset, so no time of day is invented; without a date, first seen (a
    /// time).
    pub fn published_at_publisher(&self) -> (DateTime<FixedOffset>, DatePrecision) {
        let (t, precision) = match self.published {
            Some(p) => (p, self.published_precision),
            None => (self.first_seen, DatePrecision::Time),
        };
        let offset = self.published.and(self.published_offset);
        let local = at_publisher(t, offset);
        if precision == DatePrecision::Day
            && let Some(start) = local
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .and_then(|n| n.and_local_timezone(*local.offset()).single())
        {
            return (start, precision);
        }
        (local, precision)
    }

    /// True if the stored content differs from `other` in anything a reader would see (the
    /// story cluster included, since it decides what a listing collapses; the source too, since
    /// an article may move to the source it belongs to).
    pub fn content_differs(&self, other: &Article) -> bool {
        self.source_id != other.source_id
            || self.title != other.title
            || self.kicker != other.kicker
            || self.published != other.published
            || self.author != other.author
            || self.summary != other.summary
            || self.text != other.text
            || self.tags != other.tags
            || self.keywords != other.keywords
            || self.lang != other.lang
            || self.lands_mentioned != other.lands_mentioned
            || self.level != other.level
            || self.land != other.land
            || self.cluster != other.cluster
    }
}

/// Per-source crawl state, persisted so that it survives restarts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SourceHealth {
    /// Last time a crawl of this source finished without error.
    pub last_success: Option<DateTime<Utc>>,
    /// Last time a crawl of this source ended with an error.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Text of that error.
    pub last_error: Option<String>,
    /// Crawls in a row that failed.
    pub consecutive_failures: u32,
    /// When the scheduler should next crawl this source.
    pub next_due: Option<DateTime<Utc>>,
    /// ETag of the last list/feed response.
    pub etag: Option<String>,
    /// Last-Modified of the last list/feed response.
    pub last_modified: Option<String>,
    /// Candidates found on the last successful listing (0 on a fetched page means broken selectors).
    pub last_candidates: u32,
    /// True when the listing was fetched but yielded nothing although it did before.
    pub broken: bool,
    /// Fingerprint of the source's configuration at the last crawl: when it changes (a fixed
    /// selector, a new URL), the stored validators are not sent, so the listing is read in full.
    #[serde(default)]
    pub config_fingerprint: Option<String>,
    /// Articles stored from this source in total (new ones).
    pub articles_total: u64,
    /// The site's entry points besides `url` (feeds, list pages, sitemaps) as last found:
    /// read when `url` answers 304, found again when `url` is read in full or one breaks.
    #[serde(default)]
    pub entries: Vec<EntryPoint>,
}

/// Serde helper: a `Duration` as whole seconds.
pub mod duration_secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    /// Writes whole seconds.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    /// Reads whole seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_id_is_stable_and_round_trips() {
        let a = ArticleId::from_url("https://example.org/a");
        assert_eq!(a, ArticleId::from_url("https://example.org/a"));
        assert_ne!(a, ArticleId::from_url("https://example.org/b"));
        assert_eq!(ArticleId::parse(&a.to_string()), Some(a));
        assert_eq!(ArticleId::parse("xyz"), None);
        assert_eq!(ArticleId::parse("zzzzzzzzzzzzzzzz"), None);
    }

    #[test]
    fn land_and_level_parse() {
        assert_eq!(Land::parse("by"), Some(Land::BY));
        assert_eq!(Land::parse("XX"), None);
        assert_eq!(Level::parse("kommune"), Some(Level::Kommune));
        assert_eq!(Level::parse("Kommune"), None);
        assert_eq!(Land::ALL.len(), 16);
    }
}
