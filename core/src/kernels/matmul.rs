//! `C += A B` and `C += A^T B`, register-tiled and built on [`axpy`](fn@axpy).

use super::{axpy, target, transpose};

/// Rows of `C` computed together by the matrix kernels: 6 on x86-64, 4 elsewhere.
/// - AVX2: 6 x 2 = 12 of its 16 registers; measured on a Zen 3 core, linear 256->200 at
///   batch 50 ran at 72-77% of the FMA peak against 52-62% with 4 rows.
/// - AVX-512: 6 x 4 = 24 of its 32; measured on an Intel Xeon, three alternations, the
///   same linear layer: forward 60-64 -> 70-77%, backward 54-57 -> 60-66%; `best`'s
///   576->128 at 100 images 75-85 -> 85-96% and 56-63 -> 69-75%.
/// - NEON 4 x 4 vectors, a Cortex-M4F 4 x 4 scalars, as its firmware was measured.
const MR: usize = if cfg!(target_arch = "x86_64") { 6 } else { 4 };
/// Columns of a register tile: `MR` rows of them fill the accumulators (64 with AVX-512,
/// 16 with AVX2 or NEON, 4 on a Cortex-M4F).
const NR: usize = target::channel_block(MR);
/// Columns of the narrower tiles that take what is left after the `NR`-wide ones: one
/// vector.
const NARROW: usize = target::LANES;

/// `C += A B` for `A` of `M x K` and `B` of `K x N`, all row-major.
///
/// The loop is tiled as in every fast matrix product: `MR` rows by `NR` columns of `C` are
/// held in registers while `k` runs; each step loads one `NR`-wide piece of a row of `B`
/// and reuses it for `MR` rows. Columns left over after the `NR`-wide tiles are done one
/// vector wide, then one by one. Each element of `C` adds its `K` terms in order of `k`
/// whatever the tile, so the result does not depend on the target.
#[inline]
pub fn matmul_acc<const M: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]; M],
    a: &[[f32; K]; M],
    b: &[[f32; N]; K],
) {
    gemm::<M, K, N, true>(c, None, |m, k| a[m][k], b)
}

/// `C = 1 r + A B`: every row of `C` is `row` plus that row of `A B` (a layer's bias, or
/// zeros), in the same order of additions as setting `C` to it and calling [`matmul_acc`],
/// without writing and reading `C` first.
#[inline]
pub fn matmul_from_row<const M: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]; M],
    row: &[f32; N],
    a: &[[f32; K]; M],
    b: &[[f32; N]; K],
) {
    if Plan::<M, N, true>::NARROW {
        // With `A` transposed first, so that `Aᵀ` is read by rows.
        let mut a_t = [[0.0; M]; K];
        transpose(&mut a_t, a);
        let c_t = core::array::from_fn(|n| [row[n]; M]);
        transposed_product(c, c_t, &a_t, b);
    } else {
        gemm::<M, K, N, true>(c, Some(row), |m, k| a[m][k], b)
    }
}

/// `C += A^T B` for `A^T` given as the `K x M` matrix `a_t`: tiles as in [`matmul_acc`],
/// except that a `C` whose rows leave many lanes empty is computed transposed
/// (`narrow`, `fuller_across`) and that the last few columns may go one at a time down
/// the rows (`by_columns`).
#[inline]
pub fn matmul_at_acc<const M: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]; M],
    a_t: &[[f32; M]; K],
    b: &[[f32; N]; K],
) {
    if Plan::<M, N, true>::ACROSS {
        let mut c_t = [[0.0; M]; N];
        transpose(&mut c_t, c);
        transposed_product(c, c_t, a_t, b);
    } else if Plan::<M, N, true>::BY_COLUMNS {
        // The whole vectors in tiles, the rest down the rows.
        gemm::<M, K, N, false>(c, None, |m, k| a_t[k][m], b);
        for n in Plan::<M, N, false>::COLS..N {
            column(c, a_t, b, n);
        }
    } else {
        gemm::<M, K, N, true>(c, None, |m, k| a_t[k][m], b)
    }
}

