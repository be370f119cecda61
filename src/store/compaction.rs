//! Compaction of the body log: the superseded-bytes counters, the automatic policy, and the
//! crash-safe rewrite of a segment (with the crash points the tests arm).

use sled::transaction::ConflictableTransactionError;

use super::bodies::{self, Pointer};
use super::keys::{self, meta_key_u32};
use super::write::unwrap_tx;
use super::{Compaction, CompactionPolicy, META_GARBAGE, META_GARBAGE_MEASURED, Store, StoreError};

/// Live records moved per batch in a compaction: the batch is appended, synced once, then
/// repointed, so one batch is the most a crash or a stop request can leave half done (as
/// garbage) and a reader or writer never waits for more than one record's append or repoint.
const COMPACT_BATCH: usize = 512;

/// A step of a compaction of one segment, where tests simulate a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// The segment was scanned and its live records listed.
    Scanned,
    /// A batch of live records was appended to the active segment, not yet synced.
    Copied,
    /// The copies were synced; no pointer names them yet.
    CopiesSynced,
    /// The first record of a batch was repointed.
    FirstRepointed,
    /// Every live record was repointed; the store is not flushed yet.
    Repointed,
    /// The store was flushed; the segment still exists.
    Flushed,
    /// The segment was deleted; its counter not yet removed.
    Deleted,
}

/// What a simulated crash loses (tests only).
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Crash {
    /// The process dies: sled keeps what it wrote, the log keeps everything written.
    Abort,
    /// The power fails at the worst moment: sled made everything durable (its background
    /// flusher may have), the log keeps only what was synced.
    PowerCut,
    /// The power fails and sled kept only what the last `Store::flush` made durable (its
    /// flusher had not run), the log only what was synced: the test restores sled's files
    /// from the copy `Store::flush` leaves in `GOVWIRE_TEST_SLED_SNAPSHOT`.
    SledLags,
}

impl Store {
    /// Starts a new body log segment once the active one holds `bytes` (default 64 MiB), for
    /// this process only. For tests and benchmarks that need closed segments, and so
    /// compaction, without writing 64 MiB per segment.
    pub fn set_log_segment_bytes(&self, bytes: u64) {
        self.bodies.set_segment_bytes(bytes);
    }

    /// Reclaims the space edits leave in the body log: every closed segment of which at least
    /// `min_garbage` (0.0–1.0) is superseded records is rewritten by [`Store::compact_segment`].
    /// Reads every closed segment: a maintenance step (after a re-tag, or from `govwire
    /// check-store`); a running server uses [`Store::compact_auto`]. Waits for a compaction
    /// already running.
    pub fn compact_bodies(&self, min_garbage: f64) -> Result<Compaction, StoreError> {
        let _one = self.compacting.lock().unwrap_or_else(|p| p.into_inner());
        let mut report = Compaction::default();
        for (segment, len) in self.bodies.closed_segments()? {
            self.compact_segment(segment, len, min_garbage, &|| false, &mut report)?;
        }
        Ok(report)
    }

