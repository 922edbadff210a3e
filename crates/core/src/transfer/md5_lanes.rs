//! MD5 of several independent streams at once, one stream per lane.
//!
//! A single MD5 is a chain of dependent steps (about 1.5 s of CPU per GiB here), so one stream
//! cannot go faster. The parts of a multipart ETag are independent, though, and a download
//! receives several at once. Four streams' chains, interleaved step by step, run side by side
//! on a superscalar core and cost little more than one. The lanes are plain integers (see `V`),
//! so they run on any CPU. Where the CPU has AVX-512, sixteen streams share one vector register
//! instead (see `avx512`), chosen at run time.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use bytes::Bytes;

/// Streams hashed side by side on any CPU.
pub const LANES: usize = 4;

/// How many streams to hash side by side on this CPU.
fn widest() -> usize {
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        return avx512::WIDE;
    }
    LANES
}

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

/// MD5's 64 steps on the variables `$a`..`$d`, through the caller's
/// `$step!(round function, a, b, c, d, step number, message word, rotation)`. Written out step
/// by step so that every rotation and message index is a constant, which is what lets the
/// compiler interleave the lanes' chains (a loop over the steps took 1.7 times as long).
macro_rules! md5_steps {
    ($step:ident, $a:ident, $b:ident, $c:ident, $d:ident, [$f:tt, $g:tt, $h:tt, $i:tt]) => {
        md5_steps!(@round $step, $f, 0, $a, $b, $c, $d, |j: usize| j);
        md5_steps!(@round $step, $g, 1, $a, $b, $c, $d, |j: usize| (5 * j + 1) % 16);
        md5_steps!(@round $step, $h, 2, $a, $b, $c, $d, |j: usize| (3 * j + 5) % 16);
        md5_steps!(@round $step, $i, 3, $a, $b, $c, $d, |j: usize| (7 * j) % 16);
    };
    (@round $step:ident, $f:tt, $r:expr, $a:ident, $b:ident, $c:ident, $d:ident, $g:expr) => {
        $step!($f, $a, $b, $c, $d, $r * 16, $g(0), S[$r][0]);
        $step!($f, $d, $a, $b, $c, $r * 16 + 1, $g(1), S[$r][1]);
        $step!($f, $c, $d, $a, $b, $r * 16 + 2, $g(2), S[$r][2]);
        $step!($f, $b, $c, $d, $a, $r * 16 + 3, $g(3), S[$r][3]);
        $step!($f, $a, $b, $c, $d, $r * 16 + 4, $g(4), S[$r][0]);
        $step!($f, $d, $a, $b, $c, $r * 16 + 5, $g(5), S[$r][1]);
        $step!($f, $c, $d, $a, $b, $r * 16 + 6, $g(6), S[$r][2]);
        $step!($f, $b, $c, $d, $a, $r * 16 + 7, $g(7), S[$r][3]);
        $step!($f, $a, $b, $c, $d, $r * 16 + 8, $g(8), S[$r][0]);
        $step!($f, $d, $a, $b, $c, $r * 16 + 9, $g(9), S[$r][1]);
        $step!($f, $c, $d, $a, $b, $r * 16 + 10, $g(10), S[$r][2]);
        $step!($f, $b, $c, $d, $a, $r * 16 + 11, $g(11), S[$r][3]);
        $step!($f, $a, $b, $c, $d, $r * 16 + 12, $g(12), S[$r][0]);
        $step!($f, $d, $a, $b, $c, $r * 16 + 13, $g(13), S[$r][1]);
        $step!($f, $c, $d, $a, $b, $r * 16 + 14, $g(14), S[$r][2]);
        $step!($f, $b, $c, $d, $a, $r * 16 + 15, $g(15), S[$r][3]);
    };
}