/// Whether the last `N % NARROW` columns of `C += Aᵀ B` are cheaper one at a time as
/// vectors down the rows ([`column`](fn@column)) than in a tile that overlaps the one
/// before it: when they take at most half as many vector multiply-adds per `k` as that
/// tile's `M`, so that the column's own chain of `K` dependent additions stays short of the
/// time saved. Measured on an AMD EPYC Zen 3 (AVX2), weight gradients (`M` inputs, `N`
/// outputs, batch `K`): Project 2's 25 x 25 at batch 20 (16 + 8 columns and the last one
/// down the rows, against 16 + 16 overlapping) 360 -> 313 ns; the digit classifiers' 200 x
/// 10 and 128 x 10 at 100 images 9.7 -> 6.5 us and 6.2 -> 4.5-5.6 us (since computed
/// transposed on AVX2, [`fuller_across`]); `mlp`'s 160 x 50 at 50 pairs 10.1 -> 9.2-9.7
/// us (its two columns' 160 accumulators do not fit in registers, and still win).
const fn by_columns(m: usize, n: usize) -> bool {
    let rest = leftover(n);
    rest > 0 && n > NARROW && 2 * rest * m.div_ceil(NARROW) <= m
}

/// Columns of `n` left after whole vectors of `NARROW` (none on a scalar FPU, where
/// `NARROW` is 1).
#[allow(clippy::modulo_one)]
const fn leftover(n: usize) -> usize {
    n % NARROW
}

/// Column `n` of `C += Aᵀ B`, one vector down the rows: row `k` of `Aᵀ` times `B[k][n]`,
/// added in order of `k` as in a tile, so each element gets the same bits.
#[inline(always)]
fn column<const M: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]; M],
    a_t: &[[f32; M]; K],
    b: &[[f32; N]; K],
    n: usize,
) {
    let mut acc: [f32; M] = core::array::from_fn(|m| c[m][n]);
    for (arow, brow) in a_t.iter().zip(b) {
        axpy(&mut acc, brow[n], arow);
    }
    for (row, &value) in c.iter_mut().zip(&acc) {
        row[n] = value;
    }
}

/// Whether `C += Aᵀ B` is cheaper as `Cᵀ += Bᵀ A`: when `C`'s rows (`n` long) fill at most
/// three quarters of the lanes of their vectors and `Cᵀ`'s rows (`m` long) fill more. The
/// two transposes of `C` cost about a cycle per element, against `k / (2 LANES)` cycles of
/// multiply-adds at two FMAs a cycle. Measured on an AMD EPYC Zen 3 (AVX2), weight
/// gradients (`m` inputs, `n` outputs, batch `k`), scratch timer, best of 15, two to five
/// runs: the digit classifiers' 10 outputs (two vectors, 62.5% of their lanes): `tiny`'s
/// 32 x 10 at 100 images 1074-1159 -> 836-996 ns, 200 x 10 6.5-6.9 -> 4.9-6.3 us, 128 x 10 4.4-4.8
/// -> 3.2 us; but `mlp`'s 160 x 50 at 50 pairs (48 columns in tiles, 2 down the rows) 9.2
/// -> 11.4-12.0 us, hence the bound.
const fn fuller_across(m: usize, n: usize) -> bool {
    let (n_lanes, m_lanes) = (n.div_ceil(NARROW) * NARROW, m.div_ceil(NARROW) * NARROW);
    4 * n <= 3 * n_lanes && m * n_lanes > n * m_lanes
}

/// Whether `C` has fewer columns than a vector has lanes (a layer with two outputs) and
/// at least a vector's worth of rows: its tiles would be one column wide, scalar, so the
/// kernels compute `Cᵀ` instead.
const fn narrow(m: usize, n: usize) -> bool {
    n < NARROW && m >= NARROW
}

/// `C = (c_t + Bᵀ A)ᵀ` for `A` given as the `K x M` matrix `a_t`: the product of a
/// [`narrow`] `C` with its long side across, in vectors; each element receives the same
/// products in the same order as in `C`'s own tiles.
#[inline(always)]
fn transposed_product<const M: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]; M],
    mut c_t: [[f32; M]; N],
    a_t: &[[f32; M]; K],
    b: &[[f32; N]; K],
) {
    gemm::<N, K, M, true>(&mut c_t, None, |n, k| b[k][n], a_t);
    transpose(c, &c_t);
}

