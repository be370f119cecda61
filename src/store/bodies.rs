//! The body log: stored article values (deflated JSON, see [`super::codec`]) in append-only
//! segment files beside sled, with sled keeping only a small pointer per article.
//!
//! Why: sled stores what it holds at three to four times its size, and the article values are
//! two thirds of the store's payload; a plain append-only file stores them at their size.
//!
//! Layout: `bodies/NNNNNNNN.log` in the store folder, numbered from 0; only the highest is
//! appended to, and a new one is started once it holds [`SEGMENT_BYTES`]. A record is
//!
//! ```text
//! payload length (u32 LE) | CRC-32 of id and payload (u32 LE) | article id (u64 BE) | payload
//! ```
//!
//! and the pointer sled keeps under the article id is [`POINTER`], segment (u32 BE), offset
//! (u32 BE), payload length (u32 BE). A read checks length, id and CRC, so a pointer to a lost,
//! torn or overwritten record is reported as [`BodyError`], never returned as another article.
//!
//! Crash safety: a record is written (one `pwrite`, into the page cache) before the sled
//! transaction that points at it, so a crashed process never leaves a pointer to an unwritten
//! record; [`BodyLog::sync`] (called by `Store::flush` before sled's flush) makes the records
//! durable. At open, the active segment is checked from the last synced end: an incomplete or
//! failing record there is a torn tail, cut off (with a warning), and appending continues in a
//! fresh segment so that no offset is ever reused. Edits append a new record and leave the old
//! one as garbage; every write counts it per segment in sled, [`BodyLog::verify`] measures it
//! exactly, and `Store::compact_segment` reclaims it (copies the live records of a mostly-dead
//! closed segment to the active one and syncs them, repoints them in sled, flushes, then
//! deletes the segment), from `govwire check-store --compact` or, automatically, from the
//! crawl scheduler (`Store::compact_auto`).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// First byte of a sled value that points into the body log (deflated values start with 1,
/// plain JSON with `{`).
pub(super) const POINTER: u8 = 0x02;

/// Bytes of a pointer value.
const POINTER_LEN: usize = 13;

/// Bytes of a record header: length, CRC, id.
const HEADER: usize = 16;

/// A segment is closed once it holds this much; small enough that a torn-tail check or a
/// future compaction of one segment is quick, large enough that a big store has few files.
const SEGMENT_BYTES: u64 = 64 << 20;

/// Largest payload accepted (far above any article; a corrupt length must not allocate GiBs).
const MAX_PAYLOAD: u32 = 64 << 20;

/// Folder of the segments inside the store folder.
const DIR: &str = "bodies";

/// What can go wrong reading or writing the body log.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The file system failed.
    #[error("body log {path}: {source}")]
    Io {
        /// The segment or folder.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// A record is missing, torn or does not match its pointer: the article text is lost
    /// (restore a backup or re-crawl the article).
    #[error("body log record for article {id:016x} at segment {segment}, offset {offset}: {what}")]
    Corrupt {
        /// The article the pointer belongs to.
        id: u64,
        /// Segment number.
        segment: u32,
        /// Offset of the record.
        offset: u32,
        /// What failed (short read, CRC, id, length).
        what: &'static str,
    },
    /// A sled value that starts like a pointer has the wrong length.
    #[error("malformed body pointer for article {id:016x}")]
    BadPointer {
        /// The article.
        id: u64,
    },
}

/// Where a record lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Pointer {
    segment: u32,
    offset: u32,
    len: u32,
}

impl Pointer {
    /// The sled value.
    pub(super) fn to_bytes(self) -> [u8; POINTER_LEN] {
        let mut out = [0u8; POINTER_LEN];
        out[0] = POINTER;
        out[1..5].copy_from_slice(&self.segment.to_be_bytes());
        out[5..9].copy_from_slice(&self.offset.to_be_bytes());
        out[9..13].copy_from_slice(&self.len.to_be_bytes());
        out
    }

    /// The segment the record is in.
    pub(super) fn segment(self) -> u32 {
        self.segment
    }

    /// Reads [`Pointer::to_bytes`]; `None` unless `bytes` is exactly a pointer.
    pub(super) fn from_bytes(bytes: &[u8]) -> Option<Pointer> {
        if bytes.len() != POINTER_LEN || bytes[0] != POINTER {
            return None;
        }
        let u = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        Some(Pointer {
            segment: u(1),
            offset: u(5),
            len: u(9),
        })
    }
}

/// Bytes a record takes in its segment.
pub(super) fn record_bytes(ptr: Pointer) -> u64 {
    HEADER as u64 + u64::from(ptr.len)
}

/// What [`BodyLog::verify`] found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct LogReport {
    /// Records whose header and CRC are intact.
    pub records: u64,
    /// Places where a record fails its CRC or runs past the end of its segment (the scan of that
    /// segment stops there).
    pub corrupt: u64,
    /// Bytes of all segments.
    pub bytes: u64,
}

