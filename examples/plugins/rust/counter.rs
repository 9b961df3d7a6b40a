//! A RustyPotato WebAssembly plugin in Rust (std, no crates):
//!
//!   FCALL rust_incrby 1 <key> <n>  -> INCRBY key n, the reply passed through
//!   FCALL_RO rust_len 1 <key>      -> the length of the string at key, as an integer
//!
//! Build: rustc --target wasm32-unknown-unknown --crate-type cdylib -O counter.rs
//! (Debian: rustc, libstd-rust-dev-wasm32 and lld; add -C linker=wasm-ld
//! where rust-lld is not installed).

#[link(wasm_import_module = "rp")]
extern "C" {
    fn library(name: *const u8, len: u32) -> i32;
    fn register(id: i32, name: *const u8, len: u32, flags: u32, desc: *const u8, dlen: u32) -> i32;
    fn args(buf: *mut u8, cap: u32) -> u32;
    fn call(cmd: *const u8, len: u32, out: *mut u8, cap: u32) -> u32;
    fn reply(buf: *mut u8, cap: u32) -> u32;
    fn result(buf: *const u8, len: u32);
}

const NO_WRITES: u32 = 1;

#[no_mangle]
pub extern "C" fn rp_init() {
    unsafe {
        library(b"rustlib".as_ptr(), 7);
        register(0, b"rust_incrby".as_ptr(), 11, 0, b"INCRBY".as_ptr(), 6);
        register(1, b"rust_len".as_ptr(), 8, NO_WRITES, b"".as_ptr(), 0);
    }
}

/// The call's keys and arguments, decoded from (u32 length, bytes) items.
fn items() -> Vec<Vec<u8>> {
    let n = unsafe { args(std::ptr::null_mut(), 0) } as usize;
    let mut buf = vec![0u8; n];
    unsafe { args(buf.as_mut_ptr(), n as u32) };
    let mut out = Vec::new();
    let mut p = 0;
    while p + 4 <= n {
        let l = u32::from_le_bytes([buf[p], buf[p + 1], buf[p + 2], buf[p + 3]]) as usize;
        out.push(buf[p + 4..p + 4 + l].to_vec());
        p += 4 + l;
    }
    out
}

/// Runs a command and returns its RESP reply.
fn command(argv: &[&[u8]]) -> Vec<u8> {
    let mut enc = (argv.len() as u32).to_le_bytes().to_vec();
    for a in argv {
        enc.extend_from_slice(&(a.len() as u32).to_le_bytes());
        enc.extend_from_slice(a);
    }
    let mut out = vec![0u8; 512];
    let n = unsafe { call(enc.as_ptr(), enc.len() as u32, out.as_mut_ptr(), out.len() as u32) } as usize;
    if n > out.len() {
        out = vec![0u8; n];
        unsafe { reply(out.as_mut_ptr(), n as u32) };
    }
    out.truncate(n);
    out
}

fn set_result(r: &[u8]) {
    unsafe { result(r.as_ptr(), r.len() as u32) }
}

#[no_mangle]
pub extern "C" fn rp_run(id: i32, nkeys: i32, nargs: i32) -> i32 {
    let it = items();
    match (id, nkeys, nargs) {
        (0, 1, 1) => {
            let r = command(&[b"INCRBY", &it[0], &it[1]]);
            set_result(&r);
            0
        }
        (1, 1, 0) => {
            let r = command(&[b"STRLEN", &it[0]]);
            set_result(&r);
            0
        }
        _ => {
            set_result(b"-ERR wrong number of keys or arguments\r\n");
            1
        }
    }
}
