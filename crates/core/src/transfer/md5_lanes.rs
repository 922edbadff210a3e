//! MD5 of several independent streams at once, one stream per lane.
//!
//! A single MD5 is a chain of dependent steps (about 1.5 s of CPU per GiB here), so one stream
//! cannot go faster. The parts of a multipart ETag are independent, though, and a download
//! receives several at once. Four streams' chains, interleaved step by step, run side by side
//! on a superscalar core and cost little more than one. The lanes are plain integers (see `V`),
//! so there is no unsafe code and no per-CPU build.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use bytes::Bytes;

/// Streams hashed side by side.
pub const LANES: usize = 4;

/// One word per lane. Kept as plain integers on purpose: MD5's steps depend on each other, so
/// a vector register waits on every step, while four scalar chains run side by side on a
/// superscalar core. Measured here: 0.52 s of CPU per GiB against 1.55 s for one stream; SSE2
/// vectors took 0.92 s, and eight lanes ran out of registers.
#[derive(Clone, Copy)]
struct V([u32; LANES]);

impl V {
    #[inline(always)]
    fn splat(x: u32) -> V {
        V([x; LANES])
    }
    #[inline(always)]
    fn zip(self, o: V, f: impl Fn(u32, u32) -> u32) -> V {
        let mut r = self.0;
        for (r, o) in r.iter_mut().zip(o.0) {
            *r = f(*r, o);
        }
        V(r)
    }
    #[inline(always)]
    fn add(self, o: V) -> V {
        self.zip(o, u32::wrapping_add)
    }
    #[inline(always)]
    fn and(self, o: V) -> V {
        self.zip(o, |a, b| a & b)
    }
    #[inline(always)]
    fn or(self, o: V) -> V {
        self.zip(o, |a, b| a | b)
    }
    #[inline(always)]
    fn xor(self, o: V) -> V {
        self.zip(o, |a, b| a ^ b)
    }
    #[inline(always)]
    fn not(self) -> V {
        V(self.0.map(|x| !x))
    }
    #[inline(always)]
    fn rotl(self, n: u32) -> V {
        V(self.0.map(|x| x.rotate_left(n)))
    }
}

/// The four words of MD5's state, a lane per stream.
type State = [V; 4];

const INIT: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// RFC 1321's sine table: `floor(abs(sin(i + 1)) * 2^32)`.
const K: [u32; 64] = [
    0xd76a_a478,
    0xe8c7_b756,
    0x2420_70db,
    0xc1bd_ceee,
    0xf57c_0faf,
    0x4787_c62a,
    0xa830_4613,
    0xfd46_9501,
    0x6980_98d8,
    0x8b44_f7af,
    0xffff_5bb1,
    0x895c_d7be,
    0x6b90_1122,
    0xfd98_7193,
    0xa679_438e,
    0x49b4_0821,
    0xf61e_2562,
    0xc040_b340,
    0x265e_5a51,
    0xe9b6_c7aa,
    0xd62f_105d,
    0x0244_1453,
    0xd8a1_e681,
    0xe7d3_fbc8,
    0x21e1_cde6,
    0xc337_07d6,
    0xf4d5_0d87,
    0x455a_14ed,
    0xa9e3_e905,
    0xfcef_a3f8,
    0x676f_02d9,
    0x8d2a_4c8a,
    0xfffa_3942,
    0x8771_f681,
    0x6d9d_6122,
    0xfde5_380c,
    0xa4be_ea44,
    0x4bde_cfa9,
    0xf6bb_4b60,
    0xbebf_bc70,
    0x289b_7ec6,
    0xeaa1_27fa,
    0xd4ef_3085,
    0x0488_1d05,
    0xd9d4_d039,
    0xe6db_99e5,
    0x1fa2_7cf8,
    0xc4ac_5665,
    0xf429_2244,
    0x432a_ff97,
    0xab94_23a7,
    0xfc93_a039,
    0x655b_59c3,
    0x8f0c_cc92,
    0xffef_f47d,
    0x8584_5dd1,
    0x6fa8_7e4f,
    0xfe2c_e6e0,
    0xa301_4314,
    0x4e08_11a1,
    0xf753_7e82,
    0xbd3a_f235,
    0x2ad7_d2bb,
    0xeb86_d391,
];

/// Per-round rotation amounts, four per round.
const S: [[u32; 4]; 4] = [[7, 12, 17, 22], [5, 9, 14, 20], [4, 11, 16, 23], [6, 10, 15, 21]];

