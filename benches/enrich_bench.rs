//! Throughput of the enrich pipeline on synthetic German articles.
//!
//! Generates N deterministic articles (default 20 000, ~300 words each, every tenth a lightly
//! edited reprint of an earlier one), then runs watchlist matching, Länder detection, signature
//! and cluster insertion on each and prints articles per second.
//!
//! `cargo bench --bench enrich_bench -- [N]`

// A measurement program: a setup failure should stop it at once, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use govwire::enrich::{ClusterIndex, Watchlist, enrich, lands_mentioned, signature};
use govwire::model::Keyword;

/// Common German words for filler text.
const WORDS: &[&str] = &[
    "die",
    "der",
    "das",
    "und",
    "in",
    "für",
    "mit",
    "von",
    "den",
    "auf",
    "ist",
    "sich",
    "des",
    "ein",
    "eine",
    "wird",
    "werden",
    "nach",
    "bei",
    "auch",
    "als",
    "zur",
    "zum",
    "sowie",
    "über",
    "durch",
    "Verwaltung",
    "Digitalisierung",
    "Kommunen",
    "Bürgerinnen",
    "Bürger",
    "Unternehmen",
    "Land",
    "Bund",
    "Länder",
    "Ministerium",
    "Behörden",
    "Leistungen",
    "Umsetzung",
    "Projekt",
    "Förderung",
    "Millionen",
    "Euro",
    "Jahr",
    "Plattform",
    "Angebote",
    "Daten",
    "Schnittstelle",
    "Standard",
    "Verfahren",
    "Antrag",
    "Anträge",
    "online",
    "digital",
    "künftig",
    "bereits",
    "gemeinsam",
    "weiter",
    "neue",
    "neuen",
    "ersten",
    "zentrale",
    "wichtige",
    "Landkreis",
    "Stadt",
    "Gemeinde",
    "Rathaus",
    "Bürgerbüro",
    "Mitarbeitende",
    "Schulungen",
    "Sitzung",
    "Beschluss",
    "Haushalt",
    "Bericht",
    "Minister",
    "Ministerin",
    "Staatssekretär",
    "erklärte",
    "sagte",
    "betonte",
    "teilte",
    "mit",
    "heute",
    "Dienstag",
    "Mittwoch",
    "Partner",
    "Kooperation",
    "Vereinbarung",
    "Netzwerk",
    "Sicherheit",
    "Cloud",
    "Rechenzentrum",
    "Software",
    "Open",
    "Source",
    "Pilotprojekt",
    "Zukunft",
    "Registermodernisierung",
    "OZG-Umsetzung",
    "Servicekonten",
    "E-Government",
    "BayernPortal",
    "Einer-für-Alle-Prinzip",
    "Onlinezugangsgesetz",
    "Bayern",
    "Sachsen-Anhalt",
    "Hessen",
    "nordrhein-westfälische",
    "Niedersachsen",
    "Berliner",
    "Thüringen",
    "Zuständigkeit",
];

