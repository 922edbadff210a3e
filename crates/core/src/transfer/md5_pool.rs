//! The MD5s of small downloads, hashed side by side by one thread.
//!
//! A folder of receipts is hundreds of small objects in flight at once, each checked against
//! its ETag, the MD5 of its bytes. One MD5 at a time costs about 1.5 s of CPU per GiB; several
//! side by side in the lanes of `md5_lanes` cost a third of that or less. Each download hands
//! its whole body here once it has arrived (`Body`), and the thread hashes the bodies waiting
//! as one batch.
//!
//! A batch is worth waiting for: one body alone costs 157 µs per 100 KiB here, sixteen side by
//! side 13 µs each. So while other bodies are still on their way (`Body`s being filled), the
//! thread waits up to `GATHER` for them to join the batch. A body no other is following, such
//! as a single download's, is hashed at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use md5::Digest as _;
use tokio::sync::oneshot;

use super::md5_lanes::Md5Lanes;

/// A body as the chunks it arrived in, and where its digest goes.
type Job = (Arc<Vec<Bytes>>, oneshot::Sender<[u8; 16]>);

/// Bodies hashed in one batch at most: the widest lanes take sixteen.
const BATCH: usize = 16;

/// The longest the thread holds a batch open for bodies still on their way. Small next to the
/// time a small download spends on the network (16 ms each with 32 in flight here), and long
/// enough for several to arrive.
const GATHER: Duration = Duration::from_millis(3);

/// The hashing thread's queue; `None` if the thread could not be started.
static QUEUE: OnceLock<Option<mpsc::Sender<Job>>> = OnceLock::new();

/// Bodies being filled, not yet handed over: what a batch may still wait for.
static ON_THE_WAY: AtomicUsize = AtomicUsize::new(0);

/// A body being received, to be hashed here once whole. While it exists, the thread knows one
/// more body is coming.
pub struct Body {
    chunks: Vec<Bytes>,
}

impl Body {
    /// An empty body, counted as on its way from now on.
    pub fn begin() -> Body {
        ON_THE_WAY.fetch_add(1, Ordering::Relaxed);
        Body { chunks: Vec::new() }
    }

    /// The next piece of the body, in order.
    pub fn push(&mut self, chunk: Bytes) {
        self.chunks.push(chunk);
    }

    /// The body's MD5.
    pub async fn digest(mut self) -> [u8; 16] {
        let chunks = Arc::new(std::mem::take(&mut self.chunks));
        let answer = QUEUE.get_or_init(start).as_ref().and_then(|queue| {
            let (tx, rx) = oneshot::channel();
            queue.send((chunks.clone(), tx)).ok().map(|()| rx)
        });
        // Handed over (after the send, so a batch never stops waiting for a body in between).
        drop(self);
        if let Some(answer) = answer {
            if let Ok(digest) = answer.await {
                return digest;
            }
        }
        // No thread to hash it: here, alone.
        one(&chunks)
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        ON_THE_WAY.fetch_sub(1, Ordering::Relaxed);
    }
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
        let jobs = gather(&queue, first, Instant::now() + GATHER, || {
            ON_THE_WAY.load(Ordering::Relaxed) > 0
        });
        let digests = hash_batch(&jobs);
        for ((_, tx), digest) in jobs.into_iter().zip(digests) {
            // A download that stopped waiting (cancelled) no longer needs its digest.
            let _ = tx.send(digest);
        }
    }
}

/// A batch: `first`, whatever is queued behind it, and, while `coming` says more bodies are on
/// their way, those that arrive before `until`; `BATCH` at most.
fn gather(queue: &mpsc::Receiver<Job>, first: Job, until: Instant, coming: impl Fn() -> bool) -> Vec<Job> {
    let mut jobs = vec![first];
    while jobs.len() < BATCH {
        if let Ok(job) = queue.try_recv() {
            jobs.push(job);
            continue;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || !coming() {
            break;
        }
        match queue.recv_timeout(left) {
            Ok(job) => jobs.push(job),
            Err(_) => break,
        }
    }
    jobs
}

fn hash_batch(jobs: &[Job]) -> Vec<[u8; 16]> {
    let bodies: Vec<&[Bytes]> = jobs.iter().map(|(chunks, _)| chunks.as_slice()).collect();
    md5_each(&bodies)
}

/// The MD5 of each body (given as its chunks, in order), side by side in the lanes; a body
/// alone, alone.
pub(super) fn md5_each(bodies: &[&[Bytes]]) -> Vec<[u8; 16]> {
    if let [chunks] = bodies {
        return vec![one(chunks)];
    }
    let mut lanes = Md5Lanes::new(bodies.len());
    for (i, chunks) in bodies.iter().enumerate() {
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
        .zip(bodies)
        .map(|(digest, chunks)| digest.unwrap_or_else(|| one(chunks)))
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
            let mut body = Body::begin();
            for chunk in b {
                body.push(chunk);
            }
            asked.spawn(async move { (i, body.digest().await) });
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

    fn job(seed: u8) -> Job {
        (Arc::new(body(100, seed, 100)), oneshot::channel().0)
    }

    fn seeds(jobs: &[Job]) -> Vec<u8> {
        jobs.iter().map(|(chunks, _)| chunks[0][0]).collect()
    }

    /// While bodies are on their way, the batch waits for them, up to a full one.
    #[test]
    fn a_batch_waits_for_bodies_on_their_way() {
        let (tx, rx) = mpsc::channel();
        let sender = std::thread::spawn(move || {
            for seed in 1..20u8 {
                std::thread::sleep(Duration::from_millis(2));
                tx.send(job(seed)).unwrap();
            }
        });
        let far = Instant::now() + Duration::from_secs(60);
        let jobs = gather(&rx, job(0), far, || true);
        assert_eq!(seeds(&jobs), (0..BATCH as u8).collect::<Vec<_>>());
        sender.join().unwrap();
    }

    /// With nothing else on its way, a batch is what is queued now; nothing later joins it.
    #[test]
    fn a_batch_does_not_wait_when_no_body_is_coming() {
        let (tx, rx) = mpsc::channel();
        for seed in 1..4 {
            tx.send(job(seed)).unwrap();
        }
        let later = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let _ = tx.send(job(9));
        });
        let far = Instant::now() + Duration::from_secs(60);
        assert_eq!(seeds(&gather(&rx, job(0), far, || false)), [0, 1, 2, 3]);
        later.join().unwrap();
    }

    /// A body that is announced but never comes holds the batch up only until the deadline.
    #[test]
    fn a_batch_stops_waiting_at_its_deadline() {
        let (_tx, rx) = mpsc::channel();
        let soon = Instant::now() + Duration::from_millis(20);
        assert_eq!(seeds(&gather(&rx, job(0), soon, || true)), [0]);
    }
}