/// The choices of the matrix kernels for a product whose `C` is `M x N`, as constants
/// (`WHOLE`: all `N` columns in tiles; otherwise only the whole vectors, the rest going
/// down the rows, [`by_columns`]).
///
/// Why constants: a `match` or `if` on a constant is settled when the shape is
/// instantiated, so the compiler instantiates only the tiles the shape takes, where a
/// `match` on a value computed at run time from the same constants instantiates every arm
/// (26 [`vector_tile`]s and 18 [`tile`]s for each shape and each way of reading `A`) and
/// leaves LLVM to remove all but one or two after inlining them. The products are the
/// same, to the bit; the build is not. Measured on an AMD EPYC Zen 3 (`cargo llvm-lines`,
/// lines of LLVM IR before optimisation): `minidl`'s unit tests 6.0 -> 1.15 million, the
/// host's library (release) 5.3 -> 1.37 million, where the tiles had been three quarters
/// of it; building `minidl`'s unit tests took 241 s of CPU before and 50 s after.
struct Plan<const M: usize, const N: usize, const WHOLE: bool>;

impl<const M: usize, const N: usize, const WHOLE: bool> Plan<M, N, WHOLE> {
    /// Columns of `C` the tiles compute.
    const COLS: usize = if WHOLE { N } else { N - leftover(N) };
    /// `C += Aᵀ B` as `(Cᵀ + Bᵀ A)ᵀ` ([`narrow`]; with [`fuller_across`], `ACROSS`).
    const NARROW: bool = narrow(M, N);
    const ACROSS: bool = Self::NARROW || fuller_across(M, N);
    const BY_COLUMNS: bool = by_columns(M, N);

    /// [`vector_tiles`] rather than [`row_block`]s (not on scalar FPUs, whose tiles were
    /// measured on the Cortex-M4F).
    const VECTOR_TILES: bool =
        target::LANES > 1 && NARROW < Self::COLS && (Self::COLS < NR || whole_width(M, Self::COLS));

    /// The rows of `C` in blocks of at most `MOST_ROWS` (`MR` for [`row_block`]s, as many as
    /// the accumulators hold for [`vector_tiles`]), as even as they come: the first `TALL`
    /// blocks have `ROWS + 1` rows (`TALL_ROWS`), the others `ROWS`.
    const MOST_ROWS: usize = if Self::VECTOR_TILES {
        target::ACCUMULATORS / max1(Self::VECTORS)
    } else {
        MR
    };
    const BLOCKS: usize = M.div_ceil(Self::MOST_ROWS);
    const ROWS: usize = M / max1(Self::BLOCKS);
    const TALL: usize = M % max1(Self::BLOCKS);
    const TALL_ROWS: usize = Self::ROWS + 1;
    const HAS_TALL: bool = Self::TALL > 0;

    /// A [`row_block`]'s tiles across the columns: `NR` wide up to `WIDE`, then (or
    /// instead) an `NR`-wide tile overlapping the last (`WIDE_LAST`); else one vector wide
    /// up to `VECTORS_END`, then one overlapping the last (`NARROW_LAST`); else one column
    /// at a time up to `COLS` (`SCALAR`).
    const WIDE: usize = Self::COLS - Self::COLS % NR;
    const HAS_WIDE: bool = Self::WIDE > 0;
    const WIDE_LAST: bool = Self::COLS >= NR && Self::COLS - Self::WIDE > NARROW;
    const VECTORS_END: usize = Self::WIDE + (Self::COLS - Self::WIDE) / NARROW * NARROW;
    const HAS_VECTORS: bool = Self::VECTORS_END > Self::WIDE;
    const NARROW_LAST: bool = Self::COLS >= NARROW && Self::VECTORS_END < Self::COLS;
    const SCALAR: bool = Self::VECTORS_END < Self::COLS;

    /// [`vector_tiles`]: `VECTORS` vectors a row.
    const VECTORS: usize = Self::COLS.div_ceil(NARROW);
}

/// `n`, or 1 for 0: a divisor for the constants of shapes that do not use them.
const fn max1(n: usize) -> usize {
    if n == 0 {
        1
    } else {
        n
    }
}