/// What [`BodyLog::records`] found in one segment.
pub(super) struct Records {
    /// Intact records as (article id, pointer), in log order.
    pub records: Vec<(u64, Pointer)>,
    /// A damaged record stopped the scan before the end of the file.
    pub damaged: bool,
    /// Bytes of the segment file.
    pub len: u64,
}

struct Active {
    segment: u32,
    file: Arc<File>,
    len: u64,
    /// Length at the last sync (tests simulate a power cut by cutting the file here).
    #[cfg(test)]
    synced: u64,
}

/// The open body log. One per store; all clones of the store share it.
pub(super) struct BodyLog {
    dir: PathBuf,
    active: Mutex<Active>,
    /// Read handles of every segment (the active one shares the writer's file).
    files: Mutex<HashMap<u32, Arc<File>>>,
    /// [`SEGMENT_BYTES`]; smaller in tests, to have closed segments.
    segment_bytes: std::sync::atomic::AtomicU64,
}

impl BodyLog {
    /// Opens (or creates) the log in `store_dir/bodies`. `synced` is where the last
    /// [`BodyLog::sync`] left the log (segment, end), if recorded: the torn-tail check starts
    /// there instead of at the start of the active segment.
    pub(super) fn open(store_dir: &Path, synced: Option<(u32, u64)>) -> Result<BodyLog, BodyError> {
        let dir = store_dir.join(DIR);
        std::fs::create_dir_all(&dir).map_err(|source| BodyError::Io {
            path: dir.clone(),
            source,
        })?;
        let mut segments = list_segments(&dir)?;
        segments.sort_unstable();
        let newest = segments.last().copied().unwrap_or(0);
        let path = segment_path(&dir, newest);
        let file = open_rw(&path)?;
        let len = file
            .metadata()
            .map_err(|source| BodyError::Io {
                path: path.clone(),
                source,
            })?
            .len();
        let start = match synced {
            Some((seg, end)) if seg == newest && end <= len => end,
            _ => 0,
        };
        let good = scan(&file, start, len, |_, _| {}).map_err(|source| BodyError::Io {
            path: path.clone(),
            source,
        })?;
        let mut log = BodyLog {
            dir,
            active: Mutex::new(Active {
                segment: newest,
                file: Arc::new(file),
                len,
                #[cfg(test)]
                synced: len,
            }),
            files: Mutex::new(HashMap::new()),
            segment_bytes: SEGMENT_BYTES.into(),
        };
        if good.end < len {
            tracing::warn!(
                segment = newest,
                at = good.end,
                dropped = len - good.end,
                "body log: torn tail after a crash cut off"
            );
            {
                let active = log.active.get_mut().unwrap_or_else(|p| p.into_inner());
                active
                    .file
                    .set_len(good.end)
                    .map_err(|source| BodyError::Io {
                        path: path.clone(),
                        source,
                    })?;
                active.len = good.end;
                #[cfg(test)]
                {
                    active.synced = good.end;
                }
            }
            // Never reuse an offset a stale pointer might still name.
            let log_ref = &log;
            let mut active = log_ref.active.lock().unwrap_or_else(|p| p.into_inner());
            log_ref.roll(&mut active)?;
        }
        Ok(log)
    }

    /// Appends the record of article `id`; the returned pointer is what sled keeps.
    pub(super) fn append(&self, id: u64, payload: &[u8]) -> Result<Pointer, BodyError> {
        let len = u32::try_from(payload.len())
            .ok()
            .filter(|l| *l <= MAX_PAYLOAD)
            .ok_or_else(|| BodyError::Io {
                path: self.dir.clone(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "article too large"),
            })?;
        let mut record = Vec::with_capacity(HEADER + payload.len());
        record.extend_from_slice(&len.to_le_bytes());
        record.extend_from_slice(&crc(id, payload).to_le_bytes());
        record.extend_from_slice(&id.to_be_bytes());
        record.extend_from_slice(payload);
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        let limit = self
            .segment_bytes
            .load(std::sync::atomic::Ordering::Relaxed);
        if active.len > 0 && active.len + record.len() as u64 > limit {
            self.roll(&mut active)?;
        }
        let offset = active.len;
        if let Err(source) = write_at(&active.file, &record, offset) {
            // Cut a partial write off so the next record follows a complete one.
            let _ = active.file.set_len(offset);
            return Err(BodyError::Io {
                path: segment_path(&self.dir, active.segment),
                source,
            });
        }
        active.len += record.len() as u64;
        Ok(Pointer {
            segment: active.segment,
            offset: offset as u32,
            len,
        })
    }

