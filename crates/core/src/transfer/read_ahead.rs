//! The small files of a folder upload, read and hashed ahead of their PUTs.
//!
//! A PUT carries its body's MD5 (Content-MD5), so every file is hashed before it is sent. One
//! 100 KiB file alone costs 157 µs of MD5 here, sixteen side by side 13 µs each
//! (`md5_lanes`), but the PUTs of a folder each want their own file at their own moment. So
//! one thread reads the small files in the order their PUTs start, at most `AHEAD` files in
//! front of them, and hashes them sixteen at a time; each PUT takes its file's body and
//! digests when its turn comes. Nothing depends on the thread: a file it did not read (it
//! could not, or it had changed size) is read by its PUT as any other.

use std::path::PathBuf;
use std::sync::{mpsc, Mutex};

use bytes::Bytes;
use tokio::sync::oneshot;

use super::checksum::Crc64;
use super::md5_pool::md5_each;
use super::upload::{fingerprint, Fingerprint};

/// Files read but not yet taken by their PUT, at most: with bodies of up to 2 MiB, 64 MiB.
const AHEAD: usize = 32;
/// Files hashed side by side at most: the widest lanes take sixteen.
const BATCH: usize = 16;

/// A file as read ahead: what it looked like just before the read, its bytes and digests.
pub struct Prepared {
    pub(super) before: Fingerprint,
    pub(super) body: Bytes,
    pub(super) md5: [u8; 16],
    pub(super) crc: u64,
}

/// The read-ahead of one batch of uploads.
pub struct ReadAhead {
    /// By the index of the file's plan in the batch; `None` for plans not read ahead.
    waiting: Vec<Mutex<Option<oneshot::Receiver<Prepared>>>>,
    /// A file taken frees its place ahead.
    taken: mpsc::Sender<()>,
}

impl ReadAhead {
    /// Starts reading `files` (a plan's index among `count`, its path and its size), in that
    /// order, which must be the order their PUTs start in. Each of them must then be asked
    /// for with `take`: the thread waits while `AHEAD` are read and not taken.
    pub fn start(count: usize, files: Vec<(usize, PathBuf, u64)>) -> ReadAhead {
        let mut waiting: Vec<_> = (0..count).map(|_| Mutex::new(None)).collect();
        let mut work = Vec::with_capacity(files.len());
        for (index, path, size) in files {
            let (tx, rx) = oneshot::channel();
            if let Some(slot) = waiting.get_mut(index) {
                *slot = Mutex::new(Some(rx));
                work.push((path, size, tx));
            }
        }
        let (taken, places) = mpsc::channel();
        // Without the thread every sender is dropped here, and each PUT reads its own file. A
        // file alone has nothing to be hashed beside.
        if work.len() > 1 {
            let _ = std::thread::Builder::new()
                .name("cubby-read-ahead".into())
                .spawn(move || run(work, places));
        }
        ReadAhead { waiting, taken }
    }

    /// What was read ahead for plan `index`, once hashed; `None` if it was not read ahead.
    pub async fn take(&self, index: usize) -> Option<Prepared> {
        let rx = self.waiting.get(index)?.lock().ok()?.take()?;
        let prepared = rx.await.ok();
        let _ = self.taken.send(());
        prepared
    }
}

type Read = (oneshot::Sender<Prepared>, Fingerprint, Bytes, u64);

fn run(work: Vec<(PathBuf, u64, oneshot::Sender<Prepared>)>, taken: mpsc::Receiver<()>) {
    let mut batch: Vec<Read> = Vec::with_capacity(BATCH);
    let mut free = AHEAD;
    let mut left = work.len();
    for (path, size, tx) in work {
        free += taken.try_iter().count();
        if free == 0 {
            // The PUTs are behind. Hand them what is read, so that none ever waits on a file
            // held here, then wait for room for a whole batch: waiting for one place at a time
            // would hash one file at a time. Every place is then held by a file handed over,
            // which its PUT will take.
            send(&mut batch);
            while free < BATCH.min(left) {
                if taken.recv().is_err() {
                    return;
                }
                free += 1;
            }
        }
        free -= 1;
        left -= 1;
        // A file that cannot be read, or is no longer the size planned, is left to its PUT,
        // which reports it.
        if let Some((before, body, crc)) = read(&path, size) {
            batch.push((tx, before, body, crc));
        }
        if batch.len() == BATCH {
            send(&mut batch);
        }
    }
    send(&mut batch);
}

