//! A small deterministic PRNG (splitmix64): the corpus must be identical for a given seed on
//! every machine and toolchain, so no external RNG crate whose streams may change.

/// splitmix64 generator (Steele, Lea, Flood 2014): 64-bit state, passes BigCrush, trivially
/// seedable from any `u64`.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose whole stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// A generator for one object, derived from the corpus seed, the type's index and the
    /// object's number, so that any object can be regenerated alone.
    pub fn for_object(seed: u64, type_index: usize, n: usize) -> Self {
        let mut r = Rng::new(seed ^ 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(type_index as u64 + 1));
        let salt = r.next_u64();
        let mut r = Rng::new(salt ^ (n as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Multiply-shift (Lemire) avoids the modulo bias of `% n` for small n well enough.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi` (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64 + 1;
        lo + ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as i64
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A random subset of `items` (at least `min` elements when there are that many), in the
    /// slice's order.
    pub fn subset<'a, T>(&mut self, items: &'a [T], min: usize) -> Vec<&'a T> {
        let mut out: Vec<&T> = items.iter().filter(|_| self.chance(0.35)).collect();
        while out.len() < min.min(items.len()) {
            let x = self.pick(items);
            if !out.iter().any(|y| std::ptr::eq(*y, x)) {
                out.push(x);
            }
        }
        out
    }

    /// 16 random bytes.
    pub fn bytes16(&mut self) -> [u8; 16] {
        let a = self.next_u64().to_le_bytes();
        let b = self.next_u64().to_le_bytes();
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&a);
        out[8..].copy_from_slice(&b);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs of splitmix64 seeded with 0 (reference implementation by Vigna).
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn below_and_range_stay_in_bounds() {
        let mut r = Rng::new(7);
        for _ in 0..10_000 {
            assert!(r.below(3) < 3);
            let x = r.range(-5, 5);
            assert!((-5..=5).contains(&x));
        }
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn subset_respects_min() {
        let mut r = Rng::new(1);
        for _ in 0..100 {
            assert!(r.subset(&[1, 2, 3, 4], 2).len() >= 2);
        }
    }
}