/// Message word `w` of a block: MD5 reads its input as little-endian words.
#[inline(always)]
fn word(block: &[u8; 64], w: usize) -> u32 {
    u32::from_le_bytes([block[w * 4], block[w * 4 + 1], block[w * 4 + 2], block[w * 4 + 3]])
}

/// One 64-byte block for every lane.
fn compress(state: &mut State, blocks: [&[u8; 64]; LANES]) {
    let m: [V; 16] = std::array::from_fn(|w| V(std::array::from_fn(|lane| word(blocks[lane], w))));
    let [mut a, mut b, mut c, mut d] = *state;
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
    md5_steps!(step, a, b, c, d, [f, g, h, i]);
    state[0] = state[0].add(a);
    state[1] = state[1].add(b);
    state[2] = state[2].add(c);
    state[3] = state[3].add(d);
}

/// Lane `l`'s block `k` of a run: its `k`th block, or its only one when it has just one.
#[inline(always)]
fn block(lane: &[u8], k: usize) -> &[u8; 64] {
    let at = if lane.len() > 64 { k * 64 } else { 0 };
    lane[at..at + 64].try_into().expect("a whole block")
}

/// `run` blocks of each of four lanes, with the scalar lanes. Each lane holds `run` whole
/// blocks, or a single block hashed `run` times (a lane without a stream, whose result is
/// dropped).
fn scalar_run(words: &mut [[u32; LANES]; 4], lanes: [&[u8]; LANES], run: usize) {
    let mut state: State = words.map(V);
    for k in 0..run {
        compress(&mut state, std::array::from_fn(|lane| block(lanes[lane], k)));
    }
    *words = state.map(|v| v.0);
}

/// Sixteen lanes in one 512-bit register. MD5's round functions are one `vpternlogd` each and
/// a rotation one `vprold`, so a step is four instructions for all sixteen streams, where the
/// scalar lanes spend seven or eight per stream. Measured here: 0.31 s of CPU per GiB against
/// 0.55–0.60 s for four scalar lanes (eight lanes in a 256-bit register: 0.43 s).
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::{block, word, K, S};

    /// Streams hashed side by side in one register.
    pub const WIDE: usize = 16;

    pub fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
    }

    /// Like `scalar_run`, for sixteen lanes.
    pub fn run(words: &mut [[u32; WIDE]; 4], lanes: [&[u8]; WIDE], run: usize) {
        assert!(available(), "AVX-512 lanes on a CPU without AVX-512");
        // SAFETY: `hash` needs only AVX-512F, which the CPU was just found to have. Its body is
        // safe code: register arithmetic and bounds-checked slice reads.
        #[allow(unsafe_code)]
        unsafe {
            hash(words, lanes, run)
        }
    }

    #[target_feature(enable = "avx512f")]
    fn hash(words: &mut [[u32; WIDE]; 4], lanes: [&[u8]; WIDE], run: usize) {
        // `_mm512_set_epi32` takes the highest lane first.
        let load = |v: [u32; WIDE]| {
            let v = v.map(|x| x as i32);
            _mm512_set_epi32(
                v[15], v[14], v[13], v[12], v[11], v[10], v[9], v[8], v[7], v[6], v[5], v[4], v[3], v[2],
                v[1], v[0],
            )
        };
        let [mut sa, mut sb, mut sc, mut sd] = words.map(load);
        for k in 0..run {
            let blocks: [&[u8; 64]; WIDE] = std::array::from_fn(|lane| block(lanes[lane], k));
            let m: [__m512i; 16] =
                std::array::from_fn(|w| load(std::array::from_fn(|lane| word(blocks[lane], w))));
            let (mut a, mut b, mut c, mut d) = (sa, sb, sc, sd);
            // `$f` is the round function as a truth table over (b, c, d), for `vpternlogd`.
            macro_rules! step {
                ($f:tt, $a:ident, $b:ident, $c:ident, $d:ident, $k:expr, $g:expr, $s:expr) => {
                    let t = _mm512_add_epi32(_mm512_add_epi32($a, m[$g]), _mm512_set1_epi32(K[$k] as i32));
                    let t = _mm512_add_epi32(t, _mm512_ternarylogic_epi32::<$f>($b, $c, $d));
                    $a = _mm512_add_epi32($b, _mm512_rol_epi32::<{ $s as i32 }>(t));
                };
            }
            // Truth tables with b = 0xF0, c = 0xCC, d = 0xAA: F = (b & c) | (!b & d),
            // G = (b & d) | (c & !d), H = b ^ c ^ d, I = c ^ (b | !d).
            md5_steps!(step, a, b, c, d, [0xCA, 0xE4, 0x96, 0x39]);
            sa = _mm512_add_epi32(sa, a);
            sb = _mm512_add_epi32(sb, b);
            sc = _mm512_add_epi32(sc, c);
            sd = _mm512_add_epi32(sd, d);
        }
        let store = |v: __m512i| -> [u32; WIDE] {
            let quarters = [
                _mm512_extracti32x4_epi32::<0>(v),
                _mm512_extracti32x4_epi32::<1>(v),
                _mm512_extracti32x4_epi32::<2>(v),
                _mm512_extracti32x4_epi32::<3>(v),
            ];
            std::array::from_fn(|lane| {
                let q = quarters[lane / 4];
                (match lane % 4 {
                    0 => _mm_extract_epi32::<0>(q),
                    1 => _mm_extract_epi32::<1>(q),
                    2 => _mm_extract_epi32::<2>(q),
                    _ => _mm_extract_epi32::<3>(q),
                }) as u32
            })
        };
        *words = [store(sa), store(sb), store(sc), store(sd)];
    }
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