/// Columns `0..cols` of `C` (or `start`) `+ A B` (`cols` is [`Plan::COLS`]), in blocks of
/// at most `MR` rows, as even as they come: 20 rows are 5 + 5 + 5 + 5, not 6 + 6 + 6 + 2,
/// whose last block would hold too few independent chains to keep the FMA units busy
/// (measured on an AMD EPYC Zen 3, Project 2's 25 x 25 layer at batch 20: forward product
/// 388-395 -> 355 ns, weight gradient 410-413 -> 373 ns).
#[inline(always)]
fn gemm<const M: usize, const K: usize, const N: usize, const WHOLE: bool>(
    c: &mut [[f32; N]; M],
    start: Option<&[f32; N]>,
    a: impl Fn(usize, usize) -> f32 + Copy,
    b: &[[f32; N]; K],
) {
    if Plan::<M, N, WHOLE>::VECTOR_TILES {
        return vector_tiles::<M, K, N, WHOLE>(c, start, a, b);
    }
    // One block of `rows` rows from row `m0`, `rows` a constant of the shape (see [`Plan`]).
    macro_rules! block {
        ($rows:expr, $m0:expr) => {
            match $rows {
                1 => row_block::<1, M, K, N, WHOLE>(c, start, a, b, $m0),
                2 => row_block::<2, M, K, N, WHOLE>(c, start, a, b, $m0),
                3 => row_block::<3, M, K, N, WHOLE>(c, start, a, b, $m0),
                4 => row_block::<4, M, K, N, WHOLE>(c, start, a, b, $m0),
                5 => row_block::<5, M, K, N, WHOLE>(c, start, a, b, $m0),
                _ => row_block::<MR, M, K, N, WHOLE>(c, start, a, b, $m0),
            }
        };
    }
    each_block!(Plan<M, N, WHOLE>, block);
}

/// Calls `$block!(rows, m0)` for each block of the row split of `$plan` (a [`Plan`]), in
/// order: its `TALL` blocks of `TALL_ROWS` rows, then the others of `ROWS`; `rows` is one
/// of those constants, so a `match` on it in `$block` compiles only the tiles the shape
/// takes, and `m0` is the block's first row.
macro_rules! each_block {
    ($plan:ty, $block:ident) => {{
        let mut m0 = 0;
        if <$plan>::HAS_TALL {
            for _ in 0..<$plan>::TALL {
                $block!(<$plan>::TALL_ROWS, m0);
                m0 += <$plan>::TALL_ROWS;
            }
        }
        for _ in 0..<$plan>::BLOCKS - <$plan>::TALL {
            $block!(<$plan>::ROWS, m0);
            m0 += <$plan>::ROWS;
        }
    }};
}
use each_block;

/// Whether all `m` rows (fewer than `MR`) of `cols` columns, up to [`TILE_VECTORS`], fit in one
/// tile of accumulators, which then holds more independent chains of multiply-adds than
/// `MR`-row tiles `NR` wide cut down to `m` rows: the transposed products of the 2-output
/// layers (`Cᵀ` has 2 rows) and Project 2's first weight gradient (2 inputs). With AVX2,
/// `Cᵀ` of 2 x 20 (Project 2's last layer at its 20 points) took a tile of 2 rows by 2
/// vectors (4 chains) and then one of 2 by 1 (2 chains); now one of 2 by 3 (6).
/// Measured on AMD EPYC Zen 3 (AVX2), scratch timer of the layers at 20 points, best of
/// 15 x 20,000 calls, three runs: the 25 -> 2 layer's forward pass 144-152 -> 117-118 ns
/// and weight gradient 64-65 -> 46 ns, the 2 -> 25 layer's weight gradient 57-62 -> 52-53
/// ns (`x86-64-v3`, two noisier runs: 143-167 -> 132-143, 58-67 -> 46-58, 60-70 -> 52-67
/// ns); a Project 2 round within the noise of that sitting.
const fn whole_width(m: usize, cols: usize) -> bool {
    let vectors = cols.div_ceil(NARROW);
    m < MR && vectors <= TILE_VECTORS && m * vectors <= target::ACCUMULATORS
}

/// The most vectors a row of a [`vector_tile`] takes: the widest tile
/// [`vector_tiles`] instantiates.
const TILE_VECTORS: usize = 4;