fn read(path: &std::path::Path, size: u64) -> Option<(Fingerprint, Bytes, u64)> {
    let before = fingerprint(path).ok()?;
    if before.0 != size {
        return None;
    }
    let body = crate::local_path::read_range(path, 0, size).ok()?;
    let mut crc = Crc64::default();
    crc.update(&body);
    Some((before, Bytes::from(body), crc.finish()))
}

/// Hashes what was read side by side and hands each file to its PUT.
fn send(batch: &mut Vec<Read>) {
    if batch.is_empty() {
        return;
    }
    let bodies: Vec<[Bytes; 1]> = batch.iter().map(|(_, _, body, _)| [body.clone()]).collect();
    let slices: Vec<&[Bytes]> = bodies.iter().map(|b| b.as_slice()).collect();
    let digests = md5_each(&slices);
    drop(slices);
    drop(bodies);
    for ((tx, before, body, crc), md5) in batch.drain(..).zip(digests) {
        let _ = tx.send(Prepared {
            before,
            body,
            md5,
            crc,
        });
    }
}

#[cfg(test)]
mod tests {
    use md5::Digest as _;

    use super::*;

    fn files(dir: &std::path::Path, count: usize) -> Vec<(PathBuf, Vec<u8>)> {
        (0..count)
            .map(|i| {
                let path = dir.join(format!("receipt-{i}.jpg"));
                let content: Vec<u8> = (0..1_000 + i * 97).map(|b| (b * 7 + i) as u8).collect();
                std::fs::write(&path, &content).unwrap();
                (path, content)
            })
            .collect()
    }

    /// More files than fit ahead, taken in order as PUTs would: each comes with its own bytes,
    /// MD5 and CRC, and what was before it was read.
    #[tokio::test]
    async fn each_file_comes_with_its_own_bytes_and_digests() {
        let dir = tempfile::tempdir().unwrap();
        let made = files(dir.path(), AHEAD * 2 + 5);
        let ahead = ReadAhead::start(
            made.len(),
            made.iter()
                .enumerate()
                .map(|(i, (path, content))| (i, path.clone(), content.len() as u64))
                .collect(),
        );
        for (i, (path, content)) in made.iter().enumerate() {
            let got = ahead.take(i).await.expect("read ahead");
            assert_eq!(got.body, content.as_slice(), "file {i}");
            assert_eq!(got.md5, <[u8; 16]>::from(md5::Md5::digest(content)), "file {i}");
            let mut crc = Crc64::default();
            crc.update(content);
            assert_eq!(got.crc, crc.finish(), "file {i}");
            assert_eq!(got.before, fingerprint(path).unwrap());
        }
    }

    /// A plan not read ahead, a file gone, and one whose size is not the one planned are left to
    /// their PUTs; the files after them still come.
    #[tokio::test]
    async fn files_it_cannot_vouch_for_are_left_to_their_puts() {
        let dir = tempfile::tempdir().unwrap();
        let made = files(dir.path(), 4);
        std::fs::remove_file(&made[1].0).unwrap();
        let ahead = ReadAhead::start(
            5,
            vec![
                (0, made[0].0.clone(), made[0].1.len() as u64),
                (1, made[1].0.clone(), made[1].1.len() as u64),
                (2, made[2].0.clone(), made[2].1.len() as u64 + 1),
                (4, made[3].0.clone(), made[3].1.len() as u64),
            ],
        );
        assert!(ahead.take(0).await.is_some());
        assert!(ahead.take(1).await.is_none(), "gone");
        assert!(ahead.take(2).await.is_none(), "another size");
        assert!(ahead.take(3).await.is_none(), "not read ahead");
        assert_eq!(ahead.take(4).await.expect("read").body, made[3].1.as_slice());
        assert!(ahead.take(4).await.is_none(), "taken once");
        assert!(ahead.take(9).await.is_none(), "no such plan");
    }

    /// A file alone is left to its PUT: there is nothing to hash beside it.
    #[tokio::test]
    async fn a_file_alone_is_not_read_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let made = files(dir.path(), 1);
        let ahead = ReadAhead::start(1, vec![(0, made[0].0.clone(), made[0].1.len() as u64)]);
        assert!(ahead.take(0).await.is_none());
    }
}
