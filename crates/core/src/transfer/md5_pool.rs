//! The MD5s of small downloads, hashed side by side by one thread.
//!
//! A folder of receipts is hundreds of small objects in flight at once, each checked against
//! its ETag, the MD5 of its bytes. One MD5 at a time costs about 1.5 s of CPU per GiB; several
//! side by side in the lanes of `md5_lanes` cost a third of that or less. Each download hands
//! its whole body here once it has arrived, and the thread takes every body waiting at that
//! moment as one batch. Nothing waits for a batch to fill: a body alone is hashed alone, and
//! bodies queue only while the thread is busy, which is when batching pays.

use std::sync::mpsc;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use md5::Digest as _;
use tokio::sync::oneshot;

use super::md5_lanes::Md5Lanes;

/// A body as the chunks it arrived in, and where its digest goes.
type Job = (Arc<Vec<Bytes>>, oneshot::Sender<[u8; 16]>);

/// Bodies hashed in one batch at most: the widest lanes take sixteen.
const BATCH: usize = 16;

/// The hashing thread's queue; `None` if the thread could not be started.
static QUEUE: OnceLock<Option<mpsc::Sender<Job>>> = OnceLock::new();

/// The MD5 of a body given as its chunks, in order.
pub async fn digest(chunks: Vec<Bytes>) -> [u8; 16] {
    let chunks = Arc::new(chunks);
    if let Some(queue) = QUEUE.get_or_init(start) {
        let (tx, rx) = oneshot::channel();
        if queue.send((chunks.clone(), tx)).is_ok() {
            if let Ok(digest) = rx.await {
                return digest;
            }
        }
    }
    // No thread to hash it: here, alone.
    one(&chunks)
}

fn start() -> Option<mpsc::Sender<Job>> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("cubby-md5-pool".into())
        .spawn(move || run(rx))
        .ok()
        .map(|_| tx)
}

fn run(queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut jobs = vec![first];
        while jobs.len() < BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let digests = hash_batch(&jobs);
        for ((_, tx), digest) in jobs.into_iter().zip(digests) {
            // A download that stopped waiting (cancelled) no longer needs its digest.
            let _ = tx.send(digest);
        }
    }
}

fn hash_batch(jobs: &[Job]) -> Vec<[u8; 16]> {
    if let [(chunks, _)] = jobs {
        return vec![one(chunks)];
    }
    let mut lanes = Md5Lanes::new(jobs.len());
    for (i, (chunks, _)) in jobs.iter().enumerate() {
        for chunk in chunks.iter() {
            lanes.update(i, chunk.clone());
        }
        lanes.finish(i);
    }
    // Every stream was finished, so every digest is there; a missing one cannot happen, and
    // would be taken alone rather than reported wrong.
    lanes
        .finished()
        .into_iter()
        .zip(jobs)
        .map(|(digest, (chunks, _))| digest.unwrap_or_else(|| one(chunks)))
        .collect()
}

fn one(chunks: &[Bytes]) -> [u8; 16] {
    let mut md5 = md5::Md5::new();
    for chunk in chunks {
        md5.update(chunk);
    }
    md5.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(chunks: &[Bytes]) -> [u8; 16] {
        md5::Md5::digest(chunks.concat()).into()
    }

    fn body(len: usize, seed: u8, chunk: usize) -> Vec<Bytes> {
        let data: Vec<u8> = (0..len)
            .map(|i| (i as u8).wrapping_mul(13).wrapping_add(seed))
            .collect();
        data.chunks(chunk.max(1)).map(Bytes::copy_from_slice).collect()
    }

    /// Bodies of every shape a download gives (empty, one short chunk, odd chunks that never
    /// line up with MD5's blocks), asked for all at once so that they are hashed in batches.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bodies_asked_at_once_get_each_its_own_md5() {
        let bodies: Vec<Vec<Bytes>> = (0..40)
            .map(|i| match i % 4 {
                0 => Vec::new(),
                1 => body(55, i as u8, 55),
                2 => body(100_000 + i * 7, i as u8, 16_411),
                _ => body(65_536, i as u8, 1_000),
            })
            .collect();
        let mut asked = tokio::task::JoinSet::new();
        for (i, b) in bodies.iter().cloned().enumerate() {
            asked.spawn(async move { (i, digest(b).await) });
        }
        let mut answered = 0;
        while let Some(done) = asked.join_next().await {
            let (i, got) = done.expect("task");
            assert_eq!(got, reference(&bodies[i]), "body {i}");
            answered += 1;
        }
        assert_eq!(answered, bodies.len());
    }

    #[test]
    fn a_batch_hashes_as_each_body_alone() {
        let jobs: Vec<Job> = (0..BATCH + 1)
            .map(|i| (Arc::new(body(3_000 + i * 64, i as u8, 700)), oneshot::channel().0))
            .collect();
        for (got, (chunks, _)) in hash_batch(&jobs).into_iter().zip(&jobs) {
            assert_eq!(got, reference(chunks));
        }
    }
}
