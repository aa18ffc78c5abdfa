//! `ReadBuf`: the buffer a Tokio-shaped `AsyncRead::poll_read` fills.
//!
//! A read into `&mut [u8]` forces the caller to zero its buffer first, which for a large read
//! buffer (a `BufReader`'s, hyper's, a `read_to_end` that grows a `Vec`) costs as much as the read.
//! `ReadBuf` lets readers write into memory that may be uninitialized, and keeps two cursors over it
//! so that nobody reads what was never written:
//!
//! ```text
//! [ filled | initialized, not filled | uninitialized ]
//! 0     filled                  initialized        capacity
//! ```
//!
//! `filled <= initialized <= capacity` always holds. The methods, their names and what they panic on
//! are Tokio's, so code written against `tokio::io::ReadBuf` reads the same here.

use std::fmt;
use std::mem::MaybeUninit;

/// A borrowed byte buffer that is filled bit by bit, and may start out uninitialized.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncRead, ReadBuf};
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
///
/// // A reader that gives the same greeting on every read, as much as fits.
/// struct Greeting;
///
/// impl AsyncRead for Greeting {
///     fn poll_read(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
///         let n = buf.remaining().min(5);
///         buf.put_slice(&b"hello"[..n]);
///         Poll::Ready(Ok(()))
///     }
/// }
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use glasswing::io::AsyncReadExt;
/// let mut buf = [0u8; 3];
/// assert_eq!(Greeting.read(&mut buf).await?, 3);
/// assert_eq!(&buf, b"hel");
/// # Ok(())
/// # }
/// ```
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
    initialized: usize,
}

