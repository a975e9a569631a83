//! A counting allocator: the peak heap an input makes the parsers use, so "sizes declared inside a file
//! can never make the lab allocate more than a stated bound" is checked on every input, not assumed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// One request above this is refused (the allocation fails, the process aborts and the crash handler keeps
/// the input): no file the lab reads may ask for 4 GiB at once.
pub const HARD_LIMIT: usize = 4 << 30;

/// Counts `size` more bytes live (when the allocation `p` succeeded) and raises the peak.
fn grew(p: *mut u8, size: usize) -> *mut u8 {
    if !p.is_null() {
        let now = LIVE.fetch_add(size, Ordering::Relaxed) + size;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
    p
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > HARD_LIMIT {
            return std::ptr::null_mut();
        }
        grew(System.alloc(layout), layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > HARD_LIMIT {
            return std::ptr::null_mut();
        }
        grew(System.alloc_zeroed(layout), layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > HARD_LIMIT {
            return std::ptr::null_mut();
        }
        let p = System.realloc(ptr, layout, new_size);
        if new_size >= layout.size() {
            grew(p, new_size - layout.size())
        } else {
            if !p.is_null() {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
            p
        }
    }
}

/// Starts measuring: the peak is reset to what is live now.
pub fn start() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

/// Heap bytes the input added at its peak.
pub fn peak_since(base: usize) -> usize {
    PEAK.load(Ordering::Relaxed).saturating_sub(base)
}