/// Columns `0..cols` of `C` (or `start`) `+ A B` for `cols` between one vector and an
/// `NR`-wide tile (or up to [`TILE_VECTORS`] for a few rows, [`whole_width`]), in
/// [`vector_tile`]s of `V = cols / NARROW` vectors (rounded up) a row and as many rows as
/// fill the accumulators (with AVX-512: 12 rows of 2 vectors, 8 of 3, 6 of 4), the rows
/// split as evenly as they come.
///
/// Why: as tiles of one vector (the last overlapping the one before), each kept at most
/// `MR` accumulators, fewer than the FMA units need, and each read all of `A`. Project 2's
/// 25-wide layers with AVX-512 took 5-row tiles of one vector; now 10-row tiles of two.
/// Measured on an Intel Xeon (AVX-512), a Project 2 round on one thread, three
/// alternations: 0.034-0.035 -> 0.029 s (the x86-64-v3 build, whose 25 columns are two
/// vectors and more, unchanged at 0.036 s). With AVX2 the digit classifiers' 10 outputs
/// take it (6 rows by 2 vectors instead of twice 6 by 1).
#[inline(always)]
fn vector_tiles<const M: usize, const K: usize, const N: usize, const WHOLE: bool>(
    c: &mut [[f32; N]; M],
    start: Option<&[f32; N]>,
    a: impl Fn(usize, usize) -> f32 + Copy,
    b: &[[f32; N]; K],
) {
    let cols = Plan::<M, N, WHOLE>::COLS;
    // One block of `rows` rows from row `m0`, in tiles of `vectors` vectors a row, both
    // constants of the shape (see [`Plan`]). Every tile this build's accumulators hold
    // (rows x vectors at most 24: AVX-512 and NEON; 12 with AVX2, whose `NR` allows two
    // vectors but for the few rows of `whole_width`, 4 of 3 vectors or 3 of 4).
    macro_rules! by_rows {
        ($rows:expr, $m0:expr, $v:literal: $($r:literal)*) => {
            match $rows {
                $($r => vector_tile::<$r, $v, K, N>(c, start, a, b, ($m0, cols)),)*
                _ => unreachable!("{} rows of {} vectors", $rows, $v),
            }
        };
    }
    macro_rules! block {
        ($rows:expr, $m0:expr) => {
            match Plan::<M, N, WHOLE>::VECTORS {
                2 => by_rows!($rows, $m0, 2: 1 2 3 4 5 6 7 8 9 10 11 12),
                3 => by_rows!($rows, $m0, 3: 1 2 3 4 5 6 7 8),
                TILE_VECTORS => by_rows!($rows, $m0, 4: 1 2 3 4 5 6),
                _ => unreachable!("{} vectors a row", Plan::<M, N, WHOLE>::VECTORS),
            }
        };
    }
    each_block!(Plan<M, N, WHOLE>, block);
}

/// Rows `m0..m0 + R` of `C`, columns `0..cols` (more than `(V - 1)` vectors, at most `V`),
/// as one tile of `V` vectors a row: columns `0..NARROW`, `NARROW..2 NARROW`, ... and the
/// last ending at column `cols`, overlapping the one before it, of which it keeps only the
/// columns the others do not have (each is computed from the same terms in the same order
/// either way).
#[inline(always)]
fn vector_tile<const R: usize, const V: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]],
    start: Option<&[f32; N]>,
    a: impl Fn(usize, usize) -> f32,
    b: &[[f32; N]; K],
    (m0, cols): (usize, usize),
) {
    let at = |v: usize| if v + 1 < V { v * NARROW } else { cols - NARROW };
    let pieces = |row: &[f32; N]| -> [[f32; NARROW]; V] {
        core::array::from_fn(|v| {
            row[at(v)..at(v) + NARROW]
                .try_into()
                .expect("a vector inside the row")
        })
    };
    let mut acc: [[[f32; NARROW]; V]; R] =
        core::array::from_fn(|r| pieces(start.unwrap_or(&c[m0 + r])));
    for (k, brow) in b.iter().enumerate() {
        let y = pieces(brow);
        for (r, row) in acc.iter_mut().enumerate() {
            let x = a(m0 + r, k);
            for (piece, y) in row.iter_mut().zip(&y) {
                axpy(piece, x, y);
            }
        }
    }
    let keep = V * NARROW - cols;
    for (r, row) in acc.iter().enumerate() {
        let (last, whole) = row.split_last().expect("V >= 2");
        c[m0 + r][..(V - 1) * NARROW].copy_from_slice(whole.as_flattened());
        c[m0 + r][(V - 1) * NARROW..cols].copy_from_slice(&last[keep..]);
    }
}

