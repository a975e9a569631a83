//! numpy's legacy `RandomState` permutation, bit for bit, so the lab's splits equal the reference script's.
//!
//! The script shuffles with pandas `df.sample(frac=1, random_state=123)`. pandas turns the integer into
//! `numpy.random.RandomState(123)` and, for a sample without replacement and without weights, takes
//! `permutation(n)[:n]`. `permutation(n)` shuffles `arange(n)` in place: Fisher–Yates from the last index
//! down, each `j` drawn by `random_interval(i)` — a 32-bit MT19937 output masked to the smallest all-ones
//! mask covering `i`, redrawn while above `i` (rejection, no modulo bias). Getting any of these details
//! wrong (seeding, mask, direction) gives a different order and so different files; the tests pin the
//! output against numpy's for several seeds and sizes.

/// The Mersenne Twister MT19937 as numpy's `RandomState` seeds and draws it.
pub struct Mt19937 {
    state: [u32; 624],
    pos: usize,
}

impl Mt19937 {
    /// `RandomState(seed)` for an integer seed: the classic `init_genrand` (Knuth's multiplier).
    pub fn new(seed: u32) -> Self {
        let mut state = [0u32; 624];
        state[0] = seed;
        for i in 1..624 {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 { state, pos: 624 }
    }

    fn twist(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX_A: u32 = 0x9908_b0df;
        for i in 0..624 {
            let y = (self.state[i] & UPPER) | (self.state[(i + 1) % 624] & LOWER);
            let mut v = self.state[(i + 397) % 624] ^ (y >> 1);
            if y & 1 != 0 {
                v ^= MATRIX_A;
            }
            self.state[i] = v;
        }
        self.pos = 0;
    }

    /// The next 32-bit output (tempered).
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= 624 {
            self.twist();
        }
        let mut y = self.state[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// numpy's `mt19937_next64`: two 32-bit outputs, the first one high.
    pub fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        (hi << 32) | u64::from(self.next_u32())
    }

    /// numpy's `random_interval(max)`: uniform in `0..=max` by masked rejection.
    pub fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        if max <= 0xffff_ffff {
            loop {
                let v = u64::from(self.next_u32()) & mask;
                if v <= max {
                    return v;
                }
            }
        }
        loop {
            let v = self.next_u64() & mask;
            if v <= max {
                return v;
            }
        }
    }
}

/// `numpy.random.RandomState(seed).permutation(n)`.
pub fn permutation(n: usize, seed: u32) -> Vec<u32> {
    let mut out: Vec<u32> = (0..n as u32).collect();
    let mut rng = Mt19937::new(seed);
    for i in (1..n).rev() {
        let j = rng.interval(i as u64) as usize;
        out.swap(i, j);
    }
    out
}

/// The row order after `times` calls of pandas `df.sample(frac=1, random_state=seed)`, each on the
/// previous result: entry `i` is the original row that ends up at position `i`.
///
/// One shuffle gives `new[i] = old[p[i]]`; the second shuffle draws the same `p` again (same seed) and
/// applies it to the already shuffled frame, so after two the order is `p[p[i]]`.
pub fn sample_order(n: usize, seed: u32, times: usize) -> Vec<u32> {
    let p = permutation(n, seed);
    let mut order: Vec<u32> = (0..n as u32).collect();
    for _ in 0..times {
        order = p.iter().map(|&k| order[k as usize]).collect();
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_ten_of_fifty_thousand_match_numpy() {
        // From the facts file: numpy.random.RandomState(123).permutation(50000)[:10].
        assert_eq!(
            permutation(50_000, 123)[..10],
            [11872, 40828, 36400, 5166, 30273, 31249, 21872, 47728, 7261, 6456]
        );
    }

    #[test]
    fn mt_matches_reference_outputs() {
        // The reference implementation's published first output for init_genrand(5489).
        let mut mt = Mt19937::new(5489);
        assert_eq!(mt.next_u32(), 3_499_211_612);
    }

    #[test]
    fn sampling_twice_composes() {
        let p = permutation(10, 123);
        let twice = sample_order(10, 123, 2);
        for i in 0..10 {
            assert_eq!(twice[i], p[p[i] as usize]);
        }
        assert_eq!(sample_order(10, 123, 1), p);
        assert_eq!(sample_order(0, 1, 2), Vec::<u32>::new());
    }
}
