//! FNV-1a, the one non-cryptographic hash of stable values: seeds derived from words, and the
//! checksums of saved files. (In-memory tables use FxHash: their hashes are never stored.)

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a of `bytes`, one byte at a time (the textbook function).
#[inline]
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ b as u64).wrapping_mul(PRIME))
}

/// FNV-1a over 8-byte little-endian words, then the remaining bytes one at a time, continuing
/// from `h` (start with [`fnv1a_wide_start`]). Eight times fewer steps than [`fnv1a`], for the
/// checksum of a native file's header blocks, which must stay cheap for large vocabularies.
#[inline]
pub fn fnv1a_wide(bytes: &[u8], mut h: u64) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h ^= u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = h.wrapping_mul(PRIME);
    }
    for &b in chunks.remainder() {
        h ^= b as u64;
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// The starting value of [`fnv1a_wide`].
pub const fn fnv1a_wide_start() -> u64 {
    OFFSET
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // The FNV-1a test vectors of the reference implementation.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        // Up to 7 bytes, the wide form is the byte form.
        assert_eq!(fnv1a_wide(b"foobar", fnv1a_wide_start()), fnv1a(b"foobar"));
    }
}
