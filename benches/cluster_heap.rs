//! Heap used by the story index as it fills: live and peak bytes of a [`ClusterIndex`] with the
//! crawler's window, measured exactly by a counting allocator (no store, no RSS noise).
//!
//! Usage: `cargo bench --bench cluster_heap -- [N]` (default 50,000 insertions).
//!
//! Inserts N distinct synthetic signatures (random values, so every band key is new: the
//! worst case for the bucket table, and what unrelated articles look like) one by one, as the
//! crawler does, and prints the live heap after every 5,000 and the peak. With the default
//! window of 10,000 the index compacts whenever it holds 20,000, so the peak is reached just
//! before the first compaction and stays the same for any N above twice the window (issue 7).

// A measurement program: a setup failure should stop it at once, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use govwire::enrich::{ClusterIndex, DEFAULT_WINDOW, SIGNATURE_LEN, SIGNATURE_VERSION, Signature};

/// The system allocator, counting live and peak bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call unchanged to the system allocator; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let now = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(now, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// The command line without the `--bench` that `cargo bench` appends to it.
fn args() -> impl Iterator<Item = String> {
    std::env::args().filter(|a| a != "--bench")
}

fn main() {
    let n: usize = args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        // xorshift64*: deterministic, distinct signatures.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    };
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let mut index = ClusterIndex::new().with_window(DEFAULT_WINDOW);
    let mut bytes = Vec::with_capacity(4 + 4 * SIGNATURE_LEN);
    let started = std::time::Instant::now();
    for i in 0..n {
        bytes.clear();
        bytes.extend_from_slice(&SIGNATURE_VERSION.to_le_bytes());
        for _ in 0..SIGNATURE_LEN {
            bytes.extend_from_slice(&next().to_le_bytes());
        }
        let Some(sig) = Signature::from_bytes(&bytes) else {
            eprintln!("could not build a signature");
            std::process::exit(1);
        };
        index.insert(i as u64 + 1, &sig);
        if (i + 1) % 5_000 == 0 {
            println!(
                "{:>7} inserted, {:>6} indexed: live {:6.1} MiB, peak so far {:6.1} MiB",
                i + 1,
                index.indexed(),
                mib(LIVE.load(Ordering::Relaxed) - base),
                mib(PEAK.load(Ordering::Relaxed) - base)
            );
        }
    }
    println!(
        "window {DEFAULT_WINDOW}: peak {:.1} MiB, {:.2} µs per insertion",
        mib(PEAK.load(Ordering::Relaxed) - base),
        started.elapsed().as_secs_f64() * 1e6 / n.max(1) as f64
    );
}