/// MD5s of many streams, fed in any interleaving, hashed several at a time.
pub struct Md5Lanes {
    streams: Vec<Option<Stream>>,
    digests: Vec<Option<[u8; 16]>>,
    /// Streams hashed side by side at most: `LANES`, or sixteen where the CPU has AVX-512.
    width: usize,
}

/// Hashes `run` blocks of each of `N` lanes (see `scalar_run`).
type Run<const N: usize> = fn(&mut [[u32; N]; 4], [&[u8]; N], usize);

impl Md5Lanes {
    /// Room for streams `0..count`, as many side by side as this CPU does best.
    pub fn new(count: usize) -> Md5Lanes {
        Md5Lanes::with_width(count, widest())
    }

    /// `width` is `LANES`, or `avx512::WIDE` on a CPU with AVX-512.
    fn with_width(count: usize, width: usize) -> Md5Lanes {
        Md5Lanes {
            streams: (0..count).map(|_| None).collect(),
            digests: vec![None; count],
            width,
        }
    }

    /// The most streams hashed side by side.
    pub fn width(&self) -> usize {
        self.width
    }

    /// How many of `left` streams to hash at once: more than four take the wide lanes, up to
    /// sixteen; otherwise four take the scalar lanes. One pass of the sixteen wide lanes costs
    /// one to two passes of the four scalar ones (1.0× on 100 KiB bodies, 2.2× on 8 MiB parts
    /// read from a file), so five streams already cost less side by side in the wide lanes.
    pub fn batch(&self, left: usize) -> usize {
        match self.width.min(left) {
            wide if wide > LANES => wide,
            _ => LANES.min(left),
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

    /// Hashes every whole block given, the fullest streams first, `width` at a time. A lane
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
            ready.truncate(self.batch(ready.len()));
            #[cfg(target_arch = "x86_64")]
            if ready.len() > LANES {
                self.hash_side_by_side::<{ avx512::WIDE }>(&ready, avx512::run);
                continue;
            }
            self.hash_side_by_side::<LANES>(&ready, scalar_run);
        }
    }

