//! Keeping the input that kills the process outright (an abort on a failed allocation, a stack overflow),
//! which `catch_unwind` cannot catch: a signal handler writes it to the target's regression folder first.

use std::ffi::CString;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

static INPUT: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static INPUT_LEN: AtomicUsize = AtomicUsize::new(0);
static PATH: AtomicPtr<libc::c_char> = AtomicPtr::new(std::ptr::null_mut());

/// Installs the handler for the fatal signals; `path` is where a killing input is written.
pub fn install(path: &std::path::Path) {
    let c = CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL in the path");
    PATH.store(c.into_raw(), Ordering::SeqCst);
    for sig in [
        libc::SIGABRT,
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGILL,
        libc::SIGFPE,
    ] {
        // SAFETY: a plain handler with SA_ONSTACK (Rust's runtime gives the main thread an alternate
        // stack, so a stack overflow can still be reported); the handler only calls async-signal-safe
        // functions (open, write, close, signal, raise).
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_fatal as *const () as usize;
            sa.sa_flags = libc::SA_ONSTACK | libc::SA_RESETHAND;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// The input about to run (it must stay alive until [`clear`]).
pub fn set(input: &[u8]) {
    INPUT_LEN.store(input.len(), Ordering::SeqCst);
    INPUT.store(input.as_ptr() as *mut u8, Ordering::SeqCst);
}

pub fn clear() {
    INPUT.store(std::ptr::null_mut(), Ordering::SeqCst);
}

extern "C" fn on_fatal(sig: libc::c_int) {
    let msg: &[u8] = b"\nfuzz: the process was killed by a signal; the input is kept at ";
    // SAFETY: async-signal-safe calls only; the pointers were published with SeqCst before the run.
    unsafe {
        let input = INPUT.load(Ordering::SeqCst);
        let path = PATH.load(Ordering::SeqCst);
        if !input.is_null() && !path.is_null() {
            let fd = libc::open(path, libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC, 0o644);
            if fd >= 0 {
                libc::write(fd, input as *const _, INPUT_LEN.load(Ordering::SeqCst));
                libc::close(fd);
                libc::write(2, msg.as_ptr() as *const _, msg.len());
                libc::write(2, path as *const _, libc::strlen(path));
                libc::write(2, b"\n".as_ptr() as *const _, 1);
            }
        }
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}
