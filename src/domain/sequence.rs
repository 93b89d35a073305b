//! The order in which a rotation walks its pool, as a pure function of position.
//!
//! A rotation's airings at a station form one endless sequence; position `g` maps to a
//! pool entry by the rotation's [`Order`]. Each local day starts at a position computed
//! from the calendar alone (slot firings since the campaign began times the slot's
//! nominal capacity), so compiling from any start date gives the same items for the
//! same day: a rolling horizon does not reshuffle the future.

use super::Order;

/// Maps sequence positions to pool entry indices for one rotation at one station.
#[derive(Debug, Clone)]
pub(crate) struct Sequence {
    order: Order,
    pool_len: usize,
    /// Smooth weighted round-robin sequence (for `Weighted`), one period long.
    weighted: Vec<u16>,
    station_seed: u64,
    /// Cached shuffle permutation and the cycle it belongs to.
    perm_cycle: u64,
    perm: Vec<u16>,
}

impl Sequence {
    pub(crate) fn new(order: Order, weights: &[u32], station_seed: u64) -> Self {
        let weighted = match order {
            Order::Weighted => smooth_weighted(weights),
            _ => Vec::new(),
        };
        Self {
            order,
            pool_len: weights.len(),
            weighted,
            station_seed,
            perm_cycle: u64::MAX,
            perm: Vec::new(),
        }
    }

    /// Length of one full pass: after this many positions the pattern repeats.
    pub(crate) fn period(&self) -> u64 {
        match self.order {
            Order::Weighted => self.weighted.len() as u64,
            _ => self.pool_len as u64,
        }
    }

    /// The pool entry at position `pos`.
    pub(crate) fn entry_at(&mut self, pos: u64) -> usize {
        let len = self.pool_len as u64;
        match self.order {
            Order::Sequential => (pos % len) as usize,
            Order::Weighted => self.weighted[(pos % self.period()) as usize] as usize,
            Order::Shuffle { seed } => {
                let cycle = pos / len;
                if cycle != self.perm_cycle {
                    self.perm = permutation(
                        self.pool_len,
                        mix(seed ^ mix(self.station_seed) ^ mix(cycle)),
                    );
                    self.perm_cycle = cycle;
                }
                self.perm[(pos % len) as usize] as usize
            }
        }
    }
}

/// One period of smooth weighted round-robin (as nginx balances upstreams): each entry
/// appears `weight` times, spread as evenly as possible.
fn smooth_weighted(weights: &[u32]) -> Vec<u16> {
    let total: i64 = weights.iter().map(|&w| i64::from(w)).sum();
    let mut current = vec![0i64; weights.len()];
    let mut out = Vec::with_capacity(total as usize);
    for _ in 0..total {
        let mut best = 0;
        for (i, &w) in weights.iter().enumerate() {
            current[i] += i64::from(w);
            if current[i] > current[best] {
                best = i;
            }
        }
        current[best] -= total;
        out.push(best as u16);
    }
    out
}

/// A Fisher–Yates permutation of `0..n` driven by splitmix64 from `seed`.
fn permutation(n: usize, seed: u64) -> Vec<u16> {
    let mut state = seed;
    let mut perm: Vec<u16> = (0..n as u16).collect();
    for i in (1..n).rev() {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let j = (mix(state) % (i as u64 + 1)) as usize;
        perm.swap(i, j);
    }
    perm
}

/// The splitmix64 finaliser: a fixed, platform-independent bit mixer.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a string: stable across platforms and Rust versions, unlike `DefaultHasher`.
pub(crate) fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_spreads_entries_by_weight() {
        assert_eq!(smooth_weighted(&[5, 1, 1]), vec![0, 0, 1, 0, 2, 0, 0]);
    }

    #[test]
    fn shuffle_visits_every_entry_once_per_cycle() {
        let mut seq = Sequence::new(Order::Shuffle { seed: 7 }, &[1; 5], 42);
        for cycle in 0..4u64 {
            let mut seen: Vec<usize> = (0..5).map(|i| seq.entry_at(cycle * 5 + i)).collect();
            seen.sort_unstable();
            assert_eq!(seen, vec![0, 1, 2, 3, 4]);
        }
    }
}