/// One 64-byte block for every lane.
fn compress(state: &mut State, blocks: [&[u8; 64]; LANES]) {
    let m: [V; 16] = std::array::from_fn(|w| {
        V(std::array::from_fn(|lane| {
            let b = &blocks[lane][w * 4..w * 4 + 4];
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        }))
    });
    let [mut a, mut b, mut c, mut d] = *state;
    // Written out step by step so that every rotation and message index is a constant, which
    // is what lets the compiler interleave the four lanes' chains (a loop over the steps took
    // 1.7 times as long).
    macro_rules! step {
        ($f:ident, $a:ident, $b:ident, $c:ident, $d:ident, $k:expr, $g:expr, $s:expr) => {
            $a = $b.add(
                $a.add($f($b, $c, $d))
                    .add(V::splat(K[$k]))
                    .add(m[$g])
                    .rotl($s),
            );
        };
    }
    macro_rules! round {
        ($f:ident, $r:expr, $g:expr) => {
            let s = S[$r];
            step!($f, a, b, c, d, $r * 16, $g(0), s[0]);
            step!($f, d, a, b, c, $r * 16 + 1, $g(1), s[1]);
            step!($f, c, d, a, b, $r * 16 + 2, $g(2), s[2]);
            step!($f, b, c, d, a, $r * 16 + 3, $g(3), s[3]);
            step!($f, a, b, c, d, $r * 16 + 4, $g(4), s[0]);
            step!($f, d, a, b, c, $r * 16 + 5, $g(5), s[1]);
            step!($f, c, d, a, b, $r * 16 + 6, $g(6), s[2]);
            step!($f, b, c, d, a, $r * 16 + 7, $g(7), s[3]);
            step!($f, a, b, c, d, $r * 16 + 8, $g(8), s[0]);
            step!($f, d, a, b, c, $r * 16 + 9, $g(9), s[1]);
            step!($f, c, d, a, b, $r * 16 + 10, $g(10), s[2]);
            step!($f, b, c, d, a, $r * 16 + 11, $g(11), s[3]);
            step!($f, a, b, c, d, $r * 16 + 12, $g(12), s[0]);
            step!($f, d, a, b, c, $r * 16 + 13, $g(13), s[1]);
            step!($f, c, d, a, b, $r * 16 + 14, $g(14), s[2]);
            step!($f, b, c, d, a, $r * 16 + 15, $g(15), s[3]);
        };
    }
    #[inline(always)]
    fn f(b: V, c: V, d: V) -> V {
        d.xor(b.and(c.xor(d)))
    }
    #[inline(always)]
    fn g(b: V, c: V, d: V) -> V {
        c.xor(d.and(b.xor(c)))
    }
    #[inline(always)]
    fn h(b: V, c: V, d: V) -> V {
        b.xor(c).xor(d)
    }
    #[inline(always)]
    fn i(b: V, c: V, d: V) -> V {
        c.xor(b.or(d.not()))
    }
    round!(f, 0, |j: usize| j);
    round!(g, 1, |j: usize| (5 * j + 1) % 16);
    round!(h, 2, |j: usize| (3 * j + 5) % 16);
    round!(i, 3, |j: usize| (7 * j) % 16);
    state[0] = state[0].add(a);
    state[1] = state[1].add(b);
    state[2] = state[2].add(c);
    state[3] = state[3].add(d);
}

/// One stream's bytes not yet hashed, and its state between turns in a lane.
struct Stream {
    state: [u32; 4],
    queue: VecDeque<Bytes>,
    /// Bytes of the queue's front chunk already hashed.
    offset: usize,
    pending: usize,
    length: u64,
    ended: bool,
}

impl Stream {
    fn new() -> Stream {
        Stream {
            state: INIT,
            queue: VecDeque::new(),
            offset: 0,
            pending: 0,
            length: 0,
            ended: false,
        }
    }

    fn push(&mut self, data: Bytes) {
        self.pending += data.len();
        self.length += data.len() as u64;
        self.queue.push_back(data);
    }

    /// Appends MD5's padding: from here on the stream is whole blocks.
    fn end(&mut self) {
        let bits = self.length.wrapping_mul(8);
        let mut pad = vec![0x80u8];
        pad.resize((55usize.wrapping_sub(self.pending % 64) % 64) + 1, 0);
        pad.extend_from_slice(&bits.to_le_bytes());
        self.push(Bytes::from(pad));
        self.ended = true;
    }

    fn blocks(&self) -> usize {
        self.pending / 64
    }

