//! The socket under tungstenite, gathering the send task's writes into one.
//!
//! tungstenite writes each frame (each fragment of a large one: see `send.rs`) to the socket
//! by itself. Writing a batch of events to a subscriber was so three or more `send` calls, and
//! on loopback each call also runs the receiver's side of TCP: with 50 subscribers, most of
//! the server's time went there. While the send task has its [`Switch`] on, writes go into a
//! buffer instead, and the flush that ends the batch writes the whole of it in one call.
//!
//! The buffer holds at most [`GATHER_BYTES`] (a write that would overflow it first writes out
//! what is held) and is freed once written, so an idle connection keeps none of it. With the
//! switch off — the hello, the receive half's pongs and close replies, the send task's own
//! close — every write goes straight to the socket, as tungstenite made it: a write that
//! tungstenite does not follow with a flush (its reply to a client's close) is never held
//! back. Should something be left in the buffer when the connection is dropped mid-batch, the
//! drop writes what the socket takes at once.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most bytes gathered before they are written: a batch the send task takes in one go
/// (`COALESCE_BYTES` in `send.rs`) fits, so it is one write.
pub const GATHER_BYTES: usize = 64 * 1024;

/// A socket whose writes are gathered while its [`Switch`] is on.
pub struct Gather<T: AsyncWrite + Unpin> {
    inner: T,
    buffer: Vec<u8>,
    /// How much of `buffer` the socket has taken.
    written: usize,
    /// While gathering, the bytes the batch is expected to take (the buffer's first size);
    /// 0 when not.
    on: Arc<AtomicUsize>,
}

/// Turns gathering on for the writes of one batch; the batch's flush writes them out.
#[derive(Clone)]
pub struct Switch(Arc<AtomicUsize>);

impl Switch {
    /// Gathers the writes from now on, for a batch of about `bytes` (what the buffer is first
    /// made to hold, within [`GATHER_BYTES`]).
    pub fn gather(&self, bytes: usize) {
        self.0
            .store(bytes.clamp(1, GATHER_BYTES), Ordering::Relaxed);
    }