    /// Hashes the blocks all of `ready` have, one stream per lane (at most `N`).
    fn hash_side_by_side<const N: usize>(&mut self, ready: &[usize], run_blocks: Run<N>) {
        let mut words = [[0u32; N]; 4];
        for (lane, &i) in ready.iter().enumerate() {
            let s = self.streams[i].as_ref().map_or(INIT, |s| s.state);
            for (word, value) in words.iter_mut().zip(s) {
                word[lane] = value;
            }
        }
        // As many blocks as every chosen stream has. Lanes without a stream hash zeros, and
        // their result is dropped.
        let steps = ready
            .iter()
            .filter_map(|&i| self.streams[i].as_ref().map(Stream::blocks))
            .min()
            .unwrap_or(0);
        // Blocks are hashed where they lie in the streams' pieces, and copied out only where
        // one straddles two pieces: the copy cost a tenth of the hashing.
        let mut scratch = [[0u8; 64]; N];
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
                run_blocks(&mut words, std::array::from_fn(|lane| &scratch[lane][..]), 1);
                left -= 1;
                continue;
            }
            // A lane without a stream hashes its scratch block over and over.
            let lanes: [&[u8]; N] =
                std::array::from_fn(
                    |lane| match ready.get(lane).and_then(|&i| self.streams[i].as_ref()) {
                        Some(stream) => stream.front(),
                        None => &scratch[lane][..],
                    },
                );
            run_blocks(&mut words, lanes, run);
            for &i in ready {
                self.stream(i).skip(run * 64);
            }
            left -= run;
        }
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