    /// The automatic compaction: when the closed segments hold at least
    /// [`CompactionPolicy::min_total_garbage`] superseded bytes (by the counters every write
    /// keeps), rewrites the segments that are at least
    /// [`CompactionPolicy::min_segment_garbage`] superseded, most garbage first, one at a time,
    /// until the total is below the threshold or `stop` returns true (checked between batches
    /// of [`COMPACT_BATCH`] records). Returns at once, doing nothing, while another compaction
    /// runs. A store written before the counters existed is measured once first (one read of
    /// the log). Blocking: run it on a blocking thread.
    pub fn compact_auto(
        &self,
        policy: &CompactionPolicy,
        stop: &dyn Fn() -> bool,
    ) -> Result<Compaction, StoreError> {
        let mut report = Compaction::default();
        let _one = match self.compacting.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return Ok(report),
        };
        if self.meta.get(META_GARBAGE_MEASURED)?.is_none() {
            self.measure_garbage(stop)?;
        }
        while !stop() {
            let Some((segment, len)) = self.due_segment(policy)? else {
                break;
            };
            self.compact_segment(segment, len, policy.min_segment_garbage, stop, &mut report)?;
        }
        Ok(report)
    }

    /// The superseded bytes counted for each body log segment, oldest first (an estimate: see
    /// [`CompactionPolicy`]; `govwire check-store` measures exactly).
    pub fn log_garbage(&self) -> Result<Vec<(u32, u64)>, StoreError> {
        let mut out = Vec::new();
        for entry in self.meta.scan_prefix(META_GARBAGE) {
            let (key, value) = entry?;
            if let (Some(seg), Some(bytes)) = (
                key.get(META_GARBAGE.len()..).and_then(keys::read_u32),
                keys::read_u64(&value),
            ) {
                out.push((seg, bytes));
            }
        }
        Ok(out)
    }

    /// The closed segment to compact next under `policy`, if the total is over its threshold.
    fn due_segment(&self, policy: &CompactionPolicy) -> Result<Option<(u32, u64)>, StoreError> {
        let counted: std::collections::HashMap<u32, u64> =
            self.log_garbage()?.into_iter().collect();
        let closed = self.bodies.closed_segments()?;
        let total: u64 = closed
            .iter()
            .map(|(seg, _)| counted.get(seg).copied().unwrap_or(0))
            .sum();
        if total < policy.min_total_garbage {
            return Ok(None);
        }
        Ok(closed
            .into_iter()
            .map(|(seg, len)| (seg, len, counted.get(&seg).copied().unwrap_or(0)))
            .filter(|(_, len, garbage)| {
                *garbage > 0 && *garbage as f64 >= policy.min_segment_garbage * *len as f64
            })
            .max_by_key(|(_, _, garbage)| *garbage)
            .map(|(seg, len, _)| (seg, len)))
    }

    /// Sets every segment's counter to its measured value (stores written before the
    /// counters), then marks the store as measured. A write meanwhile adds to the counter as
    /// usual; the measurement replaces only what was counted before it.
    fn measure_garbage(&self, stop: &dyn Fn() -> bool) -> Result<(), StoreError> {
        let mut segments: Vec<u32> = self.bodies.closed_segments()?.iter().map(|s| s.0).collect();
        segments.push(self.bodies.sync()?.0);
        for segment in segments {
            if stop() {
                return Ok(());
            }
            let before = self.counted_garbage(segment)?;
            let usage = self.segment_usage(segment)?;
            let measured = usage.len.saturating_sub(usage.live_bytes);
            self.meta
                .update_and_fetch(meta_key_u32(META_GARBAGE, segment), |v| {
                    let now = v.and_then(keys::read_u64).unwrap_or(0);
                    let value = measured + now.saturating_sub(before);
                    Some(value.to_be_bytes().to_vec())
                })?;
        }
        self.meta.insert(META_GARBAGE_MEASURED, &[1u8])?;
        Ok(())
    }

    pub(super) fn counted_garbage(&self, segment: u32) -> Result<u64, StoreError> {
        Ok(self
            .meta
            .get(meta_key_u32(META_GARBAGE, segment))?
            .and_then(|v| keys::read_u64(&v))
            .unwrap_or(0))
    }

    /// The intact records of `segment` that an article still points at.
    fn segment_usage(&self, segment: u32) -> Result<SegmentUsage, StoreError> {
        let bodies::Records {
            records,
            damaged,
            len,
        } = self.bodies.records(segment)?;
        let live: Vec<(u64, Pointer)> = records
            .into_iter()
            .filter(|(id, ptr)| {
                self.articles
                    .get(id.to_be_bytes())
                    .ok()
                    .flatten()
                    .is_some_and(|v| *v == ptr.to_bytes())
            })
            .collect();
        let live_bytes = live.iter().map(|(_, p)| bodies::record_bytes(*p)).sum();
        Ok(SegmentUsage {
            live,
            live_bytes,
            len,
            damaged,
        })
    }

    /// Rewrites one closed segment if at least `min_garbage` of it is superseded: its live
    /// records are copied to the active segment in batches, each batch synced before any
    /// pointer names it and then repointed (each in its own small transaction, skipped if the
    /// article was rewritten meanwhile); then the store is flushed and the segment deleted.
    /// Otherwise its counter is set to the measured garbage.
    ///
    /// Safe beside readers (a reader that lost the race reads the new pointer) and writers.
    /// A crash at any point leaves every durable pointer naming a durable record: the old
    /// segment stays until the new pointers are flushed, and the copies are synced before
    /// they are pointed at; what a crash leaves is garbage, reclaimed by a later compaction.
    /// `stop` returning true between batches ends the work early the same way.
    fn compact_segment(
        &self,
        segment: u32,
        len: u64,
        min_garbage: f64,
        stop: &dyn Fn() -> bool,
        report: &mut Compaction,
    ) -> Result<(), StoreError> {
        let usage = self.segment_usage(segment)?;
        self.crash_point(Step::Scanned);
        if usage.damaged {
            // The scan stopped at a damaged record: records after it are invisible here but
            // may still be read by their pointers, so the segment must not be deleted.
            report.damaged += 1;
            self.meta.remove(meta_key_u32(META_GARBAGE, segment))?;
            return Ok(());
        }
        let garbage = usage.len.max(len).saturating_sub(usage.live_bytes);
        if len > 0 && (garbage as f64) < min_garbage * len as f64 {
            self.meta
                .insert(meta_key_u32(META_GARBAGE, segment), &garbage.to_be_bytes())?;
            return Ok(());
        }
        for batch in usage.live.chunks(COMPACT_BATCH) {
            if stop() {
                self.flush()?;
                return Ok(());
            }
            let mut copies = Vec::with_capacity(batch.len());
            for &(id, old) in batch {
                let payload = self.bodies.read(id, old)?;
                copies.push((id, old, self.bodies.append(id, &payload)?));
            }
            self.crash_point(Step::Copied);
            // A pointer may become durable before the next flush (sled flushes by itself), so
            // what it names must be durable first.
            self.bodies.sync()?;
            self.crash_point(Step::CopiesSynced);
            for (i, (id, old, new)) in copies.into_iter().enumerate() {
                let key = id.to_be_bytes();
                let repointed = self.articles.transaction(|t| {
                    if t.get(key)?.as_deref() == Some(&old.to_bytes()[..]) {
                        t.insert(&key, &new.to_bytes())?;
                    }
                    Ok::<_, ConflictableTransactionError<StoreError>>(())
                });
                unwrap_tx(repointed)?;
                report.moved += 1;
                if i == 0 {
                    self.crash_point(Step::FirstRepointed);
                }
            }
        }
        if !usage.live.is_empty() {
            self.crash_point(Step::Repointed);
        }
        // The new pointers must be durable before the records they replace go.
        self.flush()?;
        if !usage.live.is_empty() {
            self.crash_point(Step::Flushed);
        }
        self.bodies.delete_segment(segment)?;
        if !usage.live.is_empty() {
            self.crash_point(Step::Deleted);
        }
        self.meta.remove(meta_key_u32(META_GARBAGE, segment))?;
        report.segments += 1;
        report.freed_bytes += len;
        Ok(())
    }

    /// Makes the next compaction crash at `step` (tests only; see [`Crash`]).
    #[cfg(test)]
    pub(super) fn crash_at(&self, step: Step, how: Crash) {
        *self.crash.lock().unwrap_or_else(|p| p.into_inner()) = Some((step, how));
    }

    #[cfg(test)]
    fn crash_point(&self, step: Step) {
        let armed = *self.crash.lock().unwrap_or_else(|p| p.into_inner());
        match armed {
            Some((at, how)) if at == step => {
                if how == Crash::PowerCut {
                    let _ = self.db.flush();
                }
                let _ = self.bodies.cut_to_synced();
                std::process::abort();
            }
            _ => {}
        }
    }

    #[cfg(not(test))]
    fn crash_point(&self, _step: Step) {}
}

/// What [`Store::segment_usage`] found.
struct SegmentUsage {
    /// Intact records still pointed at, as (id, pointer).
    live: Vec<(u64, Pointer)>,
    /// Their bytes.
    live_bytes: u64,
    /// The segment's length.
    len: u64,
    /// A damaged record stopped the scan before the end.
    damaged: bool,
}