    /// Writes go straight to the socket again.
    pub fn stop(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

impl<T: AsyncWrite + Unpin> Gather<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            buffer: Vec::new(),
            written: 0,
            on: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The switch for this socket's send task.
    pub fn switch(&self) -> Switch {
        Switch(Arc::clone(&self.on))
    }

    /// Writes out what is gathered, then frees it.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.buffer.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.buffer[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.buffer = Vec::new();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Gather<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let expected = this.on.load(Ordering::Relaxed);
        let gathering = expected > 0;
        if !gathering || this.buffer.len() + data.len() > GATHER_BYTES {
            ready!(this.poll_drain(cx))?;
        }
        if !gathering || data.len() > GATHER_BYTES {
            return Pin::new(&mut this.inner).poll_write(cx, data);
        }
        if this.buffer.capacity() == 0 {
            // Sized for the batch at once, rather than grown by doubling.
            this.buffer.reserve_exact(expected.max(data.len()));
        }
        this.buffer.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for Gather<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> Drop for Gather<T> {
    fn drop(&mut self) {
        // Only a batch cut short leaves anything here: the socket takes what it can now, and
        // the rest goes with it.
        if self.written < self.buffer.len() {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            let _ = self.poll_drain(&mut cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::io::AsyncWriteExt;

    use super::*;

    /// What a test socket was given: each write, and the flushes.
    #[derive(Default)]
    struct Log {
        writes: Vec<Vec<u8>>,
        flushes: usize,
    }

    /// A socket that records each write, and takes at most `room` bytes more (none: any).
    #[derive(Default)]
    struct Socket {
        log: Arc<Mutex<Log>>,
        room: Option<usize>,
    }

    impl AsyncWrite for Socket {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            data: &[u8],
        ) -> Poll<io::Result<usize>> {
            let this = self.get_mut();
            let n = this.room.map_or(data.len(), |room| room.min(data.len()));
            if n == 0 {
                return Poll::Pending;
            }
            if let Some(room) = &mut this.room {
                *room -= n;
            }
            this.log.lock().unwrap().writes.push(data[..n].to_vec());
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.log.lock().unwrap().flushes += 1;
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    fn socket(room: Option<usize>) -> (Gather<Socket>, Arc<Mutex<Log>>) {
        let log = Arc::default();
        let socket = Socket {
            log: Arc::clone(&log),
            room,
        };
        (Gather::new(socket), log)
    }

    fn writes(log: &Mutex<Log>) -> Vec<Vec<u8>> {
        log.lock().unwrap().writes.clone()
    }

    #[tokio::test]
    async fn with_the_switch_off_every_write_goes_straight_to_the_socket() {
        let (mut gather, log) = socket(None);
        gather.write_all(b"pong").await.unwrap();
        gather.write_all(b"close").await.unwrap();
        assert_eq!(writes(&log), [b"pong".to_vec(), b"close".to_vec()]);
        assert_eq!(log.lock().unwrap().flushes, 0, "nothing waits for a flush");
    }

    #[tokio::test]
    async fn a_batch_reaches_the_socket_in_one_write_at_its_flush_and_its_buffer_is_freed() {
        let (mut gather, log) = socket(None);
        let switch = gather.switch();
        switch.gather(64);
        for piece in [&b"ack,"[..], b"events,", b"fragment"] {
            gather.write_all(piece).await.unwrap();
        }
        assert!(writes(&log).is_empty(), "held until the flush");
        gather.flush().await.unwrap();
        switch.stop();
        assert_eq!(writes(&log), [b"ack,events,fragment".to_vec()]);
        assert_eq!(log.lock().unwrap().flushes, 1);
        assert_eq!(
            gather.buffer.capacity(),
            0,
            "an idle connection keeps no buffer"
        );
        gather.write_all(b"ping").await.unwrap();
        assert_eq!(writes(&log).len(), 2, "off again: straight through");
    }

    #[tokio::test]
    async fn a_batch_larger_than_the_buffer_is_written_in_order_a_buffer_at_a_time() {
        let (mut gather, log) = socket(None);
        gather.switch().gather(GATHER_BYTES);
        let piece: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
        let pieces = 2 * GATHER_BYTES / piece.len() + 1;
        for _ in 0..pieces {
            gather.write_all(&piece).await.unwrap();
        }
        gather.flush().await.unwrap();
        assert_eq!(writes(&log).concat(), piece.repeat(pieces));
        assert!(writes(&log).iter().all(|w| w.len() <= GATHER_BYTES));
        assert_eq!(writes(&log).len(), 3);
        // A piece bigger than the buffer is not copied into it.
        let big = vec![7u8; GATHER_BYTES + 1];
        gather.write_all(&big).await.unwrap();
        assert_eq!(writes(&log).last().unwrap(), &big);
        assert_eq!(gather.buffer.capacity(), 0);
    }

    #[test]
    fn a_socket_that_takes_nothing_makes_the_batch_wait_with_at_most_a_buffer_held() {
        let (mut gather, log) = socket(Some(0));
        gather.switch().gather(GATHER_BYTES);
        let piece = [1u8; 1000];
        let mut taken = 0;
        let mut cx = Context::from_waker(std::task::Waker::noop());
        while let Poll::Ready(n) = Pin::new(&mut gather).poll_write(&mut cx, &piece) {
            taken += n.unwrap();
        }
        assert!(taken <= GATHER_BYTES, "{taken} bytes held");
        assert!(taken > GATHER_BYTES - piece.len());
        assert!(Pin::new(&mut gather).poll_flush(&mut cx).is_pending());
        assert!(writes(&log).is_empty());
    }

    #[tokio::test]
    async fn what_a_batch_cut_short_left_goes_to_the_socket_as_far_as_it_takes_it_at_the_drop() {
        let (mut gather, log) = socket(Some(8));
        gather.switch().gather(GATHER_BYTES);
        gather.write_all(b"close frame").await.unwrap();
        assert!(writes(&log).is_empty());
        drop(gather);
        assert_eq!(writes(&log), [b"close fr".to_vec()]);
    }
}