/// Rows `m0..m0 + R` of `C`, columns `0..cols`, in tiles across the columns: `NR` wide,
/// then one vector wide; the columns left after those (fewer than a vector) go in one more
/// tile that ends at the last column and overlaps the tiles before it, of which it keeps
/// only its new columns (the products of the overlap, read from the already updated `C`,
/// are thrown away). Only a matrix narrower than one vector is done one column at a time.
///
/// Why the overlapping tile: `N = 25` (Project 2's layers) had been 16 + 8 columns, then
/// one column in scalar registers whose `R` chains waited on each other; with the last
/// 16 columns redone as one tile, a Project 2 round took 0.056-0.058 s instead of
/// 0.058-0.059 s (measured on an AMD EPYC Zen 3, three runs each, back to back).
#[inline(always)]
fn row_block<const R: usize, const M: usize, const K: usize, const N: usize, const WHOLE: bool>(
    c: &mut [[f32; N]; M],
    start: Option<&[f32; N]>,
    a: impl Fn(usize, usize) -> f32 + Copy,
    b: &[[f32; N]; K],
    m0: usize,
) {
    // Every bound and every condition below is a constant of the shape (see [`Plan`]).
    let cols = Plan::<M, N, WHOLE>::COLS;
    let wide = Plan::<M, N, WHOLE>::WIDE;
    if Plan::<M, N, WHOLE>::HAS_WIDE {
        for n0 in (0..wide).step_by(NR) {
            tile::<R, NR, K, N>(c, start, a, b, (m0, n0), 0);
        }
    }
    if Plan::<M, N, WHOLE>::WIDE_LAST {
        tile::<R, NR, K, N>(c, start, a, b, (m0, cols - NR), wide - (cols - NR));
        return;
    }
    let vectors = Plan::<M, N, WHOLE>::VECTORS_END;
    if Plan::<M, N, WHOLE>::HAS_VECTORS {
        for n0 in (wide..vectors).step_by(NARROW) {
            tile::<R, NARROW, K, N>(c, start, a, b, (m0, n0), 0);
        }
    }
    if Plan::<M, N, WHOLE>::NARROW_LAST {
        tile::<R, NARROW, K, N>(
            c,
            start,
            a,
            b,
            (m0, cols - NARROW),
            vectors - (cols - NARROW),
        );
        return;
    }
    if Plan::<M, N, WHOLE>::SCALAR {
        for n0 in vectors..cols {
            tile::<R, 1, K, N>(c, start, a, b, (m0, n0), 0);
        }
    }
}