/// A small deterministic PRNG (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One synthetic article of about `words` words, in sentences.
fn article(rng: &mut Rng, words: usize) -> String {
    let mut out = String::with_capacity(words * 9);
    let mut in_sentence = 0;
    let sentence_len = 8 + rng.below(12);
    for _ in 0..words {
        let w = WORDS[rng.below(WORDS.len())];
        if in_sentence == 0 {
            let mut c = w.chars();
            if let Some(first) = c.next() {
                out.extend(first.to_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push_str(w);
        }
        in_sentence += 1;
        if in_sentence >= sentence_len {
            out.push_str(". ");
            in_sentence = 0;
        } else {
            out.push(' ');
        }
    }
    out
}

/// A lightly edited reprint: a new first sentence and one word changed.
fn reprint(rng: &mut Rng, original: &str) -> String {
    let rest = original.split_once(". ").map_or(original, |(_, r)| r);
    let mut out = format!("Wie das Ministerium mitteilt, {} ", article(rng, 12));
    out.push_str(&rest.replacen("Verwaltung", "Verwaltungen", 1));
    out
}

fn watchlist() -> Watchlist {
    let kw = |n: &str, a: &[&str]| Keyword::new(n, a.iter().map(|s| s.to_string()).collect());
    let mut list = vec![
        kw("OZG", &["Onlinezugangsgesetz"]),
        kw("Registermodernisierung", &[]),
        kw("Servicekonto", &["Nutzerkonto", "BundID"]),
        kw("BayernPortal", &[]),
        kw("Einer-für-Alle", &["EfA"]),
        kw("E-Government", &[]),
        kw("Zuständigkeit", &[]),
        kw("Cloud", &["Souveräne Cloud"]),
        kw("Open Source", &[]),
        kw("Rechenzentrum", &[]),
        Keyword {
            prefix: true,
            ..kw("Digitalisier", &[])
        },
        Keyword {
            case_sensitive: true,
            ..kw("KI", &[])
        },
    ];
    for i in 0..20 {
        list.push(kw(&format!("Stichwort{i}"), &[&format!("Alias{i}")]));
    }
    Watchlist::new(&list)
}

/// Times one stage alone over all documents and prints its rate.
fn stage(name: &str, docs: &[(String, String)], mut run: impl FnMut(&str, &str) -> usize) {
    let start = Instant::now();
    let sink: usize = docs.iter().map(|(t, x)| run(t, x)).sum();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "  {name:<10} {:>9.0} articles/s (checksum {sink})",
        docs.len() as f64 / secs
    );
}

/// The command line without the `--bench` that `cargo bench` appends to it.
fn args() -> impl Iterator<Item = String> {
    std::env::args().filter(|a| a != "--bench")
}

fn main() {
    let n: usize = args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut docs: Vec<(String, String)> = Vec::with_capacity(n);
    for i in 0..n {
        let title = article(&mut rng, 8);
        let text = if i % 10 == 9 && i > 20 {
            let src = rng.below(i - 1);
            reprint(&mut rng, &docs[src].1)
        } else {
            let words = 250 + rng.below(100);
            article(&mut rng, words)
        };
        docs.push((title, text));
    }
    let bytes: usize = docs.iter().map(|(t, x)| t.len() + x.len()).sum();

    let list = watchlist();
    let mut index = ClusterIndex::new();
    let (mut kw_hits, mut land_hits, mut joined) = (0usize, 0usize, 0usize);
    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    for (id, (title, text)) in (1u64..).zip(&docs) {
        let e = enrich(&list, title, text);
        kw_hits += e.keywords.len();
        land_hits += e.lands.len();
        if index.insert(id, &e.signature) != id {
            joined += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_start.and_then(|c0| Some(thread_cpu_seconds()? - c0));
    stage("watchlist", &docs, |t, x| list.find(t, x).len());
    stage("lands", &docs, |_, x| lands_mentioned(x).len());
    stage("signature", &docs, |t, x| {
        usize::from(signature(t, x).is_empty())
    });
    let sigs: Vec<_> = docs.iter().map(|(t, x)| signature(t, x)).collect();
    let mut fresh = ClusterIndex::new();
    let start = Instant::now();
    let roots = (1u64..)
        .zip(&sigs)
        .filter(|(id, s)| fresh.insert(*id, s) == *id)
        .count();
    let rate = sigs.len() as f64 / start.elapsed().as_secs_f64();
    println!(
        "  {:<10} {rate:>9.0} articles/s (clusters {roots})",
        "insert"
    );
    println!(
        "{n} articles ({:.1} MB) in {secs:.3} s: {:.0} articles/s \
         (keyword hits {kw_hits}, land hits {land_hits}, joined a cluster {joined}, reprints {})",
        bytes as f64 / 1e6,
        n as f64 / secs,
        (n.saturating_sub(21)) / 10,
    );
    // Wall time suffers when other processes share the cores; CPU time of this thread does not
    // (much), so it is the figure to compare across runs on a busy machine.
    if let Some(cpu) = cpu.filter(|c| *c > 0.0) {
        println!(
            "one core, CPU time: {cpu:.3} s: {:.0} articles per CPU-second",
            n as f64 / cpu
        );
    }
}

/// CPU time (user + system) of the calling thread, from `/proc/thread-self/stat` (Linux; clock
/// ticks of 10 ms). `None` elsewhere.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, i.e. 12 and 13 after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