    /// Whole blocks at the front in one piece, to be hashed where they lie.
    fn front_blocks(&self) -> usize {
        self.queue.front().map_or(0, |f| (f.len() - self.offset) / 64)
    }

    fn front(&self) -> &[u8] {
        self.queue.front().map_or(&[], |f| &f[self.offset..])
    }

    /// Drops `n` hashed bytes from the front piece.
    fn skip(&mut self, n: usize) {
        self.offset += n;
        self.pending -= n;
        if self.queue.front().is_some_and(|f| f.len() == self.offset) {
            self.queue.pop_front();
            self.offset = 0;
        }
    }

    /// Copies out a block that straddles pieces.
    fn take_block(&mut self, out: &mut [u8; 64]) {
        let mut filled = 0;
        while filled < 64 {
            let front = &self.queue[0][self.offset..];
            let n = front.len().min(64 - filled);
            out[filled..filled + n].copy_from_slice(&front[..n]);
            filled += n;
            self.offset += n;
            if self.offset == self.queue[0].len() {
                self.queue.pop_front();
                self.offset = 0;
            }
        }
        self.pending -= 64;
    }

    fn done(&self) -> bool {
        self.ended && self.pending == 0
    }

    fn digest(&self) -> [u8; 16] {
        let mut out = [0; 16];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        out
    }
}

/// MD5s of many streams, fed in any interleaving, hashed up to `LANES` at a time.
pub struct Md5Lanes {
    streams: Vec<Option<Stream>>,
    digests: Vec<Option<[u8; 16]>>,
}

impl Md5Lanes {
    /// Room for streams `0..count`.
    pub fn new(count: usize) -> Md5Lanes {
        Md5Lanes {
            streams: (0..count).map(|_| None).collect(),
            digests: vec![None; count],
        }
    }

    fn stream(&mut self, index: usize) -> &mut Stream {
        self.streams[index].get_or_insert_with(Stream::new)
    }

    /// More bytes of stream `index`, after those already given.
    pub fn update(&mut self, index: usize, data: Bytes) {
        if !data.is_empty() {
            self.stream(index).push(data);
        }
    }

    /// Stream `index` has no more bytes.
    pub fn finish(&mut self, index: usize) {
        self.stream(index).end();
    }

    /// Hashes every whole block given, the fullest streams first, `LANES` at a time. A lane
    /// left empty costs as much as a full one, so feed streams evenly.
    pub fn work(&mut self) {
        loop {
            let mut ready: Vec<usize> = (0..self.streams.len())
                .filter(|&i| self.streams[i].as_ref().is_some_and(|s| s.blocks() > 0))
                .collect();
            if ready.is_empty() {
                return;
            }
            ready.sort_by_key(|&i| std::cmp::Reverse(self.streams[i].as_ref().map_or(0, Stream::blocks)));
            ready.truncate(LANES);
            let mut words = [[0u32; LANES]; 4];
            for (lane, &i) in ready.iter().enumerate() {
                let s = self.streams[i].as_ref().map_or(INIT, |s| s.state);
                for (word, value) in words.iter_mut().zip(s) {
                    word[lane] = value;
                }
            }
            let mut state: State = words.map(V);
            // As many blocks as every chosen stream has. Lanes without a stream hash zeros, and
            // their result is dropped.
            let steps = ready
                .iter()
                .filter_map(|&i| self.streams[i].as_ref().map(Stream::blocks))
                .min()
                .unwrap_or(0);
            // Blocks are hashed where they lie in the streams' pieces, and copied out only where
            // one straddles two pieces: the copy cost a tenth of the hashing.
            let mut scratch = [[0u8; 64]; LANES];
            let mut left = steps;
            while left > 0 {
                let run = ready
                    .iter()
                    .filter_map(|&i| self.streams[i].as_ref().map(Stream::front_blocks))
                    .min()
                    .unwrap_or(0)
                    .min(left);
                if run == 0 {
                    for (lane, &i) in ready.iter().enumerate() {
                        self.stream(i).take_block(&mut scratch[lane]);
                    }
                    compress(&mut state, std::array::from_fn(|lane| &scratch[lane]));
                    left -= 1;
                    continue;
                }
                let fronts: [&[u8]; LANES] = std::array::from_fn(|lane| {
                    ready
                        .get(lane)
                        .and_then(|&i| self.streams[i].as_ref())
                        .map_or(&[][..], Stream::front)
                });
                for k in 0..run {
                    compress(
                        &mut state,
                        std::array::from_fn(|lane| match fronts[lane].get(k * 64..k * 64 + 64) {
                            Some(block) => block.try_into().expect("a whole block"),
                            // A lane without a stream.
                            None => &scratch[lane],
                        }),
                    );
                }
                for &i in &ready {
                    self.stream(i).skip(run * 64);
                }
                left -= run;
            }
            let words = state.map(|v| v.0);
            for (lane, &i) in ready.iter().enumerate() {
                let s = self.stream(i);
                for (value, word) in s.state.iter_mut().zip(words) {
                    *value = word[lane];
                }
                if s.done() {
                    self.digests[i] = Some(s.digest());
                    self.streams[i] = None;
                }
            }
        }
    }

