//! Pixel buffers kept between images, so batch runs do not pay the kernel for fresh pages.
//!
//! A 20 MP RGB decode needs 60 MB. The system allocator hands memory that large out as fresh
//! pages and returns it on free, so every image pays one page fault per 4 KiB it touches:
//! on the bench machines that cost as much CPU as the whole shrink-on-load pipeline
//! (docs/measurements.md, "Memory traffic"), and about a fifth of a WebP → JPEG transform. A
//! [`BufferPool`] keeps the large buffers of one transform for the next.

/// Buffers below this size are left to the allocator, which recycles them cheaply.
const MIN_POOLED_BYTES: usize = 256 * 1024;

/// How many buffers a pool keeps at most: a transform has at most this many large buffers
/// alive at once (decoded source, a rotated copy, the encoder's scratch, the resized image).
const MAX_POOLED: usize = 4;

/// Large byte buffers kept for reuse between transforms.
///
/// A buffer handed out by [`BufferPool::take`] has the requested length but **unspecified
/// contents** (bytes of an earlier image): it is only given to code that overwrites every
/// byte it later reads (decoders writing whole images, a transpose, an encoder reporting how
/// much it wrote). The pool holds at most four buffers, so it retains at most four times the
/// largest buffer a transform needed; drop it (or call [`BufferPool::clear`]) to free them.
/// Default: empty.
#[derive(Debug, Default)]
pub struct BufferPool {
    free: Vec<Vec<u8>>,
}

impl BufferPool {
    /// An empty pool.
    pub fn new() -> Self {
        BufferPool::default()
    }

    /// A buffer of exactly `len` bytes with unspecified contents; `None` when the memory
    /// cannot be had (the caller reports it as a size error rather than aborting).
    ///
    /// Prefers the smallest kept buffer that already holds `len` bytes; a fresh allocation
    /// is zeroed lazily by the kernel, so untouched pages cost nothing.
    pub fn take(&mut self, len: usize) -> Option<Vec<u8>> {
        let best = self
            .free
            .iter()
            .enumerate()
            .filter(|(_, b)| b.capacity() >= len)
            .min_by_key(|(_, b)| b.capacity())
            .map(|(i, _)| i);
        let Some(i) = best else {
            // Asking first turns an impossible size into `None` instead of an abort; the
            // zeroed allocation after it is lazy (fresh pages are zero), unlike a resize.
            Vec::<u8>::new().try_reserve_exact(len).ok()?;
            return Some(vec![0; len]);
        };
        let mut buf = self.free.swap_remove(i);
        if buf.len() >= len {
            buf.truncate(len);
        } else {
            // Within capacity: only the tail is written, on pages touched before.
            buf.resize(len, 0);
        }
        Some(buf)
    }

    /// Keeps `buf` for a later [`BufferPool::take`] if it is large enough to be worth it;
    /// when the pool is full the smallest buffer goes.
    pub fn give(&mut self, buf: Vec<u8>) {
        if buf.capacity() < MIN_POOLED_BYTES {
            return;
        }
        self.free.push(buf);
        if self.free.len() > MAX_POOLED {
            if let Some((i, _)) = self
                .free
                .iter()
                .enumerate()
                .min_by_key(|(_, b)| b.capacity())
            {
                self.free.swap_remove(i);
            }
        }
    }

    /// Frees every kept buffer.
    pub fn clear(&mut self) {
        self.free.clear();
    }

    /// Bytes of memory the pool holds.
    pub fn retained_bytes(&self) -> usize {
        self.free.iter().map(Vec::capacity).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: usize = 1 << 20;

    #[test]
    fn reuses_the_smallest_buffer_that_fits() {
        let mut pool = BufferPool::new();
        let big = pool.take(8 * MB).unwrap_or_default();
        let small = pool.take(2 * MB).unwrap_or_default();
        let (big_ptr, small_ptr) = (big.as_ptr(), small.as_ptr());
        pool.give(big);
        pool.give(small);
        let again = pool.take(MB).unwrap_or_default();
        assert_eq!(again.len(), MB);
        assert_eq!(again.as_ptr(), small_ptr);
        let grown = pool.take(3 * MB).unwrap_or_default();
        assert_eq!(grown.len(), 3 * MB);
        assert_eq!(grown.as_ptr(), big_ptr);
    }

    #[test]
    fn a_shorter_kept_buffer_grows_within_its_capacity() {
        let mut pool = BufferPool::new();
        let mut buf = pool.take(4 * MB).unwrap_or_default();
        buf.truncate(MB);
        let ptr = buf.as_ptr();
        pool.give(buf);
        let again = pool.take(3 * MB).unwrap_or_default();
        assert_eq!((again.len(), again.as_ptr()), (3 * MB, ptr));
    }

    #[test]
    fn keeps_at_most_four_large_buffers_and_no_small_ones() {
        let mut pool = BufferPool::new();
        pool.give(vec![0; 1024]);
        assert_eq!(pool.retained_bytes(), 0);
        for mb in 1..=6 {
            pool.give(vec![0; mb * MB]);
        }
        assert_eq!(pool.retained_bytes(), (3 + 4 + 5 + 6) * MB);
        pool.clear();
        assert_eq!(pool.retained_bytes(), 0);
    }

    #[test]
    fn impossible_sizes_are_refused_not_aborted() {
        assert!(BufferPool::new().take(usize::MAX).is_none());
    }
}
