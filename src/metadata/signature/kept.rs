//! Bytes kept to be read again, in pieces of [`PIECE`] bytes: no single allocation grows with
//! the document (mimalloc commits a fresh arena for a block of a few MiB, which showed as 16 MiB
//! more peak memory for a whole `inspect` of an aggregate).

use std::io::{BufRead, Read};

use super::xml::read_buffered;

const PIECE: usize = 64 * 1024;

#[derive(Default)]
pub(super) struct Kept {
    pieces: Vec<Vec<u8>>,
    len: usize,
}

impl Kept {
    pub fn push(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len();
        while !bytes.is_empty() {
            let room = self.pieces.last().map_or(0, |p| PIECE - p.len());
            if room == 0 {
                self.pieces.push(Vec::with_capacity(PIECE));
                continue;
            }
            let take = room.min(bytes.len());
            if let Some(piece) = self.pieces.last_mut() {
                piece.extend_from_slice(&bytes[..take]);
            }
            bytes = &bytes[take..];
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// A copy of the bytes from `start` to `end` (as far as they are kept).
    pub fn range(&self, start: usize, end: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(end.saturating_sub(start));
        let mut at = 0;
        for piece in &self.pieces {
            let (from, to) = (start.max(at), end.min(at + piece.len()));
            if from < to {
                out.extend_from_slice(&piece[from - at..to - at]);
            }
            at += piece.len();
        }
        out
    }

    /// The bytes again, from the start.
    pub fn reader(&self) -> KeptReader<'_> {
        KeptReader {
            pieces: &self.pieces,
            position: 0,
        }
    }

    /// The pieces, in order.
    pub fn into_pieces(self) -> Vec<Vec<u8>> {
        self.pieces
    }
}

pub(super) struct KeptReader<'k> {
    pieces: &'k [Vec<u8>],
    position: usize,
}

impl Read for KeptReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        read_buffered(self, out)
    }
}

impl BufRead for KeptReader<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while let Some((first, rest)) = self.pieces.split_first() {
            if self.position < first.len() {
                return Ok(&first[self.position..]);
            }
            self.pieces = rest;
            self.position = 0;
        }
        Ok(&[])
    }

    fn consume(&mut self, amount: usize) {
        self.position += amount;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_read_back_as_one_stream() {
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut kept = Kept::default();
        for part in bytes.chunks(30_001) {
            kept.push(part);
        }
        assert_eq!(kept.len(), bytes.len());
        let mut again = Vec::new();
        kept.reader()
            .read_to_end(&mut again)
            .expect("reads from memory");
        assert_eq!(again, bytes);
        assert_eq!(kept.range(65_000, 140_000), bytes[65_000..140_000]);
        assert!(kept.into_pieces().iter().all(|p| p.capacity() == PIECE));
    }
}
