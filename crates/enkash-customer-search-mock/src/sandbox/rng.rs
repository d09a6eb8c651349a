//! Randomness from `fastrand`: a seeded generator for the data set (the same seed gives the
//! same customers with the `fastrand` version in `Cargo.lock`), and its thread-local one for
//! tokens and request ids. Nothing in a sandbox needs cryptographic randomness.

/// The seeded generator, with the draws the data set is made of.
#[derive(Clone, Debug)]
pub(crate) struct Dice(fastrand::Rng);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Dice(fastrand::Rng::with_seed(seed))
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0.u64(..n)
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        self.0.i64(low..=high)
    }

    /// `true` with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.0.u64(..100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.0.usize(..items.len())]
    }

    /// An index chosen with the given weights (not all zero).
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let mut roll = self.0.u64(..weights.iter().sum::<u64>());
        for (i, weight) in weights.iter().enumerate() {
            if roll < *weight {
                return i;
            }
            roll -= weight;
        }
        weights.len() - 1
    }

    /// `len` characters drawn from `alphabet`.
    pub fn string_from(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(*self.pick(alphabet))).collect()
    }

    /// `len` decimal digits, the first not zero.
    pub fn digits_nonzero_first(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len);
        out.push(char::from(*self.pick(&DIGITS[1..])));
        out.push_str(&self.string_from(DIGITS, len - 1));
        out
    }
}

/// `0-9`.
pub(crate) const DIGITS: &[u8] = b"0123456789";
/// `A-Z`.
pub(crate) const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// `0-9A-Z`.
pub(crate) const UPPER_ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A random version-4 UUID in its usual text form, as Spring writes token and request ids.
pub(crate) fn uuid() -> String {
    let (a, b) = (fastrand::u64(..), fastrand::u64(..));
    let a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_draws() {
        let draws = |seed| {
            let mut dice = Dice::new(seed);
            (0..50).map(|_| dice.range(0, 1000)).collect::<Vec<_>>()
        };
        assert_eq!(draws(42), draws(42));
        assert_ne!(draws(42), draws(43));
    }

    #[test]
    fn draws_stay_in_bounds() {
        let mut dice = Dice::new(7);
        for _ in 0..10_000 {
            assert!((-3..=3).contains(&dice.range(-3, 3)));
            assert!(dice.weighted(&[0, 5, 0, 1]) % 2 == 1);
            assert!(!dice.chance(0) && dice.chance(100));
        }
        assert_ne!(dice.digits_nonzero_first(8).as_bytes()[0], b'0');
    }

    #[test]
    fn uuids_have_the_v4_shape() {
        let id = uuid();
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(&id[14..15], "4", "{id}");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert_ne!(uuid(), id);
    }
}
