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
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
    initialized: usize,
}

impl<'a> ReadBuf<'a> {
    /// A `ReadBuf` over initialized memory: all of it counts as initialized, none as filled.
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let initialized = buf.len();
        // SAFETY: `[u8]` and `[MaybeUninit<u8>]` have the same layout, and the `ReadBuf` never writes
        // uninitialized bytes into memory that is initialized (`initialized` only grows).
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf { buf, filled: 0, initialized }
    }

    /// A `ReadBuf` over memory that may be uninitialized.
    #[inline]
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf { buf, filled: 0, initialized: 0 }
    }

    /// The size of the whole buffer.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The part filled so far.
    #[inline]
    pub fn filled(&self) -> &[u8] {
        // SAFETY: the first `filled` bytes are initialized (`filled <= initialized`).
        unsafe { slice_assume_init(&self.buf[..self.filled]) }
    }

    /// The part filled so far, mutably.
    #[inline]
    pub fn filled_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `filled`.
        unsafe { slice_assume_init_mut(&mut self.buf[..self.filled]) }
    }

    /// A new `ReadBuf` over at most `n` bytes of this one's unfilled part. What is filled through it
    /// is not counted here: the caller reads its `filled().len()` and calls `advance`.
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
    #[inline]
    pub fn initialized(&self) -> &[u8] {
        // SAFETY: the first `initialized` bytes are initialized, by the invariant.
        unsafe { slice_assume_init(&self.buf[..self.initialized]) }
    }

    /// The part known to be initialized, mutably.
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
    #[inline]
    pub unsafe fn inner_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        self.buf
    }

    /// The unfilled part, which may be partly uninitialized: a reader writes into it, then calls
    /// `assume_init` and `advance` for what it wrote.
    ///
    /// # Safety
    /// The caller must not de-initialize any byte that was initialized.
    #[inline]
    pub unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }

    /// The unfilled part, zeroing what of it is still uninitialized first, for readers that need
    /// `&mut [u8]` (a `std::io::Read`).
    #[inline]
    pub fn initialize_unfilled(&mut self) -> &mut [u8] {
        self.initialize_unfilled_to(self.remaining())
    }

    /// The first `n` bytes of the unfilled part, zeroed first where uninitialized.
    ///
    /// # Panics
    /// If fewer than `n` bytes remain.
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
    #[inline]
    pub fn remaining(&self) -> usize {
        self.capacity() - self.filled
    }

    /// Forgets what was filled (the memory stays initialized).
    #[inline]
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Counts `n` more bytes as filled.
    ///
    /// # Panics
    /// If that would count bytes not yet initialized as filled.
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