/// One hasher: takes parts no other hasher has, as many at a time as its lanes, and keeps to those it has
/// started. Returns the digests of its parts.
fn hash_parts(shared: &Shared, me: u8) -> Option<Found> {
    let count = shared.written.len();
    let mut lanes = Md5Lanes::new(count);
    let mut fed = vec![0u64; count];
    // One allocation for all the slices, reclaimed once the lanes have hashed them: fresh
    // memory for every slice cost more in page faults than the hashing itself.
    let mut pool = bytes::BytesMut::with_capacity(lanes.width() * SLICE as usize);
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
        let batch = lanes.batch(left);
        ready.truncate(batch);
        // Lanes take equal slices, as much as the emptiest lane still arriving has; a part
        // whose rest is all on disk does not hold the others back.
        let arriving = ready.iter().filter(|r| !r.2).map(|r| r.1).min();
        let slice = arriving.unwrap_or(SLICE).min(SLICE) / 64 * 64;
        let full = ready.len() >= batch && (slice >= ENOUGH || arriving.is_none());
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

/// What a multipart upload must know of each part before sending it: its MD5 (its
/// Content-MD5, and the assembled ETag's input) and its CRC-64/NVME (which combine into the
/// whole file's checksum, recorded in the object's metadata when the upload starts).
pub type PartDigest = ([u8; 16], u64);

/// The digests of each `part`-byte part of the first `size` bytes of `file` (the last part
/// shorter), in one read before anything is sent. Parts are hashed as many side by side as the
/// lanes take, on up to two threads: an upload of 1 GiB spends about a third of the CPU that one
/// MD5 per part would (see `Md5Lanes`), and sends each part straight from the file.
pub fn file_parts(file: &std::fs::File, size: u64, part: u64) -> std::io::Result<Vec<PartDigest>> {
    file_parts_at_width(file, size, part, widest())
}

fn file_parts_at_width(
    file: &std::fs::File,
    size: u64,
    part: u64,
    width: usize,
) -> std::io::Result<Vec<PartDigest>> {
    use std::sync::atomic::AtomicUsize;
    let count = size.div_ceil(part.max(1)).max(1) as usize;
    let length = |i: usize| (size - i as u64 * part).min(part);
    // Groups of parts, each as many as the lanes take side by side.
    let sizing = Md5Lanes::with_width(0, width);
    let mut groups = Vec::new();
    let mut first = 0;
    while first < count {
        let take = sizing.batch(count - first);
        groups.push(first..first + take);
        first += take;
    }
    let next = AtomicUsize::new(0);
    let hash_groups = || -> std::io::Result<Vec<(usize, PartDigest)>> {
        let mut done = Vec::new();
        let mut pool = bytes::BytesMut::new();
        while let Some(group) = groups.get(next.fetch_add(1, Ordering::Relaxed)) {
            let mut lanes = Md5Lanes::with_width(group.len(), width);
            let mut crcs: Vec<super::Crc64> = group.clone().map(|_| Default::default()).collect();
            let mut fed = 0;
            loop {
                for (lane, i) in group.clone().enumerate() {
                    let take = SLICE.min(length(i).saturating_sub(fed));
                    // Parts already whole sit out; an empty file is one empty part.
                    if take == 0 && (fed > 0 || length(i) > 0) {
                        continue;
                    }
                    pool.reserve(take as usize);
                    pool.resize(take as usize, 0);
                    crate::local_path::read_exact_at(file, &mut pool, i as u64 * part + fed)?;
                    crcs[lane].update(&pool);
                    lanes.update(lane, pool.split().freeze());
                    if fed + take == length(i) {
                        lanes.finish(lane);
                    }
                }
                // Hashed at once, so the pool's memory comes back for the next slices.
                lanes.work();
                fed += SLICE;
                if fed >= length(group.start) {
                    break;
                }
            }
            for ((i, digest), crc) in group.clone().zip(lanes.finished()).zip(crcs) {
                let digest = digest.ok_or_else(|| std::io::Error::other("a part was not hashed"))?;
                done.push((i, (digest, crc.finish())));
            }
        }
        Ok(done)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(2);
    let found: Vec<std::io::Result<Vec<(usize, PartDigest)>>> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads.min(groups.len()))
            .map(|_| scope.spawn(hash_groups))
            .collect();
        let mut found = vec![hash_groups()];
        found.extend(others.into_iter().map(|t| {
            t.join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a hashing thread failed")))
        }));
        found
    });
    let mut digests: Vec<Option<PartDigest>> = vec![None; count];
    for (i, digest) in found
        .into_iter()
        .collect::<std::io::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
    {
        digests[i] = Some(digest);
    }
    digests
        .into_iter()
        .map(|d| d.ok_or_else(|| std::io::Error::other("a part was not hashed")))
        .collect()
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

    /// Every lane width this CPU can run: the scalar lanes, and the wide ones where it has them.
    fn widths() -> Vec<usize> {
        let widths = if widest() > LANES {
            vec![LANES, widest()]
        } else {
            vec![LANES]
        };
        eprintln!("lane widths tested on this CPU: {widths:?}");
        widths
    }

    #[test]
    fn wide_batches_once_one_scalar_group_is_not_enough() {
        let scalar = Md5Lanes::with_width(0, LANES);
        assert_eq!([1, 4, 9, 20].map(|n| scalar.batch(n)), [1, 4, 4, 4]);
        let wide = Md5Lanes::with_width(0, 16);
        assert_eq!(
            [1, 4, 5, 8, 9, 16, 20].map(|n| wide.batch(n)),
            [1, 4, 5, 8, 9, 16, 16]
        );
    }

    /// The wide lanes against the scalar ones on the same blocks, a run of three and a lane
    /// that repeats one block; on a CPU without them this says so and checks nothing.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn wide_lanes_hash_as_the_scalar_lanes_do() {
        if !avx512::available() {
            eprintln!("this CPU has no AVX-512: the wide lanes cannot run here");
            return;
        }
        let data: Vec<Vec<u8>> = (0..16)
            .map(|i| sample(if i == 5 { 64 } else { 192 }, i as u8))
            .collect();
        let mut wide = [[0u32; 16]; 4];
        for (w, word) in wide.iter_mut().enumerate() {
            *word = std::array::from_fn(|lane| INIT[w] ^ lane as u32);
        }
        let mut want = wide;
        avx512::run(&mut wide, std::array::from_fn(|lane| &data[lane][..]), 3);
        for group in 0..4 {
            let mut words: [[u32; LANES]; 4] =
                std::array::from_fn(|w| std::array::from_fn(|lane| want[w][group * 4 + lane]));
            scalar_run(
                &mut words,
                std::array::from_fn(|lane| &data[group * 4 + lane][..]),
                3,
            );
            for (w, word) in words.iter().enumerate() {
                want[w][group * 4..group * 4 + 4].copy_from_slice(word);
            }
        }
        assert_eq!(wide, want);
    }

    #[test]
    fn equals_md5_for_every_length_around_the_padding_boundaries() {
        let lengths: Vec<usize> = (0..=130).chain([1000, 4096, 65_537]).collect();
        let data: Vec<Vec<u8>> = lengths.iter().map(|&l| sample(l, l as u8)).collect();
        for width in widths() {
            let mut lanes = Md5Lanes::with_width(lengths.len(), width);
            for (i, d) in data.iter().enumerate() {
                lanes.update(i, Bytes::copy_from_slice(d));
                lanes.finish(i);
            }
            let got = lanes.digests().expect("all finished");
            for (i, d) in data.iter().enumerate() {
                assert_eq!(got[i], reference(d), "length {}, {width} lanes", lengths[i]);
            }
        }
    }

    #[test]
    fn interleaved_feeding_in_odd_chunks_gives_each_stream_its_own_md5() {
        // Six streams (more than the scalar lanes) and twenty (more than the wide ones).
        for (count, width) in widths().into_iter().flat_map(|w| [(6, w), (20, w)]) {
            interleaved(count, width);
        }
    }

    /// `count` streams fed in chunks that never line up with blocks, hashing in between as a
    /// download would.
    fn interleaved(count: usize, width: usize) {
        let data: Vec<Vec<u8>> = (0..count).map(|i| sample(10_000 + i * 777, i as u8)).collect();
        let mut lanes = Md5Lanes::with_width(data.len(), width);
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
            assert_eq!(got[i], reference(d), "stream {i} of {count}, {width} lanes");
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

    /// A file's parts as a multipart upload sends them: whole parts over several slices, a
    /// short last part, more parts than the lanes take, and the edge cases of one part.
    #[test]
    fn file_parts_give_each_parts_md5_and_crc() {
        let dir = tempfile::tempdir().expect("tempdir");
        let part = 2 * SLICE + 100;
        let data = sample(19 * part as usize + 777, 7);
        let path = dir.path().join("f");
        std::fs::write(&path, &data).expect("write");
        let file = std::fs::File::open(&path).expect("open");
        for width in widths() {
            for size in [
                0,
                1,
                63,
                64,
                part - 1,
                part,
                part + 1,
                5 * part,
                data.len() as u64,
            ] {
                let got = file_parts_at_width(&file, size, part, width).expect("digests");
                let bytes = &data[..size as usize];
                let expected: Vec<&[u8]> = if size == 0 {
                    vec![&[]]
                } else {
                    bytes.chunks(part as usize).collect()
                };
                assert_eq!(got.len(), expected.len(), "size {size}, {width} lanes");
                for (i, (d, chunk)) in got.iter().zip(expected).enumerate() {
                    let mut crc = super::super::Crc64::default();
                    crc.update(chunk);
                    assert_eq!(d.0, reference(chunk), "size {size}, part {i}, {width} lanes");
                    assert_eq!(d.1, crc.finish(), "size {size}, part {i}, {width} lanes");
                }
            }
        }
    }

    #[test]
    fn file_parts_of_a_file_shorter_than_said_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, sample(1000, 1)).expect("write");
        let file = std::fs::File::open(&path).expect("open");
        assert!(file_parts(&file, 2000, 600).is_err());
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