impl<'a> ReadBuf<'a> {
    /// A `ReadBuf` over initialized memory: all of it counts as initialized, none as filled.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// assert_eq!(buf.capacity(), 8);
    /// assert_eq!(buf.initialized().len(), 8);
    /// assert!(buf.filled().is_empty());
    /// ```
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let initialized = buf.len();
        // SAFETY: `[u8]` and `[MaybeUninit<u8>]` have the same layout, and the `ReadBuf` never writes
        // uninitialized bytes into memory that is initialized (`initialized` only grows).
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf { buf, filled: 0, initialized }
    }

    /// A `ReadBuf` over memory that may be uninitialized.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// use std::mem::MaybeUninit;
    ///
    /// // No zeroing: a reader writes straight into the uninitialized memory.
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 8];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// assert!(buf.initialized().is_empty());
    /// buf.put_slice(b"abc");
    /// assert_eq!(buf.filled(), b"abc");
    /// ```
    #[inline]
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf { buf, filled: 0, initialized: 0 }
    }

    /// The size of the whole buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 16];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"abc");
    /// // The whole buffer, whatever is filled.
    /// assert_eq!(buf.capacity(), 16);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The part filled so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"ab");
    /// buf.put_slice(b"cd");
    /// assert_eq!(buf.filled(), b"abcd");
    /// ```
    #[inline]
    pub fn filled(&self) -> &[u8] {
        // SAFETY: the first `filled` bytes are initialized (`filled <= initialized`).
        unsafe { slice_assume_init(&self.buf[..self.filled]) }
    }

    /// The part filled so far, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"abc");
    /// buf.filled_mut().make_ascii_uppercase();
    /// assert_eq!(buf.filled(), b"ABC");
    /// ```
    #[inline]
    pub fn filled_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `filled`.
        unsafe { slice_assume_init_mut(&mut self.buf[..self.filled]) }
    }

    /// A new `ReadBuf` over at most `n` bytes of this one's unfilled part. What is filled through it
    /// is not counted here: the caller reads its `filled().len()` and calls `advance`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// // Let a reader fill at most 2 bytes, then count them in the outer buffer.
    /// let mut part = buf.take(2);
    /// part.put_slice(b"xy");
    /// let n = part.filled().len();
    /// buf.advance(n);
    /// assert_eq!(buf.filled(), b"xy");
    /// ```
    #[inline]
    pub fn take(&mut self, n: usize) -> ReadBuf<'_> {
        // `remaining()` first: `n` may be `usize::MAX` (a `take(u64::MAX)`), and `filled + n` overflow.
        let end = self.filled + self.remaining().min(n);
        let initialized = self.initialized.saturating_sub(self.filled).min(end - self.filled);
        let mut taken = ReadBuf::uninit(&mut self.buf[self.filled..end]);
        taken.initialized = initialized;
        taken
    }

    /// The part known to be initialized (filled or not).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// use std::mem::MaybeUninit;
    ///
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 8];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// buf.initialize_unfilled_to(4);
    /// // Zeroed, but not filled.
    /// assert_eq!(buf.initialized(), [0; 4]);
    /// assert!(buf.filled().is_empty());
    /// ```
    #[inline]
    pub fn initialized(&self) -> &[u8] {
        // SAFETY: the first `initialized` bytes are initialized, by the invariant.
        unsafe { slice_assume_init(&self.buf[..self.initialized]) }
    }

    /// The part known to be initialized, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 4];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.initialized_mut().copy_from_slice(b"wxyz");
    /// // Written, then counted as filled.
    /// buf.set_filled(2);
    /// assert_eq!(buf.filled(), b"wx");
    /// ```
    #[inline]
    pub fn initialized_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `initialized`.
        unsafe { slice_assume_init_mut(&mut self.buf[..self.initialized]) }
    }

    /// The whole buffer, which may be partly uninitialized.
    ///
    /// # Safety
    /// The caller must not de-initialize any byte that was initialized (write `MaybeUninit::uninit()`
    /// into it).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 4];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// // SAFETY: only initialized bytes are written.
    /// let whole = unsafe { buf.inner_mut() };
    /// assert_eq!(whole.len(), 4);
    /// whole[0].write(b'!');
    /// buf.set_filled(1);
    /// assert_eq!(buf.filled(), b"!");
    /// ```
    #[inline]
    pub unsafe fn inner_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        self.buf
    }

    /// The unfilled part, which may be partly uninitialized: a reader writes into it, then calls
    /// `assume_init` and `advance` for what it wrote.
    ///
    /// # Safety
    /// The caller must not de-initialize any byte that was initialized.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// use std::mem::MaybeUninit;
    ///
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 8];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// // SAFETY: only writes initialized bytes.
    /// let unfilled = unsafe { buf.unfilled_mut() };
    /// unfilled[0].write(b'o');
    /// unfilled[1].write(b'k');
    /// // SAFETY: the two bytes were just written.
    /// unsafe { buf.assume_init(2) };
    /// buf.advance(2);
    /// assert_eq!(buf.filled(), b"ok");
    /// ```
    #[inline]
    pub unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }

    /// The unfilled part, zeroing what of it is still uninitialized first, for readers that need
    /// `&mut [u8]` (a `std::io::Read`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// use std::io::Read;
    /// use std::mem::MaybeUninit;
    ///
    /// // A `std::io::Read` needs `&mut [u8]`: zero the unfilled part for it, then count what it wrote.
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 8];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// let n = (&b"data"[..]).read(buf.initialize_unfilled()).unwrap();
    /// buf.advance(n);
    /// assert_eq!(buf.filled(), b"data");
    /// ```
    #[inline]
    pub fn initialize_unfilled(&mut self) -> &mut [u8] {
        self.initialize_unfilled_to(self.remaining())
    }

    /// The first `n` bytes of the unfilled part, zeroed first where uninitialized.
    ///
    /// # Panics
    /// If fewer than `n` bytes remain.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// use std::mem::MaybeUninit;
    ///
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 8];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// // Zero only what is about to be written, not all 8 bytes.
    /// buf.initialize_unfilled_to(2).copy_from_slice(b"hi");
    /// buf.advance(2);
    /// assert_eq!(buf.filled(), b"hi");
    /// assert_eq!(buf.initialized().len(), 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn initialize_unfilled_to(&mut self, n: usize) -> &mut [u8] {
        assert!(
            self.remaining() >= n,
            "ReadBuf::initialize_unfilled_to: n ({n}) is more than remaining ({})",
            self.remaining()
        );
        let end = self.filled + n;
        if self.initialized < end {
            for byte in &mut self.buf[self.initialized..end] {
                *byte = MaybeUninit::new(0);
            }
            self.initialized = end;
        }
        // SAFETY: `filled..end` lies within `..initialized`, just made so.
        unsafe { slice_assume_init_mut(&mut self.buf[self.filled..end]) }
    }

    /// How many bytes are still unfilled.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"abc");
    /// assert_eq!(buf.remaining(), 5);
    /// ```
    #[inline]
    pub fn remaining(&self) -> usize {
        self.capacity() - self.filled
    }

    /// Forgets what was filled (the memory stays initialized).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"abc");
    /// buf.clear();
    /// assert!(buf.filled().is_empty());
    /// assert_eq!(buf.remaining(), 8);
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Counts `n` more bytes as filled.
    ///
    /// # Panics
    /// If that would count bytes not yet initialized as filled.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.initialize_unfilled()[..3].copy_from_slice(b"abc");
    /// buf.advance(3);
    /// assert_eq!(buf.filled(), b"abc");
    /// ```
    #[inline]
    #[track_caller]
    pub fn advance(&mut self, n: usize) {
        let filled = self.filled.checked_add(n).expect("ReadBuf::advance: filled overflows");
        self.set_filled(filled);
    }

    /// Sets how much is filled (shrinking it is allowed).
    ///
    /// # Panics
    /// If `n` is more than what is initialized: call `assume_init` for bytes a reader wrote first.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"abcdef");
    /// // Drop the last two bytes read.
    /// buf.set_filled(4);
    /// assert_eq!(buf.filled(), b"abcd");
    /// ```
    #[inline]
    #[track_caller]
    pub fn set_filled(&mut self, n: usize) {
        assert!(
            n <= self.initialized,
            "ReadBuf: filled ({n}) must not pass the initialized part ({}); call assume_init first",
            self.initialized
        );
        self.filled = n;
    }

    /// Counts the first `n` bytes of the unfilled part as initialized (never shrinks that part).
    ///
    /// # Safety
    /// Those `n` bytes must really be initialized.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// use std::mem::MaybeUninit;
    ///
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// // SAFETY: only writes initialized bytes.
    /// unsafe { buf.unfilled_mut()[0].write(7) };
    /// // SAFETY: the first unfilled byte was just written.
    /// unsafe { buf.assume_init(1) };
    /// assert_eq!(buf.initialized(), [7]);
    /// ```
    #[inline]
    pub unsafe fn assume_init(&mut self, n: usize) {
        let end = self.filled + n;
        if end > self.initialized {
            self.initialized = end;
        }
    }

    /// Appends `src` to the filled part.
    ///
    /// # Panics
    /// If `src` is longer than what remains.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 4];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"ab");
    /// buf.put_slice(b"cd");
    /// assert_eq!(buf.filled(), b"abcd");
    /// assert_eq!(buf.remaining(), 0);
    /// ```
    #[inline]
    #[track_caller]
    pub fn put_slice(&mut self, src: &[u8]) {
        assert!(
            self.remaining() >= src.len(),
            "ReadBuf::put_slice: {} bytes do not fit in the {} that remain",
            src.len(),
            self.remaining()
        );
        let end = self.filled + src.len();
        // SAFETY: `u8` and `MaybeUninit<u8>` have the same layout; the ranges have the same length
        // and cannot overlap (`src` is a shared borrow, `self.buf` a unique one).
        let dst = &mut self.buf[self.filled..end];
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_mut_ptr().cast::<u8>(), src.len()) };
        if self.initialized < end {
            self.initialized = end;
        }
        self.filled = end;
    }
}

