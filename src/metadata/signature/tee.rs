//! One read for two readers: the metadata parser reads the input through a [`Tee`], which hands
//! every byte it consumes, in chunks over a bounded channel, to verification on another thread.

use std::io::{BufRead, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::verify::verify_stream;
use super::{Invalid, Outcome, Verification, XmlError};

/// Bytes handed over at once.
const CHUNK: usize = 64 * 1024;
/// Chunks in the channel: how far the parser may run ahead of verification.
const CHUNKS_IN_FLIGHT: usize = 4;

/// Run `read` on `input` while verification reads the same bytes; returns what `read` returned
/// and [`verify_stream`]'s answer.
pub(super) fn verify_while<R: BufRead, T>(
    input: R,
    read: impl FnOnce(Tee<R>) -> T,
) -> (T, (Verification, bool)) {
    std::thread::scope(|scope| {
        let (sender, receiver) = sync_channel(CHUNKS_IN_FLIGHT);
        let verifier = scope.spawn(move || {
            verify_stream(Chunks {
                receiver,
                chunk: Vec::new(),
                position: 0,
            })
        });
        let tee = Tee {
            inner: input,
            sender: Some(sender),
            pending: Vec::with_capacity(CHUNK),
        };
        // `read` owns the tee and drops it when done, which ends the verifier's input.
        let result = read(tee);
        let verification = verifier.join().unwrap_or_else(|_| {
            let stopped = XmlError::Io("signature verification stopped unexpectedly".into());
            (
                Verification::of(Outcome::Invalid(Invalid::Xml(stopped))),
                false,
            )
        });
        (result, verification)
    })
}

/// The input as the parser sees it; what it consumes is copied to the verifier.
pub(super) struct Tee<R> {
    inner: R,
    /// `None` once the verifier has stopped listening.
    sender: Option<SyncSender<Vec<u8>>>,
    pending: Vec<u8>,
}

impl<R> Tee<R> {
    fn send_pending(&mut self) {
        if let Some(sender) = &self.sender {
            let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK));
            if sender.send(chunk).is_err() {
                // Verification has its answer: stop copying.
                self.sender = None;
                self.pending = Vec::new();
            }
        }
    }
}

impl<R> Drop for Tee<R> {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            self.send_pending();
        }
    }
}

impl<R: BufRead> Read for Tee<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Tee<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if self.sender.is_some() {
            // The bytes being consumed are those `fill_buf` returned, still buffered.
            if let Ok(buffer) = self.inner.fill_buf() {
                self.pending
                    .extend_from_slice(&buffer[..amount.min(buffer.len())]);
            }
            if self.pending.len() >= CHUNK {
                self.send_pending();
            }
        }
        self.inner.consume(amount);
    }
}

/// The verifier's side: the chunks as one stream, ending when the tee is dropped.
struct Chunks {
    receiver: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    position: usize,
}

impl Read for Chunks {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Chunks {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.position == self.chunk.len() {
            match self.receiver.recv() {
                Ok(chunk) => {
                    self.chunk = chunk;
                    self.position = 0;
                }
                // The tee is gone: the end of the input.
                Err(_) => return Ok(&[]),
            }
        }
        Ok(&self.chunk[self.position..])
    }

    fn consume(&mut self, amount: usize) {
        self.position = (self.position + amount).min(self.chunk.len());
    }
}
