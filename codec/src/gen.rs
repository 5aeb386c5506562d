//! A tiny deterministic generator of random typed values, for property tests
//! and fuzz seeds (seeded by proptest or by the caller).

/// SplitMix64 generator.
#[derive(Debug, Clone)]
pub struct Gen {
    state: u64,
    /// Generate S-SCTP types too (decode the result with the S-SCTP dialect).
    pub ssctp: bool,
    /// The S-SCTP chunk whose parameters are being generated (they are typed
    /// by position there).
    pub carrier: crate::wire::Carrier,
}

impl Gen {
    /// A generator with the given seed.
    pub fn new(seed: u64) -> Self {
        Gen {
            state: seed,
            ssctp: false,
            carrier: crate::wire::Carrier::Other,
        }
    }
    /// The next 64 random bits.
    pub fn u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.u64() % n
        }
    }
    /// A coin flip.
    pub fn bool(&mut self) -> bool {
        self.u64() & 1 == 1
    }
    /// Up to `max` random bytes.
    pub fn bytes(&mut self, max: u64) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.u64() as u8).collect()
    }
    /// One element of `items` (which must not be empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

impl Gen {
    /// Picks a registry row this generator may produce: standard rows, plus
    /// S-SCTP rows (and minus the standard rows they shadow) when `ssctp` is set.
    pub fn pick_type(
        &mut self,
        table: &'static [crate::registry::TypeInfo],
    ) -> &'static crate::registry::TypeInfo {
        use crate::registry::{DialectTag, Family};
        use crate::wire::Carrier;
        // Inside an S-SCTP handshake chunk the parameters are the ones its
        // position gives (see `Carrier`).
        if table.first().is_some_and(|t| t.family == Family::Param) {
            let of = |v: u16| {
                table
                    .iter()
                    .find(|t| t.value == v && t.dialect != DialectTag::Standard)
            };
            let pick = match self.carrier {
                Carrier::Other => None,
                Carrier::SsOpReq => of(if self.bool() { 0x001E } else { 0x001F }),
                Carrier::SsCert => of(0x0020),
                Carrier::SsSerKey => of(0x0021),
                Carrier::SsCliKey => of(0x0023),
            };
            if let Some(t) = pick {
                return t;
            }
        }
        let ssctp = self.ssctp;
        let shadowed = |t: &crate::registry::TypeInfo| {
            table.iter().any(|o| {
                o.dialect == DialectTag::Ssctp
                    && o.value == t.value
                    && t.dialect == DialectTag::Standard
            })
        };
        let allowed: Vec<&'static crate::registry::TypeInfo> = table
            .iter()
            .filter(|t| match t.dialect {
                DialectTag::Standard => !(ssctp && shadowed(t)),
                DialectTag::Ssctp => ssctp,
                // Typed only by their carrier chunk: never in a generic list.
                DialectTag::SsctpContext => false,
            })
            .collect();
        allowed[self.below(allowed.len() as u64) as usize]
    }
}