// `bytes::BufMut`, as Tokio's `ReadBuf` has it, so code that fills buffers through `BufMut`
// (`put_u8`, `put_slice`, a codec's encoder) can fill a `ReadBuf` in place.
//
// SAFETY: `remaining_mut` is what is unfilled; `chunk_mut` lends exactly that part, as an
// `UninitSlice` (whose API never de-initializes memory); `advance_mut` counts `cnt` of it as
// initialized and filled, which `BufMut`'s contract lets it assume its caller wrote.
unsafe impl bytes::BufMut for ReadBuf<'_> {
    #[inline]
    fn remaining_mut(&self) -> usize {
        self.remaining()
    }

    #[inline]
    unsafe fn advance_mut(&mut self, cnt: usize) {
        // SAFETY: the caller of `advance_mut` promises it initialized those `cnt` bytes.
        unsafe { self.assume_init(cnt) };
        self.advance(cnt);
    }

    #[inline]
    fn chunk_mut(&mut self) -> &mut bytes::buf::UninitSlice {
        // SAFETY: the slice is only handed on as an `UninitSlice`, which never de-initializes.
        bytes::buf::UninitSlice::uninit(unsafe { self.unfilled_mut() })
    }
}

impl fmt::Debug for ReadBuf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuf")
            .field("filled", &self.filled)
            .field("initialized", &self.initialized)
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// # Safety
/// Every byte of `slice` must be initialized.
unsafe fn slice_assume_init(slice: &[MaybeUninit<u8>]) -> &[u8] {
    // SAFETY: same layout; initialized by the caller's promise.
    unsafe { &*(slice as *const [MaybeUninit<u8>] as *const [u8]) }
}