    /// The payload `ptr` points at, checked against `id`, its length and its CRC.
    pub(super) fn read(&self, id: u64, ptr: Pointer) -> Result<Vec<u8>, BodyError> {
        let corrupt = |what| BodyError::Corrupt {
            id,
            segment: ptr.segment,
            offset: ptr.offset,
            what,
        };
        if ptr.len > MAX_PAYLOAD {
            return Err(corrupt("length out of range"));
        }
        let file = self.file(ptr.segment).map_err(|e| match e {
            BodyError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                corrupt("segment file missing")
            }
            other => other,
        })?;
        let mut buf = vec![0u8; HEADER + ptr.len as usize];
        read_at(&file, &mut buf, u64::from(ptr.offset)).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                corrupt("record missing (log shorter than the pointer)")
            } else {
                BodyError::Io {
                    path: segment_path(&self.dir, ptr.segment),
                    source: e,
                }
            }
        })?;
        let (len, sum, rid) = header(&buf);
        if len != ptr.len {
            return Err(corrupt("length differs from the pointer"));
        }
        if rid != id {
            return Err(corrupt("record belongs to another article"));
        }
        let payload = buf.split_off(HEADER);
        if crc(id, &payload) != sum {
            return Err(corrupt("CRC mismatch"));
        }
        Ok(payload)
    }

    /// Whatever is left of the payload `ptr` points at, unchecked (for salvaging what a damaged
    /// record still says; see `codec::salvage_origin`). `None` if nothing is left.
    pub(super) fn read_unchecked(&self, ptr: Pointer) -> Option<Vec<u8>> {
        let file = self.file(ptr.segment).ok()?;
        let len = file.metadata().ok()?.len();
        let start = u64::from(ptr.offset) + HEADER as u64;
        let end = (start + u64::from(ptr.len.min(MAX_PAYLOAD))).min(len);
        let mut buf = vec![0u8; end.checked_sub(start).filter(|n| *n > 0)? as usize];
        read_at(&file, &mut buf, start).ok()?;
        Some(buf)
    }

    /// Makes every appended record durable (`fdatasync` of the active segment; closed segments
    /// were synced when they were closed). Returns where the log ends now, for the torn-tail
    /// check of the next open.
    pub(super) fn sync(&self) -> Result<(u32, u64), BodyError> {
        #[allow(unused_mut)]
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        active.file.sync_data().map_err(|source| BodyError::Io {
            path: segment_path(&self.dir, active.segment),
            source,
        })?;
        #[cfg(test)]
        {
            active.synced = active.len;
        }
        Ok((active.segment, active.len))
    }

    /// Cuts the active segment back to its length at the last sync: what a power cut may
    /// leave (tests only).
    #[cfg(test)]
    pub(super) fn cut_to_synced(&self) -> io::Result<()> {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        active.file.set_len(active.synced)?;
        active.len = active.synced;
        Ok(())
    }

    /// Reads every segment and checks every record's CRC; `live` receives each intact record's
    /// pointer and id (so the caller can tell live records from garbage).
    pub(super) fn verify(
        &self,
        mut live: impl FnMut(u64, Pointer),
    ) -> Result<LogReport, BodyError> {
        let mut report = LogReport::default();
        let mut segments = list_segments(&self.dir)?;
        segments.sort_unstable();
        for seg in segments {
            let (scanned, len) = self.scan_segment(seg, &mut live)?;
            report.bytes += len;
            report.records += scanned.records;
            if scanned.end < len {
                report.corrupt += 1;
            }
        }
        Ok(report)
    }

    /// Scans every intact record of `segment` from its start, handing each to `each`; returns
    /// where the scan stopped and the segment's length (the scan stops short at a damaged
    /// record).
    fn scan_segment(
        &self,
        segment: u32,
        mut each: impl FnMut(u64, Pointer),
    ) -> Result<(Scanned, u64), BodyError> {
        let file = self.file(segment)?;
        let path = segment_path(&self.dir, segment);
        let len = file
            .metadata()
            .map_err(|source| BodyError::Io {
                path: path.clone(),
                source,
            })?
            .len();
        let scanned = scan(&file, 0, len, |id, (offset, plen)| {
            each(
                id,
                Pointer {
                    segment,
                    offset,
                    len: plen,
                },
            )
        })
        .map_err(|source| BodyError::Io { path, source })?;
        Ok((scanned, len))
    }

    /// Starts a new segment once the active one holds `bytes` (tests: closed segments without
    /// writing 64 MiB).
    pub(super) fn set_segment_bytes(&self, bytes: u64) {
        self.segment_bytes
            .store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// The closed segments (all but the one appended to), oldest first, with their sizes.
    pub(super) fn closed_segments(&self) -> Result<Vec<(u32, u64)>, BodyError> {
        let active = self
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .segment;
        let mut segments = list_segments(&self.dir)?;
        segments.sort_unstable();
        let mut out = Vec::new();
        for seg in segments.into_iter().filter(|s| *s != active) {
            let path = segment_path(&self.dir, seg);
            let len = std::fs::metadata(&path)
                .map_err(|source| BodyError::Io { path, source })?
                .len();
            out.push((seg, len));
        }
        Ok(out)
    }

    /// The intact records of `segment`, whether a damaged record stopped the scan before the
    /// end (records behind it are then not listed), and the segment's length.
    pub(super) fn records(&self, segment: u32) -> Result<Records, BodyError> {
        let mut records = Vec::new();
        let (scanned, len) = self.scan_segment(segment, |id, ptr| records.push((id, ptr)))?;
        Ok(Records {
            records,
            damaged: scanned.end < len,
            len,
        })
    }

    /// Deletes a closed segment no pointer names any more (after a compaction moved its live
    /// records and the store was flushed).
    pub(super) fn delete_segment(&self, segment: u32) -> Result<(), BodyError> {
        if self
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .segment
            == segment
        {
            return Ok(());
        }
        self.files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&segment);
        let path = segment_path(&self.dir, segment);
        std::fs::remove_file(&path).map_err(|source| BodyError::Io { path, source })
    }

    fn file(&self, segment: u32) -> Result<Arc<File>, BodyError> {
        {
            let active = self.active.lock().unwrap_or_else(|p| p.into_inner());
            if active.segment == segment {
                return Ok(active.file.clone());
            }
        }
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = files.get(&segment) {
            return Ok(f.clone());
        }
        let path = segment_path(&self.dir, segment);
        let f = Arc::new(File::open(&path).map_err(|source| BodyError::Io {
            path: path.clone(),
            source,
        })?);
        files.insert(segment, f.clone());
        Ok(f)
    }

    /// Closes the active segment (synced, so flushes need only sync the active one) and starts
    /// the next.
    fn roll(&self, active: &mut Active) -> Result<(), BodyError> {
        let old = segment_path(&self.dir, active.segment);
        active
            .file
            .sync_data()
            .map_err(|source| BodyError::Io { path: old, source })?;
        let next = active.segment + 1;
        let path = segment_path(&self.dir, next);
        let file = Arc::new(open_rw(&path)?);
        // The new file's directory entry must survive a crash too.
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        let previous = std::mem::replace(
            active,
            Active {
                segment: next,
                file,
                len: 0,
                #[cfg(test)]
                synced: 0,
            },
        );
        self.files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(previous.segment, previous.file);
        Ok(())
    }
}