    /// The digest of every stream, in index order, once all are finished and hashed.
    #[cfg(test)]
    pub fn digests(self) -> Option<Vec<[u8; 16]>> {
        self.finished().into_iter().collect()
    }

    /// The digest of every stream finished and hashed; `None` for the others.
    pub fn finished(mut self) -> Found {
        self.work();
        self.digests
    }
}

/// Bytes a part gives its lane at a time.
const SLICE: u64 = 512 * 1024;
/// Below this much on disk for every lane, a hasher waits for more rather than wake for less.
const ENOUGH: u64 = 64 * 1024;
/// Hashers per download: the second takes parts the first has no lane for, which happens when
/// it falls behind the network, and above all once the last bytes are in.
const WORKERS: usize = 2;

/// The MD5 of each part of a download being written at its parts' offsets, taken by threads of
/// their own. They read back from the file what the ranges have written (from the page cache,
/// at memory speed), so they never hold the download up and hold no more than a few slices: a
/// part that arrives faster than the others waits on disk until a hasher's lanes can take four
/// parts side by side.
pub struct PartHashes {
    shared: Arc<Shared>,
    threads: Vec<std::thread::Thread>,
    results: Vec<tokio::sync::oneshot::Receiver<Option<Found>>>,
}

/// A hasher's digests, by part: `None` for the parts it did not have.
type Found = Vec<Option<[u8; 16]>>;

struct Shared {
    file: Arc<std::fs::File>,
    /// How much of part `i` is on disk, from its start.
    written: Arc<Vec<AtomicU64>>,
    part: u64,
    size: u64,
    /// 0 while ranges are still arriving, `WRITTEN` once all are on disk, `ABANDONED`.
    phase: AtomicU8,
    /// Which hasher has part `i` (its number + 1), or 0.
    owner: Vec<AtomicU8>,
}

const WRITTEN: u8 = 1;
const ABANDONED: u8 = 2;

impl Shared {
    fn length(&self, i: usize) -> u64 {
        (self.size - i as u64 * self.part).min(self.part)
    }
}

impl PartHashes {
    /// For the parts of `file`, `part` bytes each (the last one shorter) and `size` in all;
    /// `written[i]` is how much of part `i` is on disk, from its start.
    pub fn start(file: Arc<std::fs::File>, written: Arc<Vec<AtomicU64>>, part: u64, size: u64) -> PartHashes {
        let owner = (0..written.len()).map(|_| AtomicU8::new(0)).collect();
        let shared = Arc::new(Shared {
            file,
            written,
            part,
            size,
            phase: AtomicU8::new(0),
            owner,
        });
        let (mut threads, mut results) = (Vec::new(), Vec::new());
        for worker in 0..WORKERS {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let seen = shared.clone();
            let spawned = std::thread::Builder::new()
                .name("cubby-md5".into())
                .spawn(move || {
                    let _ = tx.send(hash_parts(&seen, worker as u8 + 1));
                });
            // Without a thread, its parts are left to the others (and, failing that, to one
            // read of the file once the download is done).
            if let Ok(handle) = spawned {
                threads.push(handle.thread().clone());
                results.push(rx);
            }
        }
        PartHashes {
            shared,
            threads,
            results,
        }
    }

    /// Every part's MD5, in order, once all the parts are on disk; `None` if they could not
    /// all be read back.
    pub async fn finish(mut self) -> Option<Vec<[u8; 16]>> {
        self.shared.phase.store(WRITTEN, Ordering::Release);
        self.threads.iter().for_each(std::thread::Thread::unpark);
        let mut all: Vec<Option<[u8; 16]>> = vec![None; self.shared.written.len()];
        for rx in std::mem::take(&mut self.results) {
            for (slot, digest) in all.iter_mut().zip(rx.await.ok()??) {
                *slot = slot.or(digest);
            }
        }
        all.into_iter().collect()
    }
}

