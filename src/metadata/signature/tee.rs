//! One read for two readers: the metadata parser reads the input through a [`Tee`], which keeps
//! what it consumes. A document that ends within [`RECORD_LIMIT`] is then verified from those
//! bytes, on the same thread, once the parse is done. A larger one is handed, chunk by chunk
//! over a bounded channel, to verification on a second thread, started when the document grows
//! past that size, so that it never has to be held whole.

use std::cell::RefCell;
use std::io::{BufRead, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};

use super::kept::Kept;
use super::verify::{RECORD_LIMIT, verify_kept, verify_stream};
use super::xml::read_buffered;
use super::{Invalid, Outcome, Verification, XmlError};

/// Bytes handed over at once.
const CHUNK: usize = 64 * 1024;
/// Chunks in the channel: how far the parser may run ahead of verification.
const CHUNKS_IN_FLIGHT: usize = 4;

/// [`verify_stream`]'s answer.
type Answer = (Verification, bool);

/// Run `read` on `input` while verification reads the same bytes; returns what `read` returned
/// and [`verify_stream`]'s answer (or [`verify_bytes`]'s, for a small document).
pub(super) fn verify_while<R: BufRead, T>(
    input: R,
    read: impl FnOnce(Tee<'_, '_, '_, R>) -> T,
) -> (T, Answer) {
    std::thread::scope(|scope| {
        let end = RefCell::new(End::default());
        let tee = Tee {
            inner: input,
            scope,
            end: &end,
            kept: Kept::default(),
            pending: Vec::new(),
            sender: None,
            streaming: false,
        };
        // `read` owns the tee and drops it when done, which ends the verifier's input.
        let result = read(tee);
        let end = end.into_inner();
        let answer = match end.verifier {
            Some(verifier) => verifier.join().unwrap_or_else(|_| {
                let stopped = XmlError::Io("signature verification stopped unexpectedly".into());
                (
                    Verification::of(Outcome::Invalid(Invalid::Xml(stopped))),
                    false,
                )
            }),
            None => (verify_kept(&end.kept), false),
        };
        (result, answer)
    })
}

/// What the tee leaves behind when dropped: the bytes it kept, or the verifier it started.
#[derive(Default)]
struct End<'scope> {
    kept: Kept,
    verifier: Option<ScopedJoinHandle<'scope, Answer>>,
}

/// The input as the parser sees it; what it consumes is kept, or copied to the verifier.
pub(super) struct Tee<'a, 'scope, 'env, R> {
    inner: R,
    scope: &'scope Scope<'scope, 'env>,
    end: &'a RefCell<End<'scope>>,
    /// The bytes consumed so far, before streaming.
    kept: Kept,
    /// While streaming, the bytes not yet sent.
    pending: Vec<u8>,
    /// `None` before streaming, and once the verifier has stopped listening.
    sender: Option<SyncSender<Vec<u8>>>,
    streaming: bool,
}

impl<R> Tee<'_, '_, '_, R> {
    /// The document is larger than a small one: verify it as a stream from here on.
    fn start_streaming(&mut self) {
        let (sender, receiver) = sync_channel(CHUNKS_IN_FLIGHT);
        let verifier = self.scope.spawn(move || {
            verify_stream(Chunks {
                receiver,
                chunk: Vec::new(),
                position: 0,
            })
        });
        self.end.borrow_mut().verifier = Some(verifier);
        self.sender = Some(sender);
        self.streaming = true;
        for piece in std::mem::take(&mut self.kept).into_pieces() {
            self.send(piece);
        }
    }

    fn send_pending(&mut self) {
        let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK));
        self.send(chunk);
    }

    fn send(&mut self, chunk: Vec<u8>) {
        if let Some(sender) = &self.sender
            && sender.send(chunk).is_err()
        {
            // Verification has its answer: stop copying.
            self.sender = None;
            self.pending = Vec::new();
        }
    }
}

impl<R> Drop for Tee<'_, '_, '_, R> {
    fn drop(&mut self) {
        if self.streaming {
            if !self.pending.is_empty() {
                self.send_pending();
            }
        } else {
            self.end.borrow_mut().kept = std::mem::take(&mut self.kept);
        }
    }
}

impl<R: BufRead> Read for Tee<'_, '_, '_, R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.streaming && self.sender.is_none() {
            // Verification has its answer and wants no more bytes: read straight into the
            // caller's buffer. (A buffered reader below hands a read as large as its own
            // buffer straight to the file, so most of an unsigned aggregate is copied once.)
            return self.inner.read(out);
        }
        read_buffered(self, out)
    }
}

impl<R: BufRead> BufRead for Tee<'_, '_, '_, R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if !self.streaming || self.sender.is_some() {
            // The bytes being consumed are those `fill_buf` returned, still buffered.
            if let Ok(buffer) = self.inner.fill_buf() {
                let consumed = &buffer[..amount.min(buffer.len())];
                if self.streaming {
                    self.pending.extend_from_slice(consumed);
                } else {
                    self.kept.push(consumed);
                }
            }
            if !self.streaming && self.kept.len() > RECORD_LIMIT {
                self.start_streaming();
            } else if self.streaming && self.pending.len() >= CHUNK {
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
        read_buffered(self, out)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::{BufReader, Read};

    use super::super::{Outcome, RECORD_LIMIT};
    use super::verify_while;

    /// An unsigned aggregate of `len` bytes or a little more.
    fn unsigned_aggregate(len: usize) -> Vec<u8> {
        let mut xml =
            br#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">"#.to_vec();
        let mut i = 0;
        while xml.len() < len {
            xml.extend_from_slice(
                format!(r#"<md:EntityDescriptor entityID="https://e{i}.example/"/>"#).as_bytes(),
            );
            i += 1;
        }
        xml.extend_from_slice(b"</md:EntitiesDescriptor>");
        xml
    }

    #[test]
    fn every_byte_reaches_the_reader_kept_copied_or_passed_straight_through() {
        let document = unsigned_aggregate(3 * RECORD_LIMIT);
        // A buffered reader below, as `inspect` gives one: reads as large as its buffer go
        // straight to the bytes underneath once verification stops listening.
        let input = BufReader::with_capacity(64 * 1024, document.as_slice());
        let ((read, passed_through), (verification, gave_up)) = verify_while(input, |mut tee| {
            let mut read = Vec::new();
            let mut buffer = vec![0; 256 * 1024];
            loop {
                let n = tee.read(&mut buffer).unwrap();
                if n == 0 {
                    break;
                }
                read.extend_from_slice(&buffer[..n]);
            }
            (read, tee.streaming && tee.sender.is_none())
        });
        assert!(read == document, "the bytes read differ from the input");
        // Verification gave up looking past RECORD_LIMIT, so the last 2 MiB went straight through.
        assert!(passed_through);
        assert!(gave_up);
        assert!(matches!(verification.outcome, Outcome::Unsupported(_)));
    }
}