/// What a scan of one segment found.
struct Scanned {
    /// End of the last intact record.
    end: u64,
    records: u64,
}

/// Walks the records of `file` from `start` to `len`, stopping at the first one that is
/// incomplete or fails its CRC; calls `each(id, (offset, payload length))` for intact ones.
fn scan(
    file: &File,
    start: u64,
    len: u64,
    mut each: impl FnMut(u64, (u32, u32)),
) -> io::Result<Scanned> {
    let mut at = start;
    let mut records = 0;
    let mut head = [0u8; HEADER];
    let mut payload = Vec::new();
    while at + HEADER as u64 <= len {
        read_at(file, &mut head, at)?;
        let (plen, sum, id) = header(&head);
        let end = at + (HEADER as u64) + u64::from(plen);
        if plen > MAX_PAYLOAD || end > len {
            break;
        }
        payload.resize(plen as usize, 0);
        read_at(file, &mut payload, at + HEADER as u64)?;
        if crc(id, &payload) != sum {
            break;
        }
        each(id, (at as u32, plen));
        records += 1;
        at = end;
    }
    Ok(Scanned { end: at, records })
}

fn header(buf: &[u8]) -> (u32, u32, u64) {
    let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let sum = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
    let mut id = [0u8; 8];
    id.copy_from_slice(&buf[8..16]);
    (len, sum, u64::from_be_bytes(id))
}

fn crc(id: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&id.to_be_bytes());
    h.update(payload);
    h.finalize()
}

fn segment_path(dir: &Path, segment: u32) -> PathBuf {
    dir.join(format!("{segment:08}.log"))
}

fn list_segments(dir: &Path) -> Result<Vec<u32>, BodyError> {
    let entries = std::fs::read_dir(dir).map_err(|source| BodyError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_str()?;
            let num = name.strip_suffix(".log")?;
            (num.len() == 8).then(|| num.parse().ok()).flatten()
        })
        .collect())
}

fn open_rw(path: &Path) -> Result<File, BodyError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|source| BodyError::Io {
            path: path.to_path_buf(),
            source,
        })
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(windows)]
fn write_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_write(buf, offset)?;
        buf = &buf[n..];
        offset += n as u64;
    }
    Ok(())
}