impl Drop for PartHashes {
    /// A download that fails stops its hashers.
    fn drop(&mut self) {
        let _ = self
            .shared
            .phase
            .compare_exchange(0, ABANDONED, Ordering::AcqRel, Ordering::Acquire);
        self.threads.iter().for_each(std::thread::Thread::unpark);
    }
}

/// One hasher: takes parts no other hasher has, four at a time, and keeps to those it has
/// started. Returns the digests of its parts.
fn hash_parts(shared: &Shared, me: u8) -> Option<Found> {
    let count = shared.written.len();
    let mut lanes = Md5Lanes::new(count);
    let mut fed = vec![0u64; count];
    // One allocation for all the slices, reclaimed once the lanes have hashed them: fresh
    // memory for every slice cost more in page faults than the hashing itself.
    let mut pool = bytes::BytesMut::with_capacity(LANES * SLICE as usize);
    let mut read = |lanes: &mut Md5Lanes, fed: &mut [u64], i: usize, take: u64| -> Option<()> {
        pool.reserve(take as usize);
        pool.resize(take as usize, 0);
        let at = i as u64 * shared.part + fed[i];
        crate::local_path::read_exact_at(&shared.file, &mut pool, at).ok()?;
        lanes.update(i, pool.split().freeze());
        fed[i] += take;
        if fed[i] == shared.length(i) {
            lanes.finish(i);
        }
        Some(())
    };
    loop {
        let phase = shared.phase.load(Ordering::Acquire);
        if phase == ABANDONED {
            return None;
        }
        // Parts this hasher has or may take, not yet hashed whole: (part, bytes on disk not yet
        // hashed, all of the rest on disk, already started here).
        let mut ready = Vec::new();
        for i in (0..count).filter(|&i| fed[i] < shared.length(i)) {
            let owner = shared.owner[i].load(Ordering::Acquire);
            if owner != me && owner != 0 {
                continue;
            }
            let on_disk = shared.written[i].load(Ordering::Acquire).min(shared.length(i)) - fed[i];
            let whole = fed[i] + on_disk == shared.length(i);
            ready.push((i, on_disk, whole, owner == me));
        }
        if ready.is_empty() {
            return Some(lanes.finished());
        }
        let left = ready.len();
        ready.retain(|&(_, on_disk, whole, _)| on_disk >= 64 || (whole && on_disk > 0));
        ready.sort_by_key(|&(_, on_disk, _, started)| {
            (std::cmp::Reverse(started), std::cmp::Reverse(on_disk))
        });
        ready.truncate(LANES);
        // Lanes take equal slices, as much as the emptiest lane still arriving has; a part
        // whose rest is all on disk does not hold the others back.
        let arriving = ready.iter().filter(|r| !r.2).map(|r| r.1).min();
        let slice = arriving.unwrap_or(SLICE).min(SLICE) / 64 * 64;
        let full = ready.len() >= LANES.min(left) && (slice >= ENOUGH || arriving.is_none());
        if ready.is_empty() || (!full && phase != WRITTEN) {
            if phase == WRITTEN {
                // Everything was said to be on disk, and part of it is not.
                return None;
            }
            std::thread::park_timeout(std::time::Duration::from_millis(1));
            continue;
        }
        for &(i, on_disk, whole, started) in &ready {
            if !started
                && shared.owner[i]
                    .compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
            {
                continue;
            }
            // A part's last bytes go in with its last slice; otherwise whole blocks.
            let take = if whole && on_disk <= slice + 63 {
                on_disk
            } else {
                slice
            };
            read(&mut lanes, &mut fed, i, take)?;
        }
        lanes.work();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::Digest;

    fn reference(data: &[u8]) -> [u8; 16] {
        md5::Md5::digest(data).into()
    }

    fn sample(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn equals_md5_for_every_length_around_the_padding_boundaries() {
        let lengths: Vec<usize> = (0..=130).chain([1000, 4096, 65_537]).collect();
        let mut lanes = Md5Lanes::new(lengths.len());
        let data: Vec<Vec<u8>> = lengths.iter().map(|&l| sample(l, l as u8)).collect();
        for (i, d) in data.iter().enumerate() {
            lanes.update(i, Bytes::copy_from_slice(d));
            lanes.finish(i);
        }
        let got = lanes.digests().expect("all finished");
        for (i, d) in data.iter().enumerate() {
            assert_eq!(got[i], reference(d), "length {}", lengths[i]);
        }
    }

    #[test]
    fn interleaved_feeding_in_odd_chunks_gives_each_stream_its_own_md5() {
        // Six streams (more than the lanes), fed in chunks that never line up with blocks,
        // hashing in between as a download would.
        let data: Vec<Vec<u8>> = (0..6).map(|i| sample(10_000 + i * 777, i as u8)).collect();
        let mut lanes = Md5Lanes::new(data.len());
        let mut at = vec![0; data.len()];
        let mut round = 0;
        while at.iter().zip(&data).any(|(a, d)| *a < d.len()) {
            for (i, d) in data.iter().enumerate() {
                let n = (37 + round * 13 + i * 101) % 900 + 1;
                let end = (at[i] + n).min(d.len());
                if at[i] < end {
                    lanes.update(i, Bytes::copy_from_slice(&d[at[i]..end]));
                    at[i] = end;
                    if end == d.len() {
                        lanes.finish(i);
                    }
                }
            }
            if round % 3 == 0 {
                lanes.work();
            }
            round += 1;
        }
        let got = lanes.digests().expect("all finished");
        for (i, d) in data.iter().enumerate() {
            assert_eq!(got[i], reference(d), "stream {i}");
        }
    }

    #[test]
    fn an_unfinished_stream_gives_no_digests() {
        let mut lanes = Md5Lanes::new(2);
        lanes.update(0, Bytes::from_static(b"abc"));
        lanes.finish(0);
        lanes.update(1, Bytes::from_static(b"def"));
        assert!(lanes.digests().is_none());
    }

    #[test]
    fn rfc_1321_test_suite() {
        let cases: [(&[u8], &str); 3] = [
            (b"", "d41d8cd98f00b204e9800998ecf8427e"),
            (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
            (
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        let mut lanes = Md5Lanes::new(cases.len());
        for (i, (input, _)) in cases.iter().enumerate() {
            lanes.update(i, Bytes::from_static(input));
            lanes.finish(i);
        }
        let got = lanes.digests().expect("all finished");
        for (i, (_, want)) in cases.iter().enumerate() {
            assert_eq!(super::super::hex(&got[i]), *want);
        }
    }

    /// Six parts of 200,000 bytes and a short seventh, written by ranges four at a time in
    /// uneven pieces while the hasher reads them back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn parts_written_piecemeal_hash_to_each_parts_md5() {
        let (part, size) = (200_000u64, 6 * 200_000 + 1_234);
        let data = sample(size as usize, 9);
        let dir = tempfile::tempdir().expect("tempdir");
        let file = Arc::new(crate::local_path::create_new_file(&dir.path().join("d.part")).expect("create"));
        file.set_len(size).expect("size");
        let count = size.div_ceil(part) as usize;
        let written: Arc<Vec<AtomicU64>> = Arc::new((0..count).map(|_| AtomicU64::new(0)).collect());
        let hashes = PartHashes::start(file.clone(), written.clone(), part, size);
        for group in (0..count).collect::<Vec<_>>().chunks(4) {
            let mut at: Vec<u64> = vec![0; group.len()];
            let mut round = 0;
            while group
                .iter()
                .zip(&at)
                .any(|(&i, &a)| a < (size - i as u64 * part).min(part))
            {
                for (&i, a) in group.iter().zip(at.iter_mut()) {
                    let len = (size - i as u64 * part).min(part);
                    let end = (*a + 7_777 + (round * 3_001 + i as u64 * 977) % 20_000).min(len);
                    let from = (i as u64 * part + *a) as usize;
                    crate::local_path::write_all_at(
                        &file,
                        &data[from..from + (end - *a) as usize],
                        i as u64 * part + *a,
                    )
                    .expect("write");
                    *a = end;
                    written[i].store(end, Ordering::Release);
                }
                round += 1;
                tokio::time::sleep(std::time::Duration::from_micros(300)).await;
            }
        }
        let got = hashes.finish().await.expect("digests");
        assert_eq!(got.len(), count);
        for (i, d) in data.chunks(part as usize).enumerate() {
            assert_eq!(got[i], reference(d), "part {i}");
        }
    }

    #[tokio::test]
    async fn a_part_said_written_and_missing_gives_no_digests() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = Arc::new(crate::local_path::create_new_file(&dir.path().join("d.part")).expect("create"));
        file.set_len(1_000).expect("size");
        let written = Arc::new(vec![AtomicU64::new(500), AtomicU64::new(0)]);
        let hashes = PartHashes::start(file, written, 500, 1_000);
        assert_eq!(hashes.finish().await, None, "part 1 was never written");
    }
}
