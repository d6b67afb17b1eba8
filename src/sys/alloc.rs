//! The binary's allocator: musl's malloc, with freed small blocks kept for reuse.
//!
//! musl's malloc gives a group of slots back to the kernel as soon as its last slot is freed
//! and maps a fresh one for the next allocation of that size, so a container start spent a
//! measurable share of its CPU in mmap/munmap pairs, TLB flushes and the page faults after
//! them. Here blocks up to 64 KiB are rounded up to a power of two and, once freed, wait on a
//! list of their size for the next allocation of that size; what a process keeps is bounded
//! by its peak use of each size. husk starts no threads, so the lock is never contended; it
//! is there so that the allocator stays sound if that changes.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;
use std::hint::spin_loop;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

const MIN_SHIFT: u32 = 4;
const MAX_SHIFT: u32 = 16;
const SIZES: usize = (MAX_SHIFT - MIN_SHIFT + 1) as usize;
/// musl's malloc returns blocks aligned to 16 bytes.
const MALLOC_ALIGN: usize = 16;

struct Node {
    next: *mut Node,
}

pub struct Recycling {
    lock: AtomicBool,
    free: UnsafeCell<[*mut Node; SIZES]>,
}

// SAFETY: the free lists are only reached through `with_lists`, which holds `lock`.
unsafe impl Sync for Recycling {}

impl Recycling {
    pub const fn new() -> Recycling {
        Recycling {
            lock: AtomicBool::new(false),
            free: UnsafeCell::new([ptr::null_mut(); SIZES]),
        }
    }

    fn with_lists<R>(&self, f: impl FnOnce(&mut [*mut Node; SIZES]) -> R) -> R {
        while self
            .lock
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            spin_loop();
        }
        // SAFETY: the lock is held, so this is the only reference to the lists.
        let result = f(unsafe { &mut *self.free.get() });
        self.lock.store(false, Ordering::Release);
        result
    }
}

impl Default for Recycling {
    fn default() -> Recycling {
        Recycling::new()
    }
}

/// The list a block of `layout` belongs to; None for blocks left to malloc alone.
fn size_class(layout: &Layout) -> Option<usize> {
    if layout.align() > MALLOC_ALIGN {
        return None;
    }
    let shift = layout
        .size()
        .max(1 << MIN_SHIFT)
        .next_power_of_two()
        .trailing_zeros();
    (shift <= MAX_SHIFT).then(|| (shift - MIN_SHIFT) as usize)
}

// SAFETY: every block handed out is either a fresh malloc block of at least the class size
// (16-aligned, so any layout with align <= 16 fits) or one of those returned by `dealloc`
// with the same class; blocks outside the classes go straight to malloc/free.
unsafe impl GlobalAlloc for Recycling {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = size_class(&layout) else {
            return big_alloc(layout);
        };
        let reused = self.with_lists(|lists| {
            let node = lists[class];
            if !node.is_null() {
                // SAFETY: a listed block was written as a Node by `dealloc` and is unused.
                lists[class] = unsafe { (*node).next };
            }
            node
        });
        if !reused.is_null() {
            return reused.cast();
        }
        // SAFETY: malloc with a non-zero size.
        unsafe { libc::malloc(1 << (class as u32 + MIN_SHIFT)).cast() }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = size_class(&layout) else {
            // SAFETY: blocks outside the classes came from malloc or posix_memalign.
            return unsafe { libc::free(block.cast()) };
        };
        self.with_lists(|lists| {
            let node = block.cast::<Node>();
            // SAFETY: the caller gives the block up; it is at least 16 bytes and 16-aligned.
            unsafe { node.write(Node { next: lists[class] }) };
            lists[class] = node;
        });
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees new_size, rounded to the alignment, does not overflow.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (size_class(&layout), size_class(&new)) {
            (Some(a), Some(b)) if a == b => block,
            // SAFETY: both outside the classes with malloc's alignment: a malloc block.
            (None, None) if layout.align() <= MALLOC_ALIGN => unsafe {
                libc::realloc(block.cast(), new_size).cast()
            },
            _ => {
                // SAFETY: a new block of the new layout; the old one is valid for its size.
                unsafe {
                    let moved = self.alloc(new);
                    if !moved.is_null() {
                        ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                    moved
                }
            }
        }
    }
}

fn big_alloc(layout: Layout) -> *mut u8 {
    if layout.align() <= MALLOC_ALIGN {
        // SAFETY: malloc with the caller's non-zero size.
        return unsafe { libc::malloc(layout.size()).cast() };
    }
    let mut block = ptr::null_mut();
    // SAFETY: the alignment is a power of two and a multiple of the pointer size.
    match unsafe { libc::posix_memalign(&mut block, layout.align(), layout.size()) } {
        0 => block.cast(),
        _ => ptr::null_mut(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_up_to_their_class_and_large_or_overaligned_blocks_have_none() {
        let class = |size, align| size_class(&Layout::from_size_align(size, align).unwrap());
        assert_eq!(class(1, 1), Some(0));
        assert_eq!(class(16, 8), Some(0));
        assert_eq!(class(17, 8), Some(1));
        assert_eq!(class(65536, 16), Some(SIZES - 1));
        assert_eq!(class(65537, 16), None);
        assert_eq!(class(64, 64), None);
    }

    #[test]
    fn a_freed_block_is_handed_out_again_for_its_class() {
        let heap = Recycling::new();
        let layout = Layout::from_size_align(100, 8).unwrap();
        // SAFETY: blocks are used within their layouts and freed once.
        unsafe {
            let first = heap.alloc(layout);
            heap.dealloc(first, layout);
            let second = heap.alloc(Layout::from_size_align(120, 8).unwrap());
            assert_eq!(first, second);
            second.write_bytes(0xab, 120);
            let grown = heap.realloc(second, Layout::from_size_align(120, 8).unwrap(), 5000);
            assert_eq!(grown.read(), 0xab);
            heap.dealloc(grown, Layout::from_size_align(5000, 8).unwrap());
        }
    }
}