/// # Safety
/// Every byte of `slice` must be initialized.
unsafe fn slice_assume_init_mut(slice: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    // SAFETY: same layout; initialized by the caller's promise.
    unsafe { &mut *(slice as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

#[cfg(test)]
mod tests {
    use super::ReadBuf;
    use std::mem::MaybeUninit;

    #[test]
    fn put_slice_fills_and_initializes() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut buf = ReadBuf::uninit(&mut storage);
        assert_eq!(buf.initialized().len(), 0);
        buf.put_slice(b"abc");
        assert_eq!(buf.filled(), b"abc");
        assert_eq!(buf.initialized().len(), 3);
        assert_eq!(buf.remaining(), 5);
        buf.clear();
        assert_eq!(buf.filled(), b"");
        assert_eq!(buf.initialized(), b"abc");
    }

    #[test]
    fn initialize_unfilled_zeroes_only_the_uninitialized_part() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 6];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.put_slice(b"xy");
        let unfilled = buf.initialize_unfilled_to(2);
        assert_eq!(unfilled, &[0, 0]);
        unfilled.copy_from_slice(b"zz");
        buf.advance(2);
        assert_eq!(buf.filled(), b"xyzz");
        assert_eq!(buf.initialize_unfilled(), &[0, 0]);
    }

    #[test]
    fn take_limits_and_carries_initialized() {
        let mut storage = *b"0123456789";
        let mut buf = ReadBuf::new(&mut storage);
        buf.advance(2);
        let mut taken = buf.take(3);
        assert_eq!(taken.capacity(), 3);
        assert_eq!(taken.initialized(), b"234");
        taken.put_slice(b"ab");
        let n = taken.filled().len();
        buf.advance(n);
        assert_eq!(buf.filled(), b"01ab");
    }

    #[test]
    fn assume_init_after_writing_through_unfilled_mut() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 4];
        let mut buf = ReadBuf::uninit(&mut storage);
        // SAFETY: only writes.
        let unfilled = unsafe { buf.unfilled_mut() };
        unfilled[0].write(7);
        unfilled[1].write(9);
        // SAFETY: two bytes were just written.
        unsafe { buf.assume_init(2) };
        buf.advance(2);
        assert_eq!(buf.filled(), &[7, 9]);
    }

    #[test]
    #[should_panic(expected = "call assume_init first")]
    fn advancing_past_initialized_panics() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 4];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.advance(1);
    }
}