/// `C[m0..m0+R][n0..n0+W] += A[m0..m0+R][..] B[..][n0..n0+W]` with the tile of `C` in
/// registers; with a `start` row, the tile starts from that row instead of from `C`. Only
/// the tile's columns from `keep` on are stored.
#[inline(always)]
fn tile<const R: usize, const W: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]],
    start: Option<&[f32; N]>,
    a: impl Fn(usize, usize) -> f32,
    b: &[[f32; N]; K],
    (m0, n0): (usize, usize),
    keep: usize,
) {
    let mut acc = [[0.0f32; W]; R];
    for (r, row) in acc.iter_mut().enumerate() {
        row.copy_from_slice(&start.unwrap_or(&c[m0 + r])[n0..n0 + W]);
    }
    for (k, brow) in b.iter().enumerate() {
        let piece: &[f32; W] = brow[n0..n0 + W].try_into().expect("tile inside the row");
        for (r, row) in acc.iter_mut().enumerate() {
            axpy(row, a(m0 + r, k), piece);
        }
    }
    for (r, row) in acc.iter().enumerate() {
        c[m0 + r][n0 + keep..n0 + W].copy_from_slice(&row[keep..]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::mul_add;
    use super::*;

    #[test]
    fn matmul_matches_the_definition_on_every_tile_path() {
        check_matmul::<6, 5, 83>(); // 64 + 16 + 3 columns, 4 + 2 rows: every wide path
        check_matmul::<13, 7, 91>(); // 5 x 16 + 8 + 3 (or 64 + 16 + 8 + 3) columns, 6 + 6 + 1 rows
        check_matmul::<11, 4, 25>(); // 16 + 8 + 1 columns; 6 + 5 (or 4 + 4 + 3) rows
        check_matmul::<7, 3, 25>(); // a narrow matrix: 16 + 9 columns, 4 + 3 rows
        check_matmul::<20, 25, 20>(); // 16 + a vector overlapping the last 4 (AVX2)
        check_matmul::<25, 20, 25>(); // Project 2's weight gradient: 16 + 8 + one by columns
        check_matmul::<13, 5, 2>(); // two columns: computed as the transpose
        check_matmul::<9, 3, 7>(); // fewer columns than lanes (AVX2, AVX-512)
        check_matmul::<11, 600, 83>(); // a long reduction
        check_matmul::<13, 9, 10>(); // one to two vectors wide (AVX2): tiles of 2 vectors
        check_matmul::<32, 9, 10>(); // the same, Aᵀ B as (Bᵀ A)ᵀ (AVX2: 10 of 16 lanes)
        check_matmul::<2, 7, 25>(); // 2 rows, the whole width in one tile (AVX2: 4 vectors)
        check_matmul::<4, 6, 20>(); // 4 rows of 3 vectors (AVX2)
        check_matmul::<20, 9, 2>(); // two columns: Cᵀ of 2 x 20 in one tile (AVX2)
        check_matmul::<27, 4, 30>(); // the same with AVX-512: three tiles of 9 rows
        check_matmul::<17, 5, 50>(); // 4 vectors, the last overlapping (AVX-512): 6 + 6 + 5 rows
        check_matmul::<9, 6, 48>(); // 3 whole vectors (AVX-512): 5 + 4 rows
    }

    fn check_matmul<const M: usize, const K: usize, const N: usize>() {
        let value = |i: usize, j: usize, s: f32| ((i * 31 + j * 17) as f32 * 0.013 + s).sin();
        let a: [[f32; K]; M] = core::array::from_fn(|m| core::array::from_fn(|k| value(m, k, 0.1)));
        let a_t: [[f32; M]; K] = core::array::from_fn(|k| core::array::from_fn(|m| a[m][k]));
        let b: [[f32; N]; K] = core::array::from_fn(|k| core::array::from_fn(|n| value(k, n, 0.7)));
        let start: [[f32; N]; M] =
            core::array::from_fn(|m| core::array::from_fn(|n| value(m, n, 1.3)));
        let (mut c1, mut c2, mut c3) = (start, start, [[f32::NAN; N]; M]);
        matmul_acc(&mut c1, &a, &b);
        matmul_at_acc(&mut c2, &a_t, &b);
        matmul_from_row(&mut c3, &start[M / 2], &a, &b);
        // Rounding errors grow with the length of the sums (600 terms: about 1e-4).
        let tolerance = 1e-6 * K.max(10) as f32;
        for m in 0..M {
            for n in 0..N {
                // The definition, one multiply-add at a time in order of `k`: to the bit.
                let plain = (0..K).fold(start[m][n], |c, k| mul_add(a[m][k], b[k][n], c));
                assert_eq!(c1[m][n].to_bits(), plain.to_bits(), "({m}, {n})");
                let exact: f64 = start[m][n] as f64
                    + (0..K).map(|k| a[m][k] as f64 * b[k][n] as f64).sum::<f64>();
                assert!(
                    (c1[m][n] as f64 - exact).abs() < tolerance as f64,
                    "({m}, {n})"
                );
                assert_eq!(c1[m][n], c2[m][n]);
                let from_row = start[M / 2][n] + (0..K).map(|k| a[m][k] * b[k][n]).sum::<f32>();
                assert!(
                    (c3[m][n] - from_row).abs() < tolerance,
                    "({m}, {n}) from a row"
                );
                if m == M / 2 {
                    assert_eq!(c3[m][n], c1[m][n]);
                }
            }
        }
    }
}
